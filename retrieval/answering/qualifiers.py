"""Whether an answer's sentence speaks of the thing the question names: "kellby prison" is not
"Greyholm Prison", "the women's wheelchair race" not "The men's wheelchair race". Pure functions
over the question and one sentence."""

from __future__ import annotations

import re

from .text import STOPWORDS

_WORD = re.compile(r"[A-Za-z][\w-]*(?:['’]s?)?")
# Possessives that tell one of a kind from another ("the men's race"); "the company's offices" may
# be the very offices asked about.
_SIDES = frozenset({"men", "women", "boy", "girl", "junior", "senior"})
_ASKING = frozenset("how many much what which who whom whose when where why".split())


def _key(word: str) -> str:
    """A word lower-cased, without a possessive or a plural "s" ("Men's" -> "men", "prisons" -> "prison")."""
    base = re.sub(r"['’]s?$", "", word.casefold())
    return base[:-1] if base.endswith("s") and len(base) > 3 else base


def _same(a: str, b: str) -> bool:
    """One name however written: "Estrany" and "estranian" share their stem."""
    shorter = min(len(a), len(b))
    return a == b or (shorter >= 4 and a[:shorter - 1] == b[:shorter - 1]) or (len(a) >= 5 and a[:5] == b[:5])


def named_things(text: str, names: set[str] = frozenset(), question: bool = False) -> list[tuple[str, str]]:
    """Each ``(qualifier, noun)`` pair where a name or a side ("women's") stands right before a
    noun: ("greyholm", "prison") of "Greyholm Prison holds". In a sentence a name is capitalised
    (opening it, only before a capitalised noun); in a question, typed in any case, it must be
    one of its ``names``."""
    words = _WORD.findall(text)
    pairs = []
    for i, (word, noun) in enumerate(zip(words, words[1:])):
        qualifier = _key(word)
        if _key(noun) in STOPWORDS or qualifier in STOPWORDS or qualifier in _ASKING:
            continue
        side = qualifier in _SIDES and word[-1:] in "'’s"
        if question:
            # a name of several words ("the real mccoys") is one name, not a name and a noun;
            # an abbreviation ("us") or a gerund ("hiring") tells nothing apart
            naming = side or (qualifier in names and not {_key(noun), noun.casefold()} & names and len(qualifier) >= 3
                              and not qualifier.endswith("ing"))
        else:
            naming = side or (word[:1].isupper() and (i > 0 or noun[:1].isupper()))
        if naming:
            pairs.append((qualifier, _key(noun)))
    return pairs


def other_thing(question: str, sentence: str, names: set[str]) -> bool:
    """Whether ``sentence`` names the thing the question asks about under another name and never
    under the question's: "Greyholm Prison holds about 640 inmates" for "how many inmates does
    kellby prison hold"."""
    asked = named_things(question, names, question=True)
    if not asked:
        return False
    said = named_things(sentence)
    keys = {_key(word) for word in _WORD.findall(sentence)}
    # Another name sharing the question's first letters may be its adjective ("Polish" for "poland").
    return any(not any(_same(qualifier, k) for k in keys)
               and any(noun == n and q[:3] != qualifier[:3] for q, n in said) for qualifier, noun in asked)
