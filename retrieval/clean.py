"""Pure functions that strip web boilerplate from article text and read its metadata."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlparse

from dateutil import parser as date_parser

# Lines that are page furniture, never news. Matched against a whole stripped line.
_BOILERPLATE = [
    r"skip to (the )?(main )?content",
    r"leave a (reply|comment)",
    r"ready for more\??",
    r"(join|subscribe to|sign up for) our newsletter.*",
    r".*\bnewsletter\b.*\b(sign up|subscribe|inbox|updates)\b.*",
    r"we respect your privacy.*",
    r"enjoyed this article\??",
    r"(yes|no)\s*\(\d+\)",
    r"(was this|is this) (article|page) (helpful|useful)\??",
    r"loading comments\.*",
    r"(\d+\s+)?comments?",
    r"follow us:?.*",
    r"share (this|on)\b.*",
    r"(read|see) (more|also)\b.{0,80}",
    r"advertisement",
    r"related( articles| stories| news)?:?",
    r"for more,? visit\b.*",
    r"updated( on| at)?:?.*",
    r"published( on| at)?:?.*",
    r"summary( of this article)?:?",
    r"(photo|image|picture)s?( credit)?:.*",
    r".*\((photo|image|picture)s?( credit)?:[^)]*\)",
    r".*\|\s*(photo|image|picture)s?:.*",
    r"(©|copyright)\s.*",
    r"all rights reserved\.?",
    r"click here\b.*",
    r"[-=_*~#\s]{3,}",  # a rule, a setext underline or a section break ("***")
]
_BOILERPLATE_RE = re.compile("|".join(f"(?:{p})" for p in _BOILERPLATE), re.IGNORECASE)

_OUTLET_PATTERNS = [
    re.compile(r"^for more,? visit\s+(?P<outlet>[\w.\- ]{2,40}?)\.?$", re.IGNORECASE),
    re.compile(r"^(?P<outlet>[A-Z][\w.\-]*( [A-Z][\w.\-]*){0,2}) news ?desk$", re.IGNORECASE),
    re.compile(r"^(?:source|via):\s*(?P<outlet>[\w.\- ]{2,40})$", re.IGNORECASE),
]
_TLDS = r"com|org|net|news|info|co\.uk|co\.in|com\.au|co\.za|uk|in|cn|de|fr|io|eu|ru|ua|ca|au|ie|nz|za|tv"
_DOMAIN_LINE = re.compile(rf"^(?:www\.)?(?P<outlet>[a-z0-9\-]+(\.[a-z0-9\-]+)*\.({_TLDS}))$", re.I)
# A line that says where the article comes from by its address: "Source: https://www.example.com/a".
_SOURCE_URL = re.compile(
    r"^(?:source|via|(?:originally|first) (?:published|appeared) (?:at|on|in))\s*:?\s*"
    r"(?P<url>(?:https?://)?[\w\-]+(?:\.[\w\-]+)+(?:[/?#]\S*)?)$", re.I)
# A dateline: "KYIV (Reuters) -", "BERLIN, Dec. 14 (AP) —", "(CNN) —" at the start of a paragraph.
_DATELINE = re.compile(
    r"^(?:[A-Z][A-Z.'’\- ]{1,40}(?:,\s*[A-Z][\w.'’\- ]{1,30}?)?(?:,\s*[A-Z][a-z]{2,8}\.?\s+\d{1,2})?\s+)?"
    r"\((?P<outlet>[^()]{2,40})\)\s*(?:[-—–]{1,2}|:)\s")
_BYLINE = re.compile(r"^by\s+(?P<who>.{2,120})$", re.I)
_SIGN_OFF = re.compile(r"^(?:[-—–]+\s*(?P<dashed>.{2,40})|\((?P<bracketed>.{2,40})\))$")
_COPYRIGHT = re.compile(r"^(?:copyright\b|©|\(c\))[\s©]*(?P<holder>.*)$", re.I)
_YEARS = re.compile(r"\b\d{4}(?:\s*[-–]\s*\d{4})?\b,?")
_RIGHTS = re.compile(r"\.?\s*all rights reserved.*$", re.I)
_LEGAL_SUFFIX = re.compile(r",?\s+(?:inc|ltd|llc|limited|corp|plc|gmbh)\.?$", re.I)
# A copyright holder of this kind is a picture's, not the article's.
_IMAGE_HOLDER = re.compile(r"\b(?:images?|photos?|photography|pictures?|shutterstock|getty|alamy|istock)\b", re.I)
# Words that fill the brackets of a dateline but name no outlet ("(Updated) —").
_NOT_OUTLETS = frozenset("updated update photo photos video file opinion analysis live watch exclusive".split())
_NAME_CONNECTORS = frozenset("of the and for de la del".split())
# Site names, bylines, datelines and sign-offs sit among the first or last lines of content;
# the same words mid-story may be about another outlet.
_EDGE_LINES = 3
_HEAD_LINES = 6

# News agencies, by the names and addresses they go by: an agency named in a byline, a dateline
# or a sign-off is where the story comes from, and one name per agency keeps corroboration honest.
_AGENCIES = {
    "Reuters": ("reuters", "thomson reuters", "reuters.com"),
    "Associated Press": ("ap", "associated press", "the associated press", "apnews.com", "ap.org"),
    "AFP": ("afp", "agence france-presse", "agence france presse", "afp.com"),
    "Bloomberg": ("bloomberg", "bloomberg news", "bloomberg.com"),
    "PTI": ("pti", "press trust of india", "ptinews.com"),
    "ANI": ("ani", "asian news international", "aninews.in"),
    "IANS": ("ians", "indo-asian news service"),
    "UPI": ("upi", "united press international", "upi.com"),
    "dpa": ("dpa", "deutsche presse-agentur", "dpa.com"),
    "Xinhua": ("xinhua", "xinhua news agency", "xinhuanet.com", "news.cn"),
    "EFE": ("efe", "efe.com"),
    "ANSA": ("ansa", "ansa.it"),
    "Kyodo News": ("kyodo", "kyodo news", "kyodonews.net"),
    "Yonhap": ("yonhap", "yonhap news agency", "yna.co.kr"),
    "TASS": ("tass", "tass.com"),
    "Anadolu Agency": ("anadolu", "anadolu agency", "aa.com.tr"),
    "AAP": ("aap", "australian associated press", "aap.com.au"),
    "PA Media": ("pa media", "press association"),
    "The Canadian Press": ("canadian press", "the canadian press", "thecanadianpress.com"),
}
_AGENCY_BY_ALIAS = {alias: name for name, aliases in _AGENCIES.items() for alias in aliases}
_DATE_PREFIX = re.compile(r"^\s*(?:date|dated)[:\s]+(?P<date>\d{4}-\d{2}-\d{2})\s*", re.IGNORECASE)
_DATED_LINE = re.compile(r"^(?:published|updated|date)( on| at)?:?\s*(?P<date>.+)$", re.IGNORECASE)
# "allies.Speaking" -> "allies. Speaking": a sentence glued to the next by a lost space.
_GLUED_SENTENCE = re.compile(r"(?<=[a-z\)\]\"”’])([.!?])(?=[A-Z](?:[a-z]|\.[A-Z]))")
_BULLET = re.compile(r"^[•●▪◦·*\-–]\s+")
# Markdown heading marks: "## Title" and "## Title ##".
_HEADING_MARKS = re.compile(r"^#{1,6}\s+|\s+#+$")
# A "date 2025-10-04" line is looked for among the first lines (a title may come first).
_DATE_LINES = 5
_TERMINAL = ('.', '!', '?', '"', '”', "’", ':', ';', ')')


@dataclass(frozen=True)
class CleanText:
    text: str
    title: str | None
    outlet: str | None
    date: str | None


def parse_date(text: str) -> str | None:
    """An ISO date (YYYY-MM-DD) from free text such as "December 14, 2025", or None."""
    text = text.strip()
    if not text or not re.search(r"\d", text):
        return None
    try:
        return date_parser.parse(text, fuzzy=False, default=None).date().isoformat()
    except (ValueError, OverflowError, TypeError, AttributeError):
        try:
            return date_parser.parse(text, fuzzy=True).date().isoformat()
        except (ValueError, OverflowError, TypeError):
            return None


def is_boilerplate(line: str) -> bool:
    return bool(_BOILERPLATE_RE.fullmatch(line.strip()))


def _is_heading(line: str) -> bool:
    words = line.split()
    return 3 <= len(words) <= 25 and not line.rstrip().endswith(_TERMINAL[:3])


def _caption_of_credit(line: str) -> str | None:
    """The caption that a photo-credit line repeats ("X (Photo: AP)" -> "X")."""
    match = re.match(r"^(?P<caption>.+?)\s*(\((photo|image|picture)s?|\|\s*(photo|image|picture)s?)", line, re.I)
    return match.group("caption").strip() if match else None


def agency(name: str) -> str | None:
    """The agency that ``name`` (a name, an abbreviation or an address) stands for, if any."""
    return _AGENCY_BY_ALIAS.get(" ".join(name.split()).strip(" .,;:").casefold())


def outlet_of_url(url: str) -> str | None:
    """The outlet an address belongs to: an agency by its name, else the host without "www."."""
    host = (urlparse(url if "//" in url else f"//{url}").hostname or "").removeprefix("www.")
    return agency(host) or host or None


def _name_like(text: str) -> bool:
    """Whether ``text`` reads as a proper name ("The Brookmere Ledger"), not a phrase or a year."""
    words = text.split()
    return (0 < len(words) <= 6 and len(text) <= 50 and any(c.isalpha() for c in text)
            and re.fullmatch(r"[\w&.'’\- ]+", text) is not None
            and words[0][0].isupper()
            and all(w[0].isupper() or w[0].isdigit() or w in ("&", "-") or w in _NAME_CONNECTORS for w in words))


def _dateline_outlet(line: str) -> str | None:
    """``Reuters`` from "KYIV (Reuters) - …": the bracketed name of a dateline, when it is a name."""
    match = _DATELINE.match(line)
    if not match:
        return None
    name = " ".join(match.group("outlet").split())
    if agency(name):
        return agency(name)
    return name if _name_like(name) and len(name.split()) <= 3 and name.casefold() not in _NOT_OUTLETS else None


def _byline_agency(line: str) -> str | None:
    """``Reuters`` from "By Jane Doe, Reuters" or "By AFP": only an agency, since what follows a
    byline's comma is as often a job or a place ("By Jane Doe, Staff Writer")."""
    match = _BYLINE.match(line)
    if not match or len(line.split()) > 12:
        return None
    parts = re.split(r"\s*(?:[,|/;]|\band\b|\bfor\b)\s*", match.group("who"))
    return next((found for part in parts if (found := agency(re.sub(r"\s+staff$", "", part, flags=re.I)))), None)


def _sign_off_agency(line: str) -> str | None:
    """``AFP`` from a closing "— AFP", "(Reuters)" or a bare "Associated Press" line."""
    match = _SIGN_OFF.match(line)
    return agency(match.group("dashed") or match.group("bracketed")) if match else agency(line)


def _copyright_holder(line: str) -> str | None:
    """``Example News`` from "© 2025 Example News. All rights reserved."; None for a bare year
    or a picture's credit."""
    match = _COPYRIGHT.match(line)
    if not match:
        return None
    holder = _RIGHTS.sub("", _YEARS.sub(" ", match.group("holder")))
    holder = _LEGAL_SUFFIX.sub("", " ".join(holder.split()).strip(" .,;:|-–—"))
    if not _name_like(holder) or _IMAGE_HOLDER.search(holder):
        return None
    return agency(holder) or holder


def _head(lines: list[str], n: int) -> list[str]:
    """The lines up to the ``n``-th line of content (furniture such as "Skip to content" aside)."""
    content = [i for i, line in enumerate(lines) if not is_boilerplate(line)]
    return lines[: content[:n][-1] + 1] if content else lines


def _tail(lines: list[str], n: int) -> list[str]:
    """The lines from the ``n``-th last line of content on, with the foot's furniture (a
    copyright line, "Leave a Reply")."""
    content = [i for i, line in enumerate(lines) if not is_boilerplate(line)]
    return lines[content[-n:][0]:] if content else lines


def _first(finder, lines: list[str]) -> str | None:
    return next((found for line in lines if (found := finder(line))), None)


def _stated_outlet(line: str) -> str | None:
    """An outlet a line states outright: "For More visit NewsNeck", "Outlook News Desk",
    "Source: https://www.example.com/…"."""
    match = _SOURCE_URL.match(line)
    if match:
        return outlet_of_url(match.group("url"))
    for pattern in _OUTLET_PATTERNS:
        match = pattern.match(line)
        if match:
            name = match.group("outlet").strip()
            return agency(name) or name
    return None


def _domain_line(line: str) -> str | None:
    match = _DOMAIN_LINE.match(line)
    return outlet_of_url(match.group("outlet").lower()) if match else None


def _reference_domain(lines: list[str]) -> str | None:
    """The domain of a "Reference(s):" block: the line, a title, then the domain."""
    for index, line in enumerate(lines):
        if line.lower().startswith("reference"):
            found = _first(_domain_line, lines[index + 1 : index + 4])
            if found:
                return found
    return None


def _find_outlet(lines: list[str]) -> str | None:
    """The outlet the article names, by the surest sign first: a line that says it outright,
    an agency's dateline, byline or sign-off, the copyright holder at the foot, then the
    domain of a reference or a site-name line at the top or the foot. None rather than a guess."""
    # A title, a standfirst, a byline and a date may come before the first paragraph's dateline.
    top, head, tail = _head(lines, _EDGE_LINES), _head(lines, _HEAD_LINES), _tail(lines, _EDGE_LINES)
    return (_first(_stated_outlet, lines) or _first(_dateline_outlet, head) or _first(_byline_agency, head + tail)
            or _first(_sign_off_agency, tail) or _first(_copyright_holder, tail) or _reference_domain(lines)
            or _first(_domain_line, top + tail))


def clean_text(raw: str, title: str | None = None, outlet: str | None = None, date: str | None = None) -> CleanText:
    """Clean one article's plain text and read what metadata it states.

    Args:
        raw: the article as text, boilerplate and all.
        title, outlet, date: metadata already known (from JSON or HTML); these win.
    Returns:
        The cleaned text (paragraphs separated by blank lines) and its metadata.
    """
    lines = [_BULLET.sub("", line.strip()) for line in raw.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    lines = [_HEADING_MARKS.sub("", " ".join(line.split())) for line in lines]

    found_date = date
    header = [i for i, line in enumerate(lines) if line][:_DATE_LINES]
    prefixed = next(((i, m) for i in header if (m := _DATE_PREFIX.match(lines[i]))), None)
    if prefixed:
        index, prefix = prefixed
        found_date = found_date or prefix.group("date")
        lines[index] = lines[index][prefix.end():]
    found_outlet = outlet or _find_outlet([line for line in lines if line])

    captions = {c for c in (_caption_of_credit(line) for line in lines if is_boilerplate(line)) if c}
    kept: list[str] = []
    for line in lines:
        if not line:
            continue
        if is_boilerplate(line) or line in captions:
            dated = _DATED_LINE.match(line)
            if dated and not found_date:
                found_date = parse_date(dated.group("date"))
            continue
        if kept and kept[-1] == line:  # repeated lines are layout artefacts
            continue
        if line[0] in ".,;" and kept:  # a sentence's full stop pushed onto the next line
            kept[-1] += line[0]
            line = line[1:].strip()
            if not line:
                continue
        kept.append(_GLUED_SENTENCE.sub(r"\1 ", line))

    found_title = title or next((line for line in kept[:4] if _is_heading(line) and len(line.split()) >= 4), None)
    if not found_title:
        found_title = _reference_title(kept)
    return CleanText("\n\n".join(kept), found_title, found_outlet, found_date)


def _reference_title(lines: list[str]) -> str | None:
    for index, line in enumerate(lines):
        if line.lower().startswith("reference") and index + 1 < len(lines) and _is_heading(lines[index + 1]):
            return lines[index + 1]
    return None
