"""An index version's ``manifest.json`` (written last) as one typed record, ``Manifest``.

Formats read: 1 (flat indexes; the oldest have only ``"index_type": "flat-ip"`` and no
``splitter`` in their chunker settings, which means pysbd) and 2 (IVF indexes, with their
``"index"`` record). A manifest of a format this newsdesk does not read keeps only what every
format has, the counts, the date and each file's size and checksum, so that its version can
still be listed and checked; ``readable`` says whether the rest was read. Keys this version does
not know are kept in ``extra`` (a newer newsdesk may add some without a new format).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .chunk import ChunkerSettings
from .vectors import VectorRecord, vector_backend

FILE_NAME = "manifest.json"
READABLE_FORMATS = (1, 2)  # each index type is written in its backend's format (flat: 1, which older newsdesks read)
# What every format has: enough to list a version and check its files.
ENVELOPE = ("format", "counts", "created", "files")


class ManifestError(ValueError):
    """A manifest that is JSON but not a manifest; the message names what is wrong, in one line."""


@dataclass(frozen=True)
class FileRecord:
    """A file of a version as the manifest records it."""

    bytes: int
    sha256: str


@dataclass(frozen=True)
class Manifest:
    """What a version holds and how it was built (fields in the order of the file)."""

    format: int
    model: str | None = None  # the content fields are None only when the format is not readable
    dim: int | None = None
    chunker: ChunkerSettings | None = None
    index: VectorRecord | None = None
    articles: int | None = None  # "counts"
    chunks: int | None = None
    versions: dict[str, str] | None = None  # of newsdesk, faiss and bm25s that wrote it
    created: str | None = None
    files: dict[str, FileRecord] | None = None  # None: written before checksums
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def readable(self) -> bool:
        """Whether this newsdesk reads this format (else only the envelope was read)."""
        return self.format in READABLE_FORMATS

    @property
    def counts(self) -> dict[str, int | None]:
        return {"articles": self.articles, "chunks": self.chunks}

    @classmethod
    def from_dict(cls, data: Any) -> Manifest:
        """From the file's JSON object; ``ManifestError`` names a wrong or missing field."""
        if not isinstance(data, dict):
            raise ManifestError(f"not an object but {type(data).__name__}")
        fmt = data.get("format")
        if type(fmt) is not int:
            raise ManifestError(f"format must be a whole number, got {fmt!r}")
        counts = _typed(data, "counts", dict, required=False) or {}
        files = _typed(data, "files", dict, required=False)
        envelope = dict(format=fmt, articles=_count(counts, "articles"), chunks=_count(counts, "chunks"),
                        created=_typed(data, "created", str, required=False),
                        files=None if files is None else {name: _file(name, r) for name, r in files.items()})
        if fmt not in READABLE_FORMATS:
            return cls(**envelope, extra={k: v for k, v in data.items() if k not in ENVELOPE})
        try:
            chunker = ChunkerSettings.from_dict(_typed(data, "chunker", dict))
            index = VectorRecord.from_manifest(data)
        except (TypeError, ValueError) as error:
            raise ManifestError(str(error)) from None
        known = {*ENVELOPE, "model", "dim", "chunker", "index", "index_type", "versions"}
        return cls(**envelope, model=_typed(data, "model", str), dim=_typed(data, "dim", int), chunker=chunker,
                   index=index, versions=_typed(data, "versions", dict, required=False),
                   extra={k: v for k, v in data.items() if k not in known})

    def to_dict(self) -> dict[str, Any]:
        """The file's JSON object (without fields that are None), in the order newsdesk writes it."""
        out: dict[str, Any] = {"format": self.format, "model": self.model, "dim": self.dim,
                               "chunker": self.chunker.as_dict() if self.chunker else None}
        if self.index is not None:
            out |= {"index_type": vector_backend(self.index.type).legacy_name, "index": self.index.to_dict()}
        if self.articles is not None or self.chunks is not None:
            out["counts"] = self.counts
        out |= {"versions": self.versions, "created": self.created}
        if self.files is not None:
            out["files"] = {name: {"bytes": r.bytes, "sha256": r.sha256} for name, r in self.files.items()}
        return {k: v for k, v in out.items() if v is not None} | self.extra

    @classmethod
    def load(cls, version: Path) -> Manifest:
        """The manifest of the version folder ``version``.

        Raises:
            OSError, ValueError (a JSONDecodeError, or a ``ManifestError``): it cannot be read.
        """
        return cls.from_dict(json.loads((Path(version) / FILE_NAME).read_text()))


def unreadable(error: Exception) -> str:
    """The problem a version has when its manifest cannot be read: what is wrong in a manifest,
    else only the error's kind (a JSONDecodeError's message is no help to the reader)."""
    return f"{FILE_NAME} is unreadable ({error if isinstance(error, ManifestError) else type(error).__name__})"


def _typed(data: dict, name: str, kind: type, required: bool = True) -> Any:
    value = data.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, kind) or isinstance(value, bool):
        raise ManifestError(f"{name} must be {_WANTED[kind]}, got {value!r}")
    return value


def _count(counts: dict, name: str) -> int | None:
    value = counts.get(name)
    if value is not None and (type(value) is not int or value < 0):
        raise ManifestError(f"counts.{name} must be a whole number, got {value!r}")
    return value


def _file(name: str, record: Any) -> FileRecord:
    if not isinstance(record, dict) or type(record.get("bytes")) is not int or not isinstance(record.get("sha256"), str):
        raise ManifestError(f"files.{name} must be {{\"bytes\": N, \"sha256\": \"…\"}}, got {record!r}")
    return FileRecord(record["bytes"], record["sha256"])


_WANTED = {str: "a string", int: "a whole number", dict: "an object"}
