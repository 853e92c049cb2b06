"""Candidate answers ranked: the reader's spans weighed by retrieval, one answer's boundaries
merged, the same answer from several articles pooled."""

from __future__ import annotations

import functools
import math
from collections import defaultdict
from dataclasses import replace
from typing import Callable, NamedTuple, Sequence

from newsdesk.types import Chunk, Hit, Span

from ..index.chunk import sentence_around, sentence_before
from .corroboration import same_answer
from .shaping import speaker
from .text import content_terms, normalize_answer

# Chosen on the validation articles of SQuAD part A, open retrieval over all of part A:
# choosing answers by reader score x relative retrieval score^2 lifts EM from 42.9 to 50.5
# without abstaining, 39.6 to 45.1 with it (docs/benchmark-history.md, "Reader: SQuAD validation articles").
RETRIEVAL_POWER = 2.0
# Among overlapping spans (one answer, several boundaries) each word more costs a factor
# exp(-0.1) when choosing which boundaries to give. The reader leans to long spans: on part A's
# unseen validation articles it reads EM 69.9 -> 72.1 with the gold paragraph (docs/benchmark-history.md,
# "Choosing an answer's boundaries").
BOUNDARY_WORD_PENALTY = 0.1
# A span whose sentence and the one before it hold none of the question's words weighs exp(-1.5)
# of one whose context holds them all. The reader reads a fitting span in a passage about
# something else nearly as surely as the right one; the question's words say which passage is
# about it. Chosen on the news benchmark's train stories and checked on its validation and the
# per-source validation (docs/benchmark-history.md, "Which passage is about the question").
FOCUS_STRENGTH = 1.5


class RankedAnswer(NamedTuple):
    """One candidate answer: its normalised text, its aggregated score and the spans that give it."""

    key: str
    score: float
    spans: list[Span]


def noisy_or(scores) -> float:
    """Evidence from independent sources adds up but stays a probability."""
    remaining = 1.0
    for score in scores:
        remaining *= 1.0 - min(max(score, 0.0), 1.0)
    return 1.0 - remaining


def _group(spans: Sequence[Span]) -> dict[str, list[Span]]:
    groups: dict[str, list[Span]] = defaultdict(list)
    for span in spans:
        key = normalize_answer(span.text)
        if key:
            groups[key].append(span)
    return groups


def _group_score(spans: Sequence[Span]) -> float:
    best_per_article: dict[str, float] = {}
    for span in spans:
        best_per_article[span.article_id] = max(best_per_article.get(span.article_id, 0.0), span.score)
    return noisy_or(best_per_article.values())


def merge_overlapping(spans: Sequence[Span], word_penalty: float = BOUNDARY_WORD_PENALTY) -> list[Span]:
    """Within one chunk, spans that overlap a better one are that answer with other
    boundaries ("Steve Witkoff" / "U.S. envoy Steve Witkoff"): a reader's start/end choices
    are exclusive events, so their probabilities add up. The boundaries given are the
    group's best span by score x exp(-word_penalty x its words)."""
    by_chunk: dict[int, list[Span]] = defaultdict(list)
    for span in spans:
        by_chunk[span.chunk_id].append(span)
    merged = []
    for candidates in by_chunk.values():
        remaining = sorted(candidates, key=lambda s: -s.score)
        while remaining:
            best, rest = remaining[0], remaining[1:]
            overlapping = [s for s in rest if s.start < best.end and best.start < s.end]
            remaining = [s for s in rest if not (s.start < best.end and best.start < s.end)]
            shown = max([best, *overlapping], key=lambda s: s.score * math.exp(-word_penalty * len(s.text.split())))
            merged.append(replace(shown, score=min(1.0, best.score + sum(s.score for s in overlapping))))
    return merged


def relative_relevance(hits: Sequence[Hit]) -> dict[int, float]:
    """Each hit's retrieval score as a share of the best one's, by chunk id."""
    top = max((hit.score for hit in hits), default=0.0) or 1.0
    return {hit.chunk.id: hit.score / top for hit in hits}


def weigh_by_retrieval(spans: Sequence[Span], hits: Sequence[Hit], power: float = RETRIEVAL_POWER) -> list[Span]:
    """A span's score times ``(its chunk's retrieval score / the best one's) ** power``.

    The reader alone cannot tell a fitting span in a passage about something else from one
    in the right passage; retrieval can. Where all passages are about the question (one
    story from five outlets) their scores are close and the weights stay near 1.
    """
    relative = relative_relevance(hits)
    return [replace(span, score=span.score * relative[span.chunk_id] ** power) for span in spans if span.chunk_id in relative]


@functools.lru_cache(maxsize=4096)
def _terms(text: str) -> frozenset[str]:
    """``content_terms``, kept: the same sentences are weighed at every step of reading a question's passages."""
    return frozenset(content_terms(text))


def context_overlap(asked: frozenset[str] | set[str], span: Span, chunk: Chunk) -> float:
    """Share of the question's content words ``asked`` in ``span``'s sentence and the sentence
    before it (within its chunk; the span's own words count: "who mediated" is answered by "the
    mediator X")."""
    if not asked:
        return 1.0
    start, end = span.start - chunk.start, span.end - chunk.start
    first, last = sentence_around(chunk.text, start, end)
    return len(asked & _terms(chunk.text[sentence_before(chunk.text, first):last])) / len(asked)


@functools.lru_cache(maxsize=1024)
def focus_terms(question: str) -> frozenset[str]:
    """The question's words that say which passage is about it. For "what did X say about Y" not
    X's: every admissible quote already names its speaker nearby (``constraints.speaker_missing``),
    often only as "he said", so X's name would favour whichever quote names X in its own sentence
    over the one about Y."""
    who = speaker(question)
    return _terms(question) - (_terms(who) if who else frozenset())


def weigh_by_focus(spans: Sequence[Span], question: str, hits: Sequence[Hit], strength: float = FOCUS_STRENGTH) -> list[Span]:
    """A span's score times ``exp(-strength x (1 - context_overlap))``: the share of the question's
    words around it (``focus_terms``) tells a span in a passage about the question from one in a
    passage about something else, which the reader and retrieval both read nearly as well."""
    asked = focus_terms(question)
    chunks = {hit.chunk.id: hit.chunk for hit in hits}
    return [replace(span, score=span.score * math.exp(-strength * (1.0 - context_overlap(asked, span, chunks[span.chunk_id]))))
            for span in spans if span.chunk_id in chunks]


def most_focus(question: str, chunk: Chunk, strength: float = FOCUS_STRENGTH) -> float:
    """The largest factor ``weigh_by_focus`` could give a span of ``chunk`` not yet read: no
    sentence holds more of the question's words than the whole chunk does."""
    asked = focus_terms(question)
    if not asked:
        return 1.0
    return math.exp(-strength * (1.0 - len(asked & _terms(chunk.text)) / len(asked)))


def _said_within(key: str, other: str) -> bool:
    """Whether answer ``other`` is ``key`` with an aside inside it ("steve witkoff and soninlaw
    jared kushner" of "steve witkoff and jared kushner"): the same first and last words, every
    word of ``key`` in order, and few words more (a third at most). Words added at either end
    change what is said ("an inherited disease", one more company in a list)."""
    words_key, words_other = key.split(), other.split()
    if len(words_key) < 2 or len(words_other) <= len(words_key) or 3 * len(words_key) < 2 * len(words_other):
        return False
    if (words_key[0], words_key[-1]) != (words_other[0], words_other[-1]):
        return False
    rest = iter(words_other)
    return all(word in rest for word in words_key) and same_answer(key, other)


def _pooled_score(key: str, groups: dict[str, list[Span]], lists: bool = False) -> float:
    """A group's score, the articles that say it with a few words more (``_said_within``) counted
    as its support: another outlet's "Steve Witkoff and son-in-law Jared Kushner" corroborates
    "Steve Witkoff and Jared Kushner". Within one article the group's own spans decide, so an
    answer read from one passage is unchanged. With ``lists`` (the question asks for a list), a
    list is also supported by each of its items read alone: "Arvana Rail" is one of the bidders."""
    own = {span.article_id for span in groups[key]}
    support = [span for other, members in groups.items() if _said_within(key, other)
               for span in members if span.article_id not in own]
    items = [span for other, members in groups.items() if lists and _item_of(other, key) for span in members]
    return _group_score([*groups[key], *support, *items])


def _item_of(item: str, listed: str) -> bool:
    """Whether answer ``item`` is a part of the list ``listed`` ("leni strand" of "leni strand aiko
    brandt and maja okonkwo"; both normalised)."""
    return item != listed and f" {item} " in f" {listed} " and bool({"and", "or"} & set(listed.split()))


def rank_answers(spans: Sequence[Span], lists: bool = False,
                 reweigh: Callable[[list[Span]], list[Span]] | None = None) -> list[RankedAnswer]:
    """Candidate answers, best first (``lists``: see ``_pooled_score``); ``reweigh`` rescores the
    spans once one answer's overlapping spans are merged (so its boundaries stay the reader's)."""
    merged = merge_overlapping(spans)
    groups = _group(reweigh(merged) if reweigh else merged)
    return sorted((RankedAnswer(key, _pooled_score(key, groups, lists), members) for key, members in groups.items()),
                  key=lambda g: -g.score)
