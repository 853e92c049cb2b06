"""Feeds, the pure parts: the records (``Feed``, ``Item``, a poll's ``FeedResult``), parsing a
feed document and OPML, intervals, and the decisions (``items_to_fetch``, ``remember``,
``record_poll``). No file, no network: retrieval/feeds.py stores, fetches and polls with these.
"""

from __future__ import annotations

import calendar
import contextlib
import io
import re
import xml.etree.ElementTree as ElementTree
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timezone
from typing import Sequence
from urllib.parse import urljoin, urlsplit

from newsdesk.errors import FeedError
from newsdesk.types import Article

DEFAULT_INTERVAL_S = 900.0  # 15 minutes: news feeds rarely change faster, and servers thank us
MIN_INTERVAL_S = 60.0  # polling a feed more often than once a minute is impolite
MAX_SEEN = 2000  # item keys remembered per feed beyond those the feed still lists
MAX_TRIES = 3  # polls that try an item whose page could not be fetched, before it is given up

__all__ = [
    "DEFAULT_INTERVAL_S", "MIN_INTERVAL_S", "MAX_SEEN", "MAX_TRIES", "FeedError", "FeedOptions", "Item",
    "ParsedFeed", "Feed", "FeedResult", "PollSummary", "parse_interval", "describe_interval", "entry_item",
    "parse_feed", "opml_feeds", "items_to_fetch", "remember", "record_poll",
]


def _user_agent() -> str:
    from newsdesk import __version__

    return f"newsdesk/{__version__} (news feed reader)"



# ------------------------------------------------------------------ records


@dataclass(frozen=True)
class FeedOptions:
    """How polls fetch; built at the edges (CLI, bot settings) and passed down."""

    allow_private: bool = False  # NEWSDESK_ALLOW_PRIVATE_URLS: intranet feeds, tests on 127.0.0.1
    user_agent: str = field(default_factory=_user_agent)
    timeout_s: float = 20.0  # per request, everything included
    max_feed_bytes: int = 5 * 2**20
    max_page_bytes: int = 5 * 2**20
    host_delay_s: float = 1.0  # between two requests to one host
    max_items: int = 30  # pages fetched per feed and poll; the rest wait for the next poll
    max_poll_s: float = 600.0  # after this, a poll fetches no more pages (they wait too)


@dataclass(frozen=True)
class Item:
    """One entry of a feed: what marks it as known (``key``) and where its page is."""

    key: str  # the guid (or id), else the link
    link: str
    title: str | None = None
    date: str | None = None  # YYYY-MM-DD, from pubDate / published / updated
    tries: int = 0  # polls that failed to fetch its page so far


@dataclass(frozen=True)
class ParsedFeed:
    """What a feed document says; ``problem`` when it was malformed but partly readable."""

    title: str | None
    items: tuple[Item, ...]
    problem: str | None = None


@dataclass(frozen=True)
class Feed:
    """A followed feed and what newsdesk remembers of it between polls."""

    url: str
    title: str
    interval_s: float = DEFAULT_INTERVAL_S
    added: str | None = None  # ISO time
    etag: str | None = None
    last_modified: str | None = None
    seen: tuple[str, ...] = ()  # keys of the items done with, oldest first
    pending: tuple[Item, ...] = ()  # items still to fetch (deferred, or failed fewer than MAX_TRIES times)
    last_poll: float | None = None  # epoch seconds
    last_status: str | None = None  # "ok", "not modified" or "failed: why"
    articles: int = 0  # articles it has added to the index

    def due(self, now: float) -> bool:
        """Whether a poll on the feed's interval should fetch it now."""
        return self.last_poll is None or now - self.last_poll >= self.interval_s

    def to_json(self) -> dict:
        record = asdict(self)
        record["seen"], record["pending"] = list(self.seen), [asdict(i) for i in self.pending]
        return record

    @classmethod
    def from_json(cls, record: dict) -> "Feed":
        known = {name: record[name] for name in cls.__dataclass_fields__ if name in record}
        known["seen"] = tuple(record.get("seen") or ())
        known["pending"] = tuple(Item(**i) for i in record.get("pending") or ())
        return cls(**known)


# ------------------------------------------------------------------ parsing


def parse_interval(text: str) -> float:
    """Seconds from ``"900"``, ``"90s"``, ``"15m"``, ``"2h"`` or ``"1d"``.

    Raises:
        ValueError: not such a duration, or under MIN_INTERVAL_S.
    """
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*", str(text).lower())
    if not match:
        raise ValueError(f"{text!r} is not a duration like 900, 15m or 2h")
    seconds = float(match.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[match.group(2)]
    if seconds < MIN_INTERVAL_S:
        raise ValueError(f"{text!r} is too short: feeds are polled at most once every {MIN_INTERVAL_S:g} seconds")
    return seconds


def describe_interval(seconds: float) -> str:
    """``"15 min"``, ``"2 h"``, ``"90 s"``: an interval for people."""
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds / size:g} {unit}"
    return f"{seconds:g} s"


def _entry_date(entry) -> str | None:
    """The item's day (UTC) from its published or updated time, which feedparser parses."""
    for name in ("published_parsed", "updated_parsed", "created_parsed"):
        parsed = entry.get(name)
        if parsed:
            with contextlib.suppress(ValueError, OverflowError, TypeError):
                return datetime.fromtimestamp(calendar.timegm(parsed), timezone.utc).date().isoformat()
    return None


def entry_item(entry, base_url: str) -> Item | None:
    """A feedparser entry as an ``Item``; None when it has no http(s) link to fetch."""
    link = (entry.get("link") or "").strip()
    if not link:
        link = next((ref.get("href", "") for ref in entry.get("links", ()) if ref.get("rel", "alternate") == "alternate"), "")
    link = urljoin(base_url, link.strip()) if link.strip() else ""
    if urlsplit(link).scheme not in ("http", "https"):
        return None
    key = (entry.get("id") or "").strip() or link
    title = " ".join((entry.get("title") or "").split()) or None
    return Item(key=key, link=link, title=title, date=_entry_date(entry))


def _not_a_feed(body: bytes, error: Exception | None) -> str:
    head = body.lstrip()[:200].lower()
    if head.startswith((b"<!doctype html", b"<html")):
        return "a web page, not an RSS or Atom feed"
    return "not an RSS or Atom feed" + (f" ({error})" if error else "")


def parse_feed(body: bytes, base_url: str) -> ParsedFeed:
    """The title and items of an RSS or Atom document (relative links resolved against ``base_url``).

    Raises:
        FeedError: the document is no feed at all (no RSS/Atom root, nothing readable).
    """
    import feedparser

    # A stream, never bytes or a string: feedparser fetches a URL and opens a local path given so.
    parsed = feedparser.parse(io.BytesIO(body))
    title = " ".join((parsed.feed.get("title") or "").split()) or None
    items = [i for i in (entry_item(e, base_url) for e in parsed.entries) if i is not None]
    error = parsed.get("bozo_exception")
    if not parsed.get("version") and not items:
        raise FeedError(_not_a_feed(body, error))
    problem = None
    # A declared charset that was wrong is not worth a line: feedparser decoded it anyway.
    if parsed.get("bozo") and error is not None and not isinstance(error, feedparser.CharacterEncodingOverride):
        if not title and not items:
            raise FeedError(f"a malformed feed with nothing readable ({error})")
        problem = f"a malformed feed ({error}); {len(items)} item{'s' * (len(items) != 1)} read anyway"
    return ParsedFeed(title=title, items=_first_of_each(items), problem=problem)


def _first_of_each(items: Sequence[Item]) -> tuple[Item, ...]:
    """``items`` without repeated keys (a feed may list an item twice): the first of each."""
    kept: dict[str, Item] = {}
    for item in items:
        kept.setdefault(item.key, item)
    return tuple(kept.values())


def opml_feeds(text: str) -> list[tuple[str, str | None]]:
    """The ``(xmlUrl, title)`` of every feed outline of an OPML document, in order.

    Raises:
        FeedError: not an OPML document.
    """
    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError as error:
        raise FeedError(f"not an OPML file ({error})") from None
    if root.tag.lower() != "opml":
        raise FeedError(f"not an OPML file (its root is <{root.tag}>, not <opml>)")
    found = {}
    for outline in root.iter("outline"):
        url = (outline.get("xmlUrl") or outline.get("xmlurl") or "").strip()
        if url and url not in found:
            found[url] = (outline.get("title") or outline.get("text") or "").strip() or None
    return list(found.items())


# ------------------------------------------------------------------ deciding what to fetch


def items_to_fetch(feed: Feed, listed: Sequence[Item] | None, limit: int) -> tuple[list[Item], list[Item]]:
    """What to fetch now and what waits: the pending items first (they have waited), then the
    listed items never seen, at most ``limit`` now. ``listed`` is None after a 304."""
    seen, pending = set(feed.seen), {i.key: i for i in feed.pending}
    fresh = [i for i in listed or () if i.key not in seen and i.key not in pending]
    candidates = [*pending.values(), *fresh]
    return candidates[:limit], candidates[limit:]


def remember(seen: Sequence[str], done: Sequence[str], listed: Sequence[str] | None, limit: int = MAX_SEEN) -> tuple[str, ...]:
    """``seen`` plus ``done``, forgetting the oldest keys the feed no longer lists beyond ``limit``."""
    keys = list(dict.fromkeys([*seen, *done]))
    if len(keys) <= limit:
        return tuple(keys)
    still_listed = set(listed or ())
    extra = len(keys) - limit
    kept = []
    for key in keys:
        if extra and key not in still_listed:
            extra -= 1
            continue
        kept.append(key)
    return tuple(kept)


# ------------------------------------------------------------------ a poll's results


@dataclass
class FeedResult:
    """What one feed's poll found: one line for people, and what to remember of it."""

    url: str
    title: str
    status: str  # "ok", "not modified", "failed"
    error: str | None = None  # why the feed itself failed
    faults: list[str] = field(default_factory=list)  # one line per item (or a malformed feed)
    articles: list[Article] = field(default_factory=list)
    fetched: int = 0  # pages fetched
    added: int = 0  # articles new to the index
    etag: str | None = None
    last_modified: str | None = None
    listed: list[str] | None = None  # the keys the feed lists (None after a 304 or a failure)
    done: list[str] = field(default_factory=list)  # item keys never to fetch again
    retry: list[Item] = field(default_factory=list)  # items to try again next poll

    def line(self) -> str:
        if self.status == "failed":
            return f"{self.title}: failed: {self.error}"
        new = f"{self.added} new article{'s' * (self.added != 1)}"
        return f"{self.title}: {'not modified' if self.status == 'not modified' and not self.fetched else new}" + (
            f" ({self.fetched} page{'s' * (self.fetched != 1)} fetched)" if self.fetched else "")

    def to_json(self) -> dict:
        return {"url": self.url, "title": self.title, "status": self.status, "error": self.error,
                "pages_fetched": self.fetched, "articles_added": self.added, "faults": self.faults}


@dataclass
class PollSummary:
    """A poll's results, feed by feed, and the index update it made (None when nothing was new)."""

    feeds: list[FeedResult]
    report: object | None = None  # service.IngestReport
    seconds: float = 0.0

    @property
    def added(self) -> int:
        return sum(r.added for r in self.feeds)

    @property
    def faults(self) -> int:
        return sum(len(r.faults) + (r.status == "failed") for r in self.feeds)

    def lines(self) -> list[str]:
        """One line per feed, one per fault, and a total."""
        lines = []
        for result in self.feeds:
            lines.append(result.line())
            lines += [f"  {fault}" for fault in result.faults]
        lines.append(f"polled {len(self.feeds)} feed{'s' * (len(self.feeds) != 1)} in {self.seconds:.1f}s: "
                     f"{self.added} article{'s' * (self.added != 1)} added"
                     + (f", {self.faults} problem{'s' * (self.faults != 1)}" if self.faults else ""))
        return lines

    def to_json(self) -> dict:
        return {"feeds": [r.to_json() for r in self.feeds], "articles_added": self.added,
                "chunks_embedded": getattr(self.report, "chunks_embedded", 0), "seconds": round(self.seconds, 2)}


def record_poll(feed: Feed, result: FeedResult, now: float) -> Feed:
    """The feed as it stands after ``result`` was ingested (pure)."""
    if result.status == "failed":
        return replace(feed, last_poll=now, last_status=f"failed: {result.error}")
    # The validators (ETag, Last-Modified) are written together with the items seen, never
    # before: a poll killed earlier gets the full feed again, not a 304 that hides its items.
    return replace(
        feed, etag=result.etag, last_modified=result.last_modified, last_poll=now,
        seen=remember(feed.seen, result.done, result.listed),
        pending=tuple(result.retry), articles=feed.articles + result.added,
        last_status="ok" if result.status == "ok" else "not modified",
    )
