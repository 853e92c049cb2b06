"""The articles side of the index: what a change did (``IngestReport``), which articles a
target names, the bundled seeds, and the one-writer lock. Below the service; above the store."""

from __future__ import annotations

import contextlib
import logging
import os
import time
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Sequence

from newsdesk.errors import InvalidInput, NewsdeskError
from newsdesk.retrieval.ingest import Rejected
from newsdesk.retrieval.store import index_root
from newsdesk.types import Article

log = logging.getLogger(__name__)


@dataclass
class IngestReport:
    """What an ingest did, for the user: every file lands in exactly one list."""

    added: list[Article] = field(default_factory=list)
    replaced: list[Article] = field(default_factory=list)
    removed: list[Article] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (what, why)
    rejected: list[Rejected] = field(default_factory=list)
    chunks_embedded: int = 0
    seconds: float = 0.0  # the work, without the wait for another writer
    waited_s: float = 0.0  # for another process's write lock
    index_type: str | None = None  # of the version written, when one was
    # The seed articles that were the whole index when these, the user's first own articles,
    # joined them (0 otherwise): worth telling, since they will answer questions too.
    seeds_kept: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.replaced or self.removed)


def file_gone_under(path: str | None, folders: Sequence[Path]) -> bool:
    """Whether ``path`` lies in one of ``folders`` and no longer exists (for ``--prune``)."""
    if not path or not folders:
        return False
    candidate = Path(path)
    return any(candidate.is_relative_to(folder) for folder in folders) and not candidate.exists()


def skip_line(article: Article, known: Article) -> tuple[str, str]:
    """The skip line of an article whose text is indexed as ``known``, naming the record of a
    JSON file ("…/feed.json#3: already indexed"), not just the file."""
    what = article.record or article.path or article.id
    # A store written before records were named knows the file only: the same file is the same record.
    if known.path == article.path and known.record in (None, article.record):
        return what, "already indexed"
    return what, f"same text as {known.record or known.path or known.id}"


def seed_folder() -> Path:
    """The folder of the bundled seed articles."""
    return Path(str(resources.files("newsdesk.seeds"))).resolve()


def seed_paths() -> list[Path]:
    """The bundled seed articles."""
    return sorted(p for p in seed_folder().iterdir() if p.name.endswith(".txt"))


def is_seed(article: Article, folder: Path | None = None) -> bool:
    """Whether ``article`` was read from the bundled seed articles."""
    return bool(article.path) and Path(article.path).is_relative_to(folder or seed_folder())


def matching_articles(target: str, articles: Sequence[Article]) -> list[Article]:
    """The articles ``target`` names: a file path, a folder (every article read from a file under
    it), or an article id or a prefix of one.

    Raises:
        InvalidInput: ``target`` matches no article, or a short id prefix matches several.
    """
    resolved = Path(target).expanduser().resolve()
    by_path = [a for a in articles if a.path in (target, str(resolved))]
    if by_path:
        return by_path
    under = [a for a in articles if a.path and Path(a.path).is_relative_to(resolved)]
    if under and (resolved.is_dir() or not resolved.exists()):  # a folder, or one since deleted
        return under
    by_id = _by_id_prefix(target, articles)
    if not by_id:
        raise InvalidInput(f"{target!r} matches no indexed article (an id, a file or a folder); see `newsdesk sources`")
    return by_id


def _by_id_prefix(prefix: str, articles: Sequence[Article]) -> list[Article]:
    """The articles whose id starts with ``prefix``. Raises InvalidInput when a short prefix
    (under 16 characters) matches several."""
    found = [a for a in articles if prefix and a.id.startswith(prefix)]
    if len(found) > 1 and len(prefix) < 16:
        raise InvalidInput(f"{prefix!r} matches more than one indexed article; give more of the id (see `newsdesk sources`)")
    return found


def article_by_id(prefix: str, articles: Sequence[Article]) -> Article:
    """The one article whose id starts with ``prefix`` (``newsdesk show``).

    Raises:
        InvalidInput: none matches, or several do.
    """
    found = _by_id_prefix(prefix.strip().lower(), articles)
    if not found:
        raise InvalidInput(f"{prefix!r} is no indexed article's id; see `newsdesk sources` or `newsdesk search`")
    return found[0]


@contextlib.contextmanager
def write_lock(home: Path, what: str):
    """Hold the index's write lock (one writer at a time, across processes); yields the
    seconds spent waiting for it. If another process holds it, say who and wait for it."""
    from filelock import FileLock, Timeout

    root = index_root(home)
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise NewsdeskError(f"cannot create the index directory {root}: {error.strerror or error}") from None
    lock, info = FileLock(str(root / ".write.lock")), root / ".write.lock.info"
    asked, waited = time.perf_counter(), 0.0
    try:
        lock.acquire(timeout=0.5)
    except Timeout:  # a first try's half second is no wait worth reporting; this is
        holder = info.read_text().strip() if info.exists() else "another process"
        log.warning("waiting for %s to finish updating the index…", holder)
        lock.acquire()
        waited = time.perf_counter() - asked
    try:
        info.write_text(f"pid {os.getpid()} ({what}, since {time.strftime('%H:%M:%S')})")
        yield waited
    finally:
        lock.release()
