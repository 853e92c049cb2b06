"""The outlet an article names: a line that says it, a masthead or credit line at the head, an
agency's dateline, byline or sign-off, the copyright holder at the foot, the domain of a reference
or a site-name line; and a web page's masthead or footer."""

from __future__ import annotations

import re
from urllib.parse import urlparse

from .dates import date_among_parts, date_line, date_part, split_date
from .lines import BYLINE, DATELINE, SPACED_SEPARATOR, TERMINAL, is_boilerplate, is_heading

_OUTLET_PATTERNS = [
    re.compile(r"^for more,? visit\s+(?P<outlet>[\w.\- ]{2,40}?)\.?$", re.IGNORECASE),
    re.compile(r"^(?P<outlet>[A-Z][\w.\-]*( [A-Z][\w.\-]*){0,2}) news ?desk$", re.IGNORECASE),
    re.compile(r"^(?:source|via):\s*(?P<outlet>[\w.\- ]{2,40})$", re.IGNORECASE),
    re.compile(r"^(?:this (?:article|story|report) )?(?:was |first )?originally (?:appeared|published|ran)(?: (?:in|by|on))?"
               r"\s+(?P<outlet>(?:the\s+)?[A-Z][\w.&'’\- ]{1,40}?)\.?$", re.IGNORECASE),
]
_TLDS = r"com|org|net|news|info|co\.uk|co\.in|com\.au|co\.za|uk|in|cn|de|fr|io|eu|ru|ua|ca|au|ie|nz|za|tv"
_DOMAIN_LINE = re.compile(rf"^(?:www\.)?(?P<outlet>[a-z0-9\-]+(\.[a-z0-9\-]+)*\.({_TLDS}))$", re.I)
# A line that says where the article comes from by its address: "Source: https://www.example.com/a".
_SOURCE_URL = re.compile(
    r"^(?:source|via|(?:originally|first) (?:published|appeared) (?:at|on|in))\s*:?\s*"
    r"(?P<url>(?:https?://)?[\w\-]+(?:\.[\w\-]+)+(?:[/?#]\S*)?)$", re.I)
_JOB = re.compile(r"\s+(?:staff\s+)?(?:writer|reporter|correspondent|editor|columnist)s?$|\s+staff$", re.IGNORECASE)
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
HEAD_LINES = 6
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
# The words newspaper, wire and broadcaster names end in ("Riverton Gazette", "Arts Line Daily"):
# a short capitalised line at the head ending in one is a masthead, not a headline.
_MASTHEAD_WORDS = frozenset("""
    herald gazette post times tribune wire newswire daily news review journal star chronicle express observer
    telegraph standard mail mirror guardian independent record courier examiner sentinel bulletin dispatch press
    monitor ledger register inquirer today weekly magazine radio tv television agency reporter globe argus
    advertiser mercury echo gazetteer packet enquirer recorder informer voice
""".split())
_MASTHEAD_MAX_WORDS = 4
# A masthead's section ("Arts", "City & Region") is a few words; a slogan beside a bold name a few more.
_SECTION_WORDS, _SLOGAN_WORDS = 3, 8
# A line or a part of one set apart in bold or italics: "**Sella Gazette**", "*Harbour Post*".
_EMPHASIS_MARKS = r"(\*{1,3}|_{1,3})"
_EMPHASISED = re.compile(_EMPHASIS_MARKS + r"[^*_]+\1")
_PUBLISHED_BY = re.compile(r"^(?:(?:this|the)\s+(?:article|story|report)\s+was\s+)?(?:first\s+|originally\s+)?(?:published|posted)"
                           r"\s+(?:by|in)\s+(?P<name>.+?)(?:\s+on\s+(?P<date>.+?))?\.?$", re.IGNORECASE)
_SOURCE_PREFIX = re.compile(r"^(?:source|via):\s*", re.IGNORECASE)
_PUBLISHED = re.compile(r"^(?:first\s+)?(?:published|posted)(?:\s+(?:on|at))?:?\s+(?P<rest>.+)$", re.IGNORECASE)


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
    match = DATELINE.match(line)
    if not match:
        return None
    name = " ".join(match.group("outlet").split())
    if agency(name):
        return agency(name)
    return name if _name_like(name) and len(name.split()) <= 3 and name.casefold() not in _NOT_OUTLETS else None


def _byline_agency(line: str) -> str | None:
    """``Reuters`` from "By Jane Doe, Reuters" or "By AFP": only an agency, since what follows a
    byline's comma is as often a job or a place ("By Jane Doe, Staff Writer")."""
    match = BYLINE.match(line)
    if not match or len(line.split()) > 12:
        return None
    parts = re.split(r"\s*(?:[,|/;]|\band\b|\bfor\b)\s*", match.group("who"))
    return next((found for part in parts if (found := agency(re.sub(r"\s+staff$", "", part, flags=re.I)))), None)


def _byline_outlet(line: str) -> str | None:
    """``Kelvarn Tribune`` from "By Kjell Ambrin | 6 May 2025 | Kelvarn Tribune": a proper name
    after a byline's date is its publisher (a section, "Transport", comes before the date). Any
    other part after the writer's name is one only when it ends as newspapers' names do ("By
    Jane Doe, The Kestrel Bay Herald", "By Jane Doe | Kestrel Bay Herald | March 3, 2026"),
    a job after it left aside ("Kestrel Bay Herald staff writer"; "Staff Reporter" is no name)."""
    match = BYLINE.match(line.strip(" *_"))
    parts = SPACED_SEPARATOR.split(match.group("who")) if match else []
    dated = [i for i, part in enumerate(parts) if i and date_part(part)]
    if dated and dated[0] == len(parts) - 2:
        name = parts[-1].strip(" *_")
        return masthead_name(name, any_name=True) if len(name.split()) >= 2 else None
    # "By Ada Kern for Coast Daily": a paper the writer wrote for.
    parts = re.split(r"\s*[,|]\s*|\s+for\s+", match.group("who")) if match and len(line.split()) <= 16 else []
    named = [masthead_name(_JOB.sub("", part)) for part in parts[1:] if len(_JOB.sub("", part).split()) >= 2]
    return next((name for name in named if name), None)


def _sign_off_agency(line: str) -> str | None:
    """``AFP`` from a closing "— AFP", "(Reuters)" or a bare "Associated Press" line; a dashed
    sign-off may also name a paper ("— The Kestrel Bay Herald")."""
    match = _SIGN_OFF.match(line)
    if not match:
        return agency(line)
    named = match.group("dashed") or match.group("bracketed")
    return agency(named) or (masthead_name(named) if match.group("dashed") and len(named.split()) >= 2 else None)


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
    published = published_line(line)
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


def _display_name(name: str) -> str:
    """A masthead set in capitals as a name is written: "LAKESHORE HERALD" -> "Lakeshore Herald"
    (short words such as "BBC" stay: they are more often initials)."""
    if not name.isupper():
        return name
    return " ".join(w.capitalize() if len(w) > 3 or w.lower() in ("the", "of", "and") else w for w in name.split())


def masthead_name(text: str, max_words: int = _MASTHEAD_MAX_WORDS, any_name: bool = False) -> str | None:
    """``text`` as an outlet's name, when it reads as one: a proper name of a few words ending in
    a word newspapers are named with (or, with ``any_name``, any proper name); never a byline."""
    name = " ".join(text.strip(" *_").split())
    if not _name_like(name) or len(name.split()) > max_words or name.lower().startswith("by "):
        return None
    if any_name or name.split()[-1].lower() in _MASTHEAD_WORDS or agency(name):
        return agency(name) or _display_name(name)
    return None


def outlet_date_line(line: str) -> tuple[str, str] | None:
    """``(outlet, date)`` from a credit line: "*Harbour Post, 2025-10-05*", "Lakeshore Herald,
    2026-02-09", "Coast Daily (3 March 2026)". Any proper name counts where the line says "published" or sets the name apart
    in bold ("**Westvale Today** — Posted 5 March 2026"); else it must end as newspapers' do."""
    split = split_date(line) or _bracketed_date(line)
    if not split:
        return None
    name, when, said = split
    set_apart = _EMPHASISED.fullmatch(name.strip()) is not None
    outlet = masthead_name(name, max_words=_MASTHEAD_MAX_WORDS + 1, any_name=said or set_apart)
    return (outlet, when) if outlet else None


_BRACKETED_DATE = re.compile(r"^(?P<name>[^()]+?)\s*\((?P<date>[^()]+)\)$")


def _bracketed_date(line: str) -> tuple[str, str, bool] | None:
    """``(name, date, False)`` of "Coast Daily (3 March 2026)"."""
    match = _BRACKETED_DATE.match(line.strip(" *_"))
    found = match and date_part(match["date"])
    return (match["name"], found[0], False) if found else None


def published_line(line: str) -> tuple[str | None, str | None] | None:
    """``(outlet, date)`` of "Published 2026-02-10 — Kestrel Bay Herald" or "Published by X on
    March 2, 2026": the line says it names the publisher, so any proper name counts."""
    by = _PUBLISHED_BY.match(line)
    if by:
        name = masthead_name(by["name"], max_words=6, any_name=True)
        when = by["date"] and date_line(by["date"])
        return (name, when) if name or when else None
    published = _PUBLISHED.match(line)
    if not published:
        return None
    split = split_date(published["rest"])
    if split:
        return masthead_name(split[0], max_words=6, any_name=True), split[1]
    alone = date_part(published["rest"])
    return (None, alone[0]) if alone else None


def emphasised_masthead(line: str) -> str | None:
    """The outlet of a masthead set apart in bold or italics among the first lines: "**Sella Gazette**"."""
    return masthead_name(line) if _EMPHASISED.fullmatch(line) else None


def _masthead_with_parts(line: str) -> tuple[str, str | None] | None:
    """``(outlet, date or None)`` of a masthead that carries a section or a date:
    "LINSK EVENING STAR | Arts | Friday 19 September 2025", "EASTGATE REVIEW — World desk"."""
    first, *rest = SPACED_SEPARATOR.split(line.strip(" *_"))
    name = rest and masthead_name(first, any_name=first.isupper())
    if not name:
        return None
    dates = [(date_part(part) or (None,))[0] for part in rest]
    sections = [part for part, day in zip(rest, dates) if not day]
    # A name set apart in bold may carry a slogan: "**ERLEN GAZETTE** · Your town, every day".
    longest = _SLOGAN_WORDS if _EMPHASISED.match(line.strip()) else _SECTION_WORDS
    if any(len(part.split()) > longest or part.rstrip().endswith(TERMINAL) for part in sections):
        return None
    return name, next((day for day in dates if day), None)


def masthead_of(lines: list[str]) -> tuple[str, str | None] | None:
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
    if dated and first.isupper() and (name := masthead_name(first, any_name=True)):
        return name, None
    name = masthead_name(first)
    headline = is_heading(following) and len(following.split()) > len(first.split())
    # "THE ESTORIAN CHRONICLE" over "National news", "Commuter Radio News" over "Transport | Lestmark".
    section = _is_section(following)
    return (name, None) if name and (dated or headline or section) else None


def _is_section(line: str) -> bool:
    """Whether ``line`` reads as a page's section: "National news", "Transport | Lestmark"."""
    parts = SPACED_SEPARATOR.split(line.strip(" *_"))
    return all(0 < len(part.split()) <= _SECTION_WORDS and not part.endswith(TERMINAL) for part in parts)


def is_credit(line: str) -> bool:
    """Whether ``line`` is a byline or a date line, beside which a newspaper's name is its masthead."""
    return bool(BYLINE.match(line) or date_line(line) or outlet_date_line(line))


def page_furniture_outlet(mastheads: list[str], footer: list[str], titles: list[str] = (),
                          bylines: list[str] = ()) -> str | None:
    """The outlet a web page names only in its furniture, which article extraction drops: the
    text of a masthead element ("The Fenmoor Echo"), else the copyright holder of its footer, else
    a paper or an agency its byline element names ("By Jane Doe | Kestrel Bay Herald"), else the
    name beside the headline in the page's ``<title>`` ("Council closes two libraries | Kestrel
    Bay Herald"); those two only when they end as newspapers' names do."""
    bylines = [line if line.lower().startswith("by ") else f"By {line}" for line in bylines]
    return (_first(lambda text: masthead_name(text, any_name=True), mastheads) or _first(_copyright_holder, footer)
            or _first(_byline_agency, bylines) or _first(_byline_outlet, bylines) or _first(_title_outlet, titles))


def _title_outlet(title: str) -> str | None:
    parts = re.split(r"\s+[|–—-]\s+|\s*\|\s*", title.strip())
    return next((found for part in (parts[1:] and [parts[-1], parts[0]]) if (found := masthead_name(part))), None)


def paper_among_parts(line: str) -> str | None:
    """A newspaper's name among the short parts of a dated furniture line: "Coast Daily" of
    "2026-03-03 | Coast Daily | Ada Kern" (a name ending as papers' do: never the writer's)."""
    if date_among_parts(line) is None:
        return None
    return next((name for part in SPACED_SEPARATOR.split(line.strip(" *_")) if (name := masthead_name(part))), None)


def foot_credit(line: str) -> tuple[str | None, str | None] | None:
    """``(outlet, date)`` of a credit line at an article's foot: "This story was first published
    by Coast Daily on 3 March 2026.", "(Coast Daily, 3 March 2026)", "Source: Coast Daily, 3 March
    2026"; None for any other line."""
    inner = line.strip()
    if inner.startswith("(") and inner.endswith(")"):
        inner = inner[1:-1].strip()
    if sourced := _SOURCE_PREFIX.match(inner):  # the line says it names the source: any proper name counts
        split = split_date(inner[sourced.end():])
        name = split and masthead_name(split[0], max_words=6, any_name=True)
        return (name, split[1]) if name else None
    return published_line(inner) or outlet_date_line(inner)


def find_outlet(lines: list[str], masthead: str | None = None) -> str | None:
    """The outlet the article names, by the surest sign first: a line that says it outright,
    an agency's dateline, byline or sign-off, a publisher named after a byline's date, the
    ``masthead`` (or credit line) at the head,
    the copyright holder at the foot, then the domain of a reference or a site-name line at the
    top or the foot. None rather than a guess."""
    # A title, a standfirst, a byline and a date may come before the first paragraph's dateline.
    # An agency's dateline or byline comes before the masthead: a paper running wire copy is
    # not the story's source, and one name per agency keeps corroboration honest.
    top, head, tail = _head(lines, _EDGE_LINES), _head(lines, HEAD_LINES), _tail(lines, _EDGE_LINES)
    return (_first(_stated_outlet, lines) or _first(_dateline_outlet, head) or _first(_byline_agency, head + tail)
            or _first(_byline_outlet, head) or _first(_sign_off_agency, tail) or masthead
            or _first(_copyright_holder, tail) or _reference_domain(lines) or _first(_domain_line, top + tail))
