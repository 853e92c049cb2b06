"""A fetched web page as an ``Article``: the one way every source that fetches (``add_url``, an
admin's link, a feed item's page) turns a page into an article, HTML as .html files are read and
text as .txt files are."""

from __future__ import annotations

from newsdesk.types import Article

from ..article import html_article, make_article
from .fetch import Fetched

PAGE_KINDS = {"text/html": "html", "application/xhtml+xml": "html", "text/plain": "text", "text/markdown": "text"}
PAGE_TYPES = tuple(PAGE_KINDS)  # the content types fetched as pages (``fetch_url``'s ``content_types``)


def web_article(body: str, kind: str, url: str, title: str | None = None) -> Article:
    """A page's text as an article from ``url``: ``kind`` "html" through trafilatura (text, title,
    outlet and date from the page), else cleaned as plain text (``title`` when it states none).

    Raises:
        ValueError: the page has no article text.
    """
    if kind == "html":
        return html_article(body, None, url=url)
    return make_article(body, title=title, url=url)


def fetched_article(url: str, page: Fetched, title: str | None = None) -> Article:
    """``web_article`` of a page fetched with ``content_types=PAGE_TYPES``."""
    return web_article(page.text, PAGE_KINDS.get(page.content_type, "text"), url, title)
