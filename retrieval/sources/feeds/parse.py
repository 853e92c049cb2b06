"""Reading feed documents (RSS and Atom, through feedparser) and OPML outlines into the records (pure:
no file, no network)."""

from __future__ import annotations

import calendar
import contextlib
import io
import xml.etree.ElementTree as ElementTree
from datetime import datetime, timezone
from typing import Sequence
from urllib.parse import urljoin, urlsplit

from newsdesk.errors import FeedError

from .records import Item, ParsedFeed


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
