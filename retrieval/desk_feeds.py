"""``Newsdesk.feeds``: the followed feeds of a desk's home, for the front ends (``newsdesk
feeds``, ``watch``, the bot's /follow, /unfollow, /feeds and its poll job).

Each method is one call into retrieval/feeds.py (the store, polling, following) with the desk's
home; the records it returns (``Feed``, ``ParsedFeed``, ``PollSummary``) are
retrieval/feed_records.py's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from newsdesk.retrieval import feeds as _feeds
from newsdesk.retrieval.feed_records import DEFAULT_INTERVAL_S, Feed, FeedOptions, ParsedFeed, PollSummary

if TYPE_CHECKING:
    from newsdesk.retrieval.service import Newsdesk


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
        return _feeds.add_feed(self._home, url, options, interval_s, title=title)

    def add_opml(self, text: str, options: FeedOptions, interval_s: float = DEFAULT_INTERVAL_S) -> list[str]:
        """Follow every feed of an OPML document; one line per feed (followed, or why not)."""
        return _feeds.import_opml(self._home, text, options, interval_s)

    def list(self) -> list[Feed]:
        """The followed feeds, in the order they were added."""
        return list(_feeds.load_feeds(self._home).values())

    def remove(self, url: str) -> Feed:
        """Stop following ``url`` (its articles stay indexed); FeedError when it is not followed."""
        return _feeds.remove_feed(self._home, url)

    def poll(self, options: FeedOptions, *, due_only: bool = False, wait: bool = True) -> PollSummary | None:
        """Poll every followed feed (or those due) and index their new items in one update;
        None when another process is polling and ``wait`` is False."""
        return _feeds.poll_feeds(self.desk, options, due_only=due_only, wait=wait)
