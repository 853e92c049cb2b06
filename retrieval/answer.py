"""Turning a reader's candidate spans into one ``Answer``: aggregation, citations, abstention."""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import replace
from typing import Sequence

from newsdesk.retrieval.calibration import AnswerCalibration, AnswerEvidence
from newsdesk.retrieval.chunk import sentence_around
from newsdesk.retrieval.index import Index
from newsdesk.retrieval.squad import normalize_answer
from newsdesk.retrieval.terms import content_terms, mentions, named_terms
from newsdesk.types import Alternative, Answer, Chunk, Citation, Hit, Span

# Chosen on the validation articles of SQuAD part A, open retrieval over all of part A:
# choosing answers by reader score x relative retrieval score^2 lifts EM from 42.9 to 50.5
# without abstaining, 39.6 to 45.1 with it (docs/BENCHMARKS.md).
RETRIEVAL_POWER = 2.0
DISAGREEMENT_RATIO = 0.8  # a rival answer this close to the best one, from other sources, is reported
# Among overlapping spans (one answer, several boundaries) each word more costs a factor
# exp(-0.1) when choosing which boundaries to give. The reader leans to long spans: on part A's
# unseen validation articles it reads EM 69.9 -> 72.1 with the gold paragraph (docs/BENCHMARKS.md).
BOUNDARY_WORD_PENALTY = 0.1


def missing_names(question: str, hits: Sequence[Hit]) -> list[str]:
    """Names in the question that no retrieved passage mentions (then the articles cannot say)."""
    return [term for term in sorted(named_terms(question)) if not any(mentions(h.chunk.text, term) for h in hits)]


def _noisy_or(scores) -> float:
    """Evidence from independent sources adds up but stays a probability."""
    remaining = 1.0
    for score in scores:
        remaining *= 1.0 - min(max(score, 0.0), 1.0)
    return 1.0 - remaining


def _related(a: str, b: str) -> bool:
    """One normalised answer inside the other ("merz" / "friedrich merz")."""
    return bool(a and b) and (re.search(rf"\b{re.escape(a)}\b", b) is not None or re.search(rf"\b{re.escape(b)}\b", a) is not None)


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
    return _noisy_or(best_per_article.values())


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


def weigh_by_retrieval(spans: Sequence[Span], hits: Sequence[Hit], power: float = RETRIEVAL_POWER) -> list[Span]:
    """A span's score times ``(its chunk's retrieval score / the best one's) ** power``.

    The reader alone cannot tell a fitting span in a passage about something else from one
    in the right passage; retrieval can. Where all passages are about the question (one
    story from five outlets) their scores are close and the weights stay near 1.
    """
    top = max((hit.score for hit in hits), default=0.0) or 1.0
    relative = {hit.chunk.id: hit.score / top for hit in hits}
    return [replace(span, score=span.score * relative[span.chunk_id] ** power) for span in spans if span.chunk_id in relative]


def rank_answers(spans: Sequence[Span]) -> list[tuple[str, float, list[Span]]]:
    """Candidate answers (normalised text, aggregated score, their spans), best first."""
    groups = _group(merge_overlapping(spans))
    return sorted(((key, _group_score(members), members) for key, members in groups.items()), key=lambda g: -g[1])


def _sentence_overlap(asked: set[str], span: Span, chunks: dict[int, Chunk]) -> float:
    """Share of the question's content words in the sentence around ``span`` (the span's own
    words left out: they are the answer, not the context that ties it to the question)."""
    if not asked:
        return 1.0
    chunk = chunks.get(span.chunk_id)
    if chunk is None:
        return 0.0
    start, end = span.start - chunk.start, span.end - chunk.start
    s, e = sentence_around(chunk.text, start, end)
    context = chunk.text[s:start] + " " + chunk.text[end:e]
    return len(asked & content_terms(context)) / len(asked)


def answer_evidence(question: str, ranked: Sequence[tuple[str, float, list[Span]]], confidence: dict[str, float],
                    hits: Sequence[Hit], unread_adds: float = 0.0) -> dict[str, AnswerEvidence]:
    """What is known about each ranked answer (``rank_answers`` over weighed spans, with the
    reader's unweighed ``confidence`` by answer). ``unread_adds`` is the most that unread
    passages could still add to any rival (``rest_cannot_matter`` judges the worst case)."""
    asked = content_terms(question)
    chunks = {hit.chunk.id: hit.chunk for hit in hits}
    evidence = {}
    for place, (key, weighted, members) in enumerate(ranked):
        best_other = ranked[1][1] if place == 0 and len(ranked) > 1 else (ranked[0][1] if place else 0.0)
        evidence[key] = AnswerEvidence(
            confidence=confidence[key], weighted=weighted, runner_up=_noisy_or([best_other, unread_adds]),
            sentence_overlap=max(_sentence_overlap(asked, span, chunks) for span in members),
            answer_words=len(key.split()),
        )
    return evidence


def judge_answers(question: str, spans: Sequence[Span], hits: Sequence[Hit], power: float = RETRIEVAL_POWER,
                  calibration: AnswerCalibration | None = None, unread_adds: float = 0.0,
                  ) -> tuple[list[tuple[str, float, list[Span]]], dict[str, float]]:
    """The candidate answers ranked by retrieval-weighed score, and how far each is to be trusted:
    the reader's own aggregated confidence, or with a ``calibration`` the probability that it is
    right (see ``answer_evidence`` for ``unread_adds``)."""
    ranked = rank_answers(weigh_by_retrieval(spans, hits, power))
    confidence = {key: score for key, score, _ in rank_answers(spans)}
    if calibration is None or not ranked:
        return ranked, confidence
    evidence = answer_evidence(question, ranked, confidence, hits, unread_adds)
    return ranked, {key: calibration.probability(e) for key, e in evidence.items()}


def rest_cannot_matter(question: str, spans: Sequence[Span], read: Sequence[Hit], unread: Sequence[Hit],
                       min_score: float, power: float = RETRIEVAL_POWER,
                       calibration: AnswerCalibration | None = None) -> bool:
    """Whether reading the ``unread`` hits too could not change the answer to be given.

    A span from an unread chunk weighs at most its chunk's relative retrieval score ** power
    (a reader score is at most 1), so all of them together add at most the noisy-OR ``W`` of
    those weights to any answer. If even the runner-up plus ``W`` stays below the rival
    threshold (DISAGREEMENT_RATIO of the best), no unread chunk can displace the best answer or
    show a disagreement; and the answer is already confident enough not to abstain (with a
    calibration: even if a rival got all of ``W``; its weights never let more support lower the
    probability). Otherwise the rest must be read.
    """
    if not unread or not spans:
        return not unread
    hits = list(read) + list(unread)
    top = max(hit.score for hit in hits) or 1.0
    most_unread_adds = _noisy_or((hit.score / top) ** power for hit in unread)
    ranked, judged = judge_answers(question, spans, hits, power, calibration, unread_adds=most_unread_adds)
    if not ranked:
        return False
    best_key, best_weighted, _ = ranked[0]
    runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
    confident = judged[best_key] >= min_score
    return confident and _noisy_or([runner_up, most_unread_adds]) < DISAGREEMENT_RATIO * best_weighted


def _citation(index: Index, article_id: str, start: int, end: int) -> Citation:
    article = index.articles[article_id]
    q_start, q_end = sentence_around(article.text, start, end)
    return Citation(
        article_id=article.id, title=article.title, outlet=article.outlet, date=article.date, url=article.url,
        path=article.path, quote=article.text[q_start:q_end], start=q_start, end=q_end, answer_start=start, answer_end=end,
    )


def _corroborating(question: str, answer: str, index: Index, hits: Sequence[Hit], known: set[str]) -> list[Citation]:
    """Other retrieved articles that state the same answer in a sentence about the question."""
    asked = content_terms(question)
    found = []
    for hit in hits:
        article_id = hit.chunk.article_id
        if article_id in known:
            continue
        for match in re.finditer(re.escape(answer), hit.chunk.text, re.IGNORECASE):
            start = hit.chunk.start + match.start()
            citation = _citation(index, article_id, start, start + len(answer))
            shared = asked & content_terms(citation.quote)
            if asked and len(shared) >= max(1, len(asked) / 3):
                found.append(citation)
                known.add(article_id)
                break
    return found


def _newest_date(index: Index, spans: Sequence[Span]) -> str:
    """The latest publication date among the articles of ``spans`` ("" when none is dated)."""
    return max((index.articles[s.article_id].date or "" for s in spans), default="")


def _latest_report(index: Index, ranked: list[tuple[str, float, list[Span]]], confidence: dict[str, float],
                   min_score: float) -> tuple[str, float, list[Span]]:
    """Which answer to lead with when sources disagree: of the best one and its rivals (close
    to it in weight, other text, other articles), the one from the most recent report, if the
    reader is confident enough in it. News figures change from one day's report to the next,
    so a strictly newer dated report wins. An undated best answer keeps the lead: nothing says
    it is the older report."""
    best_key, best_weighted, best_spans = ranked[0]
    best_date = _newest_date(index, best_spans)
    if not best_date:
        return ranked[0]
    best_articles = {s.article_id for s in best_spans}
    newer = [
        (key, weighted, members) for key, weighted, members in ranked[1:]
        if weighted >= DISAGREEMENT_RATIO * best_weighted and not _related(key, best_key)
        and best_articles.isdisjoint(s.article_id for s in members) and confidence[key] >= min_score
        and _newest_date(index, members) > best_date
    ]
    return max(newer, key=lambda c: (_newest_date(index, c[2]), c[1]), default=ranked[0])


def _sources_of(index: Index, spans: Sequence[Span]) -> tuple[tuple[str, ...], tuple[str | None, ...]]:
    """The distinct source names of ``spans``' articles, best span first, with each one's date."""
    dated: dict[str, str | None] = {}
    for span in sorted(spans, key=lambda s: -s.score):
        article = index.articles[span.article_id]
        dated.setdefault(article.source_name, article.date)
    return tuple(dated), tuple(dated.values())


def assemble_answer(
    question: str,
    spans: Sequence[Span],
    index: Index,
    hits: Sequence[Hit],
    support_hits: Sequence[Hit] = (),
    min_score: float = 0.5,
    power: float = RETRIEVAL_POWER,
    calibration: AnswerCalibration | None = None,
) -> Answer:
    """The best-supported answer among ``spans``, or an abstention.

    Args:
        spans: the reader's candidates over ``hits``, weighed by the hits' retrieval scores.
        support_hits: a deeper retrieval list scanned for other outlets that say the same.
        min_score: below this confidence newsdesk abstains.
        power: how much retrieval rank weighs in choosing (``weigh_by_retrieval``).
        calibration: turns the evidence for an answer into the probability that it is right
            (then its score and what ``min_score`` applies to); without one, the reader's
            aggregated confidence.
    """
    if not spans or missing_names(question, hits):
        return Answer(question, None, 0.0, passages=tuple(hits))
    # Retrieval rank helps choose among candidates; whether to answer at all is judged on the
    # reader's confidence in that answer (calibrated, with the rest of the evidence).
    ranked, confidence = judge_answers(question, spans, hits, power, calibration)
    if not ranked:
        return Answer(question, None, 0.0, passages=tuple(hits))
    best_key, best_weighted, best_spans = ranked[0]
    best_score = confidence[best_key]
    if best_score < min_score:
        return Answer(question, None, round(best_score, 4), passages=tuple(hits))

    leader = _latest_report(index, ranked, confidence, min_score)
    best_key, best_spans = leader[0], leader[2]
    best_score = confidence[best_key]
    support = [span for key, _, members in ranked if _related(key, best_key) for span in members]
    top = max(best_spans, key=lambda s: s.score)
    citations: list[Citation] = [_citation(index, top.article_id, top.start, top.end)]
    known = {top.article_id}
    for span in sorted(support, key=lambda s: -s.score):
        if span.article_id not in known:
            citations.append(_citation(index, span.article_id, span.start, span.end))
            known.add(span.article_id)
    citations += _corroborating(question, top.text, index, list(hits) + list(support_hits), known)

    alternatives = []
    for key, score, members in ranked:
        # A disagreement is other sources saying something else, not one article naming two things.
        elsewhere = {s.article_id for s in members}.isdisjoint(known)
        if score >= DISAGREEMENT_RATIO * best_weighted and not _related(key, best_key) and elsewhere:
            rival = max(members, key=lambda s: s.score)
            outlets, dates = _sources_of(index, members)
            alternatives.append(Alternative(rival.text, round(confidence[key], 4), outlets, dates))
    return Answer(
        question=question,
        text=top.text,
        score=round(best_score, 4),
        quote=citations[0].quote,
        citations=tuple(citations),
        alternatives=tuple(alternatives[:3]),
        passages=tuple(hits),
    )
