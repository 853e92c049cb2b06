"""The kinds of source ``Newsdesk.ingest`` reads besides files, chosen by the location given.

A kind turns one location (a sitemap's URL, an archive's address) into Articles and rejections,
fetching through the one guard; the service indexes them with the files' in one update, so a
kind needs no service method, CLI option or bot command of its own: ``newsdesk ingest
LOCATION`` reads it. Adding one (say a sitemap) is a
module of sources/web/ with its ``claims`` and ``read``, and one ``SourceKind`` line in
``SOURCE_KINDS``. A location no kind claims is a path, read by files.py (or the Ray engine).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from newsdesk.types import Article

from ..files import Rejected
from .fetch import Fetched

# A URL fetched through the one guard (fetch.py) with the caller's limits and address policy,
# accepting these content types; FetchError when it cannot be.
Fetch = Callable[[str, tuple[str, ...]], Fetched]


@dataclass(frozen=True)
class SourceKind:
    """One kind of source: which locations it claims and how it reads one."""

    name: str
    claims: Callable[[str], bool]
    read: Callable[[str, Fetch], tuple[list[Article], list[Rejected]]]  # problems are rejections, not raised


# Checked in order; the first that claims a location reads it. None yet: every location is a path.
SOURCE_KINDS: tuple[SourceKind, ...] = ()


def kind_of(location: str) -> SourceKind | None:
    """The kind that reads ``location``; None for a path (a file or folder)."""
    return next((kind for kind in SOURCE_KINDS if kind.claims(location)), None)
