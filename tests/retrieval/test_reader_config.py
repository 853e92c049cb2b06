"""reader_config.json as a typed ReaderConfig: today's files load unchanged, a bad one is one line."""

from __future__ import annotations

import json

import pytest

from newsdesk.retrieval.answering.calibration import AnswerCalibration
from newsdesk.retrieval.answering.readers.config import VERSION, ReaderConfig, ReaderConfigError
from newsdesk.retrieval.answering.readers.neural import SHIPPED_DIR

SHIPPED = SHIPPED_DIR / "reader_config.json"


def test_a_file_written_before_versioning_loads_as_version_1_with_its_threshold_and_calibration(tmp_path):
    raw = json.loads(SHIPPED.read_text())
    raw.pop("version", None)
    (tmp_path / "reader_config.json").write_text(json.dumps(raw))
    config = ReaderConfig.load(tmp_path)
    assert config.version == 1 and config.kind == "newsdesk-minilm-reader"
    assert config.abstain_threshold == raw["abstain_threshold"]
    assert config.answer_calibration == AnswerCalibration.from_config(raw["answer_calibration"])
    assert (config.num_layers, config.max_len, config.stride, config.precision) == (
        raw["num_layers"], raw["max_len"], raw["stride"], raw["onnx_precision"])
    assert config.extra == {}


def test_every_field_round_trips_and_a_saved_file_says_its_version(tmp_path):
    raw = json.loads(SHIPPED.read_text())
    assert ReaderConfig.from_dict(raw).to_dict() == {"version": VERSION, **raw}
    ReaderConfig.load(SHIPPED).save(tmp_path)
    again = json.loads((tmp_path / "reader_config.json").read_text())
    assert list(again) == ["version", *(key for key in raw if key != "version")] and again == {"version": VERSION, **raw}
    assert ReaderConfig.load(tmp_path) == ReaderConfig.load(SHIPPED)


def test_absent_fields_stay_absent_and_unknown_keys_are_kept():
    old = {"kind": "newsdesk-minilm-reader", "num_layers": 5, "first_trained_layer": 0, "distilled_from": "runs/v9"}
    config = ReaderConfig.from_dict(old)
    assert config.abstain_threshold is None and config.answer_calibration is None and config.precision == "fp32"
    assert config.extra == {"distilled_from": "runs/v9"}
    assert config.to_dict() == {"version": 1, **old}


def test_a_new_calibration_replaces_the_old_and_keeps_the_rest():
    config = ReaderConfig.load(SHIPPED)
    fitted = AnswerCalibration((0.1, 0.2, 0.3, 0.4, -0.5, 0.6, 0.8, 0.2), -0.7)
    updated = config.with_calibration(fitted, 0.4).to_dict()
    assert updated["answer_calibration"] == fitted.to_config() and updated["abstain_threshold"] == 0.4
    assert {k: v for k, v in updated.items() if k not in ("answer_calibration", "abstain_threshold")} == \
        {k: v for k, v in config.to_dict().items() if k not in ("answer_calibration", "abstain_threshold")}


@pytest.mark.parametrize(("text", "message"), [
    ("{not json", "not valid JSON"),
    ("[1, 2]", "expected a JSON object, got list"),
    ('{"version": 2}', f"version 2 is newer than this newsdesk reads ({VERSION}); upgrade newsdesk"),
    ('{"version": "1"}', "version must be a positive whole number, got '1'"),
    ('{"abstain_threshold": "high"}', "abstain_threshold must be a finite number, got 'high'"),
    ('{"max_len": 25.5}', "max_len must be a whole number, got 25.5"),
    ('{"num_layers": true}', "num_layers must be a whole number, got True"),
    ('{"answer_calibration": {"features": [], "weights": [], "bias": 0}}', "bad answer_calibration: answer calibration features"),
])
def test_a_bad_file_is_refused_in_one_line_naming_it(tmp_path, text, message):
    path = tmp_path / "reader_config.json"
    path.write_text(text)
    with pytest.raises(ReaderConfigError) as error:
        ReaderConfig.load(path)
    assert str(error.value).startswith(f"{path}: ") and message in str(error.value)
    assert "\n" not in str(error.value)


def test_a_missing_file_is_one_line_too(tmp_path):
    with pytest.raises(ReaderConfigError, match="reader_config.json: cannot be read"):
        ReaderConfig.load(tmp_path / "reader_config.json")


def test_whole_numbers_are_read_as_the_field_wants():
    config = ReaderConfig.from_dict({"max_len": 256.0, "abstain_threshold": 1})
    assert config.max_len == 256 and isinstance(config.max_len, int)
    assert config.abstain_threshold == 1.0 and isinstance(config.abstain_threshold, float)
