"""Days as people give them ("2025-12-14", "today", "yesterday", "7d", "2w", "3 months ago") and
as articles state them (date lines, bylines, a wire dateline's day, free text)."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from datetime import date as Day

from dateutil import parser as date_parser
from dateutil.relativedelta import relativedelta

from .lines import BYLINE, DATELINE, SEPARATOR, SPACED_SEPARATOR

_AGO = re.compile(r"^(?P<n>\d{1,5})\s*(?P<unit>d|days?|w|weeks?|m|months?|y|years?)(?:\s+ago)?$", re.IGNORECASE)
_NAMED = {"today": 0, "yesterday": 1}
EXAMPLES = "2025-12-14, today, yesterday, 7d, 2w, 3m or 1y"


def _steps(n: int, unit: str) -> relativedelta:
    """The span of ``n`` units; a month or a year back from the 31st lands on the month's last day."""
    first = unit[0].lower()
    if first == "d":
        return relativedelta(days=n)
    if first == "w":
        return relativedelta(weeks=n)
    return relativedelta(months=n) if first == "m" else relativedelta(years=n)


def day_of(text: str, today: date) -> str:
    """The ISO day ``text`` names, counting back from ``today`` for a relative one.

    Args:
        text: "YYYY-MM-DD", "today", "yesterday", or N units ago: "7d", "2w", "3m", "1y",
            "10 days", "2 weeks ago" ("m" is months: a date option has no minutes).
        today: the day relative dates count from (the caller's clock, so that this stays pure).
    Raises:
        ValueError: ``text`` names no day (the message gives the forms taken).
    """
    cleaned = " ".join(text.split()).lower()
    if cleaned in _NAMED:
        return (today - timedelta(days=_NAMED[cleaned])).isoformat()
    match = _AGO.match(cleaned)
    if match:
        try:
            return (today - _steps(int(match["n"]), match["unit"])).isoformat()
        except (ValueError, OverflowError):  # before year 1
            raise ValueError(f"{text!r} is too far back") from None
    try:
        return date.fromisoformat(cleaned).isoformat()
    except ValueError:
        raise ValueError(f"{text!r} is not a date like {EXAMPLES}") from None


_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
# A date line must say a day, not only a year: a month's name, or a numeric day such as 2026-02-09.
_HAS_DAY = re.compile(rf"\b{_MONTH}|\b\d{{1,4}}[-/.]\d{{1,2}}[-/.]\d{{1,4}}\b", re.IGNORECASE)
_TIME_APART = re.compile(r"\s*[|•·—–]\s*(?=\d{1,2}[:.]\d{2}\b)")
_HAS_YEAR = re.compile(r"\b(?:1[89]|2[01])\d{2}\b")
_ISO_TIME = re.compile(r"(?<=\b\d{4}-\d{2}-\d{2})T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?\b")
_TIME_AFTER = re.compile(r"^\s*(?:,\s*|at\s+)?\d{1,2}[:.]\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:[ap]\.?\s?m\.?)?"
                         r"\s*(?:Z|[A-Z]{2,5}|[+-]\d{2}:?\d{2})?\s*$", re.IGNORECASE)
_WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# "09:12, Thursday 5 March 2026", "14:32 GMT, 2 April 2026": a time before the date.
_LEADING_TIME = re.compile(r"^\d{1,2}[:.]\d{2}\s*(?:[ap]\.?\s?m\.?)?\s*(?:[A-Z]{2,5}\b)?\s*,?\s+(?=\D)", re.IGNORECASE)
# "12.03.2026" is the 12th of March: dotted dates put the day first (month-first dates use slashes).
_DOTTED_DAY_FIRST = re.compile(r"\b\d{1,2}\.\d{1,2}\.\d{4}\b")
_LEADING_WEEKDAY = re.compile(r"^(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)[a-z]*\.?,?\s+", re.IGNORECASE)
_NAMED_WEEKDAY = re.compile(r"\b(" + "|".join(_WEEKDAY_NAMES) + r")\b", re.IGNORECASE)
# "…said on Thursday": a day something happened, not one ahead ("the walkout ends from Friday").
_ON_WEEKDAY = re.compile(r"\bon\s+(" + "|".join(_WEEKDAY_NAMES) + r")\b", re.IGNORECASE)
# The day of a wire dateline: "PORT MIRAN, March 3 (Coastline Wire) —", "BERLIN, Dec. 14, 2025 (AP) —",
# "OSLO, 3 March (NTB) -".
_DATELINE_DATE = rf"(?P<day>(?i:{_MONTH}\s+\d{{1,2}}|\d{{1,2}}\s+{_MONTH})(?:,?\s+\d{{4}})?)"
_DATELINE_DAY = re.compile(rf"^[^()]{{1,80}}?,\s*{_DATELINE_DATE}\s*\(")
# A dateline that gives no outlet: "VELMAR, March 14, 2026 — ", "Northern Ledger, Mar. 14 -- ".
_PLAIN_DATELINE_DAY = re.compile(rf"^(?:[A-Z][A-Z.'’\- ]{{1,40}}|(?:[A-Z][\w.'’&-]*\s+){{0,4}}[A-Z][\w.'’&-]*),\s*"
                                 rf"{_DATELINE_DATE}\s*[-—–]{{1,2}}\s")
_ON_DATE = re.compile(r"\s+on\s+(?P<date>[^,|]+\d{4})$", re.IGNORECASE)
# Wire copy names the day of the report in its first paragraph ("…, the coastguard said on Saturday"):
# a dateline without a year is placed in the latest year whose date falls on such a day.
_YEARS_BACK = 7
# A date as credit lines give it: "Posted 5 March 2026 by Owen Tarrant", "Published: March 2, 2026",
# "Date: March 3, 2026", "Filed: 3 March 2026, 09:14".
_DATE_WORDS = re.compile(r"^(?:(?:(?P<said>(?:first\s+)?(?:published|posted))|(?:last\s+)?(?:updated|modified)"
                         r"|publication\s+date|date(?:d|\s+published)?|filed|released)(?:\s+(?:on|at))?:?\s+)?"
                         r"(?P<date>.+?)"
                         r"(?:\s+by\s+\S.*)?$", re.IGNORECASE)


def parse_date(text: str) -> str | None:
    """An ISO date (YYYY-MM-DD) from free text such as "December 14, 2025", or None."""
    text = text.strip()
    if not text or not re.search(r"\d", text):
        return None
    try:
        return date_parser.parse(text, fuzzy=False, default=None, ignoretz=True, dayfirst=_day_first(text)).date().isoformat()
    except (ValueError, OverflowError, TypeError, AttributeError):
        try:
            return date_parser.parse(text, fuzzy=True, ignoretz=True, dayfirst=_day_first(text)).date().isoformat()
        except (ValueError, OverflowError, TypeError):
            return None


def date_line(line: str) -> str | None:
    """The ISO date of a line that is a date and nothing else: "March 2, 2026", "Monday 15
    September 2025", "*2026-02-09*", "7 April 2026 | 17:40"; None for anything more, or a date
    without a day or a year."""
    # "7 April 2026 | 17:40": a time set apart from its date is still only a date.
    text = _ISO_TIME.sub("", _TIME_APART.sub(" ", _LEADING_WEEKDAY.sub("", _LEADING_TIME.sub("", line.strip(" *_")))))
    years = list(_HAS_YEAR.finditer(text))
    if not text or not years or not _HAS_DAY.search(text):
        return None
    # A time after the date ("3 Mar 2026 09.14 GMT", "Mar. 3, 2026 at 9:14 a.m. ET", "2026-03-03T09:14:00Z").
    text = text[:years[-1].end()] + _TIME_AFTER.sub("", text[years[-1].end():])
    if len(text.split()) > 6:
        return None
    try:
        return date_parser.parse(text, fuzzy=False, ignoretz=True, dayfirst=_day_first(text)).date().isoformat()
    except (ValueError, OverflowError, TypeError):
        return None


def _day_first(text: str) -> bool:
    return bool(_DOTTED_DAY_FIRST.search(text))


def date_part(text: str) -> tuple[str, bool] | None:
    """``(ISO date, whether it says "published")`` of a date alone or as "Posted 5 March 2026 by
    Owen Tarrant" / "Published: March 2, 2026"."""
    match = _DATE_WORDS.match(text.strip(" *_"))
    found = match and date_line(match["date"])
    return (found, bool(match["said"])) if found else None


def split_date(text: str) -> tuple[str, str, bool] | None:
    """``(the rest, ISO date, whether "published" is said)`` of a line that is a name and a date
    side by side, either way round: "Lakeshore Herald, 2026-02-09", "2026-02-10 — Kestrel Bay
    Herald", "**Westvale Today** — Posted 5 March 2026 by Owen Tarrant"."""
    for separator in SEPARATOR.finditer(text):
        before, after = text[: separator.start()], text[separator.end():]
        if not before.strip(" *_") or not after.strip(" *_"):
            continue
        if found := date_part(after):
            return before, *found
        if found := date_part(before):
            return after, *found
    return None


# The other parts of a dated furniture line are short and no sentence: a section, a byline, a slogan.
_PART_WORDS = 6
_SENTENCE_END = (".", "!", "?")


def date_among_parts(line: str) -> str | None:
    """The date of a furniture line whose one part is a date and whose other parts are short
    and no sentences: "**Thursday 20 November 2025** | Hannes Lübbe, Investigations",
    "*Interview · 2 April 2025 · By Amira Kostova*", "**Published 16 October 2025**"."""
    dated = [(part, date_part(part)) for part in (p.strip(" *_") for p in SPACED_SEPARATOR.split(line.strip(" *_")))]
    days = [found[0] for _, found in dated if found]
    others = [part for part, d in dated if not d]
    if len(days) != 1 or any(len(part.split()) > _PART_WORDS or part.endswith(_SENTENCE_END) for part in others):
        return None
    return days[0]


def byline_date(line: str) -> str | None:
    """The date after a byline: "By Ana Velk | March 2, 2026", "Written by Ana Velk on 2 March 2026"."""
    if not BYLINE.match(line) or len(line.split()) > 16:
        return None
    if said_on := _ON_DATE.search(line):
        return date_line(said_on["date"])
    split = split_date(line)
    return split[1] if split and BYLINE.match(split[0]) else None


def _dateline_match(line: str) -> re.Match | None:
    return (DATELINE.match(line) and _DATELINE_DAY.match(line)) or _PLAIN_DATELINE_DAY.match(line)


def dateline_days(line: str, today: Day, weekdays: bool = True) -> list[Day]:
    """The days a wire dateline without a year may be, "PORT MIRAN, March 3 (Coastline Wire) —",
    latest first: in the years up to ``today`` (``_YEARS_BACK``) and, with ``weekdays``, on a
    weekday the paragraph names when it names one (wire copy says "…, officials said on
    Tuesday"; days said "on" first). Empty for any other line, and for a dateline that gives its year."""
    match = _dateline_match(line)
    if not match or _HAS_YEAR.search(match["day"]):
        return []
    try:
        month_day = date_parser.parse(match["day"], default=datetime(2000, 1, 1))
    except (ValueError, OverflowError):
        return []
    named = {_WEEKDAY_NAMES.index(w.lower()) for w in _ON_WEEKDAY.findall(line) or _NAMED_WEEKDAY.findall(line)}
    candidates = []
    for year in range(today.year, today.year - _YEARS_BACK, -1):
        try:
            candidates.append(Day(year, month_day.month, month_day.day))
        except ValueError:  # 29 February
            continue
    candidates = [d for d in candidates if d <= today]
    return [d for d in candidates if d.weekday() in named] if named and weekdays else candidates


def dateline_day(line: str, today: Day) -> str | None:
    """The date of a dateline, "PORT MIRAN, March 3 (Coastline Wire) —", "VELMAR, March 14, 2026 —";
    without a year, the latest of ``dateline_days``."""
    match = _dateline_match(line)
    if not match:
        return None
    if _HAS_YEAR.search(match["day"]):
        return parse_date(match["day"])
    days = dateline_days(line, today)
    return days[0].isoformat() if days else None


def nearest_day(days: list[Day], anchors: list[Day]) -> Day:
    """Of ``days`` (latest first), the one closest to any of ``anchors`` (the dates of other
    reports of the same story); the latest when two are as close."""
    return min(days, key=lambda d: min(abs((d - a).days) for a in anchors))
