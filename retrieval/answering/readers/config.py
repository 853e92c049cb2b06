"""``reader_config.json``, the settings of an exported reader, as one typed record.

Files written before versioning have no ``"version"``: they are version 1 and load as they are.
Every field is optional (an export of an older training script may lack some); an absent field
stays absent when the file is saved again, so a file read and saved keeps its fields. Keys this
version does not know are kept in ``extra`` and written back, not rejected: exports carry notes
of their training (``val``, ...) and a newer field must not stop an older newsdesk reading the
rest. A file of a newer version than ``VERSION`` is refused.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from ..calibration import AnswerCalibration

FILE_NAME = "reader_config.json"
VERSION = 1  # the version this newsdesk writes and the newest it reads
SHIPPED_KIND = "newsdesk-minilm-reader"


class ReaderConfigError(ValueError):
    """A reader_config.json that cannot be read; the message is one line naming the file."""


@dataclass(frozen=True)
class ReaderConfig:
    """What an exported reader's folder says about it (fields in the order the file lists them)."""

    version: int = VERSION
    kind: str | None = None  # SHIPPED_KIND for newsdesk's own reader
    base: str | None = None  # the encoder package its lower layers come from
    first_trained_layer: int | None = None
    num_layers: int | None = None  # encoder layers kept (the upper ones are not loaded)
    dtype: str | None = None  # of reader.safetensors
    architecture: str | None = None
    max_answer_tokens: int | None = None
    abstain_threshold: float | None = None  # on the calibrated probability when answer_calibration is set
    onnx_precision: str | None = None  # "int8" or "fp32" (absent: fp32)
    max_len: int | None = None  # window length when reading
    stride: int | None = None  # overlap of a long chunk's windows
    train_max_len: int | None = None
    val: dict | None = None  # the export's validation scores (a note, unused when reading)
    answer_calibration: AnswerCalibration | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # keys this version does not know, kept
    # answer_calibration as the file had it: written back unchanged while it still means the same
    # (a calibration fitted with fewer features loads with more, weighing nothing).
    calibration_entry: dict | None = field(default=None, compare=False, repr=False)

    @property
    def precision(self) -> str:
        """The ONNX precision to export in."""
        return self.onnx_precision or "fp32"

    @classmethod
    def from_dict(cls, data: Any) -> ReaderConfig:
        """From a parsed file; a wrong field raises ``ValueError`` naming it."""
        if not isinstance(data, dict):
            raise ValueError(f"expected a JSON object, got {type(data).__name__}")
        version = data.get("version", 1)  # files before versioning have none
        if not _is_int(version) or version < 1:
            raise ValueError(f"version must be a positive whole number, got {version!r}")
        if version > VERSION:
            raise ValueError(f"version {version} is newer than this newsdesk reads ({VERSION}); upgrade newsdesk")
        values: dict[str, Any] = {"version": int(version)}
        for name, kind in _TYPED.items():
            if name in data and data[name] is not None:
                values[name] = _checked(name, data[name], kind)
        if data.get("answer_calibration") is not None:
            try:
                values["answer_calibration"] = AnswerCalibration.from_config(data["answer_calibration"])
                values["calibration_entry"] = data["answer_calibration"]
            except (ValueError, KeyError, TypeError, AttributeError) as error:
                raise ValueError(f"bad answer_calibration: {error}") from None
        known = {f.name for f in fields(cls)} - {"extra", "calibration_entry"}
        return cls(**values, extra={k: v for k, v in data.items() if k not in known})

    def to_dict(self) -> dict[str, Any]:
        """The file's JSON object: the version, then every field that is set, then ``extra``."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in ("extra", "calibration_entry") or value is None:
                continue
            out[f.name] = self._calibration_json() if f.name == "answer_calibration" else value
        return out | self.extra

    def _calibration_json(self) -> dict:
        entry = self.calibration_entry
        if entry is not None and AnswerCalibration.from_config(entry) == self.answer_calibration:
            return entry
        return self.answer_calibration.to_config()

    @classmethod
    def load(cls, path: Path) -> ReaderConfig:
        """Read ``path`` (a reader_config.json, or the folder holding one)."""
        path = Path(path)
        if path.is_dir():
            path = path / FILE_NAME
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except OSError as error:
            raise ReaderConfigError(f"{path}: cannot be read ({error.strerror or error})") from None
        except ValueError as error:  # JSONDecodeError, or bytes that are not UTF-8
            raise ReaderConfigError(f"{path}: not valid JSON ({error})") from None
        try:
            return cls.from_dict(data)
        except ValueError as error:
            raise ReaderConfigError(f"{path}: {error}") from None

    def save(self, path: Path) -> None:
        """Write to ``path`` (a file, or the folder to write reader_config.json in), indented as exports are."""
        path = Path(path)
        if path.is_dir():
            path = path / FILE_NAME
        path.write_text(json.dumps(self.to_dict(), indent=2) + "\n", encoding="utf-8")

    def with_calibration(self, calibration: AnswerCalibration, threshold: float) -> ReaderConfig:
        """This config with a newly fitted answer calibration and the abstain threshold that goes with it."""
        return replace(self, answer_calibration=calibration, abstain_threshold=threshold, calibration_entry=None)


_TYPED = {"kind": str, "base": str, "first_trained_layer": int, "num_layers": int, "dtype": str, "architecture": str,
          "max_answer_tokens": int, "abstain_threshold": float, "onnx_precision": str, "max_len": int,
          "stride": int, "train_max_len": int, "val": dict}


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _checked(name: str, value: Any, kind: type) -> Any:
    """``value`` as ``kind``; a whole float counts as an int (256.0), any number as a float."""
    if kind is int and isinstance(value, float) and value.is_integer():
        return int(value)
    if kind is float and _is_int(value):
        return float(value)
    if kind is float and isinstance(value, float) and math.isfinite(value):
        return value
    if kind is not float and isinstance(value, kind) and not isinstance(value, bool):
        return value
    wanted = {int: "a whole number", float: "a finite number", str: "a string", dict: "an object"}[kind]
    raise ValueError(f"{name} must be {wanted}, got {value!r}")
