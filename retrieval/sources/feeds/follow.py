"""Following and unfollowing feeds: a feed is fetched and parsed before it is followed; OPML
imports follow every feed of a document, paced per host."""

from __future__ import annotations

import contextlib
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

from newsdesk.errors import FeedError, FetchError

from ..web.fetch import check_url
from ..web.pacing import HostPacer
from .parse import opml_feeds, parse_feed
from .poll import fetch_feed
from .records import DEFAULT_INTERVAL_S, Feed, FeedOptions, ParsedFeed, describe_interval
from .store import load_feeds, update_feeds


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
             title: str | None = None, pacer: HostPacer | None = None) -> tuple[Feed, bool, ParsedFeed]:
    """Follow the feed at ``url`` once it has been fetched (through ``pacer``, when given) and
    parsed; named by its title (else ``title``, else its host). Following a feed again only
    changes its interval.

    Returns:
        The feed, whether it is newly followed, and what was read of it.
    Raises:
        FetchError, FeedError: as ``read_feed``.
    """
    url = normal_url(url)
    with pacer.turn(url) if pacer else contextlib.nullcontext():
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


def import_opml(home: Path, text: str, options: FeedOptions, interval_s: float = DEFAULT_INTERVAL_S,
                pacer: HostPacer | None = None) -> list[str]:
    """Follow every feed of an OPML document, ``options.host_delay_s`` apart per host (as polls
    are); one line per feed (followed, or why not). A feed already followed is left as it is:
    neither fetched nor given this interval."""
    pacer = pacer or HostPacer(options.host_delay_s)
    followed = load_feeds(home)
    lines = []
    for url, title in opml_feeds(text):
        known = followed.get(_normal_or_none(url) or url)
        if known is not None:
            lines.append(f"{url}: already followed “{known.title}” (every {describe_interval(known.interval_s)}, unchanged)")
            continue
        try:
            feed, new, _ = add_feed(home, url, options, interval_s, title=title, pacer=pacer)
        except FetchError as error:
            lines.append(f"{url}: not followed: it could not be fetched ({error.reason})")
        except FeedError as error:
            lines.append(f"{url}: not followed: {error}")
        else:
            lines.append(f"{url}: {'following' if new else 'already followed'} “{feed.title}”")
    return lines
