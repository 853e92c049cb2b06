"""Whether an answer's sentence speaks of the thing the question names: "kellby prison" is not
"Greyholm Prison", "the women's wheelchair race" not "The men's wheelchair race"; and whether it
says that what is asked was not given ("she did not say why"). Pure functions over the question
and one sentence."""

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


def named_things(text: str, names: set[str] = frozenset(), question: bool = False,
                 proper: set[str] = frozenset()) -> list[tuple[str, str]]:
    """Each ``(qualifier, noun)`` pair where a name or a side ("women's") stands right before a
    noun: ("greyholm", "prison") of "Greyholm Prison holds". In a sentence a name is capitalised
    (opening it, only before a capitalised noun or when ``proper``, the words the articles only
    ever capitalise, holds it), and it names the noun after one word that says what kind, too
    ("Varsenian herring boats": ("varsenian", "boat")); in a question, typed in any case, it must
    be one of its ``names``."""
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
            naming = side or (word[:1].isupper() and (i > 0 or noun[:1].isupper() or word.casefold() in proper))
        if naming:
            pairs.append((qualifier, _key(noun)))
            after = words[i + 2] if i + 2 < len(words) else ""
            if not question and noun[:1].islower() and after[:1].islower() and _key(after) not in STOPWORDS:
                pairs.append((qualifier, _key(after)))
    return pairs


def other_thing(question: str, sentence: str, names: set[str], proper: set[str] = frozenset()) -> bool:
    """Whether ``sentence`` names the thing the question asks about under another name and never
    under the question's: "Greyholm Prison holds about 640 inmates" for "how many inmates does
    kellby prison hold", "Varsenian herring boats may catch …" for "kallmark's boats" (``proper``:
    see ``named_things``)."""
    asked = named_things(question, names, question=True)
    if not asked:
        return False
    said = named_things(sentence, proper=proper)
    keys = {_key(word) for word in _WORD.findall(sentence)}
    # Another name sharing the question's first letters may be its adjective ("Polish" for "poland").
    return any(not any(_same(qualifier, k) for k in keys)
               and any(noun == n and q[:3] != qualifier[:3] for q, n in said) for qualifier, noun in asked)


# A sentence saying that what the question asks was not given answers nothing: "She did not say
# why the alarm had not sounded", "…but would not give a figure", "The collector has not been named".
_HELD_BACK = r"(?:(?:not|never|n't)\s+(?:\w+\s+)?|declin\w*\s+to\s+|refus\w*\s+to\s+)"
_TELL = r"(?:say|said|saying|give|given|giving|disclose\w*|reveal\w*|explain\w*|specify|specified|confirm\w*|put|know|known)"
_WITHHELD = {
    "why": re.compile(rf"\b{_HELD_BACK}{_TELL}\s+why\b|\b(?:not|un)clear\s+why\b|\bno\s+reason\s+(?:was|has been)\s+given\b", re.I),
    "how_many": re.compile(rf"\b{_HELD_BACK}{_TELL}\s+(?:how\s+(?:many|much)|an?\s+(?:figure|number|amount|sum|price|cost)|the\s+"
                           r"(?:figure|number|amount|sum|price|cost|value|size))\b", re.I),
    "who": re.compile(rf"\b{_HELD_BACK}{_TELL}\s+who\b|\b(?:has|have|had|was|were)\s+not\s+(?:yet\s+)?been\s+(?:named|identified)\b|"
                      rf"\b{_HELD_BACK}(?:name|identify)\s+(?:him|her|them|the)\b", re.I),
    "when": re.compile(rf"\b{_HELD_BACK}{_TELL}\s+when\b", re.I),
    "where": re.compile(rf"\b{_HELD_BACK}{_TELL}\s+where\b", re.I),
}
_ASKS = (("why", re.compile(r"^(?:and\s+|so\s+|but\s+)?(?:why|for what reason)\b", re.I)),
         ("how_many", re.compile(r"\bhow\s+(?:many|much)\b", re.I)),
         ("who", re.compile(r"^(?:and\s+|so\s+|but\s+)?(?:who|whom|what(?:'s| is| was)\s+(?:the\s+)?name)\b", re.I)),
         ("when", re.compile(r"^(?:and\s+|so\s+|but\s+)?when\b", re.I)),
         ("where", re.compile(r"^(?:and\s+|so\s+|but\s+)?where\b", re.I)))


def withheld(question: str, sentence: str) -> bool:
    """Whether ``sentence`` says that what ``question`` asks (why, how many, who, when, where)
    was not said, given or named: such a sentence is no answer, whatever figure or name it holds."""
    return any(asks.search(question) and _WITHHELD[kind].search(sentence) for kind, asks in _ASKS)
