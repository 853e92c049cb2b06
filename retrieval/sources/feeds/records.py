"""Feeds, the pure parts: the records (``Feed``, ``Item``, a poll's ``FeedResult``), intervals,
and the decisions (``items_to_fetch``, ``remember``, ``restore_lost``, ``record_items``,
``record_poll``, ``cut_text``). No file, no network: feeds/store.py stores, feeds/poll.py fetches
and polls with these; feeds/parse.py reads feed documents into them.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, replace
from typing import Sequence

from newsdesk.types import Article

DEFAULT_INTERVAL_S = 900.0  # 15 minutes: news feeds rarely change faster, and servers thank us
MIN_INTERVAL_S = 60.0  # polling a feed more often than once a minute is impolite
MAX_SEEN = 1000  # item keys remembered per feed: the newest; older items are forgotten and never fetched
MAX_PENDING = 200  # items waiting per feed for a later poll, newest first
MAX_PAGE_CHARS = 200_000  # article text kept per page (about 250 chunks); the rest is cut, with a fault line
BATCH_PAGES = 5  # pages indexed per hold of the index's write lock, each batch recorded as it lands
MAX_TRIES = 3  # polls that try an item whose page could not be fetched, before it is given up


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
    max_poll_s: float = 600.0  # across all feeds: after this, a poll fetches nothing more (it waits too)
    max_page_chars: int = MAX_PAGE_CHARS  # text kept per page
    max_remembered: int = MAX_SEEN  # newest item keys remembered per feed
    max_pending: int = MAX_PENDING  # items waiting per feed
    batch_pages: int = BATCH_PAGES  # pages per index write (the write lock is held per batch)


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
    pending: tuple[Item, ...] = ()  # items still to fetch, newest first (deferred, or failed fewer than MAX_TRIES times)
    last_poll: float | None = None  # epoch seconds
    last_status: str | None = None  # "ok", "not modified" or "failed: why"
    # (key, article id, link) of each remembered item that became an article: what lets a poll
    # see that the index lost it (a rollback, a damaged version) and fetch it again.
    produced: tuple[tuple[str, str, str], ...] = ()
    articles: int | None = 0  # of its remembered items' articles, how many the index holds (None: unknown); not stored

    def due(self, now: float) -> bool:
        """Whether a poll on the feed's interval should fetch it now."""
        return self.last_poll is None or now - self.last_poll >= self.interval_s

    def to_json(self) -> dict:
        record = asdict(self)
        del record["articles"]  # counted from the index when listed: a stored total goes stale on a rollback
        record["seen"], record["pending"] = list(self.seen), [asdict(i) for i in self.pending]
        record["produced"] = [list(p) for p in self.produced]
        return record

    @classmethod
    def from_json(cls, record: dict) -> "Feed":
        known = {name: record[name] for name in cls.__dataclass_fields__ if name in record and name != "articles"}
        known["seen"] = tuple(record.get("seen") or ())
        known["pending"] = tuple(Item(**i) for i in record.get("pending") or ())
        known["produced"] = tuple((str(k), str(a), str(u)) for k, a, u in record.get("produced") or ())
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


# ------------------------------------------------------------------ deciding what to fetch


def newest_first(items: Sequence[Item]) -> list[Item]:
    """``items`` newest first: by date when every item has one (some feeds list oldest first),
    else in the feed's own order (newest first by convention)."""
    if items and all(i.date for i in items):
        return sorted(items, key=lambda i: i.date, reverse=True)  # stable: the feed's order within a day
    return list(items)


def items_to_fetch(feed: Feed, listed: Sequence[Item] | None, limit: int, window: int = MAX_SEEN,
                   max_pending: int = MAX_PENDING) -> tuple[list[Item], list[Item]]:
    """What to fetch now (at most ``limit``) and what waits (at most ``max_pending``), newest
    first, so that a new item never waits behind a backlog. Only the newest ``window`` items the
    feed lists are candidates (older ones are forgotten, never fetched); the waiting items the
    feed no longer lists come after them. ``listed`` is None after a 304: only what waits."""
    pending = {i.key: i for i in feed.pending}
    if listed is None:
        candidates = list(feed.pending)
    else:
        seen = set(feed.seen)
        newest = newest_first(listed)[:window]
        keys = {i.key for i in newest}
        # A waiting item keeps its count of failed tries; the listing gives its newest title and date.
        fresh = [replace(i, tries=pending[i.key].tries) if i.key in pending else i for i in newest if i.key not in seen]
        candidates = [*fresh, *(i for i in feed.pending if i.key not in keys)]
    return candidates[:limit], candidates[limit:limit + max_pending]


def remember(seen: Sequence[str], done: Sequence[str], listed: Sequence[str] | None, limit: int = MAX_SEEN) -> tuple[str, ...]:
    """``seen`` plus ``done``, at most ``limit`` keys: the oldest the feed no longer lists are
    forgotten first (``listed``: the newest items it lists, its window), then the oldest. After a
    304 (``listed`` None) nothing is forgotten: only waiting items, a bounded few, were done."""
    keys = list(dict.fromkeys([*seen, *done]))
    if listed is None or len(keys) <= limit:
        return tuple(keys)
    still_listed = set(listed)
    extra = len(keys) - limit
    kept = []
    for key in keys:
        if extra and key not in still_listed:
            extra -= 1
            continue
        kept.append(key)
    return tuple(kept[len(kept) - limit:])


def restore_lost(feed: Feed, live_ids: set[str]) -> tuple[Feed, list[str]]:
    """The feed with the items whose article the live index no longer holds (a rollback, a
    damaged version) unseen and waiting again, its validators dropped so the next fetch reads
    the whole feed; and the keys restored."""
    lost = [(key, link) for key, article_id, link in feed.produced if article_id not in live_ids]
    if not lost:
        return feed, []
    keys = {key for key, _ in lost}
    waiting = {i.key for i in feed.pending}
    restored = tuple(Item(key=key, link=link) for key, link in lost if key not in waiting)
    return replace(feed, seen=tuple(k for k in feed.seen if k not in keys), etag=None, last_modified=None,
                   produced=tuple(p for p in feed.produced if p[0] not in keys),
                   pending=feed.pending + restored), [key for key, _ in lost]


def indexed_count(feed: Feed, live_ids: set[str] | None) -> int | None:
    """How many of the feed's remembered items' articles ``live_ids`` holds (None: unknown)."""
    if live_ids is None:
        return None
    return len({article_id for _, article_id, _ in feed.produced if article_id in live_ids})


def forget_articles(feed: Feed, article_ids: set[str]) -> Feed:
    """The feed no longer tied to ``article_ids`` (removed on purpose): their items stay seen,
    so a poll does not bring them back."""
    return replace(feed, produced=tuple(p for p in feed.produced if p[1] not in article_ids))


def cut_text(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, at a paragraph break, else a sentence end,
    else a space in the last fifth (a cut mid-word would index a broken word)."""
    if len(text) <= limit:
        return text
    head = text[:limit]
    for mark in ("\n", ". ", " "):
        at = head.rfind(mark)
        if at >= limit * 0.8:
            return head[:at + (1 if mark == ". " else 0)].rstrip()
    return head


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
    done: list[tuple[str, str | None, str]] = field(default_factory=list)  # (key, article id or None, link): never again
    retry: list[Item] = field(default_factory=list)  # items to try again next poll (failed, or the time was up)
    later: list[Item] = field(default_factory=list)  # items beyond this poll's share, newest first

    def line(self) -> str:
        if self.status == "failed":
            return f"{self.title}: failed: {self.error}"
        if self.status == "skipped":
            return f"{self.title}: not polled: {self.error}"
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
    report: object | None = None  # service.IngestReport of the last batch written (None: nothing was new)
    seconds: float = 0.0
    chunks_embedded: int = 0  # over every batch
    batches: int = 0  # index writes

    @property
    def added(self) -> int:
        return sum(r.added for r in self.feeds)

    @property
    def faults(self) -> int:
        return sum(len(r.faults) + (r.status == "failed") for r in self.feeds)

    @property
    def failed_feeds(self) -> int:
        """Feeds that could not be fetched or read at all (their items are not the poll's errors)."""
        return sum(r.status == "failed" for r in self.feeds)

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
                "chunks_embedded": self.chunks_embedded, "index_writes": self.batches,
                "seconds": round(self.seconds, 2)}


def record_items(feed: Feed, done: Sequence[tuple[str, str | None, str]], listed: Sequence[str] | None,
                 limit: int = MAX_SEEN) -> Feed:
    """The feed with ``done`` items (key, article id or None, link) seen and no longer waiting;
    what a batch records as it lands (validators untouched: only the poll's end writes them)."""
    keys = [key for key, _, _ in done]
    seen = remember(feed.seen, keys, listed, limit)
    kept, finished = set(seen), set(keys)
    # An item done again replaces what it made before (a page given up makes nothing to restore).
    made = {key: (key, article_id, link) for key, article_id, link in done if article_id}
    produced = [p for p in feed.produced if p[0] not in finished] + list(made.values())
    return replace(feed, seen=seen, produced=tuple(p for p in produced if p[0] in kept),
                   pending=tuple(i for i in feed.pending if i.key not in finished))


def record_poll(feed: Feed, result: FeedResult, now: float, limit: int = MAX_SEEN,
                max_pending: int = MAX_PENDING) -> Feed:
    """The feed as it stands after ``result`` was ingested (pure)."""
    if result.status == "skipped":  # the poll's time was up before it: still due
        return feed
    if result.status == "failed":
        return replace(feed, last_poll=now, last_status=f"failed: {result.error}")
    done = record_items(feed, result.done, result.listed, limit)
    waiting = list({i.key: i for i in [*result.retry, *result.later]}.values())
    # The validators (ETag, Last-Modified) are written together with the items seen, never
    # before: a poll killed earlier gets the full feed again, not a 304 that hides its items.
    return replace(
        done, etag=result.etag, last_modified=result.last_modified, last_poll=now,
        pending=tuple(waiting[:max_pending]),
        last_status="ok" if result.status == "ok" else "not modified",
    )
