"""What a change to the index did (``IngestReport``) and which indexed articles a target names
(``remove``, ``edit``, ``show``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from newsdesk.errors import InvalidInput
from newsdesk.types import Article

from ..sources.files import Rejected


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
