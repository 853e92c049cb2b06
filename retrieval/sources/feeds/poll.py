"""Polling the followed RSS and Atom feeds (the store is feeds/store.py, following feeds/follow.py,
the records and their pure decisions feeds/records.py).

A poll fetches each feed (a conditional GET), then the pages of the items it has not seen
(through the URL guard, a per-host delay between requests), hands the articles to the ``add``
it was given (the service's ``Newsdesk.add_articles``, one index update) a batch of pages at a
time (the write lock is held per batch, so other writers wait at most one) and records each
batch's items as seen once it has landed. Nothing here knows the service: what it needs of it,
adding articles and the ids the live index holds, comes in as two functions. A poll
killed in between leaves them unrecorded: the next poll fetches them again, and their
content-hash ids make that a no-op for those already indexed. The state follows the index: an
item whose article the live index no longer holds (a rollback, a damaged version) is fetched
again.
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from pathlib import Path
from typing import Callable, Protocol, Sequence
from urllib.parse import urlsplit

from newsdesk.errors import FeedError, FetchError
from newsdesk.types import Article

from ..web.fetch import fetch_url_sync
from ..web.pacing import HostPacer
from ..web.pages import PAGE_KINDS, PAGE_TYPES, web_article
from .parse import parse_feed
from .records import (
    MAX_TRIES,
    Feed,
    FeedOptions,
    FeedResult,
    Item,
    PollSummary,
    cut_text,
    items_to_fetch,
    newest_first,
    record_items,
    record_poll,
    restore_lost,
)
from .store import load_feeds, store_lock, update_feeds

log = logging.getLogger(__name__)


class Landed(Protocol):
    """What adding a batch reports back (the service's ``IngestReport``)."""

    added: list[Article]
    replaced: list[Article]


AddArticles = Callable[[list[Article]], Landed]  # one index update for the batch
LiveIds = Callable[[], "set[str] | None"]  # the ids the live index holds; None when it cannot be read


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
    article = web_article(body, kind, item.link, item.title)
    outlet = feed_title if feed_title and (not article.outlet or _host_named(article.outlet, item.link)) else article.outlet
    return replace(article, outlet=outlet, date=article.date or item.date, url=item.link)


def bounded_page_article(body: str, kind: str, item: Item, feed_title: str | None, limit: int) -> tuple[Article, str | None]:
    """``page_article`` keeping at most ``limit`` characters of text; with the fault line when
    the page was cut (its id is that of the text kept, so the same page cuts to the same article).

    Raises:
        ValueError: the page has no article text.
    """
    from ..article import article_id

    # Plain text is cut before cleaning too, so a huge page costs no more than the bound.
    raw = body if kind == "html" else cut_text(body, limit)
    article = page_article(raw, kind, item, feed_title)
    text = cut_text(article.text, limit)
    if raw is body and text == article.text:
        return article, None
    if text != article.text:
        article = replace(article, text=text, id=article_id(text))
    return article, f"{item.link}: the page's text was cut at {limit:,} characters (a poll keeps at most that much of a page)"


def conditional_headers(feed: Feed) -> dict[str, str]:
    """If-None-Match / If-Modified-Since from what the feed's server said last time."""
    headers = {}
    if feed.etag:
        headers["If-None-Match"] = feed.etag
    if feed.last_modified:
        headers["If-Modified-Since"] = feed.last_modified
    return headers


def fetch_feed(url: str, options: FeedOptions, headers: dict | None = None, timeout: float | None = None):
    """The feed document (a ``Fetched``; status 304 when it has not changed). Raises FetchError."""
    return fetch_url_sync(url, timeout=timeout or options.timeout_s, max_bytes=options.max_feed_bytes,
                          allow_private=options.allow_private, user_agent=options.user_agent, headers=headers)


class Deadline:
    """The poll's one time bound, across all feeds: what is left of it, and whether it is up."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic):
        self.seconds, self.clock = seconds, clock
        self.end = clock() + seconds

    def left(self) -> float:
        return self.end - self.clock()

    def up(self) -> bool:
        return self.left() <= 0

    def timeout(self, per_request: float) -> float:
        """A request's time limit: its own, or what is left of the poll when that is less."""
        return max(0.001, min(per_request, self.left()))

    def reason(self) -> str:
        return f"the poll's time ({self.seconds:g} s for all feeds) was up; it waits for the next poll"


Land = Callable[[FeedResult, tuple[str, "str | None", str], "Article | None"], None]


def poll_feed(feed: Feed, options: FeedOptions, pacer: HostPacer, deadline: Deadline, land: Land) -> FeedResult:
    """Fetch one feed and the pages of its new items, handing each finished item to ``land``
    (the batches); every problem is a line of the result."""
    result = FeedResult(url=feed.url, title=feed.title, status="ok")
    if deadline.up():
        result.status, result.error = "skipped", deadline.reason()
        return result
    try:
        with pacer.turn(feed.url):
            document = fetch_feed(feed.url, options, conditional_headers(feed), deadline.timeout(options.timeout_s))
    except FetchError as error:
        if deadline.up():  # cut short by the poll's bound, not the feed's fault
            result.status, result.error = "skipped", deadline.reason()
        else:
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
        result.listed = [i.key for i in newest_first(listed)[:options.max_remembered]]
        result.etag, result.last_modified = document.headers.get("etag"), document.headers.get("last-modified")
    now, result.later = items_to_fetch(feed, listed, options.max_items, options.max_remembered, options.max_pending)
    for item in now:
        if deadline.up():  # the poll's time is up: the rest wait for the next poll
            result.retry.append(item)
            continue
        _fetch_item(item, feed, options, pacer, deadline, result, land)
    return result


def _fetch_item(item: Item, feed: Feed, options: FeedOptions, pacer: HostPacer, deadline: Deadline,
                result: FeedResult, land: Land) -> None:
    try:
        with pacer.turn(item.link):
            page = fetch_url_sync(item.link, timeout=deadline.timeout(options.timeout_s), max_bytes=options.max_page_bytes,
                                  allow_private=options.allow_private, user_agent=options.user_agent,
                                  content_types=PAGE_TYPES)
    except FetchError as error:
        if deadline.up():  # the poll's bound cut it short: not a try of the item
            result.retry.append(item)
            return
        tries = item.tries + 1
        given_up = tries >= MAX_TRIES
        result.faults.append(f"{item.link}: the page could not be fetched ({error.reason})"
                             + ("; given up" if given_up else f"; will try again (try {tries} of {MAX_TRIES})"))
        if given_up:
            land(result, (item.key, None, item.link), None)
        else:
            result.retry.append(replace(item, tries=tries))
        return
    result.fetched += 1
    try:
        article, cut = bounded_page_article(page.text, PAGE_KINDS[page.content_type], item, feed.title, options.max_page_chars)
    except ValueError as error:  # the same page next time: not worth fetching again
        result.faults.append(f"{item.link}: {error}")
        land(result, (item.key, None, item.link), None)
        return
    if cut:
        result.faults.append(cut)
    land(result, (item.key, article.id, item.link), article)


class Batches:
    """Finished items waiting to be indexed: every ``options.batch_pages`` articles are added in
    one index update (the write lock held for that batch only) and then recorded in feeds.json."""

    def __init__(self, add: AddArticles, home: Path, options: FeedOptions, summary: PollSummary):
        self.add, self.home, self.options, self.summary = add, home, options, summary
        self.waiting: list[tuple[FeedResult, tuple, Article | None]] = []

    def land(self, result: FeedResult, done: tuple, article: Article | None) -> None:
        result.done.append(done)
        self.waiting.append((result, done, article))
        if sum(a is not None for _, _, a in self.waiting) >= self.options.batch_pages:
            self.write()

    def write(self) -> None:
        """Index the waiting articles, then record their items (nothing when none waits)."""
        batch, self.waiting = self.waiting, []
        if not batch:
            return
        articles = [a for _, _, a in batch if a is not None]
        if articles:
            self._index(batch, articles)
        from newsdesk.config import crash_point

        crash_point("feeds-before-record")  # the crash tests: ingested, not yet recorded
        update_feeds(self.home, lambda feeds: _record_batch(feeds, batch, self.options.max_remembered))

    def _index(self, batch, articles: list[Article]) -> None:
        report = self.add(articles)
        self.summary.report = report
        self.summary.batches += 1
        self.summary.chunks_embedded += getattr(report, "chunks_embedded", 0)
        new = {a.id for a in [*report.added, *report.replaced]}
        for result, _, article in batch:
            if article is not None and article.id in new:
                result.added += 1
                new.discard(article.id)  # a copy in two feeds counts once


def _record_batch(feeds: dict[str, Feed], batch, limit: int) -> None:
    """Record a landed batch's items in ``feeds`` (in place); a feed removed meanwhile stays removed."""
    by_feed: dict[str, tuple[FeedResult, list]] = {}
    for result, done, _ in batch:
        by_feed.setdefault(result.url, (result, []))[1].append(done)
    for url, (result, done) in by_feed.items():
        if url in feeds:
            feeds[url] = record_items(feeds[url], done, result.listed, limit)


def poll_feeds(home: Path, options: FeedOptions, add: AddArticles, live_ids: LiveIds, *,
               urls: Sequence[str] | None = None, due_only: bool = False, wait: bool = True,
               now: Callable[[], float] = time.time, clock: Callable[[], float] = time.monotonic) -> PollSummary | None:
    """Poll the followed feeds of ``home`` (all, those in ``urls``, or those due) and hand their
    new articles to ``add``, a batch of pages per call. Items whose article the live index
    (``live_ids()``) no longer holds are fetched again. Returns None when another poll is
    running and ``wait`` is False.

    Raises:
        FeedError: the feed store cannot be read. NewsdeskError from an index update (the
            batches before it are recorded; the rest are fetched again by the next poll).
    """
    from filelock import Timeout

    home = Path(home)
    lock = store_lock(home, ".feeds-poll.lock")
    try:
        lock.acquire(timeout=-1 if wait else 0)
    except Timeout:
        log.info("another process is polling the feeds of %s; skipped", home)
        return None
    try:
        started = clock()
        chosen = [f for f in load_feeds(home).values()
                  if (urls is None or f.url in urls) and (not due_only or f.due(now()))]
        chosen = _restored(chosen, live_ids() if chosen else set())
        pacer = HostPacer(options.host_delay_s, clock=clock)
        deadline = Deadline(options.max_poll_s, clock)
        summary = PollSummary(feeds=[])
        batches = Batches(add, home, options, summary)
        summary.feeds = [poll_feed(feed, options, pacer, deadline, batches.land) for feed in chosen]
        batches.write()
        finished = now()

        def record(feeds: dict[str, Feed]) -> None:
            for result in summary.feeds:
                if result.url in feeds:  # removed meanwhile: not brought back
                    feeds[result.url] = record_poll(feeds[result.url], result, finished,
                                                    options.max_remembered, options.max_pending)

        if summary.feeds:
            update_feeds(home, record)
        summary.seconds = clock() - started
        return summary
    finally:
        lock.release()


def _restored(feeds: list[Feed], live_ids: set[str] | None) -> list[Feed]:
    """``feeds`` with the items the live index lost waiting again (said in the log); as they
    are when the index cannot be read (the poll's write will say why)."""
    if live_ids is None:
        return feeds
    restored = []
    for feed in feeds:
        feed, lost = restore_lost(feed, live_ids)
        if lost:
            log.warning("%s: %d item(s) whose articles the index no longer holds (a rollback or a damaged version) "
                        "are fetched again", feed.title, len(lost))
        restored.append(feed)
    return restored
