"""What a line of an article is: page furniture (boilerplate) or a heading."""

from __future__ import annotations

import re

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
    # a breadcrumb: "News > Business > Ports", "Home / World / Europe" (words, not "3/3/2026")
    r"(?:[^\W\d][\w&'’-]*(?: [\w&'’-]+){0,2} ?[>»›/] ?){2,}[^\W\d][\w&'’-]*(?: [\w&'’-]+){0,2}",
]
_BOILERPLATE_RE = re.compile("|".join(f"(?:{p})" for p in _BOILERPLATE), re.IGNORECASE)
TERMINAL = ('.', '!', '?', '"', '”', "’", ':', ';', ')')


def is_boilerplate(line: str) -> bool:
    return bool(_BOILERPLATE_RE.fullmatch(line.strip()))


def is_heading(line: str) -> bool:
    words = line.split()
    return 3 <= len(words) <= 25 and not line.rstrip().endswith(TERMINAL[:3])


# A dateline: "KYIV (Reuters) -", "BERLIN, Dec. 14 (AP) —", "(CNN) —" at the start of a paragraph.
DATELINE = re.compile(
    r"^(?:[A-Z][A-Z.'’\- ]{1,40}(?:,\s*[A-Z][\w.'’\- ]{1,30}?)?(?:,\s*(?:[A-Z][a-z]{2,8}\.?\s+\d{1,2}|\d{1,2}\s+[A-Z][a-z]{2,8}\.?)(?:,?\s*\d{4})?)?\s+)?"
    r"\((?P<outlet>[^()]{2,40})\)\s*(?:[-—–]{1,2}|:)\s")
BYLINE = re.compile(r"^(?:(?:written|words|reporting|story)\s+)?by\s+(?P<who>.{2,120})$", re.I)
SEPARATOR = re.compile(r"\s*(?:[,|•·—–]|\s-)\s*")
# Between the parts of a furniture line: "Local news · Sunday 13 April 2025", "By X | 9 May 2025".
SPACED_SEPARATOR = re.compile(r"\s+[|•·—–]\s+")
