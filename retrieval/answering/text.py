"""Small word-level helpers shared by the readers and answer assembly, and the answer
normalisation that answering and evaluation share (the official SQuAD rule)."""

from __future__ import annotations

import functools
import re
import string
from types import MappingProxyType

_WORD = re.compile(r"[\w’']+", re.UNICODE)
_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCTUATION = set(string.punctuation)
STOPWORDS = frozenset(
    """a an the and or but if of at by for with about against between into through during before after above
    below to from up down in out on off over under again further then once here there when where why how all
    any both each few more most other some such no nor not only own same so than too very can will just should
    now is are was were be been being have has had having do does did doing i me my we our you your he him his
    she her it its they them their what which who whom this that these those am would could may might must shall
    s t say said says tell told also yet whose""".split()
)


@functools.lru_cache(maxsize=1)
def stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


def words(text: str) -> list[str]:
    """The words of ``text``, with quotes and possessive 's removed ("Russia’s" -> "Russia")."""
    found = (w.replace("’", "'").strip("'") for w in _WORD.findall(text))
    return [w[:-2] if w.lower().endswith("'s") else w for w in found]


def content_terms(text: str) -> set[str]:
    """Stems of the words that carry meaning (no stopwords, no question words)."""
    kept = [w.lower() for w in words(text) if w and w.lower() not in STOPWORDS]
    return set(stemmer().stemWords(kept))


def named_terms(question: str) -> set[str]:
    """Proper-noun-like words of a question (capitalised after its first word, or all caps).

    If the articles never mention one of these, they cannot answer the question.
    """
    tokens = words(question)
    return {
        w.lower()
        for i, w in enumerate(tokens)
        if (i > 0 and w[:1].isupper() and w.lower() not in STOPWORDS) or (len(w) > 1 and w.isupper())
    }


def names_asked(question: str, texts: list[str]) -> set[str]:
    """The names a question asks about, however it is typed: words it capitalises, and words
    that ``texts`` (the passages retrieved for it) only ever write capitalised ("langvik" when
    the passages say "Langvik")."""
    asked = {w.lower() for w in words(question) if len(w) >= 3 and w.lower() not in STOPWORDS}
    written: dict[str, set[bool]] = {}
    for text in texts:
        for word, cases in _cases_written(text).items():
            if word in asked:
                written.setdefault(word, set()).update(cases)
    return named_terms(question) | {w for w, cases in written.items() if cases == {True}}


@functools.lru_cache(maxsize=2048)
def _cases_written(text: str) -> MappingProxyType[str, frozenset[bool]]:
    """Each word of ``text`` (lower-cased) and whether it is written capitalised, in lower case,
    or both: passages are asked about again and again (read-only: the cache shares it)."""
    cases: dict[str, set[bool]] = {}
    for word in words(text):
        cases.setdefault(word.lower(), set()).add(word[:1].isupper())
    return MappingProxyType({word: frozenset(seen) for word, seen in cases.items()})


def mentions(text: str, term: str) -> bool:
    """Whether ``text`` has ``term`` as a word (or as the start of one: "Berlin" in "Berlin's")."""
    return re.search(rf"\b{re.escape(term)}", text, re.IGNORECASE) is not None


def normalize_answer(text: str) -> str:
    """Lower-case, drop punctuation, articles and extra whitespace (the official SQuAD rule)."""
    text = "".join(ch for ch in text.lower() if ch not in _PUNCTUATION)
    return " ".join(_ARTICLES.sub(" ", text).split())
