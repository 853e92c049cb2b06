"""The index store on disk: save, load, rollback (the versions, ``CURRENT`` and their checks are
versions.py).

A home holds versions (``index/v-...``) and a ``CURRENT`` file naming the live one. A new
version is written completely (each file's size and SHA-256 in its manifest, written last) and
fsynced before ``CURRENT`` is switched with an atomic rename, so readers always see a whole
version and a crash leaves the old one. Nothing is deleted that is not accounted for: a save
keeps the new version, the one it replaced and the newest verified one before it, and a
missing ``CURRENT`` falls back to the newest complete version instead of an empty index.
"""

from __future__ import annotations

import errno
import hashlib
import json
import logging
import os
import shutil
import time
from dataclasses import asdict
from pathlib import Path
from typing import Iterable

from newsdesk.config import crash_point
from newsdesk.errors import DiskFull, IndexDamaged, IndexMismatch, IndexMissing, IndexProblem, NewsdeskError
from newsdesk.types import Article, Chunk

from .build import Index
from .chunk import ChunkerSettings
from .manifest import FILE_NAME as MANIFEST
from .manifest import READABLE_FORMATS, Manifest, unreadable
from .vectors import vector_backend
from .versions import (
    CURRENT_FILE,
    VERSION_PREFIX,
    Version,
    articles_in,
    check_version,
    current_version,
    damaged_version,
    describe_lacking,
    index_root,
    lacking_titles,
    last_intact_before,
    list_versions,
    read_store,
    sha256_of,
)

log = logging.getLogger(__name__)


# ---------------------------------------------------------------- writing


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_file(path: Path, data: bytes) -> dict:
    """Write and fsync ``data``; returns its manifest record (size and checksum)."""
    with open(path, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    return {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def _fsync_and_record(path: Path) -> dict:
    with open(path, "rb+") as handle:
        os.fsync(handle.fileno())
    return {"bytes": path.stat().st_size, "sha256": sha256_of(path)}


def _jsonl(records: Iterable[dict]) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode("utf-8")


def estimated_bytes(index: Index) -> int:
    """About what a version of ``index`` takes on disk: its vectors, texts and BM25 terms."""
    vectors = index.vectors.ntotal * (index.vectors.d * 4 + 16)
    texts = sum(len(a.text.encode("utf-8")) + 300 for a in index.articles.values())
    return vectors + 2 * texts + 100 * len(index.chunks) + 4096


def _write_version(index: Index, staging: Path) -> None:
    import faiss

    files = {}
    faiss.write_index(index.vectors, str(staging / "vectors.faiss"))
    files["vectors.faiss"] = _fsync_and_record(staging / "vectors.faiss")
    files["chunks.jsonl"] = _write_file(
        staging / "chunks.jsonl", _jsonl({"id": c.id, "article_id": c.article_id, "start": c.start, "end": c.end} for c in index.chunks))
    crash_point("mid-write")
    files["articles.jsonl"] = _write_file(staging / "articles.jsonl", _jsonl(asdict(a) for a in index.articles.values()))
    if index.bm25 is not None:
        index.bm25.save(str(staging / "bm25"))
        for part in sorted((staging / "bm25").iterdir()):
            files[f"bm25/{part.name}"] = _fsync_and_record(part)
        _fsync_dir(staging / "bm25")
    # The manifest is written last: a version without one is incomplete by definition.
    _write_file(staging / MANIFEST, json.dumps({**index.manifest, "files": files}, indent=2).encode())
    _fsync_dir(staging)


def _write_failed(error: Exception, root: Path, index: Index) -> NewsdeskError:
    """One line for a failed write: how much room it needs when the disk is full."""
    needed_mb = estimated_bytes(index) / 1e6
    free_mb = shutil.disk_usage(root).free / 1e6
    full = isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT)
    if full or "No space left" in str(error) or free_mb < needed_mb:
        return DiskFull(f"not enough disk space in {root} to write the index: it needs about {needed_mb:,.1f} MB, "
                        f"{free_mb:,.1f} MB are free; free some space and run the command again (the index is unchanged)")
    reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
    return NewsdeskError(f"cannot write the index in {root}: {reason} (the index is unchanged)")


def save_index(index: Index, home: Path) -> Path:
    """Write ``index`` as a new version under ``home`` and make it current, atomically.

    Raises:
        DiskFull, NewsdeskError: the version could not be written; the live one is untouched
            and no partial version is left behind.
    """
    root = index_root(home)
    root.mkdir(parents=True, exist_ok=True)
    try:  # the live version before this one (the caller holds the write lock)
        previous = current_version(home)
    except IndexDamaged:
        previous = None
    name = version_name(time.time_ns())
    staging = root / f".{name}.tmp"
    try:
        staging.mkdir()
        _write_version(index, staging)
        final = root / name
        os.rename(staging, final)
        _fsync_dir(root)
    except (OSError, RuntimeError) as error:  # faiss reports a failed write as a RuntimeError
        shutil.rmtree(staging, ignore_errors=True)
        raise _write_failed(error, root, index) from None
    crash_point("before-switch")
    _switch_to(root, name)
    _remove_superseded(home, keep={final, previous}, live_ids=set(index.articles))
    return final


def version_name(ns: int) -> str:
    """``v-YYYYmmdd-HHMMSS-nnnnnnnnn`` (local time, as homes have always been named) from one
    clock reading: seconds and fraction from two readings could straddle a second and misorder."""
    seconds, fraction = divmod(ns, 10**9)
    return f"{VERSION_PREFIX}{time.strftime('%Y%m%d-%H%M%S', time.localtime(seconds))}-{fraction:09d}"


def _switch_to(root: Path, name: str) -> None:
    pointer_tmp = root / f".{CURRENT_FILE}.tmp"
    _write_file(pointer_tmp, name.encode())
    os.replace(pointer_tmp, root / CURRENT_FILE)
    _fsync_dir(root)


def _remove_superseded(home: Path, keep: set, live_ids: set[str]) -> None:
    """Delete the versions a save supersedes: all but the new one, the one it replaced (a
    reader may still be loading it) and the newest verified one before them (so a damaged
    version never pushes out the last good one); and what a crashed writer left behind. A
    deleted version that held articles the new one (``live_ids``) lacks is named in a warning
    with them, and so is every damaged version deleted."""
    newest = max((p for p in keep if p is not None), key=lambda p: p.name)
    last_good = last_intact_before(home, newest)
    keep = {p for p in keep if p is not None} | ({last_good.path} if last_good else set())
    for path in index_root(home).iterdir():
        superseded = path.is_dir() and path.name.startswith(VERSION_PREFIX) and path not in keep
        if superseded:
            _say_deleted(path, live_ids)
        if superseded or (path.name.startswith(f".{VERSION_PREFIX}") and path.name.endswith(".tmp")):
            shutil.rmtree(path, ignore_errors=True)


def _say_deleted(path: Path, live_ids: set[str]) -> None:
    """The line for a deleted version: what it held that the live one lacks; for a damaged one
    also why it was damaged. An intact version whose articles all live on goes quietly."""
    problem = check_version(path, deep=True).problem
    lost = lacking_titles(path, live_ids)
    kind = "damaged version" if problem else "version"
    why = f" ({problem})" if problem else ""
    if lost is None:
        log.warning("deleted the %s %s%s; its articles could not be read", kind, path.name, why)
    elif lost:
        log.warning("deleted the %s %s%s, which %s (`newsdesk feeds poll` fetches a feed's again)",
                    kind, path.name, why, describe_lacking(lost, shown=10))
    elif problem:
        log.warning("deleted the damaged version %s%s; the live version holds all its articles", path.name, why)
    else:
        log.debug("deleted the superseded version %s", path.name)


def rollback(home: Path, to: str | None = None) -> tuple[Version | None, Version]:
    """Make an earlier intact version live (``to``: its name; default: the newest intact one
    older than the live one). Nothing is deleted. The caller holds the write lock.

    Returns:
        The version that was live (None when none was) and the one that is live now.
    Raises:
        ValueError: ``to`` names no version of ``home`` or a damaged one; there is none to go back to.
    """
    try:
        live = current_version(home)
    except IndexDamaged:
        live = None
    versions = list_versions(home, deep=True, compare=False)
    if to is not None:
        chosen = next((v for v in versions if v.name == to), None)
        if chosen is None:
            raise ValueError(f"there is no version {to!r}; see `newsdesk rollback --list`")
        if not chosen.intact:
            raise ValueError(f"the version {chosen.describe()} cannot be made live")
    else:
        chosen = next((v for v in versions if v.intact and (live is None or v.name < live.name)), None)
        if chosen is None:
            raise ValueError("there is no intact earlier version to return to; see `newsdesk rollback --list`")
    _switch_to(index_root(home), chosen.name)
    return (check_version(live) if live else None), chosen


# ---------------------------------------------------------------- reading


def _live_manifest(home: Path) -> tuple[Path, Manifest]:
    version = current_version(home)
    if version is None:
        raise IndexMissing(f"no index in {home}; run `newsdesk ingest PATH` (or `newsdesk ask` to start from the seed articles)")
    try:
        return version, Manifest.load(version)
    except (OSError, ValueError) as error:
        raise damaged_version(version, home, unreadable(error)) from None


def read_articles(home: Path) -> list[Article]:
    """The articles of the current version, whatever model or settings built it, verified
    against the manifest's count and checksum (so a rebuild never drops what it cannot read)."""
    version, manifest = _live_manifest(home)
    try:
        return list(articles_in(version, manifest).values())
    except (OSError, ValueError, TypeError) as error:
        raise damaged_version(version, home, str(error)) from None


def read_manifest(home: Path) -> Manifest | None:
    """The current version's manifest; None when there is no index or it cannot be read."""
    try:
        return _live_manifest(home)[1]
    except IndexProblem:
        return None


def read_vectors(path: Path, kind: str, mmap: bool):
    """The faiss index of a version, of type ``kind``; IVF lists memory-mapped when ``mmap``
    (``VectorBackend.read``)."""
    return vector_backend(kind).read(path, mmap)


def _check_settings(home: Path, manifest: Manifest, model_name: str | None, settings: ChunkerSettings | None) -> None:
    if model_name is not None and manifest.model != model_name:
        raise IndexMismatch(
            f"the index in {home} was built with the model {manifest.model!r}, not {model_name!r}; "
            "run `newsdesk rebuild` to re-embed it with this model"
        )
    if settings is not None and manifest.chunker != settings:
        raise IndexMismatch(
            f"the index in {home} was built with chunker settings {manifest.chunker.as_dict()}, not {settings.as_dict()}; "
            "run `newsdesk rebuild` to re-chunk it"
        )


def load_index(home: Path, model_name: str | None = None, settings: ChunkerSettings | None = None, mmap: bool = True) -> Index:
    """Load the current index version of ``home``, verified: every file against its size and
    checksum (memory-mapped IVF vectors, which are never read whole, against their size only)
    and the counts against the manifest.

    Raises:
        IndexMissing: no index has been built in ``home``.
        IndexDamaged: files are missing, unreadable or do not match the manifest.
        IndexMismatch: it was built with another model or chunker settings than asked for.
    """
    import bm25s

    version, manifest = _live_manifest(home)
    if not manifest.readable:
        raise IndexMismatch(f"the index in {home} has format {manifest.format}, this newsdesk reads "
                            f"{' and '.join(map(str, READABLE_FORMATS))}; run `newsdesk rebuild`")
    try:
        kind = manifest.index.type
        mapped = frozenset({"vectors.faiss"} if mmap and vector_backend(kind).trained else ())
        # The two stores are checked as they are read, below.
        problem = check_version(version, sizes_only=mapped | {"articles.jsonl", "chunks.jsonl"}).problem
        if problem:
            raise ValueError(problem)
        articles = articles_in(version, manifest)
        chunks = []
        for record in read_store(version, "chunks.jsonl", manifest.files):
            text = articles[record["article_id"]].text[record["start"] : record["end"]]
            chunks.append(Chunk(record["id"], record["article_id"], text, record["start"], record["end"]))
        vectors = read_vectors(version / "vectors.faiss", kind, mmap)
        bm25 = bm25s.BM25.load(str(version / "bm25")) if chunks else None
        if vectors.ntotal != len(chunks) or manifest.chunks != len(chunks):
            raise ValueError(f"{vectors.ntotal} vectors for {len(chunks)} chunks")
    except (OSError, ValueError, KeyError, TypeError, RuntimeError) as error:
        raise damaged_version(version, home, f"{type(error).__name__}: {error}") from None
    _check_settings(home, manifest, model_name, settings)
    return Index(manifest.to_dict(), articles, chunks, vectors, bm25)
