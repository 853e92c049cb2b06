"""Who someone is: "who is peskov" asks for the title the articles give a name ("Kremlin
spokesman Dmitry Peskov"), which an extractive reader, looking for a name, does not give."""

from __future__ import annotations

import re
from typing import Sequence

from newsdesk.types import Answer, Hit

from ..index.build import Index
from .citations import citation_at
from .constraints import ROLES
from .text import names_asked

_WHO_IS_NAME = re.compile(r"^\s*(?:and\s+)?who(?:'s|’s|\s+is|\s+was)\s+(?P<name>[^?!.]+?)[\s?.!]*$", re.IGNORECASE)
# What news calls a person besides an office: "an analyst at …", "the campaign's founder".
DESCRIPTIONS = ROLES | frozenset("""adviser advisor analyst campaigner candidate councillor correspondent doctor economist
    engineer expert farmer founder historian lawyer member mp official owner partner professor researcher scientist
    spokesperson teacher""".split())
_WORD = re.compile(r"[\w’'.-]+")
_APPOSITION = re.compile(r",\s+((?:an?|the|its|their|his|her)\s+[^,.;:()]{0,60}?\b([a-z]+)\b[^,.;:()]{0,40}?)(?=[,.;]|$)")


def person_asked(question: str, hits: Sequence[Hit]) -> str | None:
    """The name a "who is X" question asks about, when every word of X is a name the passages
    write capitalised ("peskov", "dmitry peskov"); None for "who is the mayor"."""
    found = _WHO_IS_NAME.match(question)
    if not found:
        return None
    words = found["name"].split()
    names = names_asked(question, [hit.chunk.text for hit in hits])
    return found["name"] if words and all(w.lower().strip("’'") in names for w in words) else None


def _is_description(word: str) -> bool:
    word = word.lower().strip(",’'")
    return word in DESCRIPTIONS or (word.endswith("s") and word[:-1] in DESCRIPTIONS)


def titled(text: str, name: str) -> tuple[int, int] | None:
    """Where ``text`` first gives ``name`` with a title: the title and the name ("Kremlin
    spokesman Dmitry Peskov") or the name and its apposition ("Petra Dahlgren, an analyst at
    the brokerage Kessel & Rowe"); None when it never does."""
    last = name.split()[-1]
    for match in re.finditer(rf"\b{re.escape(last)}\b", text, re.IGNORECASE):
        start, end = match.start(), match.end()
        before = list(_WORD.finditer(text[max(0, start - 120):start]))
        offset = max(0, start - 120)
        while before and before[-1].group()[:1].isupper() and text[offset + before[-1].end():start].strip() == "" \
                and not _is_description(before[-1].group()):
            start = offset + before[-1].start()  # the rest of the name: "Dmitry" of "Dmitry Peskov"
            before.pop()
        title_start, described = start, False
        for word in reversed(before):
            gap = text[offset + word.end():title_start]
            if gap.strip() or not (word.group()[:1].isupper() or _is_description(word.group())):
                break
            title_start, described = offset + word.start(), described or _is_description(word.group())
        if described:
            return title_start, end
        apposition = _APPOSITION.match(text, end)
        if apposition and any(_is_description(w) for w in apposition.group(1).split()):
            return start, apposition.end(1)
    return None


def describe(question: str, index: Index, hits: Sequence[Hit]) -> Answer | None:
    """The answer to "who is X" from the best-ranked passage that gives X a title, cited with
    every other outlet whose passage gives the same; None when the question asks something
    else or no passage titles X. Its score is the passage's retrieval score as a share of the
    best one's: the words are the article's own, only whether the passage is about the
    question is in doubt."""
    name = person_asked(question, hits)
    if name is None:
        return None
    top = max((hit.score for hit in hits), default=0.0) or 1.0
    citations, said = [], None
    for hit in hits:
        bounds = titled(hit.chunk.text, name)
        if bounds is None:
            continue
        text = hit.chunk.text[bounds[0]:bounds[1]]
        if said is None:
            said, score = text, hit.score / top
        elif text.casefold() != said.casefold() or any(c.article_id == hit.chunk.article_id for c in citations):
            continue
        outlet = index.articles[hit.chunk.article_id].source_name
        if any(index.articles[c.article_id].source_name == outlet for c in citations):
            continue
        citations.append(citation_at(index, hit.chunk.article_id, hit.chunk.start + bounds[0], hit.chunk.start + bounds[1]))
    if said is None:
        return None
    return Answer(question, said, round(score, 4), quote=citations[0].quote, citations=tuple(citations), passages=tuple(hits))
