"""Pure functions that strip web boilerplate from article text and read its metadata."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date as Day
from datetime import datetime
from urllib.parse import urlparse

import yaml
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
    r"^(?:[A-Z][A-Z.'’\- ]{1,40}(?:,\s*[A-Z][\w.'’\- ]{1,30}?)?(?:,\s*[A-Z][a-z]{2,8}\.?\s+\d{1,2}(?:,\s*\d{4})?)?\s+)?"
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

# The words newspaper, wire and broadcaster names end in ("Riverton Gazette", "Arts Line Daily"):
# a short capitalised line at the head ending in one is a masthead, not a headline.
_MASTHEAD_WORDS = frozenset("""
    herald gazette post times tribune wire newswire daily news review journal star chronicle express observer
    telegraph standard mail mirror guardian independent record courier examiner sentinel bulletin dispatch press
    monitor ledger register inquirer today weekly magazine radio tv television agency reporter globe argus
    advertiser mercury echo gazetteer packet enquirer recorder informer
""".split())
_MASTHEAD_MAX_WORDS = 4
# Between a name and a date on one furniture line: "Lakeshore Herald, 2026-02-09", "By X | March 2, 2026".
_SPACED_SEPARATOR = re.compile(r"\s+[|•·—–]\s+")
_SEPARATOR = re.compile(r"\s*(?:[,|•·—–]|\s-)\s*")
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
# A date line must say a day, not only a year: a month's name, or a numeric day such as 2026-02-09.
_HAS_DAY = re.compile(rf"\b{_MONTH}|\b\d{{1,4}}[-/.]\d{{1,2}}[-/.]\d{{1,4}}\b", re.IGNORECASE)
_TIME_APART = re.compile(r"\s*[|•·—–]\s*(?=\d{1,2}[:.]\d{2}\b)")
_HAS_YEAR = re.compile(r"\b(?:1[89]|2[01])\d{2}\b")
_WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_LEADING_WEEKDAY = re.compile(r"^(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)[a-z]*\.?,?\s+", re.IGNORECASE)
_NAMED_WEEKDAY = re.compile(r"\b(" + "|".join(_WEEKDAY_NAMES) + r")\b", re.IGNORECASE)
# "…said on Thursday": a day something happened, not one ahead ("the walkout ends from Friday").
_ON_WEEKDAY = re.compile(r"\bon\s+(" + "|".join(_WEEKDAY_NAMES) + r")\b", re.IGNORECASE)
# The day of a wire dateline: "PORT MIRAN, March 3 (Coastline Wire) —", "BERLIN, Dec. 14, 2025 (AP) —".
_DATELINE_DAY = re.compile(rf"^[^()]{{1,80}}?,\s*(?P<day>{_MONTH}\s+\d{{1,2}}(?:,?\s+\d{{4}})?)\s*\(", re.IGNORECASE)
# Wire copy names the day of the report in its first paragraph ("…, the coastguard said on Saturday"):
# a dateline without a year is placed in the latest year whose date falls on such a day.
_YEARS_BACK = 7
# A date as credit lines give it: "Posted 5 March 2026 by Owen Tarrant", "Published: March 2, 2026".
_DATE_WORDS = re.compile(r"^(?:(?P<said>(?:first\s+)?(?:published|posted))(?:\s+(?:on|at))?:?\s+)?(?P<date>.+?)"
                         r"(?:\s+by\s+\S.*)?$", re.IGNORECASE)
# A line or a part of one set apart in bold or italics: "**Sella Gazette**", "*Harbour Post*".
_EMPHASIS_MARKS = r"(\*{1,3}|_{1,3})"
_EMPHASISED = re.compile(_EMPHASIS_MARKS + r"[^*_]+\1")
_PUBLISHED_BY = re.compile(r"^(?:published|posted)\s+by\s+(?P<name>.+?)(?:\s+on\s+(?P<date>.+))?$", re.IGNORECASE)
_PUBLISHED = re.compile(r"^(?:first\s+)?(?:published|posted)(?:\s+(?:on|at))?:?\s+(?P<rest>.+)$", re.IGNORECASE)
# YAML front matter: "---" on the first line, keys, then "---" (or "...") on a line of its own.
_FRONT_MATTER = re.compile(r"^\ufeff?---[ \t]*\r?\n(?P<yaml>.*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|$)", re.DOTALL)
_FRONT_MATTER_KEY = re.compile(r"^(?P<key>[A-Za-z_][\w-]*)\s*:\s*(?P<value>.*)$")
_FRONT_MATTER_FIELDS = {
    "title": ("title", "headline"),
    "outlet": ("outlet", "source", "publisher", "publication", "site", "site_name", "sitename"),
    "date": ("date", "published", "published_at", "publish_date", "pubdate", "date_published", "datepublished"),
    "url": ("url", "link", "canonical", "canonical_url"),
}


@dataclass(frozen=True)
class CleanText:
    text: str
    title: str | None
    outlet: str | None
    date: str | None


@dataclass(frozen=True)
class FrontMatter:
    """What a file's YAML front matter states (None where it states nothing usable)."""

    title: str | None = None
    outlet: str | None = None
    date: str | None = None
    url: str | None = None


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
    "Source: https://www.example.com/…", "Published 2026-02-10 — Kestrel Bay Herald"."""
    match = _SOURCE_URL.match(line)
    if match:
        return outlet_of_url(match.group("url"))
    published = _published_line(line)
    if published and published[0]:
        return published[0]
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


def date_line(line: str) -> str | None:
    """The ISO date of a line that is a date and nothing else: "March 2, 2026", "Monday 15
    September 2025", "*2026-02-09*", "7 April 2026 | 17:40"; None for anything more, or a date
    without a day or a year."""
    # "7 April 2026 | 17:40": a time set apart from its date is still only a date.
    text = _TIME_APART.sub(" ", _LEADING_WEEKDAY.sub("", line.strip(" *_")))
    if not text or len(text.split()) > 6 or not _HAS_YEAR.search(text) or not _HAS_DAY.search(text):
        return None
    try:
        return date_parser.parse(text, fuzzy=False).date().isoformat()
    except (ValueError, OverflowError, TypeError):
        return None


def _date_part(text: str) -> tuple[str, bool] | None:
    """``(ISO date, whether it says "published")`` of a date alone or as "Posted 5 March 2026 by
    Owen Tarrant" / "Published: March 2, 2026"."""
    match = _DATE_WORDS.match(text.strip(" *_"))
    found = match and date_line(match["date"])
    return (found, bool(match["said"])) if found else None


def _split_date(text: str) -> tuple[str, str, bool] | None:
    """``(the rest, ISO date, whether "published" is said)`` of a line that is a name and a date
    side by side, either way round: "Lakeshore Herald, 2026-02-09", "2026-02-10 — Kestrel Bay
    Herald", "**Westvale Today** — Posted 5 March 2026 by Owen Tarrant"."""
    for separator in _SEPARATOR.finditer(text):
        before, after = text[: separator.start()], text[separator.end():]
        if not before.strip(" *_") or not after.strip(" *_"):
            continue
        if found := _date_part(after):
            return before, *found
        if found := _date_part(before):
            return after, *found
    return None


def _display_name(name: str) -> str:
    """A masthead set in capitals as a name is written: "LAKESHORE HERALD" -> "Lakeshore Herald"
    (short words such as "BBC" stay: they are more often initials)."""
    if not name.isupper():
        return name
    return " ".join(w.capitalize() if len(w) > 3 or w.lower() in ("the", "of", "and") else w for w in name.split())


def _masthead_name(text: str, max_words: int = _MASTHEAD_MAX_WORDS, any_name: bool = False) -> str | None:
    """``text`` as an outlet's name, when it reads as one: a proper name of a few words ending in
    a word newspapers are named with (or, with ``any_name``, any proper name); never a byline."""
    name = " ".join(text.strip(" *_").split())
    if not _name_like(name) or len(name.split()) > max_words or name.lower().startswith("by "):
        return None
    if any_name or name.split()[-1].lower() in _MASTHEAD_WORDS or agency(name):
        return agency(name) or _display_name(name)
    return None


def _outlet_date_line(line: str) -> tuple[str, str] | None:
    """``(outlet, date)`` from a credit line: "*Harbour Post, 2025-10-05*", "Lakeshore Herald,
    2026-02-09". Any proper name counts where the line says "published" or sets the name apart
    in bold ("**Westvale Today** — Posted 5 March 2026"); else it must end as newspapers' do."""
    split = _split_date(line)
    if not split:
        return None
    name, when, said = split
    set_apart = _EMPHASISED.fullmatch(name.strip()) is not None
    outlet = _masthead_name(name, max_words=_MASTHEAD_MAX_WORDS + 1, any_name=said or set_apart)
    return (outlet, when) if outlet else None


def _published_line(line: str) -> tuple[str | None, str | None] | None:
    """``(outlet, date)`` of "Published 2026-02-10 — Kestrel Bay Herald" or "Published by X on
    March 2, 2026": the line says it names the publisher, so any proper name counts."""
    by = _PUBLISHED_BY.match(line)
    if by:
        name = _masthead_name(by["name"], max_words=6, any_name=True)
        when = by["date"] and date_line(by["date"])
        return (name, when) if name or when else None
    published = _PUBLISHED.match(line)
    if not published:
        return None
    split = _split_date(published["rest"])
    if split:
        return _masthead_name(split[0], max_words=6, any_name=True), split[1]
    alone = _date_part(published["rest"])
    return (None, alone[0]) if alone else None


def _emphasised_masthead(line: str) -> str | None:
    """The outlet of a masthead set apart in bold or italics among the first lines: "**Sella Gazette**"."""
    return _masthead_name(line) if _EMPHASISED.fullmatch(line) else None


def _byline_date(line: str) -> str | None:
    """The date after a byline: "By Ana Velk | March 2, 2026"."""
    if not _BYLINE.match(line) or len(line.split()) > 16:
        return None
    split = _split_date(line)
    return split[1] if split and split[0].lower().startswith("by ") else None


def _dateline_day(line: str, today: Day) -> str | None:
    """The date of a wire dateline, "PORT MIRAN, March 3 (Coastline Wire) —"; without a year,
    the latest year up to ``today`` whose date falls on a weekday the paragraph names (wire
    copy says "…, officials said on Tuesday"; days said "on" first), else the latest such date
    up to ``today``."""
    match = _DATELINE.match(line) and _DATELINE_DAY.match(line)
    if not match:
        return None
    if _HAS_YEAR.search(match["day"]):
        return parse_date(match["day"])
    try:
        month_day = date_parser.parse(match["day"], default=datetime(2000, 1, 1))
    except (ValueError, OverflowError):
        return None
    named = {_WEEKDAY_NAMES.index(w.lower()) for w in _ON_WEEKDAY.findall(line) or _NAMED_WEEKDAY.findall(line)}
    candidates = []
    for year in range(today.year, today.year - _YEARS_BACK, -1):
        try:
            candidates.append(Day(year, month_day.month, month_day.day))
        except ValueError:  # 29 February
            continue
    candidates = [d for d in candidates if d <= today]
    if named:
        candidates = [d for d in candidates if d.weekday() in named]
    return candidates[0].isoformat() if candidates else None


def _masthead_with_parts(line: str) -> tuple[str, str | None] | None:
    """``(outlet, date or None)`` of a masthead that carries a section or a date:
    "LINSK EVENING STAR | Arts | Friday 19 September 2025", "EASTGATE REVIEW — World desk"."""
    first, *rest = _SPACED_SEPARATOR.split(line.strip(" *_"))
    name = rest and _masthead_name(first, any_name=first.isupper())
    if not name:
        return None
    dates = [date_line(part) for part in rest]
    sections = [part for part, day in zip(rest, dates) if not day]
    if any(len(part.split()) > 3 or part.rstrip().endswith(_TERMINAL) for part in sections):
        return None
    return name, next((day for day in dates if day), None)


def _masthead(lines: list[str]) -> tuple[str, str | None] | None:
    """``(outlet, date or None)`` of a masthead, the first line of a page: a short name ending
    in a newspaper word ("Riverton Gazette") followed by a date line or a longer headline; a
    name in capitals followed by a date line ("OUTLOOK" / "March 2, 2026"); or either with its
    section and date on the same line ("LINSK EVENING STAR | Arts | 19 September 2025")."""
    if len(lines) < 2:
        return None
    if parts := _masthead_with_parts(lines[0]):
        return parts
    first, following = lines[0].strip(" *_"), lines[1]
    dated = date_line(following) is not None
    if dated and first.isupper() and (name := _masthead_name(first, any_name=True)):
        return name, None
    name = _masthead_name(first)
    headline = _is_heading(following) and len(following.split()) > len(first.split())
    return (name, None) if name and (dated or headline) else None


def _is_credit(line: str) -> bool:
    """Whether ``line`` is a byline or a date line, beside which a newspaper's name is its masthead."""
    return bool(_BYLINE.match(line) or date_line(line) or _outlet_date_line(line))


@dataclass(frozen=True)
class _Head:
    """What the furniture at the head of an article says, and which of its lines are only that."""

    outlet: str | None
    date: str | None
    furniture: frozenset[int]


def _read_head(lines: list[str], today: Day) -> _Head:
    """Read the masthead, date lines, credit lines ("Harbour Post, 2025-10-05"), a byline's date
    and a dateline's day among the first lines of content (``lines`` without blanks)."""
    head = list(enumerate(lines[:_HEAD_LINES]))
    masthead = _masthead(lines[:2])
    outlet, dates, furniture = masthead and masthead[0], [masthead[1]] if masthead and masthead[1] else [], set()
    if masthead:
        furniture.add(0)
    for index, line in head:
        if index in furniture:
            continue
        if (found := date_line(line)) is not None:
            dates.append(found)
            furniture.add(index)
        elif name := _emphasised_masthead(line):
            outlet = outlet or name
            furniture.add(index)
        elif credit := _outlet_date_line(line):
            outlet = outlet or credit[0]
            dates.append(credit[1])
            furniture.add(index)
        elif found := _byline_date(line) or _dateline_day(line, today):
            dates.append(found)
        elif (name := _masthead_name(line)) and any(_is_credit(n) for n in lines[max(index - 1, 0):index] + lines[index + 1:index + 2]):
            outlet = outlet or name  # "By Ana Velk | February 17, 2026" then "Fenwick Valley Times"
            furniture.add(index)
    return _Head(outlet, dates[0] if dates else None, frozenset(furniture))


def page_furniture_outlet(mastheads: list[str], footer: list[str]) -> str | None:
    """The outlet a web page names only in its furniture, which article extraction drops: the
    text of a masthead element ("The Fenmoor Echo"), else the copyright holder of its footer."""
    return _first(lambda text: _masthead_name(text, any_name=True), mastheads) or _first(_copyright_holder, footer)


def split_front_matter(raw: str) -> tuple[FrontMatter, str]:
    """Split YAML front matter off a Markdown or text file: ``(what it states, the rest)``.

    Keys read (any case): title/headline, outlet/source/publisher/site_name, date/published,
    url/link. A block that is not valid YAML is still taken off, read line by line as "key: value".
    """
    match = _FRONT_MATTER.match(raw)
    if not match:
        return FrontMatter(), raw
    try:
        data = yaml.safe_load(match["yaml"])
    except yaml.YAMLError:
        data = {m["key"]: m["value"].strip().strip("'\"") for line in match["yaml"].splitlines()
                if (m := _FRONT_MATTER_KEY.match(line))}
    if not isinstance(data, dict) or not data:
        return FrontMatter(), raw  # a rule at the top of the text, not front matter
    fields = {str(key).lower(): value for key, value in data.items()}
    values = {name: next((v for key in keys if (v := _front_matter_value(fields.get(key), name))), None)
              for name, keys in _FRONT_MATTER_FIELDS.items()}
    return FrontMatter(**values), raw[match.end():]


def _front_matter_value(value: object, field: str) -> str | None:
    """A front matter value as text: YAML's own dates as ISO days, ``{name: …}`` as its name."""
    if isinstance(value, dict):
        value = value.get("name")
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, Day):
        return value.isoformat()
    if not isinstance(value, str) or not value.strip():
        return None
    return parse_date(value) if field == "date" else " ".join(value.split())


def _find_outlet(lines: list[str], masthead: str | None = None) -> str | None:
    """The outlet the article names, by the surest sign first: a line that says it outright,
    an agency's dateline, byline or sign-off, the ``masthead`` (or credit line) at the head,
    the copyright holder at the foot, then the domain of a reference or a site-name line at the
    top or the foot. None rather than a guess."""
    # A title, a standfirst, a byline and a date may come before the first paragraph's dateline.
    # An agency's dateline or byline comes before the masthead: a paper running wire copy is
    # not the story's source, and one name per agency keeps corroboration honest.
    top, head, tail = _head(lines, _EDGE_LINES), _head(lines, _HEAD_LINES), _tail(lines, _EDGE_LINES)
    return (_first(_stated_outlet, lines) or _first(_dateline_outlet, head) or _first(_byline_agency, head + tail)
            or _first(_sign_off_agency, tail) or masthead or _first(_copyright_holder, tail)
            or _reference_domain(lines) or _first(_domain_line, top + tail))


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
    found_outlet = outlet or _find_outlet([line for line in lines if line], head.outlet)

    captions = {c for c in (_caption_of_credit(line) for line in lines if is_boilerplate(line)) if c}
    kept: list[str] = []
    for number, line in enumerate(lines):
        if not line or number in furniture:
            continue
        if is_boilerplate(line) or line in captions:
            dated = _DATED_LINE.match(line)
            if dated and not found_date:
                published = _published_line(line)
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

    found_title = title or next((line for line in kept[:4] if _is_heading(line) and len(line.split()) >= 4), None)
    if not found_title:
        found_title = _reference_title(kept)
    return CleanText("\n\n".join(kept), found_title, found_outlet, found_date)


def _reference_title(lines: list[str]) -> str | None:
    for index, line in enumerate(lines):
        if line.lower().startswith("reference") and index + 1 < len(lines) and _is_heading(lines[index + 1]):
            return lines[index + 1]
    return None
