"""``Newsdesk.feeds``: the followed feeds of a desk's home, for the front ends (``newsdesk
feeds``, ``watch``, the bot's /follow, /unfollow, /feeds and its poll job).

Each method is one call into retrieval/sources/feeds/ (store.py, poll.py, follow.py) with the desk's
home; the records it returns (``Feed``, ``ParsedFeed``, ``PollSummary``) are
retrieval/sources/feeds/records.py's.
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from typing import TYPE_CHECKING, Callable, Iterable, Sequence

from .sources.feeds.follow import add_feed, import_opml, remove_feed
from .sources.feeds.poll import poll_feeds
from .sources.feeds.records import DEFAULT_INTERVAL_S, Feed, FeedOptions, ParsedFeed, PollSummary, indexed_count
from .sources.feeds.store import forget_removed, load_feeds

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from .service import Newsdesk


class DeskFeeds:
    """The feeds of ``desk``'s home. Errors: ``FeedError`` (a feed cannot be followed, found or
    read; a damaged feed store), ``FetchError`` (``UrlRefused``: not a public http(s) address),
    both in newsdesk.errors."""

    def __init__(self, desk: "Newsdesk"):
        self.desk = desk

    @property
    def _home(self):
        return self.desk.settings.home

    def add(self, url: str, options: FeedOptions, interval_s: float = DEFAULT_INTERVAL_S,
            title: str | None = None) -> tuple[Feed, bool, ParsedFeed]:
        """Fetch, check and follow the feed at ``url``: the feed, whether it is newly followed,
        and what was read of it (following it again only changes its interval)."""
        return add_feed(self._home, url, options, interval_s, title=title)

    def add_opml(self, text: str, options: FeedOptions, interval_s: float = DEFAULT_INTERVAL_S) -> list[str]:
        """Follow every feed of an OPML document (``options.host_delay_s`` apart per host); one
        line per feed (followed, already followed and left as it is, or why not)."""
        return import_opml(self._home, text, options, interval_s)

    def live_ids(self) -> set[str] | None:
        """The ids of the articles the live index version holds (none without an index); None
        when it cannot be read (a damaged version: the count is unknown, nothing is restored)."""
        from newsdesk.errors import IndexMissing, IndexProblem

        from .index.store import read_articles

        try:
            return {a.id for a in read_articles(self._home)}
        except IndexMissing:
            return set()
        except IndexProblem as error:
            log.info("the feeds' articles cannot be counted: %s", error)
            return None

    def list(self) -> list[Feed]:
        """The followed feeds, in the order they were added; ``articles``: how many of their
        remembered items' articles the live index holds (so a rollback shows)."""
        feeds = list(load_feeds(self._home).values())
        live = self.live_ids() if feeds else set()
        return [replace(f, articles=indexed_count(f, live)) for f in feeds]

    def remove(self, url: str) -> Feed:
        """Stop following ``url`` (its articles stay indexed); FeedError when it is not followed."""
        feed = remove_feed(self._home, url)
        return replace(feed, articles=indexed_count(feed, self.live_ids()))

    def forget(self, article_ids: Iterable[str]) -> None:
        """Articles removed on purpose: no feed fetches them again."""
        forget_removed(self._home, set(article_ids))

    def poll(self, options: FeedOptions, *, urls: Sequence[str] | None = None, due_only: bool = False,
             wait: bool = True, now: Callable[[], float] = time.time,
             clock: Callable[[], float] = time.monotonic) -> PollSummary | None:
        """Poll every followed feed (those in ``urls``, or those due) and index their new items,
        a batch of pages per update: the poll hands each batch to ``Newsdesk.add_articles``.
        None when another process is polling and ``wait`` is False. ``now`` and ``clock``: the
        poll's wall clock and timer (tests move them)."""
        return poll_feeds(self._home, options, self.desk.add_articles, self.live_ids, urls=urls, due_only=due_only,
                          wait=wait, now=now, clock=clock)
