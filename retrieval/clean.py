"""Pure functions that strip web boilerplate from article text and read its metadata."""

from __future__ import annotations

import re
from dataclasses import dataclass

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
_DOMAIN_LINE = re.compile(r"^(?:www\.)?(?P<outlet>[a-z0-9\-]+(\.[a-z0-9\-]+)*\.(com|org|net|news|co\.uk|in|cn|de|fr|io))$", re.I)
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


def _find_outlet(lines: list[str]) -> str | None:
    for line in lines:
        for pattern in _OUTLET_PATTERNS:
            match = pattern.match(line)
            if match:
                return match.group("outlet").strip()
    for index, line in enumerate(lines):
        if line.lower().startswith("reference"):  # "Reference(s):" then a title and a domain
            for follower in lines[index + 1 : index + 4]:
                match = _DOMAIN_LINE.match(follower)
                if match:
                    return match.group("outlet").lower()
    return None


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
