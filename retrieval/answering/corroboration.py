"""Corroboration from what each source says: every outlet among the passages read gets its own
answer (the best of the reader's spans in that outlet's articles), and an outlet counts for the
lead answer only when its own answer is the same one, with numbers, dates and names normalised.
An outlet whose own answer differs is a disagreement, shown with its outlet and date."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Mapping, Sequence

from newsdesk.types import Article, Hit, Span

from .text import STOPWORDS, normalize_answer

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
NUMBER_WORDS = {
    "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7", "eight": "8",
    "nine": "9", "ten": "10", "eleven": "11", "twelve": "12", "thirteen": "13", "fourteen": "14", "fifteen": "15",
    "sixteen": "16", "seventeen": "17", "eighteen": "18", "nineteen": "19", "twenty": "20", "thirty": "30",
    "forty": "40", "fifty": "50", "sixty": "60", "seventy": "70", "eighty": "80", "ninety": "90", "hundred": "100",
    "dozen": "12",
}
# An outlet whose passages give the lead answer this share of its own answer's score is unclear.
AMBIGUOUS_RATIO = 0.25
_WEEKDAYS_AND_MONTHS = frozenset(
    "monday tuesday wednesday thursday friday saturday sunday january february march april may june july "
    "august september october november december".split())


@dataclass(frozen=True)
class OutletAnswer:
    """What one outlet's own passages answer: its best span and how sure the reader is of it."""

    source: str  # the outlet's ``source_name``
    span: Span
    confidence: float  # the reader's score of the span, weighed by its passage's retrieval rank
    date: str | None
    spans: tuple[Span, ...] = ()  # all the outlet's candidate spans, best first

    def support_for(self, answer: str) -> float:
        """The outlet's best score for ``answer`` (0 when none of its spans gives it)."""
        return max((s.score for s in self.spans if same_answer(answer, s.text)), default=0.0)


def _numbers(text: str) -> frozenset[str]:
    """The numbers of ``text`` without thousands separators ("9,800" and "9800" are one number)."""
    found = {m.group().replace(",", "") for m in _NUMBER.finditer(text)}
    found |= {NUMBER_WORDS[w] for w in re.findall(r"[a-z]+", text.lower()) if w in NUMBER_WORDS}
    return frozenset(n.rstrip("0").rstrip(".") if "." in n else n for n in found)


def has_figure(text: str) -> bool:
    """Whether ``text`` states a number ("600", "9,800", "nine")."""
    return bool(_numbers(text))


def has_figure_or_day(text: str) -> bool:
    """Whether ``text`` states a number or names a day or month ("by the end of September"):
    what a later report may change."""
    return has_figure(text) or not _WEEKDAYS_AND_MONTHS.isdisjoint(re.findall(r"[a-z]+", text.lower()))


_SCALE_WORDS = frozenset({"hundred", "thousand", "million", "billion", "trillion", "bn", "m", "k"})
_SCALED_FIGURE = re.compile(r"\d+(?:[.,]\d+)*(?:bn|m|k)?")


def _unit(text: str) -> str | None:
    """What an answer's first figure counts: the word after it, past any scale ("crown" of
    "4.6 million crowns", "percent" of "6.5 percent over two years"); None without one or for a
    date ("8 January")."""
    words = [word.lstrip("£€¥$") for word in normalize_answer(text).replace("per cent", "percent").split()]
    figures = [i for i, word in enumerate(words) if _SCALED_FIGURE.fullmatch(word) or word in NUMBER_WORDS]
    after = [word for word in words[figures[0] + 1:] if word not in _SCALE_WORDS] if figures else []
    # A month or a day after a number makes a date, which counts nothing; "17 to 9" counts nothing said.
    unit = after[0] if after else None
    return unit.rstrip("s") if unit and unit not in STOPWORDS and _MONTHS.get(unit, unit) not in _WEEKDAYS_AND_MONTHS else None


def same_unit(a: str, b: str, strict: bool = False) -> bool:
    """Whether two figures count the same thing, as far as both say ("310 square metres" and
    "4.6 million crowns" do not; "600" and "450 jobs" may); with ``strict``, only when both say
    the same or neither says ("18 million crests" is not "2.1 million")."""
    unit_a, unit_b = _unit(a), _unit(b)
    return unit_a == unit_b if strict else unit_a is None or unit_b is None or unit_a == unit_b


def same_answer(a: str, b: str) -> bool:
    """Whether two answers say the same thing: equal numbers (when either has one), no
    different day or month, and the words of one inside the other ("Witkoff and Kushner"
    holds "Kushner"; "600" is "600 jobs"; "Thursday" is not "Saturday") or a name of one list
    the other's ("U.S. envoy Witkoff" is in "Steve Witkoff and Jared Kushner")."""
    numbers_a, numbers_b = _numbers(a), _numbers(b)
    if (numbers_a or numbers_b) and not (numbers_a <= numbers_b or numbers_b <= numbers_a) or bool(numbers_a) != bool(numbers_b):
        return False
    words_a, words_b = _answer_words(a), _answer_words(b)
    if not words_a or not words_b:
        return False
    days_a, days_b = words_a & _WEEKDAYS_AND_MONTHS, words_b & _WEEKDAYS_AND_MONTHS
    if days_a and days_b and days_a.isdisjoint(days_b):
        return False
    return words_a <= words_b or words_b <= words_a or any(
        _same_surname(x, y) for x in list_items(a) for y in list_items(b))


# Outlets write one figure or date in several ways: "two" and "2", "1.2bn" and "1.2 billion", "per cent"
# and "percent", "Dec 14th" and "December 14".
_SCALES = {"bn": "billion", "m": "million", "k": "thousand"}
_SCALED = re.compile(r"^(\d+)(bn|m|k)$")
_ORDINAL = re.compile(r"^(\d+)(?:st|nd|rd|th)$")
_MONTHS = {month[:3]: month for month in "january february march april may june july august september october "
           "november december".split()} | {"sept": "september"}


def _answer_words(text: str) -> set[str]:
    """The words of an answer (``normalize_answer``), each figure written one way."""
    found = []
    for word in normalize_answer(text).replace("per cent", "percent").split():
        word = word.lstrip("£€¥")
        if scaled := _SCALED.match(word):
            found += [scaled[1], _SCALES[scaled[2]]]
        elif ordinal := _ORDINAL.match(word):
            found.append(ordinal[1])
        else:
            found.append(NUMBER_WORDS.get(word) or _MONTHS.get(word, word))
    return set(found)


def list_items(text: str) -> list[str]:
    """A list answer's items ("Steve Witkoff and Jared Kushner": both names), else the text itself."""
    return [item for item in re.split(r",\s*(?:and\s+)?|\s+(?:and|&)\s+", text) if item.strip()] or [text]


def _same_surname(a: str, b: str) -> bool:
    """Two names ending in the same capitalised word ("Steve Witkoff", "U.S. envoy Witkoff")."""
    last_a, last_b = re.findall(r"[\w'’-]+", a)[-1:], re.findall(r"[\w'’-]+", b)[-1:]
    return bool(last_a and last_b) and last_a[0][:1].isupper() and last_a[0].casefold() == last_b[0].casefold()


# "19 million marks from 24 million", "95 million, up from its first estimate of 60 million".
_FROM_FIGURE = re.compile(r",?\s+(?:up\s+|down\s+)?from\s+", re.IGNORECASE)
# "2,400 to 3,900 florins" after "rise from" ("87 to 80" is a tally, "from 10 to 12 July" a range).
_FROM_TO = re.compile(r"^(?:.*\bfrom\s+)?(?P<old>\S.*?)\s+to\s+(?P<new>\S.*)$", re.IGNORECASE)
_CHANGED_FROM = re.compile(r"\b(?:ris(?:e|es|en|ing)|rose|rais\w*|cut|increas\w*|reduc\w*|f[ae]ll\w*|lower\w*|drop\w*|"
                           r"climb\w*|jump\w*|gr[eo]w\w*|revis\w*|chang\w*|up|down)\b[^.;]{0,40}\bfrom\s+$", re.IGNORECASE)


def as_stated(span: Span, text: str) -> Span:
    """A figure given with the one it replaced as the figure stated: "19 million marks from 24
    million" as "19 million marks", "2,400 to 3,900 florins" after "will rise from" as "3,900
    florins" (``text``: the span's article). The outlet says the one, and only mentions the other."""
    found = _FROM_FIGURE.search(span.text)
    if found is not None and has_figure(span.text[:found.start()]) and has_figure(span.text[found.end():]):
        return replace(span, text=span.text[:found.start()], end=span.start + found.start())
    change = _FROM_TO.match(span.text)
    if change is None or not (has_figure(change["old"]) and has_figure(change["new"])):
        return span
    if not _CHANGED_FROM.search(text[max(0, span.start - 80):span.start] + span.text[:change.start("old")]):
        return span
    return replace(span, text=change["new"], start=span.start + change.start("new"))


def outlet_answers(spans: Sequence[Span], articles: Mapping[str, Article]) -> list[OutletAnswer]:
    """Each outlet's own answer: the best-scored of ``spans`` (already weighed by retrieval)
    in that outlet's articles, each figure as stated (``as_stated``), best outlet first."""
    by_source: dict[str, list[Span]] = {}
    for span in sorted((as_stated(s, articles[s.article_id].text) for s in spans), key=lambda s: -s.score):
        by_source.setdefault(articles[span.article_id].source_name, []).append(span)
    return [OutletAnswer(source, own[0], own[0].score, articles[own[0].article_id].date, tuple(own))
            for source, own in sorted(by_source.items(), key=lambda item: -item[1][0].score)]


def split_by_agreement(lead: str, answers: Sequence[OutletAnswer], min_confidence: float,
                       ambiguous_ratio: float = AMBIGUOUS_RATIO) -> tuple[list[OutletAnswer], list[OutletAnswer]]:
    """The outlets whose own answer is ``lead``'s and, among those sure enough of theirs
    (``min_confidence``), the ones whose own answer differs. An outlet whose passages also
    give ``lead`` a fair score (``ambiguous_ratio`` of its own answer's) is in neither: the
    reader cannot tell which of the two the outlet says."""
    agree = [a for a in answers if same_answer(lead, a.span.text)]
    differ = [a for a in answers if not same_answer(lead, a.span.text) and a.confidence >= min_confidence
              and a.support_for(lead) < ambiguous_ratio * a.confidence]
    return agree, differ


def group_disagreements(differ: Sequence[OutletAnswer]) -> list[list[OutletAnswer]]:
    """Differing outlets grouped by the answer they give (the same answer in two outlets is one
    alternative), best-supported group first."""
    groups: list[list[OutletAnswer]] = []
    for answer in differ:
        home = next((g for g in groups if same_answer(g[0].span.text, answer.span.text)), None)
        (home.append(answer) if home is not None else groups.append([answer]))
    return sorted(groups, key=lambda g: -max(a.confidence for a in g))


def each_outlets_best(hits: Sequence[Hit], articles: Mapping[str, Article]) -> list[Hit]:
    """The best-ranked passage of each outlet among ``hits``, in rank order: what must be read
    so that every outlet has an answer of its own."""
    seen, best = set(), []
    for hit in hits:
        source = articles[hit.chunk.article_id].source_name
        if source not in seen:
            seen.add(source)
            best.append(hit)
    return best


def other_outlets(hits: Sequence[Hit], deeper: Sequence[Hit], articles: Mapping[str, Article],
                  limit: int = 3, min_relative: float = 0.5) -> list[Hit]:
    """The best passage of up to ``limit`` outlets found only in the ``deeper`` retrieval list,
    scored at least ``min_relative`` of the top passage: read too, so that an outlet is never
    counted or left out on a guess."""
    top = max((h.score for h in hits), default=0.0)
    present = {articles[h.chunk.article_id].source_name for h in hits}
    found = [h for h in each_outlets_best(deeper, articles)
             if articles[h.chunk.article_id].source_name not in present and h.score >= min_relative * top]
    return found[:limit]
