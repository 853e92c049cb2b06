"""The encoder runtimes: the fast ONNX path gives the plain path's vectors, caches its export,
and falls back to torch when it cannot run."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from newsdesk.embeddings import encoder as encoders
from newsdesk.embeddings.encoder import OnnxEncoder, SentenceTransformerEncoder, load_encoder

TEXTS = [
    "German Chancellor Friedrich Merz hosted the Berlin talks on Sunday.",
    "Ukraine said it could give up its bid to join NATO in exchange for security guarantees.",
    "Short.",
    "The central bank raised its main interest rate to 4.5 percent, the highest level since 2008, "
    "citing inflation that has stayed above target for three years despite earlier increases. " * 4,
]


@pytest.mark.slow
def test_onnx_vectors_match_the_plain_path_in_any_order():
    fast, plain = OnnxEncoder(), SentenceTransformerEncoder()
    vectors = fast.embed(TEXTS)
    reference = plain.embed(TEXTS)
    assert vectors.shape == reference.shape == (len(TEXTS), fast.dim) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert (vectors * reference).sum(1).min() > 0.98  # int8 matrix products, same model
    # batches are sorted by length inside; each vector must still land in its own row
    reversed_vectors = fast.embed(TEXTS[::-1])
    assert np.allclose(reversed_vectors[::-1], vectors, atol=1e-5)
    assert fast.embed([]).shape == (0, fast.dim)


MERZ = "German Chancellor Friedrich Merz hosted the Berlin meetings on Sunday."


@pytest.mark.slow
@pytest.mark.parametrize("precision", ["int8", "fp32"])
def test_a_vector_depends_only_on_its_own_text(precision):
    """Alone, on one core (as a Ray worker embeds), and among any companions: the same vector.
    Batched int8 runs shared one activation scale, padding included (cosine 0.992 here)."""
    alone = OnnxEncoder(precision=precision, threads=1).embed([MERZ])[0]
    fast = OnnxEncoder(precision=precision)
    companions = [["Short."], [TEXTS[3]], [MERZ], TEXTS, ["Short."] * 9 + [TEXTS[3]] * 9]
    for others in companions:
        for texts in ([MERZ, *others], [*others, MERZ]):
            vectors = fast.embed(texts)
            assert np.array_equal(vectors[texts.index(MERZ)], alone), (others[:2], float(vectors[texts.index(MERZ)] @ alone))


@pytest.mark.slow
def test_the_export_is_cached_and_reused(tmp_path, monkeypatch):
    monkeypatch.setenv("NEWSDESK_CACHE", str(tmp_path))
    first = OnnxEncoder()
    first.embed(TEXTS[:1])
    cached = list(tmp_path.glob("encoder-*-int8.onnx"))
    assert len(cached) == 1 and not list(tmp_path.glob("*.tmp"))

    def no_second_export(target):
        raise AssertionError("exported again although the cache holds the model")

    second = OnnxEncoder()
    monkeypatch.setattr(second, "_export", no_second_export)
    assert np.allclose(second.embed(TEXTS[:1]), first.embed(TEXTS[:1]))


def test_onnx_falls_back_to_torch(monkeypatch):
    load_encoder.cache_clear()
    monkeypatch.setattr("newsdesk.embeddings.onnx_runtime.onnxruntime_available", lambda: False)
    assert isinstance(load_encoder(None, "onnx"), SentenceTransformerEncoder)
    load_encoder.cache_clear()
    with pytest.raises(ValueError, match="unknown runtime"):
        load_encoder(None, "tensorflow")


def test_only_mean_pooled_normalised_models_take_the_onnx_path(tmp_path):
    assert encoders._pools_mean_and_normalises(encoders.bundled_model_path())
    (tmp_path / "1_Pooling").mkdir()
    (tmp_path / "config.json").write_text("{}")
    (tmp_path / "modules.json").write_text(json.dumps([
        {"type": "sentence_transformers.models.Transformer"}, {"type": "sentence_transformers.models.Pooling"}]))
    (tmp_path / "1_Pooling" / "config.json").write_text(json.dumps({"pooling_mode_cls_token": True}))
    assert not encoders._pools_mean_and_normalises(tmp_path)
    with pytest.raises(ValueError, match="mean-pooled"):
        OnnxEncoder(tmp_path)


@pytest.mark.slow
def test_asking_does_not_import_torch(tmp_path):
    """The quick cold start: with the models exported, answering needs no torch."""
    home = tmp_path / "home"
    program = (
        "import sys\n"
        "from newsdesk.bot.cli import main\n"
        f"code = main(['ask', '--home', {str(home)!r}, 'Who hosted the Berlin talks?'])\n"
        "print('torch imported:', 'torch' in sys.modules, 'exit:', code)\n"
    )
    warm = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=600)
    assert "exit: 0" in warm.stdout, warm.stderr  # builds the seed index (and the cache if needed)
    cold = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=300)
    assert "Merz" in cold.stdout
    assert "torch imported: False exit: 0" in cold.stdout, cold.stderr


def test_an_unusable_cache_is_a_clear_error(tmp_path, monkeypatch):
    from newsdesk.errors import NewsdeskError

    not_a_folder = tmp_path / "cache"
    not_a_folder.write_text("a file where the cache should be")
    monkeypatch.setenv("NEWSDESK_CACHE", str(not_a_folder))
    with pytest.raises(NewsdeskError, match="NEWSDESK_CACHE .*--runtime torch"):
        OnnxEncoder().embed(["anything"])
