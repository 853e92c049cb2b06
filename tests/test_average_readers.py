"""training/average_readers.py: the weighted mean of exported readers, written as a reader folder."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
from safetensors.torch import load_file, save_file  # noqa: E402

CONFIG = {"kind": "newsdesk-minilm-reader", "num_layers": 5, "first_trained_layer": 0}


def _reader(folder: Path, value: float, config=CONFIG) -> Path:
    folder.mkdir()
    save_file({"qa.weight": torch.full((2, 3), value, dtype=torch.float16)}, str(folder / "reader.safetensors"))
    (folder / "reader_config.json").write_text(json.dumps(config))
    return folder


def _average(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "newsdesk.training.average_readers", *args], capture_output=True, text=True)


def test_the_weighted_mean_keeps_dtype_and_the_first_config(tmp_path):
    a, b = _reader(tmp_path / "a", 1.0), _reader(tmp_path / "b", 4.0)
    done = _average(str(a), str(b), "--out", str(tmp_path / "soup"), "--weights", "2,1")
    assert done.returncode == 0, done.stderr
    weight = load_file(str(tmp_path / "soup" / "reader.safetensors"))["qa.weight"]
    assert weight.dtype == torch.float16 and torch.allclose(weight.float(), torch.full((2, 3), 2.0))
    assert json.loads((tmp_path / "soup" / "reader_config.json").read_text()) == CONFIG


def test_readers_that_train_other_layers_are_refused(tmp_path):
    a = _reader(tmp_path / "a", 1.0)
    b = _reader(tmp_path / "b", 1.0, {**CONFIG, "first_trained_layer": 2})
    done = _average(str(a), str(b), "--out", str(tmp_path / "soup"))
    assert done.returncode != 0 and "cannot be averaged" in done.stderr
    assert not (tmp_path / "soup").exists()
    done = _average(str(a), str(tmp_path / "nowhere"), "--out", str(tmp_path / "soup"))
    assert done.returncode != 0 and done.stderr.strip() == f"not an exported reader (reader.safetensors + reader_config.json): {tmp_path / 'nowhere'}"
