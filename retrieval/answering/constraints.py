"""Whether a candidate answer's sentence agrees with what the question asks for. A "deputy
mayor" is not the mayor, and the mayor is not the "deputy mayor": a role named in the question
must stand in the answer's sentence with the same qualifier, when the sentence names it at all."""

from __future__ import annotations

import re

from .text import STOPWORDS

# Words that make a role another role: the deputy mayor, a vice-chancellor, the former coach.
QUALIFIERS = frozenset("deputy vice assistant acting interim former ex associate junior shadow".split())
_WORD = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")


def _words(text: str) -> list[str]:
    return _WORD.findall(text.casefold().replace("-", " "))


def _same_word(a: str, b: str) -> bool:
    """One word, singular or plural ("minister" / "ministers", "ceo" / "ceo's")."""
    a, b = a.split("'")[0].split("’")[0], b.split("'")[0].split("’")[0]
    return a == b or a + "s" == b or b + "s" == a


def _qualifiers_before(words: list[str], at: int) -> frozenset[str]:
    """The qualifiers right before ``words[at]`` ("deputy", "vice", "former deputy")."""
    found, position = set(), at - 1
    while position >= 0 and words[position] in QUALIFIERS:
        found.add(words[position])
        position -= 1
    return frozenset(found)


def role_conflict(question: str, sentence: str) -> bool:
    """Whether ``sentence`` names a role of the question only with other qualifiers: asked for
    the mayor, it speaks only of a deputy mayor; asked for the deputy leader, only of the leader."""
    asked, said = _words(question), _words(sentence)
    for place, word in enumerate(asked):
        if word in QUALIFIERS or word in STOPWORDS or len(word) < 3:
            continue
        wanted = _qualifiers_before(asked, place)
        stated = [_qualifiers_before(said, i) for i, w in enumerate(said) if _same_word(w, word)]
        if stated and all(q != wanted for q in stated) and (wanted or all(stated)):
            return True
    return False
