"""Follow-up questions ("When was that?"): asked together with the exchange they follow, so
that retrieval and the reader stay with the same story. Pure functions, shared by the front ends."""

from __future__ import annotations

import re

from .question import MAX_QUESTION_CHARS
from .text import mentions, named_terms

MAX_FOLLOW_UP_CONTEXT = 600  # characters of the earlier question and answer carried into a follow-up

# Words that point back at something said before; a question using one leans on the last exchange.
_REFERRING = frozenset(
    "that this it its it's he him his she her hers they them their theirs there then those these".split())
_OPENERS = ("and ", "also ", "but ", "so ", "what about ", "how about ", "and?")
_QUESTION_WORDS = frozenset("who what when where why how which".split())


def follow_up_question(text: str, earlier_asked: str, earlier_answer: str | None,
                       max_context: int = MAX_FOLLOW_UP_CONTEXT, max_chars: int = MAX_QUESTION_CHARS) -> str:
    """``text`` with the earlier exchange in brackets, e.g. "When was that? (Who opened the
    festival? Elena Novak)"; a long ``text`` stands on its own.

    Args:
        earlier_asked: what was asked before (itself maybe a follow-up with its own context).
        earlier_answer: its answer, None when it abstained.
    """
    budget = min(max_context, max_chars - len(text) - 3)
    if budget < 20:
        return text
    # A follow-up that names a subject of its own ("And what did Russia say?") asks about it,
    # not about the earlier answer: carrying that answer would only lead the reader back to it.
    names_its_own = any(not mentions(f"{earlier_asked} {earlier_answer or ''}", name) for name in named_terms(text))
    context = (earlier_asked if names_its_own else f"{earlier_asked} {earlier_answer or ''}").strip()
    if len(context) > budget:  # keep the latest part: the last question and its answer
        context = context[-budget:].split(" ", 1)[-1]
    return f"{text} ({context})"


def refers_back(text: str) -> bool:
    """Whether a question typed after another seems to lean on it: it opens like a follow-up
    ("And Putin?", "What about Macron?"), uses a word that points back ("When was that?",
    "Where did he go?"), or is a bare question word or two ("Why?", "Where exactly?"); two
    words of its own ("nonsense qwerty") stand alone."""
    lowered = " ".join(text.casefold().split())
    words = re.findall(r"[\w']+", lowered)
    bare_question = len(words) <= 2 and words[:1] and words[0] in _QUESTION_WORDS
    return bool(words) and (lowered.startswith(_OPENERS) or bare_question or any(w in _REFERRING for w in words))


def names_the_story(text: str) -> bool:
    """Whether a reply to "which story do you mean?" names one ("the eastport one", "in
    Haverby"): a few words that ask nothing of their own."""
    words = re.findall(r"[\w']+", text.casefold())
    return 0 < len(words) <= 4 and words[0] not in _QUESTION_WORDS
