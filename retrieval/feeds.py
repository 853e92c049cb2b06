"""Following RSS and Atom feeds: the feed store (HOME/feeds.json), parsing, polling, OPML.

A poll fetches each feed (a conditional GET), then the pages of the items it has not seen
(through the URL guard, a per-host delay between requests), adds the articles through
``Newsdesk.add_articles`` (one write, the atomic switch) and only then records the items as
seen. A poll killed in between leaves them unrecorded: the next poll fetches them again, and
their content-hash ids make that a no-op for those already indexed.
"""

from __future__ import annotations

import calendar
import contextlib
import json
import logging
import os
import re
import tempfile
import time
import xml.etree.ElementTree as ElementTree
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator, Sequence
from urllib.parse import urljoin, urlsplit

from newsdesk.errors import NewsdeskError
from newsdesk.retrieval.fetch import FetchError, check_url, fetch_url_sync
from newsdesk.types import Article

log = logging.getLogger(__name__)

FEEDS_FILE = "feeds.json"
DEFAULT_INTERVAL_S = 900.0  # 15 minutes: news feeds rarely change faster, and servers thank us
MIN_INTERVAL_S = 60.0  # polling a feed more often than once a minute is impolite
MAX_SEEN = 2000  # item keys remembered per feed beyond those the feed still lists
MAX_TRIES = 3  # polls that try an item whose page could not be fetched, before it is given up
PAGE_TYPES = {"text/html": "html", "application/xhtml+xml": "html", "text/plain": "text"}


def _user_agent() -> str:
    from newsdesk import __version__

    return f"newsdesk/{__version__} (news feed reader)"


class FeedError(NewsdeskError):
    """A feed cannot be followed, found or read; the message says why."""


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


# ------------------------------------------------------------------ the store


def feeds_path(home: Path) -> Path:
    return Path(home) / FEEDS_FILE


def load_feeds(home: Path) -> dict[str, Feed]:
    """The followed feeds by URL (none when the file does not exist).

    Raises:
        FeedError: the file is not what newsdesk writes (it is written atomically, so only a
            hand edit gets here).
    """
    path = feeds_path(home)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return {f.url: f for f in (Feed.from_json(r) for r in data["feeds"])}
    except FileNotFoundError:
        return {}
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise FeedError(f"{path} cannot be read ({error}); fix it or move it away to start again") from None


def save_feeds(home: Path, feeds: dict[str, Feed]) -> None:
    """Write the feed store atomically: a temporary file, fsync, rename, fsync the folder."""
    path = feeds_path(home)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps({"version": 1, "feeds": [f.to_json() for f in feeds.values()]}, ensure_ascii=False, indent=1)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".feeds-", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


def _lock(home: Path, name: str):
    from filelock import FileLock

    Path(home).mkdir(parents=True, exist_ok=True)
    return FileLock(str(Path(home) / name))


def update_feeds(home: Path, change: Callable[[dict[str, Feed]], object]):
    """Read, ``change`` (in place) and write the store under its lock; returns what ``change`` does.
    Each writer re-reads the file, so a poll never undoes a feed added or removed meanwhile."""
    with _lock(home, ".feeds.lock"):
        feeds = load_feeds(home)
        result = change(feeds)
        save_feeds(home, feeds)
        return result


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

    parsed = feedparser.parse(body)
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


# ------------------------------------------------------------------ polling


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


class HostPacer:
    """Keeps ``delay`` seconds between the end of one request to a host and the next one."""

    def __init__(self, delay: float, clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep):
        self.delay, self.clock, self.sleep = delay, clock, sleep
        self._last: dict[str, float] = {}

    @contextlib.contextmanager
    def turn(self, url: str) -> Iterator[None]:
        host = (urlsplit(url).hostname or "").lower()
        if host in self._last:
            wait = self.delay - (self.clock() - self._last[host])
            if wait > 0:
                self.sleep(wait)
        try:
            yield
        finally:
            self._last[host] = self.clock()


def _host_named(outlet: str | None, url: str) -> bool:
    """Whether ``outlet`` is only the page's host name (trafilatura's stand-in for a site name)."""
    parts = urlsplit(url)
    hosts = {(parts.hostname or "").lower(), parts.netloc.lower()}
    return bool(outlet) and outlet.lower().removeprefix("www.") in {h.removeprefix("www.") for h in hosts}


def page_article(body: str, kind: str, item: Item, feed_title: str | None) -> Article:
    """A fetched page as an article: text and metadata from the page (trafilatura for HTML, as
    for .html files); the outlet is the page's site name, else the feed's title; the date the
    page's, else the item's; the url the item's link.

    Raises:
        ValueError: the page has no article text.
    """
    from newsdesk.retrieval.ingest import html_article, make_article

    if kind == "html":
        article = html_article(body, None, url=item.link)
    else:
        article = make_article(body, title=item.title, url=item.link)
    outlet = feed_title if feed_title and (not article.outlet or _host_named(article.outlet, item.link)) else article.outlet
    return replace(article, outlet=outlet, date=article.date or item.date, url=item.link)


def conditional_headers(feed: Feed) -> dict[str, str]:
    """If-None-Match / If-Modified-Since from what the feed's server said last time."""
    headers = {}
    if feed.etag:
        headers["If-None-Match"] = feed.etag
    if feed.last_modified:
        headers["If-Modified-Since"] = feed.last_modified
    return headers


def fetch_feed(url: str, options: FeedOptions, headers: dict | None = None):
    """The feed document (a ``Fetched``; status 304 when it has not changed). Raises FetchError."""
    return fetch_url_sync(url, timeout=options.timeout_s, max_bytes=options.max_feed_bytes,
                          allow_private=options.allow_private, user_agent=options.user_agent, headers=headers)


def poll_feed(feed: Feed, options: FeedOptions, pacer: HostPacer, deadline: float,
              clock: Callable[[], float] = time.monotonic) -> FeedResult:
    """Fetch one feed and the pages of its new items; every problem is a line of the result."""
    result = FeedResult(url=feed.url, title=feed.title, status="ok")
    try:
        with pacer.turn(feed.url):
            document = fetch_feed(feed.url, options, conditional_headers(feed))
    except FetchError as error:
        result.status, result.error = "failed", f"the feed could not be fetched ({error.reason})"
        return result
    listed = None
    if document.status == 304:
        result.status = "not modified"
        result.etag, result.last_modified = feed.etag, feed.last_modified
    else:
        try:
            parsed = parse_feed(document.body, document.final_url)
        except FeedError as error:
            result.status, result.error = "failed", str(error)
            return result
        if parsed.problem:
            result.faults.append(parsed.problem)
        listed = list(parsed.items)
        result.listed = [i.key for i in listed]
        result.etag, result.last_modified = document.headers.get("etag"), document.headers.get("last-modified")
    now, later = items_to_fetch(feed, listed, options.max_items)
    result.retry += later
    for item in now:
        if clock() > deadline:  # the poll's time is up: the rest wait for the next poll
            result.retry.append(item)
            continue
        _fetch_item(item, feed, options, pacer, result)
    return result


def _fetch_item(item: Item, feed: Feed, options: FeedOptions, pacer: HostPacer, result: FeedResult) -> None:
    try:
        with pacer.turn(item.link):
            page = fetch_url_sync(item.link, timeout=options.timeout_s, max_bytes=options.max_page_bytes,
                                  allow_private=options.allow_private, user_agent=options.user_agent,
                                  content_types=PAGE_TYPES)
    except FetchError as error:
        tries = item.tries + 1
        given_up = tries >= MAX_TRIES
        (result.done.append(item.key) if given_up else result.retry.append(replace(item, tries=tries)))
        result.faults.append(f"{item.link}: the page could not be fetched ({error.reason})"
                             + ("; given up" if given_up else f"; will try again (try {tries} of {MAX_TRIES})"))
        return
    result.fetched += 1
    try:
        result.articles.append(page_article(page.text, PAGE_TYPES[page.content_type], item, feed.title))
    except ValueError as error:  # the same page next time: not worth fetching again
        result.faults.append(f"{item.link}: {error}")
    result.done.append(item.key)


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


def poll_feeds(desk, options: FeedOptions, *, urls: Sequence[str] | None = None, due_only: bool = False,
               wait: bool = True, now: Callable[[], float] = time.time,
               clock: Callable[[], float] = time.monotonic) -> PollSummary | None:
    """Poll the followed feeds of ``desk``'s home (all, those in ``urls``, or those due) and add
    their new articles in one index update. Returns None when another poll is running and
    ``wait`` is False.

    Raises:
        FeedError: the feed store cannot be read. NewsdeskError from the index update (the
            feeds' state is then left as it was: the next poll fetches the same items).
    """
    from filelock import Timeout

    home = Path(desk.settings.home)
    lock = _lock(home, ".feeds-poll.lock")
    try:
        lock.acquire(timeout=-1 if wait else 0)
    except Timeout:
        log.info("another process is polling the feeds of %s; skipped", home)
        return None
    try:
        started = clock()
        chosen = [f for f in load_feeds(home).values()
                  if (urls is None or f.url in urls) and (not due_only or f.due(now()))]
        pacer = HostPacer(options.host_delay_s, clock=clock)
        deadline = started + options.max_poll_s
        results = [poll_feed(feed, options, pacer, deadline, clock) for feed in chosen]
        articles = [a for r in results for a in r.articles]
        report = desk.add_articles(articles) if articles else None
        if report is not None:
            new = {a.id for a in [*report.added, *report.replaced]}
            for result in results:
                result.added = sum(a.id in new for a in result.articles)
                new -= {a.id for a in result.articles}  # a copy in two feeds counts once
        from newsdesk.retrieval.index import crash_point

        crash_point("feeds-before-record")  # the crash tests: ingested, not yet recorded
        finished = now()

        def record(feeds: dict[str, Feed]) -> None:
            for result in results:
                if result.url in feeds:  # removed meanwhile: not brought back
                    feeds[result.url] = record_poll(feeds[result.url], result, finished)

        if results:
            update_feeds(home, record)
        return PollSummary(feeds=results, report=report, seconds=clock() - started)
    finally:
        lock.release()


# ------------------------------------------------------------------ following


def normal_url(url: str) -> str:
    """``url`` as newsdesk stores it. Raises UrlRefused for what is not an http(s) URL."""
    return str(check_url(url.strip()))


def read_feed(url: str, options: FeedOptions) -> ParsedFeed:
    """Fetch and parse the feed at ``url``: the check before following it.

    Raises:
        FetchError: it cannot be fetched (UrlRefused: not a public http(s) address).
        FeedError: it is not an RSS or Atom feed.
    """
    document = fetch_feed(url, options)
    return parse_feed(document.body, document.final_url)


def add_feed(home: Path, url: str, options: FeedOptions, interval_s: float = DEFAULT_INTERVAL_S,
             title: str | None = None) -> tuple[Feed, bool, ParsedFeed]:
    """Follow the feed at ``url`` once it has been fetched and parsed; named by its title (else
    ``title``, else its host). Following a feed again only changes its interval.

    Returns:
        The feed, whether it is newly followed, and what was read of it.
    Raises:
        FetchError, FeedError: as ``read_feed``.
    """
    url = normal_url(url)
    parsed = read_feed(url, options)
    name = parsed.title or title or urlsplit(url).hostname or url
    added = Feed(url=url, title=name, interval_s=interval_s,
                 added=datetime.now(timezone.utc).isoformat(timespec="seconds"))

    def follow(feeds: dict[str, Feed]) -> tuple[Feed, bool]:
        if url in feeds:
            feeds[url] = replace(feeds[url], interval_s=interval_s)
            return feeds[url], False
        feeds[url] = added
        return added, True

    feed, new = update_feeds(home, follow)
    return feed, new, parsed


def remove_feed(home: Path, url: str) -> Feed:
    """Stop following ``url`` (its articles stay indexed).

    Raises:
        FeedError: no followed feed has that URL.
    """
    def unfollow(feeds: dict[str, Feed]) -> Feed:
        for candidate in (url.strip(), _normal_or_none(url)):
            if candidate in feeds:
                return feeds.pop(candidate)
        raise FeedError(f"{url} is not a followed feed; see `newsdesk feeds list`")

    return update_feeds(home, unfollow)


def _normal_or_none(url: str) -> str | None:
    try:
        return normal_url(url)
    except FetchError:
        return None


def import_opml(home: Path, text: str, options: FeedOptions, interval_s: float = DEFAULT_INTERVAL_S) -> list[str]:
    """Follow every feed of an OPML document; one line per feed (followed, or why not)."""
    lines = []
    for url, title in opml_feeds(text):
        try:
            feed, new, _ = add_feed(home, url, options, interval_s, title=title)
        except FetchError as error:
            lines.append(f"{url}: not followed: it could not be fetched ({error.reason})")
        except FeedError as error:
            lines.append(f"{url}: not followed: {error}")
        else:
            lines.append(f"{url}: {'following' if new else 'already followed'} “{feed.title}”")
    return lines
