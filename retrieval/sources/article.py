"""The one seam from text to an ``Article``: a content address, cleaning and metadata for plain
text (a file, a JSON record, a fetched text page) and trafilatura's extraction for HTML (a file or a
fetched page)."""

from __future__ import annotations

import hashlib
import re

from newsdesk.types import Article

from .clean import clean_text
from .dates import parse_date
from .front_matter import split_front_matter
from .outlets import outlet_of_url, page_furniture_outlet

# Fewer words than this left of an HTML page is menus and footers, not an article.
MIN_PAGE_WORDS = 5


def article_id(text: str) -> str:
    """The content address of a cleaned text: the same article twice gets the same id."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def make_article(raw_text: str, *, title=None, outlet=None, date=None, url=None, path=None) -> Article:
    """Clean ``raw_text`` and build an ``Article``. YAML front matter is metadata, never text;
    what the arguments give wins over it.

    Raises:
        ValueError: when nothing but boilerplate is left.
    """
    front, raw_text = split_front_matter(raw_text)
    title, outlet, date, url = title or front.title, outlet or front.outlet, date or front.date, url or front.url
    if outlet is None and url:
        outlet = outlet_of_url(url)
    cleaned = clean_text(raw_text, title=title, outlet=outlet, date=parse_date(date) if date else None)
    if not cleaned.text.strip():
        raise ValueError("no article text left after removing boilerplate")
    return Article(
        id=article_id(cleaned.text),
        text=cleaned.text,
        title=cleaned.title,
        outlet=cleaned.outlet,
        date=cleaned.date,
        url=url,
        path=path,
    )


def _page_date(html: str, date: str | None, url: str | None) -> str | None:
    """trafilatura's date for a page, unless it is only a year: htmldate turns "© 2025" or a
    lone "2025" into 2025-01-01. A 1 January date is kept when the page's markup states it.

    htmldate gets a parsed tree, never the string: it fetches a string that starts with "http"
    and has no space as a URL, past newsdesk's address guard."""
    if not date or not date.endswith("-01-01"):
        return date
    from htmldate import find_date
    from trafilatura.utils import load_html

    tree = load_html(html)
    if tree is None:
        return None
    return date if find_date(tree, extensive_search=False, original_date=True, url=url) == date else None


# Elements that hold a site's name in its page furniture (the class names themes give them).
_MASTHEAD_XPATH = ("//*[contains(concat(' ', normalize-space(@class), ' '), ' masthead ') or contains(@class, 'site-title') "
                   "or contains(@class, 'site-name') or contains(@class, 'logo')]")


_BYLINE_XPATH = "//*[contains(concat(' ', normalize-space(@class), ' '), ' byline ')]"


def _furniture_outlet(html: str) -> str | None:
    """The outlet a page names only in its masthead or footer (see ``page_furniture_outlet``);
    parsed as a tree, never as a string that could be taken for an address."""
    from trafilatura.utils import load_html

    tree = load_html(html)
    if tree is None:
        return None
    mastheads = [" ".join(e.text_content().split()) for e in tree.xpath(_MASTHEAD_XPATH)]
    footer = [" ".join(t.split()) for t in tree.xpath("//footer//text()") if t.strip()]
    titles = [" ".join(t.split()) for t in tree.xpath("//head/title/text()") if t.strip()]
    bylines = [" ".join(e.text_content().split()) for e in tree.xpath(_BYLINE_XPATH)]
    return page_furniture_outlet(mastheads, footer, titles, bylines)


def _letters(name: str) -> str:
    return re.sub(r"[\W_]", "", name).casefold()


def as_written(name: str, elsewhere: list[str | None]) -> str:
    """``name`` as the page spells it elsewhere (its masthead, footer or text): "Coastdaily" is
    "Coast Daily" where the page writes it so, the same letters whatever the case and spacing."""
    return next((other for other in elsewhere if other and _letters(other) == _letters(name)), name)


def html_article(html: str, path: str | None, url: str | None = None) -> Article:
    import trafilatura

    document = trafilatura.bare_extraction(html, url=url, with_metadata=True, include_comments=False, favor_recall=True)
    if document is None or not (document.text or "").strip():
        raise ValueError("no article text found in the HTML page")
    sitename = document.sitename
    if sitename and " " not in sitename:  # perhaps from a handle: "@coastdaily" gives "Coastdaily"
        sitename = as_written(sitename, [_furniture_outlet(html), clean_text(document.text).outlet])
    article = make_article(
        document.text,
        title=document.title,
        # A masthead or footer names the outlet better than the address does.
        outlet=sitename or _furniture_outlet(html) or document.hostname,
        date=_page_date(html, document.date, url or document.url),
        url=url or document.url,
        path=path,
    )
    words = len(article.text.split())
    if words < MIN_PAGE_WORDS:
        raise ValueError(f"no article text found in the HTML page (only {words} word{'s' * (words != 1)} "
                         "left after removing menus and footers)")
    return article
