"""The versions of an index on disk and their checks: each version's files by size and SHA-256,
the live one (``CURRENT``, else the newest complete one), the newest intact one before a
version, and what a damaged one lacks."""

from __future__ import annotations

import functools
import hashlib
import json
import logging
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Sequence

from newsdesk.errors import IndexDamaged
from newsdesk.types import Article

from .manifest import FILE_NAME as MANIFEST
from .manifest import FileRecord, Manifest, unreadable

log = logging.getLogger(__name__)


CURRENT_FILE = "CURRENT"
VERSION_PREFIX = "v-"
HASH_BLOCK = 1 << 20


@dataclass(frozen=True)
class Version:
    """One version directory and what a check of it found (``problem`` is None when intact)."""

    path: Path
    manifest: Manifest | None
    problem: str | None
    lacking: tuple[str, ...] = ()  # titles of the articles it holds that the live version lacks

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def intact(self) -> bool:
        return self.problem is None

    def describe(self) -> str:
        """``v-… (6 articles, 40 chunks, 2026-12-01T20:56:00+00:00)`` or ``v-… (damaged: …)``,
        then what it holds that the live version lacks, if anything."""
        if self.problem:
            text = f"{self.name} (damaged: {self.problem})"
        else:
            m = self.manifest
            text = f"{self.name} ({_or(m.articles, '?')} articles, {_or(m.chunks, '?')} chunks, {_or(m.created, 'undated')})"
        return text + (f"; {describe_lacking(self.lacking)}" if self.lacking else "")


def _or(value, default):
    return default if value is None else value


def describe_lacking(titles: Sequence[str], shown: int = 5) -> str:
    """``holds 6 articles the live version lacks: «A», «B», … and 1 more``."""
    names = ", ".join(f"«{t}»" for t in titles[:shown]) + (f" and {len(titles) - shown} more" if len(titles) > shown else "")
    return f"holds {len(titles)} article{'s' * (len(titles) != 1)} the live version lacks: {names}"


def article_titles(version: Path) -> dict[str, str] | None:
    """The id and title of each article a version's store holds, read without its checks (a
    damaged version is read as far as it goes, to say what deleting it loses); None when the
    store cannot be read at all."""
    try:
        lines = (version / "articles.jsonl").read_bytes().decode("utf-8", errors="replace").splitlines()
    except OSError:
        return None
    titles = {}
    for line in lines:
        try:
            record = json.loads(line)
            titles[str(record["id"])] = str(record.get("title") or record.get("url") or record["id"])
        except (ValueError, KeyError, TypeError):
            continue  # a damaged line: the others still count
    return titles


def lacking_titles(version: Path, live_ids: set[str]) -> tuple[str, ...] | None:
    """Titles of the articles ``version`` holds that ``live_ids`` lacks; None when unreadable."""
    titles = article_titles(version)
    if titles is None:
        return None
    return tuple(title for article_id, title in titles.items() if article_id not in live_ids)


def index_root(home: Path) -> Path:
    return Path(home) / "index"


def version_paths(home: Path) -> list[Path]:
    """Every version directory of ``home``, newest first (names sort by creation time)."""
    root = index_root(home)
    try:
        entries = list(root.iterdir())
    except (FileNotFoundError, NotADirectoryError):
        return []
    return sorted((p for p in entries if p.name.startswith(VERSION_PREFIX) and p.is_dir()), key=lambda p: p.name, reverse=True)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(HASH_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def _file_problem(version: Path, name: str, record: FileRecord, deep: bool) -> str | None:
    path = version / name
    try:
        size = path.stat().st_size
    except OSError:
        return f"{name} is missing"
    if size != record.bytes:
        return f"{name} has {size:,} bytes, the manifest says {record.bytes:,}"
    if deep and sha256_of(path) != record.sha256:
        return f"{name} does not match its checksum"
    return None


def check_version(path: Path, deep: bool = True, sizes_only: frozenset[str] = frozenset()) -> Version:
    """Check one version: its manifest is readable and every file it lists has the recorded
    size and (``deep``, except for the files in ``sizes_only``) checksum. Versions written
    before checksums only need their files."""
    try:
        manifest = Manifest.load(path)
    except (OSError, ValueError) as error:
        return Version(path, None, unreadable(error))
    files = manifest.files
    if files is None:  # written before checksums
        missing = [n for n in ("vectors.faiss", "chunks.jsonl", "articles.jsonl") if not (path / n).is_file()]
        return Version(path, manifest, f"{missing[0]} is missing" if missing else None)
    for name, record in files.items():
        problem = _file_problem(path, name, record, deep and name not in sizes_only)
        if problem:
            return Version(path, manifest, problem)
    return Version(path, manifest, None)


def list_versions(home: Path, deep: bool = True, compare: bool | None = None) -> list[Version]:
    """Every version of ``home``, newest first, each checked; with ``compare`` (default: when
    ``deep``), each also names the articles it holds that the live version lacks (what a
    rollback left behind, or a damaged version still holds)."""
    versions = [check_version(p, deep) for p in version_paths(home)]
    if not (deep if compare is None else compare):
        return versions
    try:
        live = current_version(home)
    except IndexDamaged:
        live = None
    live_ids = set((article_titles(live) or {}) if live else ())
    return [v if live is not None and v.path == live else replace(v, lacking=lacking_titles(v.path, live_ids) or ())
            for v in versions]


@functools.lru_cache(maxsize=64)
def _warn_fallback(root: str, why: str, chosen: str) -> None:
    """Say once per process that CURRENT was not usable (a bot asks this on every question)."""
    log.warning("%s/%s %s; using the newest complete version, %s (see `newsdesk rollback --list`)", root, CURRENT_FILE, why, chosen)


def current_version(home: Path) -> Path | None:
    """The live version: the one ``CURRENT`` names. When ``CURRENT`` is missing, empty or names
    a version that is gone, the newest complete version (said once, in a warning).

    Returns:
        None only when ``home`` holds no version at all.
    Raises:
        IndexDamaged: versions exist but none is complete (nothing is deleted then).
    """
    root = index_root(home)
    try:
        name = (root / CURRENT_FILE).read_text().strip()
    except (FileNotFoundError, NotADirectoryError):
        name = ""
    except (OSError, UnicodeDecodeError):
        name = ""
    if name and "/" not in name and (root / name / MANIFEST).is_file():
        return root / name
    paths = version_paths(home)
    if not paths:
        return None
    why = "names the missing version " + name if name else "is missing or empty"
    for path in paths:
        if check_version(path, deep=False).intact:
            _warn_fallback(str(root), why, path.name)
            return path
    raise IndexDamaged(f"{root}/{CURRENT_FILE} {why} and none of the {len(paths)} versions in {root} is complete; "
                       "nothing was deleted: restore the folder from a backup, or move it away and ingest the articles again")


def last_intact_before(home: Path, version: Path | None) -> Version | None:
    """The newest verified version older than ``version`` (than none when None); checks
    versions newest first and stops at the first intact one."""
    for path in version_paths(home):
        if version is None or path.name < version.name:
            candidate = check_version(path, deep=True)
            if candidate.intact:
                return candidate
    return None


def _articles_intact(version: Path) -> bool:
    """Whether a version's articles read back whole (its manifest, checksum and count agree)."""
    try:
        articles_in(version, Manifest.load(version))
    except (OSError, ValueError, TypeError, AttributeError):
        return False
    return True


def damaged_version(version: Path, home: Path, problem: str) -> IndexDamaged:
    """The error for a damaged live version, naming what repairs it: `newsdesk rebuild` when its
    articles are intact (it re-embeds them into a new version), and the way back when there is one."""
    ways = ["run `newsdesk rebuild` to repair it in place from its intact articles"] if _articles_intact(version) else []
    earlier = last_intact_before(home, version)
    if earlier is not None:
        ways.append(f"run `newsdesk rollback` to return to {earlier.describe()}")
    if not ways:
        ways.append("its articles cannot be read and no intact earlier version is kept: "
                    "ingest the article files again into a new home")
    return IndexDamaged(f"the index version {version} is damaged ({problem}); " + ", or ".join(ways))


def damage_report(version: Path, home: Path, problem: str) -> str:
    """What ``info`` says of a damaged live version: the problem and what to run."""
    return str(damaged_version(version, home, problem))


def read_store(version: Path, name: str, files: dict[str, FileRecord] | None) -> list[dict]:
    """The records of a JSON-lines store, checked against the manifest's checksum."""
    data = (version / name).read_bytes()
    record = (files or {}).get(name)
    if record is not None and (len(data) != record.bytes or hashlib.sha256(data).hexdigest() != record.sha256):
        raise ValueError(f"{name} does not match its checksum")
    return [json.loads(line) for line in data.decode("utf-8").splitlines()]


def articles_in(version: Path, manifest: Manifest) -> dict[str, Article]:
    articles = {a.id: a for a in (Article(**r) for r in read_store(version, "articles.jsonl", manifest.files))}
    expected = manifest.articles
    if expected is not None and expected != len(articles):
        raise ValueError(f"articles.jsonl holds {len(articles)} articles, the manifest says {expected}")
    return articles
