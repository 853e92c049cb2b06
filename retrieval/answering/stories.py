"""Which articles tell the same story. An index holds many stories, and a question that names
nothing distinctive ("who is mediating", "where were the talks") fits several: a rival answer
from another story as strong as the lead means the reader cannot tell which story is meant,
while a rival from the same story is most often an earlier or later report of it.

Two articles are taken to tell the same story when they share enough of their names (words
written capitalised inside a sentence): reports of one story name the same people, places and
bodies, other stories mostly others. Pure functions over the article texts."""

from __future__ import annotations

import functools
import re

from .text import STOPWORDS

# Share of the smaller article's names the other must mention: on the news benchmark's
# lead/rival pairs, articles of one story share 0.3 or more, of two stories 0.2 or less.
SAME_STORY_OVERLAP = 0.25
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+|\n+")
_WORD = re.compile(r"[A-Za-z][\w'’-]*")
_CALENDAR = frozenset("monday tuesday wednesday thursday friday saturday sunday january february march april may june "
                      "july august september october november december".split())


@functools.lru_cache(maxsize=4096)
def story_names(text: str) -> frozenset[str]:
    """The names of ``text``: capitalised words after a sentence's first, of three letters or
    more, no stopword or day or month ("Osterholm", "Norvale", "Kettering")."""
    found = set()
    for sentence in _SENTENCE_BREAK.split(text):
        for word in _WORD.findall(sentence)[1:]:
            lowered = re.sub(r"['’]s?$", "", word.lower())
            if word[:1].isupper() and len(lowered) > 2 and lowered not in STOPWORDS and lowered not in _CALENDAR:
                found.add(lowered)
    return frozenset(found)


def same_story(text_a: str, text_b: str, min_overlap: float = SAME_STORY_OVERLAP) -> bool:
    """Whether two articles share at least ``min_overlap`` of the smaller one's names (an
    article without names is no evidence of another story)."""
    if text_a == text_b:
        return True
    a, b = story_names(text_a), story_names(text_b)
    if not a or not b:
        return True
    return len(a & b) / min(len(a), len(b)) >= min_overlap
