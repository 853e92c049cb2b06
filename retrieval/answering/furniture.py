"""Page furniture: the lines and line openings of a news page that say nothing the story says
(a byline, a date line, a line of links, a wire dateline, a wire's reporting credit). Pure
functions over an article's text."""

from __future__ import annotations

import re

from ..sources.lines import BYLINE, DATELINE
from ..sources.outlets import is_credit

# A line of links to other stories: "Related: Panda-mania - why Kelbridge fell in love | …".
_LINKS = re.compile(r"^(?:related|read more|see also|more on this)\b[^:]{0,30}:", re.IGNORECASE)
# A wire's credit: "(Reporting by Marek Thurlow; editing by Liesel Brannagh)".
_WIRE_CREDIT = re.compile(r"^\(?(?:additional\s+)?(?:reporting|writing|editing|compiled)\s+by\b", re.IGNORECASE)
_MARKUP = " *_#>"


def in_page_furniture(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` stands in page furniture: a byline ("By Karl Westerberg and
    Annika Bjerke"), a date line, a line of links or a wire's credit, or the dateline that opens
    a wire report ("DRAXHOLM, Feb 5, 2025 (Halvenor Tech Wire) - "): the day a report was filed
    and the place it was filed from answer no question about what happened."""
    line_start, line_end = text.rfind("\n", 0, start) + 1, text.find("\n", end)
    raw = text[line_start:len(text) if line_end < 0 else line_end]
    line = raw.strip(_MARKUP)
    # "By Friday, 300 people had left." and "By 1900 the town had grown" are news: a credit line is
    # short, no sentence, and a byline's first word a name.
    byline = BYLINE.match(line)
    credit = is_credit(line) and len(line.split()) <= 16 and not line.endswith((".", "!", "?"))
    dateline = DATELINE.match(line)
    opening = line_start + len(raw) - len(raw.lstrip(_MARKUP))
    return (credit and (byline is None or byline["who"][:1].isalpha() and byline["who"][:1].isupper())
            or _LINKS.match(line) is not None or _WIRE_CREDIT.match(line) is not None
            or (dateline is not None and end <= opening + dateline.end()))
