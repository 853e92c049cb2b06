"""Pure functions that strip web boilerplate from article text and read its metadata (the outlet:
outlets.py; dates: dates.py; which lines are furniture: lines.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date as Day

from .dates import byline_date, date_among_parts, date_part, dateline_day, parse_date
from .lines import is_boilerplate, is_heading
from .outlets import (
    HEAD_LINES,
    emphasised_masthead,
    find_outlet,
    foot_credit,
    is_credit,
    masthead_name,
    masthead_of,
    outlet_date_line,
    paper_among_parts,
    published_line,
)

_DATE_PREFIX = re.compile(r"^\s*(?:date|dated)[:\s]+(?P<date>\d{4}-\d{2}-\d{2})\s*", re.IGNORECASE)
_DATED_LINE = re.compile(r"^(?:published|updated|date)( on| at)?:?\s*(?P<date>.+)$", re.IGNORECASE)
# "allies.Speaking" -> "allies. Speaking": a sentence glued to the next by a lost space.
_GLUED_SENTENCE = re.compile(r"(?<=[a-z\)\]\"”’])([.!?])(?=[A-Z](?:[a-z]|\.[A-Z]))")
_BULLET = re.compile(r"^[•●▪◦·*\-–]\s+")
# Markdown heading marks: "## Title" and "## Title ##".
_HEADING_MARKS = re.compile(r"^#{1,6}\s+|\s+#+$")
_TITLE_MARK = re.compile(r"^#\s+\S")
_TITLE_WORDS = 25  # a "# " line longer than this is no title (a table's first column, "# Distance …")
# A "date 2025-10-04" line is looked for among the first lines (a title may come first).
_DATE_LINES = 5
_FOOT_LINES = 3


@dataclass(frozen=True)
class CleanText:
    text: str
    title: str | None
    outlet: str | None
    date: str | None


def _caption_of_credit(line: str) -> str | None:
    """The caption that a photo-credit line repeats ("X (Photo: AP)" -> "X")."""
    match = re.match(r"^(?P<caption>.+?)\s*(\((photo|image|picture)s?|\|\s*(photo|image|picture)s?)", line, re.I)
    return match.group("caption").strip() if match else None


@dataclass(frozen=True)
class _Head:
    """What the furniture at the head of an article says, and which of its lines are only that."""

    outlet: str | None
    date: str | None
    furniture: frozenset[int]


def _read_head(lines: list[str], today: Day) -> _Head:
    """Read the masthead, date lines, credit lines ("Harbour Post, 2025-10-05"), a byline's date
    and a dateline's day among the first lines of content (``lines`` without blanks)."""
    head = list(enumerate(lines[:HEAD_LINES]))
    masthead = masthead_of(lines[:2])
    outlet, dates, furniture = masthead and masthead[0], [masthead[1]] if masthead and masthead[1] else [], set()
    if masthead:
        furniture.add(0)
    for index, line in head:
        if index in furniture:
            continue
        if (found := date_part(line)) is not None:  # a date alone, or "Published …", "Last updated …"
            dates.append(found[0])
            furniture.add(index)
        elif name := emphasised_masthead(line):
            outlet = outlet or name
            furniture.add(index)
        elif credit := outlet_date_line(line):
            outlet = outlet or credit[0]
            dates.append(credit[1])
            furniture.add(index)
        elif found := byline_date(line) or dateline_day(line, today) or date_among_parts(line):
            dates.append(found)
            outlet = outlet or paper_among_parts(line)
        elif (name := masthead_name(line)) and any(is_credit(n) for n in lines[max(index - 1, 0):index] + lines[index + 1:index + 2]):
            outlet = outlet or name  # "By Ana Velk | February 17, 2026" then "Fenwick Valley Times"
            furniture.add(index)
    return _Head(outlet, dates[0] if dates else None, frozenset(furniture))


def clean_text(raw: str, title: str | None = None, outlet: str | None = None, date: str | None = None,
               today: Day | None = None) -> CleanText:
    """Clean one article's plain text and read what metadata it states.

    Args:
        raw: the article as text, boilerplate and all (front matter already split off).
        title, outlet, date: metadata already known (from JSON, HTML or front matter); these win.
        today: the day a wire dateline without a year is placed before (default: the clock's).
    Returns:
        The cleaned text (paragraphs separated by blank lines) and its metadata. Mastheads,
        date lines and credit lines at the head are metadata, not text, and never the title.
    """
    lines = [_BULLET.sub("", line.strip()) for line in raw.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    # A Markdown title ("# Velmar deal agreed") is the title however short.
    marked = next((" ".join(line[2:].split()) for line in lines if _TITLE_MARK.match(line)), None)
    lines = [_HEADING_MARKS.sub("", " ".join(line.split())) for line in lines]

    found_date = date
    header = [i for i, line in enumerate(lines) if line][:_DATE_LINES]
    prefixed = next(((i, m) for i in header if (m := _DATE_PREFIX.match(lines[i]))), None)
    if prefixed:
        index, prefix = prefixed
        found_date = found_date or prefix.group("date")
        lines[index] = lines[index][prefix.end():]
    content = [i for i, line in enumerate(lines) if line and not is_boilerplate(line)]
    head = _read_head([lines[i] for i in content], today or Day.today())
    furniture = {content[i] for i in head.furniture}
    found_date = found_date or head.date
    found_outlet = outlet or find_outlet([line for line in lines if line], head.outlet)
    # A credit line at the foot ("This story was first published by X on DATE.") is metadata too.
    for number in content[-_FOOT_LINES:]:
        if number not in furniture and (credit := foot_credit(lines[number])):
            furniture.add(number)
            found_outlet, found_date = found_outlet or credit[0], found_date or credit[1]

    captions = {c for c in (_caption_of_credit(line) for line in lines if is_boilerplate(line)) if c}
    kept: list[str] = []
    for number, line in enumerate(lines):
        if not line or number in furniture:
            continue
        if is_boilerplate(line) or line in captions:
            dated = _DATED_LINE.match(line)
            if dated and not found_date:
                published = published_line(line)
                found_date = (published and published[1]) or parse_date(dated.group("date"))
            continue
        if kept and kept[-1] == line:  # repeated lines are layout artefacts
            continue
        if line[0] in ".,;" and kept:  # a sentence's full stop pushed onto the next line
            kept[-1] += line[0]
            line = line[1:].strip()
            if not line:
                continue
        kept.append(_GLUED_SENTENCE.sub(r"\1 ", line))

    found_title = title or next((line for line in kept[:4] if line == marked and len(line.split()) <= _TITLE_WORDS
                                 or is_heading(line) and len(line.split()) >= 4), None)
    if not found_title:
        found_title = _reference_title(kept)
    return CleanText("\n\n".join(kept), found_title, found_outlet, found_date)


def _reference_title(lines: list[str]) -> str | None:
    for index, line in enumerate(lines):
        if line.lower().startswith("reference") and index + 1 < len(lines) and is_heading(lines[index + 1]):
            return lines[index + 1]
    return None
