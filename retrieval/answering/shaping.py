"""Answers shaped for the question: a short span for a factoid, the sentence for
"what did X say / why / how", the whole list for "which countries", a vote's whole tally or the
side asked for. Pure functions over the question and the article text; every shaped answer is
still copied verbatim from the article."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Mapping, Sequence

from newsdesk.types import Article, Span

from ..index.chunk import sentence_around
from ..sources.lines import DATELINE
from .text import STOPWORDS

SPAN, SENTENCE, LIST = "span", "sentence", "list"

# Verbs of speech and stance: "what did the union demand", "what has the minister promised".
_SPEECH_VERBS = (
    r"say|said|says|tell|told|offer|offered|offers|demand|demanded|demands|announce|announced|"
    r"announces|warn|warned|warns|propose|proposed|proposes|promise|promised|promises|claim|claimed|"
    r"claims|argue|argued|argues|ask|asked|asks|want|wanted|wants|call for|called for|calls for|"
    r"reply|replied|respond|responded|admit|admitted|deny|denied|insist|insisted|pledge|pledged|"
    r"suggest|suggested|describe|described|write|wrote|state|stated|threaten|threatened|accuse|accused|"
    r"agree to|agreed to|agree on|agreed on|confirm|confirmed|reveal|revealed|report|reported|"
    r"think|thought|believe|believed|plan|planned|plans"
)
# After "is / are / was / were" only the -ing form speaks: "what are retailers warning", not
# "what was media day called for" or "what was the council vote on the new plans".
_SPEECH_ING = (
    r"saying|telling|offering|demanding|announcing|warning|proposing|promising|claiming|arguing|"
    r"asking|wanting|calling for|threatening|planning|suggesting|pledging|insisting|accusing"
)
_STATEMENT = re.compile(
    rf"^(?:and\s+|so\s+|but\s+)?what\s+(?:(?:did|does|do|has|have|had|will|would)\s+(?P<who>.+?)\s+(?P<verb>{_SPEECH_VERBS})"
    rf"|(?:is|are|was|were|'s)\s+(?P<who_ing>.+?)\s+(?:{_SPEECH_ING}|told|asked|offered|promised|warned|advised))"
    rf"\b(?P<rest>.*)$", re.I)
_SPEECH_VERB = re.compile(rf"\b(?:{_SPEECH_VERBS})\b", re.I)
# Verbs that take a clause: after them "what" may be the clause's object, a factoid ("what did the
# ministry say its forces struck", "what did teachers believe he was doing").
_CLAUSE_VERB = re.compile(r"(?:say|said|says|claim|claimed|claims|believe|believed|think|thought|state|stated|"
                          r"report|reported|reveal|revealed|confirm|confirmed|admit|admitted|insist|insisted|"
                          r"argue|argued|suggest|suggested|write|wrote|deny|denied|announce|announced)$", re.I)
# What may follow a statement's verb and leave "what" its object: a time, a place, a topic, a listener.
_STATEMENT_TAIL = re.compile(
    r"^\s*(?:$|about|on|at|in|after|before|when|while|during|for|from|as|over|regarding|following|since|"
    r"until|upon|with|without|against|into|through|amid|ahead|outside|inside|once|if|whether|where|why|how|"
    r"yesterday|today|tonight|earlier|later|afterwards|then|first|again|last|next|this|recently|now|"
    r"publicly|privately|also|originally|(?:the\s+)?(?:morning|day|night|evening|afternoon|week|weekend)\b|"
    r"to\s+(?:do|the|a|an|his|her|its|their|our|my|your|this|that|these|those|them|him|us|me|reporters)\b)", re.I)
# "what did X accuse Russia of dragging out", "what does X want to install": "what" is the object of
# the last verb, a factoid.
_INNER_VERB = re.compile(r"\bof\s+\w+ing\b|^\s*to\s+\w+", re.I)


def _asks_a_statement(asked: str) -> bool:
    """Whether "what did X say / offer / demand ..." asks for what was said, offered or demanded
    (a sentence), not for a thing inside it ("what did X say its forces struck": a factoid)."""
    found = _STATEMENT.match(asked)
    if not found:
        return False
    rest = found["rest"].rstrip(" ?!.")
    if _STATEMENT_TAIL.match(rest):
        return True
    if _SPEECH_VERB.search(rest):  # "what does X say she was told"
        return True
    # Anything else after "say" is a clause ("say its forces struck"); after "tell" or "offer", a listener.
    return not _INNER_VERB.search(rest) and not (found["verb"] and _CLAUSE_VERB.match(found["verb"]))


_WHY = re.compile(r"^(?:and\s+|so\s+|but\s+)?(?:why\b|for what reason\b|what (?:was|is) the reason\b|what caused\b|"
                  r"what led to\b|how come\b)", re.I)
# "how did the fire start", "how else were the figures made to look better"; "how hot was it" asks a degree.
_HOW = re.compile(r"^(?:and\s+|so\s+|but\s+)?how\s+(?:else\s+|exactly\s+)?(?:did|does|do|is|are|was|were|will|would|"
                  r"can|could|should|has|have|had|may|might|must|'s)\b", re.I)
# "which countries", "what companies", "which are the biggest suppliers", "who attended", "name the
# delegations", "list the ...";
# not "what does the union say" (an auxiliary is no plural) nor "which status is" (a singular).
_LIST = re.compile(
    r"^(?:and\s+)?(?:(?:which|what)\s+(?!(?:do|does|did|is|are|was|were|has|have|had)\b)(?:\w+\s+)?"
    r"(?!(?:does|was|has|is)\b)\w{3,}(?<!ss)(?<!us)(?<!is)s\b(?!\s+(?:is|was|has)\b)"
    r"|which\s+are\s+the\s+(?:\w+\s+){0,2}?\w{3,}s\b"
    r"|who\s+(?:attended|were|are|joined|took part|signed|participated)\b"
    r"|(?:name|list)\s+(?:the\s+)?\w+s\b)", re.I)
# A list item: a capitalised name of a word or a few ("Port Miran", "the Kestrel Bay Herald").
_ITEM = r"(?:the\s+)?[A-Z][\w'’.&-]*(?:\s+(?:of\s+|de\s+|and\s+(?=[A-Z][\w'’.&-]*\s+[A-Z]))?[A-Z][\w'’.&-]*)*"
_NEXT_ITEM = re.compile(rf"^(?:,\s*(?:and\s+|or\s+)?|\s+(?:and|or)\s+|\s*;\s*(?:and\s+)?)({_ITEM})")
_PREVIOUS_ITEM = re.compile(rf"({_ITEM})(?:,\s*|\s+(?:and|or)\s+|\s*;\s*)$")
_THE_BEFORE = re.compile(r"\bthe\s+$", re.I)
_NAME_BEFORE = re.compile(r"(?:\bthe\s+)?(?:[A-Z][\w'’.&-]*\s+)+$")


def question_kind(question: str) -> str:
    """The shape of answer the question wants: ``SENTENCE`` for what someone said, offered or
    demanded and for why and how; ``LIST`` for "which countries" and "who attended"; else ``SPAN``."""
    asked = " ".join(question.strip().split())
    if _WHY.match(asked) or _HOW.match(asked) or _asks_a_statement(asked):
        return SENTENCE
    if _LIST.match(asked):
        return LIST
    return SPAN


def speaker(question: str) -> str | None:
    """Who "what did X say / demand / warn" asks about ("the culture minister"); None for
    another kind of question."""
    found = _STATEMENT.match(" ".join(question.strip().split()))
    return (found["who"] or found["who_ing"]) if found else None


def widen_to_sentence(text: str, start: int, end: int, sentence: tuple[int, int]) -> tuple[int, int]:
    """The bounds of the whole sentence (``sentence``: its bounds in ``text``) holding the span,
    without the spaces around it or a wire dateline before it."""
    s, e = sentence
    # A wire dateline opening the article ("GRAVENPORT, Jan 15 (Coastline Press) - ") is not what was said.
    if (dateline := DATELINE.match(text[s:e])) and s + dateline.end() <= start:
        s += dateline.end()
    while s < start and text[s].isspace():
        s += 1
    while e > end and text[e - 1].isspace():
        e -= 1
    return from_quote(text, s, e), through_quote(text, s, e)


_HEADLINE_WORDS = 25
_SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*$")


def in_headline(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` stands in a headline: a short line that no full stop ends,
    above more text (a paragraph alone is no headline). A headline names what happened in the
    question's own words but is no statement of why or how, nor anything anyone said; the
    story's sentences are."""
    line_start, line_end = text.rfind("\n", 0, start) + 1, text.find("\n", end)
    if line_end < 0 or not text[line_end:].strip():
        return False
    line = text[line_start:line_end].strip()
    return 0 < len(line.split()) <= _HEADLINE_WORDS and not _SENTENCE_END.search(line)


# How far a quotation opened in an answer's sentence is followed to its close.
_QUOTE_CHARS = 600
_ATTRIBUTION = re.compile(r"[^.!?\n\"“”]*[.!?]")


def through_quote(text: str, start: int, end: int) -> int:
    """The end of ``text[start:end]`` (a sentence), or where the quotation it opens closes: '"We
    lost, and we lost fairly. But we will hold them to every promise," he said.' is what he said,
    not its first sentence. The close is looked for in the same paragraph, ``_QUOTE_CHARS`` at most."""
    sentence = text[start:end]
    if sentence.count("“") > sentence.count("”"):
        close = "”"
    elif sentence.count('"') % 2 and ((opened := start + sentence.rfind('"')) == start or text[opened - 1] in " (\n"):
        close = '"'
    else:
        return end
    found = text.find(close, end, min(len(text), end + _QUOTE_CHARS))
    if found < 0 or "\n" in text[end:found]:
        return end
    if text[found - 1] in ".!?":  # the quotation ends its sentence
        return found + 1
    attribution = _ATTRIBUTION.match(text, found + 1)  # ...," he said.
    return attribution.end() if attribution else found + 1


def from_quote(text: str, start: int, end: int) -> int:
    """The start of ``text[start:end]`` (a sentence), or where the quotation it closes opens: the
    second sentence of '"The families will not have to fight. I promise them every document," he
    said.' is only part of what he said. The opening is looked for in the same paragraph,
    ``_QUOTE_CHARS`` at most."""
    sentence = text[start:end]
    closed_at, opened_at = sentence.find("”"), sentence.find("“")
    if closed_at >= 0 and (opened_at < 0 or closed_at < opened_at):
        opened = text.rfind("“", max(0, start - _QUOTE_CHARS), start)
    elif sentence.count('"') % 2 and _closes(sentence, sentence.find('"')):
        opened = text.rfind('"', max(0, start - _QUOTE_CHARS), start)
    else:
        return start
    return opened if opened >= 0 and "\n" not in text[opened:start] else start


def _closes(text: str, at: int) -> bool:
    """Whether the straight quotation mark at ``text[at]`` closes a quotation (it follows a word
    or a punctuation mark, not a space)."""
    return at > 0 and not text[at - 1].isspace() and text[at - 1] not in "(["


def widen_to_list(text: str, start: int, end: int, sentence: tuple[int, int]) -> tuple[int, int]:
    """The span widened over the names listed beside it in its sentence ("Aldova" in "Aldova,
    Brevia and the Free State of Corlan" gives all three); the span itself when it is in no list."""
    s_bound, e_bound = sentence
    span_start, span_end = start, end
    # A span inside a listed name ("Corallo" of "the Hotel Corallo") stands for the whole name.
    if text[start:start + 1].isupper() and (name := _NAME_BEFORE.search(text[s_bound:start])):
        start = s_bound + name.start()
    # "the" is part of a listed name ("her Social Union, the Rural Green League and …").
    if text[start:start + 1].isupper() and (the := _THE_BEFORE.search(text[s_bound:start])):
        start = s_bound + the.start()
    while True:
        match = _NEXT_ITEM.match(text[end:e_bound])
        if not match:
            break
        end += match.end()
    while True:
        match = _PREVIOUS_ITEM.search(text[s_bound:start])
        if not match:
            break
        start = s_bound + match.start()
    # A comma alone is not a list ("In Berlin, President X"): a list is joined by "and" or "or".
    return (start, end) if re.search(r"\b(?:and|or)\b", text[start:end]) else (span_start, span_end)


def shaped_bounds(kind: str, text: str, start: int, end: int, sentence: tuple[int, int]) -> tuple[int, int]:
    """Where the answer of ``kind`` lies in ``text``, given the reader's span and its sentence:
    "why", "how" and "what did X say" are answered by the whole sentence (a reader's clause is
    often a part of what was said: "reopen the rail line" of "to reopen the rail line and to
    freeze fees"), a list by the whole list, a factoid by the span."""
    if kind == SENTENCE:
        return widen_to_sentence(text, start, end, sentence)
    if kind == LIST:
        start, end = widen_to_list(text, start, end, sentence)
    return paired_quotes(text, start, whole_date(text, start, with_unit(text, start, with_possessed(text, end))))


# The lower-case word right after an answer: what a figure counts, what a possessive owns.
_NEXT_WORD = re.compile(r" ([a-z][a-z-]+)\b")
# A figure's scale, after which the next word says what is counted ("85 million dalers").
_SCALED = re.compile(r"\d\s*(?:thousand|million|billion|trillion|bn)$", re.IGNORECASE)


def with_possessed(text: str, end: int) -> int:
    """The end of an answer that stops at a plural possessive, with what it owns: "four weeks"
    of "four weeks' wages" is no redundancy pay."""
    marks = ("'", "’")
    apostrophe = end if text[end:end + 1] in marks else end - 1 if text[end - 1:end] in marks else -1
    owner = re.search(r"[A-Za-z]+$", text[:apostrophe]) if apostrophe > 0 else None
    # A lower-case plural ("weeks'", "workers'"): a name's "Lars'" owns as a singular does.
    if owner and owner[0].endswith("s") and owner[0].islower() and (owned := _NEXT_WORD.match(text, apostrophe + 1)) \
            and owned[1] not in STOPWORDS:
        return owned.end()
    return end


def with_unit(text: str, start: int, end: int) -> int:
    """The end of a figure answer with what it counts: "85 million" of "will cost 85 million
    dalers" is no amount until its currency follows (a small word after it, "a year", is not one)."""
    if _SCALED.search(text[start:end]) and (unit := _NEXT_WORD.match(text, end)) and unit[1] not in STOPWORDS:
        return unit.end()
    return end


_MONTH_NAMES = ("January|February|March|April|May|June|July|August|September|October|November|December|"
                "Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec")
_WEEKDAY_NAMES = "Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday"
_ENDS_MONTH = re.compile(rf"\b(?:{_MONTH_NAMES})\.?$")
_DAY_AFTER = re.compile(r"\s+\d{1,2}(?:st|nd|rd|th)?\b(?!\s*(?:percent|per|%|[.,]\d))")
_ENDS_TIME = re.compile(r"\b\d{1,2}(?:[.:]\d{2})?\s*(?:a\.m\.|p\.m\.|am|pm)$|\b\d{1,2}[.:]\d{2}$", re.IGNORECASE)
_ENDS_WEEKDAY = re.compile(rf"\b(?:{_WEEKDAY_NAMES})$")
# "Tuesday, 21 January", "Friday 12 September", "Monday, March 3": the day the weekday is.
_DATE_OF_WEEKDAY = re.compile(rf",?\s+(?:\d{{1,2}}\s+(?:{_MONTH_NAMES})\b|(?:{_MONTH_NAMES})\.?\s+\d{{1,2}}\b(?!\s*(?:percent|%|[.,]\d)))")
_DAY_OF_TIME = re.compile(rf"\s+on\s+(?:(?:{_WEEKDAY_NAMES})(?:,?\s+\d{{1,2}}\s+(?:{_MONTH_NAMES}))?"
                          rf"|\d{{1,2}}\s+(?:{_MONTH_NAMES})|(?:{_MONTH_NAMES})\s+\d{{1,2}})\b")


def whole_date(text: str, start: int, end: int) -> int:
    """The end of a date or time answer with the day it leaves out: "June" of "on June 9" is no
    day, "5.40 a.m." of "at 5.40 a.m. on Friday" no particular morning, and "Tuesday" of "on
    Tuesday, 21 January" the date it is."""
    answer = text[start:end]
    if _ENDS_MONTH.search(answer) and (day := _DAY_AFTER.match(text, end)):
        return day.end()
    if _ENDS_TIME.search(answer) and (day := _DAY_OF_TIME.match(text, end)):
        return day.end()
    if _ENDS_WEEKDAY.search(answer) and (date := _DATE_OF_WEEKDAY.match(text, end)):
        return date.end()
    return end


def paired_quotes(text: str, start: int, end: int) -> tuple[int, int]:
    """The span with its quotation marks paired and without the full stop that ends its
    sentence: 'dignified" peace' takes the mark opening it ('"dignified" peace'), '20,000 but
    "enough to turn the tide' the mark closing it later in the sentence; a mark the span cannot
    pair so is left out at its edge."""
    span = text[start:end]
    if span.count('"') % 2:
        if start > 0 and text[start - 1] == '"' and span.find('"') < len(span) - 1:
            return start - 1, end
        if span.endswith('"'):
            return start, end - 1
        if span.startswith('"'):
            return start + 1, end
        if not _closes(span, span.rfind('"')) and (close := _closing_mark(text, end, '"')) is not None:
            return start, close
    opens, closes = span.count("“"), span.count("”")
    if closes > opens and start > 0 and text[start - 1] == "“":
        return start - 1, end
    if opens > closes and (close := _closing_mark(text, end, "”")) is not None:
        return start, close
    return start, _without_full_stop(text, start, end)


# How far after a span the mark closing a quotation it opens is looked for (within its sentence).
_CLOSE_CHARS = 120


def _closing_mark(text: str, end: int, mark: str) -> int | None:
    """The end of the quotation mark ``mark`` closing what ``text[:end]`` opened, when it comes
    before the sentence or paragraph ends."""
    found = text.find(mark, end, min(len(text), end + _CLOSE_CHARS))
    if found < 0 or re.search(r"[.!?]\s|\n", text[end:found]):
        return None
    return found + 1


_ABBREVIATION_END = re.compile(r"(?:\b[A-Z]|\b(?:Inc|Ltd|Co|Corp|Jr|Sr|St|Dr|Mr|Mrs|Ms|No|vs|etc)|\.[A-Za-z])\.$")


def _without_full_stop(text: str, start: int, end: int) -> int:
    """The end of a short answer without the full stop ending its sentence ("two." of "...
    bringing the death toll to two."); an abbreviation's point stays ("Halvorsen Inc.")."""
    if end - start > 1 and text[end - 1] == "." and not _ABBREVIATION_END.search(text[start:end]):
        return end - 1
    return end


# A vote's tally: "by 95 votes to 84", "voted 412 to 188", "four votes to three", "a 9-4 vote";
# the first side is the ayes (or the winner's), as news writes a tally.
_COUNT = r"(?:\d[\d,]*|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"
_TALLY = re.compile(rf"\b(?P<ayes>{_COUNT})(?:\s+votes?)?\s+to\s+(?P<noes>{_COUNT})\b"
                    r"|\b(?P<ayes_>\d{1,3})-(?P<noes_>\d{1,3})\b", re.I)
_VOTE_ASKED = re.compile(r"\bvot(?:e|es|ed|ing)\b", re.I)
_NOES_ASKED = re.compile(r"\b(?:against|no|opposed)\b", re.I)
_FOR_WHOM = re.compile(r"\s+(?:votes?\s+)?for\s+((?:[A-Z][\w'’-]*\s*){1,3})")
_HOW_MANY = re.compile(r"\bhow\s+many\b", re.I)
_TALLY_ASKED = re.compile(r"^(?:and\s+)?what(?:\s+(?:was|is|were)|'s)\s+(?:the\s+)?(?:[\w'’-]+\s+){0,4}?"
                          r"(?:vote|result|tally|margin)\b", re.I)


def tally_bounds(question: str, text: str, start: int, end: int) -> tuple[int, int] | None:
    """Where the answer to a question about a vote lies when the reader's span ``text[start:end]``
    is a side of a tally: the whole tally for "what was the vote", the ayes for "how many voted
    for" or "how many votes did X get", the noes for "how many voted against". None when the
    question asks about no vote or the span is in no tally."""
    whole = _TALLY_ASKED.match(question.strip())
    if not _VOTE_ASKED.search(question) or not (whole or _HOW_MANY.search(question)):
        return None
    s, e = sentence_around(text, start, end)
    tally = next((m for m in _TALLY.finditer(text, s, e) if m.start() < end and start < m.end()), None)
    if tally is None:
        return None
    if whole:
        return tally.span()
    # "19,015 votes to 18,828 for Tobias Merrow": the second side is that of the one named after it.
    named_after = _FOR_WHOM.match(text, tally.end())
    asked = set(re.findall(r"[a-z]+", question.lower())) - STOPWORDS
    side = "noes" if _NOES_ASKED.search(question) or (named_after and asked & set(named_after[1].lower().split())) else "ayes"
    return tally.span(side) if tally[side] else tally.span(side + "_")


def as_tallies(question: str, spans: Sequence[Span], articles: Mapping[str, Article]) -> list[Span]:
    """``spans`` with each side of a tally read as the side, or the whole tally, the question
    asks for (``tally_bounds``): the reader often takes "84" of "elected by 95 votes to 84"."""
    if not _VOTE_ASKED.search(question):
        return list(spans)
    shaped = []
    for span in spans:
        text = articles[span.article_id].text
        bounds = tally_bounds(question, text, span.start, span.end)
        shaped.append(replace(span, text=text[bounds[0]:bounds[1]], start=bounds[0], end=bounds[1]) if bounds else span)
    return shaped
