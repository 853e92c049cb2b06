"""Turning a reader's candidate spans into one ``Answer``: the candidates ranked (``ranking``) and
judged, then cited, corroborated per outlet, or abstained on."""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from typing import Sequence

from newsdesk.types import Alternative, Answer, Article, Chunk, Hit, Span

from ..index.build import Index
from ..index.chunk import sentence_around, sentence_before
from .calibration import AnswerCalibration, AnswerEvidence
from .constraints import (attribute_missing, change_not_asked, demand_not_outcome, other_people, owner_conflict, proper_names,
                          role_asked, role_conflict, role_missing, role_owner_missing, speaker_missing, title_conflict)
from .citations import citation_at, related_passages
from .corroboration import group_disagreements, outlet_answers, same_answer
from .furniture import in_page_furniture
from .people import describe
from .quotes import quoted_only
from .qualifiers import other_thing, withheld
from .reports import (DEFAULT_RULES, OutletRules, earlier_figures, left_the_role, newest_lead, older_figure,
                      replaced_figure, sentence_overlap, split_outlets)
from .ranking import (RETRIEVAL_POWER, RankedAnswer, merge_overlapping, most_focus, noisy_or, rank_answers, weigh_by_focus,
                      weigh_by_retrieval)
from .shaping import LIST, SENTENCE, SPAN, as_tallies, in_headline, question_kind, widen_to_sentence
from .stories import same_story
from .text import content_terms, mentions, named_terms, names_asked, normalize_answer
from .verification import VERIFIED_DEPTH, Verify, candidate_text, verified

# How far before an answer's sentence its speaker may have been named ("…," she said).
SPEAKER_CHARS = 300
CHANGE_CHARS = 100  # how far back in its sentence a figure's verb of change may stand ("raised … by 31,600")
DISAGREEMENT_RATIO = 0.8  # unread passages that could lift a rival this close to the best must be read
# An answer from another story this close to the lead, for a question naming nothing that tells
# the stories apart, leaves the story asked about in doubt. Chosen on the news benchmark's splits
# and the per-source validation: 0.6 refuses more wrong news answers, and right ones on reddit.
STORY_DOUBT_RATIO = 0.8


def missing_names(question: str, hits: Sequence[Hit]) -> list[str]:
    """Names in the question that no retrieved passage mentions (then the articles cannot say)."""
    return [term for term in sorted(named_terms(question)) if not any(mentions(h.chunk.text, term) for h in hits)]


def _article_text(span: Span, articles: dict[str, Article] | None, chunks: dict[int, Chunk]) -> str:
    """The text of ``span``'s article (without ``articles``: of its passage)."""
    if articles is not None and span.article_id in articles:
        return articles[span.article_id].text
    return chunks[span.chunk_id].text if span.chunk_id in chunks else ""


def _story_texts(ranked: Sequence[RankedAnswer], articles: dict[str, Article] | None,
                 chunks: dict[int, Chunk]) -> dict[str, str]:
    """The article text of each ranked answer's best span: which story the answer comes from."""
    return {r.key: _article_text(max(r.spans, key=lambda s: s.score), articles, chunks) for r in ranked}


def _names_share(names: set[str], spans: Sequence[Span], articles: dict[str, Article] | None, chunks: dict[int, Chunk]) -> float:
    """The largest share of ``names`` that the article of one of ``spans`` mentions (without
    ``articles``: its passage); 1 when the question names nothing."""
    if not names:
        return 1.0
    return max(sum(mentions(_article_text(span, articles, chunks), name) for name in names) / len(names) for span in spans)


def answer_evidence(question: str, ranked: Sequence[RankedAnswer], confidence: dict[str, float],
                    hits: Sequence[Hit], unread_adds: float = 0.0, sentences: bool = False,
                    articles: dict[str, Article] | None = None) -> dict[str, AnswerEvidence]:
    """What is known about each ranked answer (``rank_answers`` over weighed spans, with the
    reader's unweighed ``confidence`` by answer). ``unread_adds`` is the most that unread
    passages could still add to any rival (``rest_cannot_matter`` judges the worst case);
    ``articles`` (by id) tell whether an answer's article names the question's names (else its
    passages do) and which answers come from another story."""
    asked = content_terms(question)
    chunks = {hit.chunk.id: hit.chunk for hit in hits}
    names = names_asked(question, [hit.chunk.text for hit in hits])
    story = _story_texts(ranked, articles, chunks)
    evidence = {}
    for key, weighted, members in ranked:
        # An answer in other words ("Steve Witkoff and son-in-law Jared Kushner") is no rival, nor an older report's figure.
        rivals = [r for r in ranked if r.key != key and not same_answer(r.key, key) and not (
            articles and older_figure(key, members, r.key, r.spans, articles, story[key], story[r.key]))]
        best_other = max((r.score for r in rivals), default=0.0)
        other_story = max((r.score for r in rivals if not same_story(story[key], story[r.key])), default=0.0)
        evidence[key] = AnswerEvidence(
            confidence=confidence[key], weighted=weighted, runner_up=noisy_or([best_other, unread_adds]),
            sentence_overlap=max(sentence_overlap(asked, span, chunks) for span in members),
            answer_words=len(key.split()), sentence_answer=sentences, names_in_article=_names_share(names, members, articles, chunks),
            other_story=noisy_or([other_story, unread_adds]),
        )
    return evidence


def judge_answers(question: str, spans: Sequence[Span], hits: Sequence[Hit], power: float = RETRIEVAL_POWER,
                  calibration: AnswerCalibration | None = None, unread_adds: float = 0.0, sentences: bool = False,
                  articles: dict[str, Article] | None = None, lists: bool = False) -> tuple[list[RankedAnswer], dict[str, float]]:
    """The candidate answers ranked by their score weighed by retrieval and by how much of the
    question their context holds (``weigh_by_focus``), and how far each is to be trusted: the
    reader's own aggregated confidence, or with a ``calibration`` the probability that it is right
    (see ``answer_evidence`` for ``unread_adds``, ``sentences`` and ``articles``; ``rank_answers`` for ``lists``)."""
    ranked = rank_answers(weigh_by_retrieval(spans, hits, power), lists, partial(weigh_by_focus, question=question, hits=hits))
    confidence = {key: score for key, score, _ in rank_answers(spans, lists)}
    if calibration is None or not ranked:
        return ranked, confidence
    evidence = answer_evidence(question, ranked, confidence, hits, unread_adds, sentences, articles)
    return ranked, {key: calibration.probability(e) for key, e in evidence.items()}


def candidates(question: str, spans: Sequence[Span], index: Index, hits: Sequence[Hit], power: float = RETRIEVAL_POWER,
               calibration: AnswerCalibration | None = None,
               ) -> tuple[str, list[RankedAnswer], dict[str, float]]:
    """The question's kind and its candidate answers judged (``judge_answers``): only spans in
    passages holding what the question quotes, and for a question answered by a sentence the
    sentences, every span the reader finds in one being evidence for that sentence."""
    return judged_candidates(question, admissible(question, spans, index, hits), index, hits, power, calibration)


def judged_candidates(question: str, admitted: Sequence[Span], index: Index, hits: Sequence[Hit],
                      power: float = RETRIEVAL_POWER, calibration: AnswerCalibration | None = None,
                      ) -> tuple[str, list[RankedAnswer], dict[str, float]]:
    """``candidates`` of the spans already found ``admissible``."""
    kind, spans = question_kind(question), admitted
    if kind == SENTENCE:
        spans = [s for s in as_sentences(spans, index) if not in_headline(index.articles[s.article_id].text, s.start, s.end)]
    ranked, confidence = judge_answers(question, spans, hits, power, calibration, sentences=kind == SENTENCE,
                                       articles=index.articles, lists=kind == LIST)
    return kind, ranked, confidence


def rest_cannot_matter(question: str, spans: Sequence[Span], read: Sequence[Hit], unread: Sequence[Hit],
                       min_score: float, power: float = RETRIEVAL_POWER,
                       calibration: AnswerCalibration | None = None, articles: dict[str, Article] | None = None) -> bool:
    """Whether reading the ``unread`` hits too could not change the answer to be given.

    A span from an unread chunk weighs at most its chunk's relative retrieval score ** power
    times the most its focus could give (``most_focus``; a reader score is at most 1), so all of
    them together add at most the noisy-OR ``W`` of those weights to any answer. If even the runner-up plus ``W`` stays below the rival
    threshold (DISAGREEMENT_RATIO of the best), no unread chunk can displace the best answer or
    show a disagreement; and the answer is already confident enough not to abstain (with a
    calibration: even if a rival got all of ``W``; its weights never let more support lower the
    probability). Otherwise the rest must be read.
    """
    if not unread or not spans:
        return not unread
    hits = list(read) + list(unread)
    top = max(hit.score for hit in hits) or 1.0
    most_unread_adds = noisy_or((hit.score / top) ** power * most_focus(question, hit.chunk) for hit in unread)
    ranked, judged = judge_answers(question, spans, hits, power, calibration, unread_adds=most_unread_adds, articles=articles)
    if not ranked:
        return False
    best_key, best_weighted, _ = ranked[0]
    runner_up = ranked[1].score if len(ranked) > 1 else 0.0
    confident = judged[best_key] >= min_score
    return confident and noisy_or([runner_up, most_unread_adds]) < DISAGREEMENT_RATIO * best_weighted


def admissible(question: str, spans: Sequence[Span], index: Index, hits: Sequence[Hit]) -> list[Span]:
    """The spans that can answer the question: in a passage holding what it quotes, in a
    sentence that names its roles as it does and holds the names that qualify what it asks for,
    under no title other than the role asked for (``constraints``), in no page furniture; a side
    of a vote's tally is read as the side asked for (``shaping.as_tallies``). The article need not
    name every name of the question: a Wikipedia paragraph indexed alone says "the city" for "Warsaw"."""
    texts = [h.chunk.text for h in hits]
    names = names_asked(question, texts)
    # Whose role it is matters only for a question asking for a role; which thing a name names, for any.
    asks_role = role_asked(question, names) is not None
    proper = proper_names(texts)
    # Whoever one report says has left the role asked about holds it in no report.
    departed = {f" {normalize_answer(s.text)} " for s in spans if asks_role and named_terms(s.text) and left_the_role(
        question, _before(s, index, CHANGE_CHARS), _after(s, index, CHANGE_CHARS), names)}
    admitted = [s for s in quoted_only(question, spans, hits)
            if not any(name in f" {normalize_answer(s.text)} " for name in departed)
            and not in_page_furniture(index.articles[s.article_id].text, s.start, s.end)
            and not role_conflict(question, sentence := _sentence_of(s, index), _within_sentence(s, index))
            # the sentence and the text just before it, where "…, she said" names a speaker
            and not attribute_missing(question, context := _before(s, index, SPEAKER_CHARS, within_sentence=False) + sentence,
                                      names)
            and not role_missing(question, sentence, names)
            and not owner_conflict(question, sentence, names, proper, _previous_sentence(s, index) if asks_role else "")
            and not title_conflict(question, _before(s, index), names, s.text)
            and not change_not_asked(question, near := _before(s, index, CHANGE_CHARS), s.text)
            and not demand_not_outcome(question, near)
            and not replaced_figure(question, near, _after(s, index, CHANGE_CHARS), s.text)
            and not other_people(question, s.text, names)
            and not other_thing(question, sentence, names, proper) and not withheld(question, sentence)
            and not speaker_missing(question, context)
            and not role_owner_missing(question, context, index.articles[s.article_id].text, names)]
    return as_tallies(question, admitted, index.articles)


def _sentence_of(span: Span, index: Index) -> str:
    text = index.articles[span.article_id].text
    s, e = sentence_around(text, span.start, span.end)
    return text[s:e]


def _previous_sentence(span: Span, index: Index) -> str:
    """The sentence before the one holding ``span`` ("" for an article's first)."""
    text = index.articles[span.article_id].text
    s, _ = sentence_around(text, span.start, span.end)
    return text[sentence_before(text, s):s].strip()


def _within_sentence(span: Span, index: Index) -> tuple[int, int]:
    """Where ``span`` stands within its sentence (``_sentence_of``)."""
    s, _ = sentence_around(index.articles[span.article_id].text, span.start, span.end)
    return span.start - s, span.end - s


def _before(span: Span, index: Index, chars: int = 60, within_sentence: bool = True) -> str:
    """The ``chars`` before ``span``: in its sentence (where a title stands: "President"), or
    before its sentence (where a quote's speaker was named)."""
    text = index.articles[span.article_id].text
    s, _ = sentence_around(text, span.start, span.end)
    return text[max(s, span.start - chars):span.start] if within_sentence else text[max(0, s - chars):s]


def _after(span: Span, index: Index, chars: int = 60) -> str:
    """The ``chars`` after ``span`` in its sentence."""
    text = index.articles[span.article_id].text
    _, e = sentence_around(text, span.start, span.end)
    return text[span.end:min(e, span.end + chars)]


def as_sentences(spans: Sequence[Span], index: Index) -> list[Span]:
    """Each span as the sentence holding it (within its chunk), with the span's score."""
    widened = []
    for span in spans:
        text, chunk = index.articles[span.article_id].text, index.chunk(span.chunk_id)
        s, e = widen_to_sentence(text, span.start, span.end, sentence_around(text, span.start, span.end))
        s, e = max(s, chunk.start), min(e, chunk.end)
        widened.append(replace(span, text=text[s:e], start=s, end=e))
    return widened


def _inside(span: Span, containers: Sequence[Span]) -> bool:
    """Whether ``span`` lies within one of ``containers`` (a sentence of the same chunk)."""
    return any(c.chunk_id == span.chunk_id and c.start <= span.start and span.end <= c.end for c in containers)


def _as_given(top: Span, kind: str, index: Index) -> Span:
    """The lead as the user is given it, which other outlets' answers are compared with: for a
    sentence answer the sentence (an outlet agrees when it says what the sentence says, not
    merely a word the reader chose in it)."""
    return as_sentences([top], index)[0] if kind == SENTENCE else top


def _given_text(span: Span, kind: str, index: Index) -> str:
    """The answer ``span`` gives, shaped for ``kind`` as a citation of it would show it."""
    citation = citation_at(index, span.article_id, span.start, span.end, kind)
    return index.articles[span.article_id].text[citation.answer_start:citation.answer_end]


def verifier_texts(ranked: Sequence[RankedAnswer], kind: str, index: Index) -> list[str]:
    """Each candidate as the verifier reads it: its best span as given, in its sentence after the one before."""
    best = [max(r.spans, key=lambda s: s.score) for r in ranked]
    return [candidate_text(_given_text(s, kind, index), _sentence_of(s, index), _previous_sentence(s, index)) for s in best]


def _abstain(question: str, index: Index, hits: Sequence[Hit], score: float = 0.0,
             answers: Sequence[Span] = (), best: Sequence[Span] = ()) -> Answer:
    """A refusal, shown with the passages that match the question closely, or with the
    sentences of ``answers`` (candidates the question cannot choose between). Where passages
    match closely, the sentences of the ``best`` candidates, too unsure to be given, come first."""
    related = (tuple(citation_at(index, s.article_id, s.start, s.end, SENTENCE) for s in answers)
               or related_passages(question, index, hits))
    if best and related and not answers:
        shown: list = []
        for c in (*[citation_at(index, s.article_id, s.start, s.end, SENTENCE) for s in best], *related):
            if all((c.article_id, c.start) != (o.article_id, o.start) for o in shown):
                shown.append(c)
        related = tuple(shown[:2])
    texts = [index.articles[c.article_id].text for c in related]
    return Answer(question, None, round(score, 4), passages=tuple(hits), related=related, kind=question_kind(question),
                  several_stories=any(not same_story(texts[0], other) for other in texts[1:]))


def story_in_doubt(question: str, ranked: Sequence[RankedAnswer], index: Index, hits: Sequence[Hit]) -> RankedAnswer | None:
    """The best answer from another story than the lead's, when the question names nothing that
    tells stories apart ("who is mediating", "what did the union demand"; a name both stories
    mention, "what did brandt warn" of two Brandts, tells nothing) and that answer weighs
    at least ``STORY_DOUBT_RATIO`` of the lead: the question fits both stories, and which one is
    meant is a guess. An index of one story is never in doubt."""
    if not ranked:
        return None
    names = names_asked(question, [hit.chunk.text for hit in hits])
    story = _story_texts(ranked, index.articles, {hit.chunk.id: hit.chunk for hit in hits})
    lead = ranked[0]
    rivals = [r for r in ranked[1:] if not same_answer(r.key, lead.key) and not same_story(story[lead.key], story[r.key])
              and all(mentions(story[r.key], name) and mentions(story[lead.key], name) for name in names)]
    rival = max(rivals, key=lambda r: r.score, default=None)
    return rival if rival is not None and rival.score >= STORY_DOUBT_RATIO * lead.score else None


def _best_spans(ranked: Sequence[RankedAnswer], count: int = 2) -> tuple[Span, ...]:
    """The best-read span of each of the first ``count`` ranked answers."""
    return tuple(max(r.spans, key=lambda s: s.score) for r in ranked[:count])


def _group_of(ranked: Sequence[RankedAnswer], span: Span) -> str:
    """The key of the ranked answer ``span`` belongs to."""
    return next((key for key, _, members in ranked if span in members), normalize_answer(span.text))


def assemble_answer(
    question: str,
    spans: Sequence[Span],
    index: Index,
    hits: Sequence[Hit],
    min_score: float = 0.5,
    power: float = RETRIEVAL_POWER,
    calibration: AnswerCalibration | None = None,
    rules: OutletRules = DEFAULT_RULES,
    verify: Verify | None = None,
) -> Answer:
    """The best-supported answer among ``spans``, or an abstention.

    Args:
        spans: the reader's candidates over ``hits`` (each outlet's best passage among them read).
        min_score: below this confidence newsdesk abstains.
        power: how much retrieval rank weighs in choosing (``weigh_by_retrieval``).
        calibration: turns the evidence for an answer into the probability that it is right
            (then its score and what ``min_score`` applies to); without one, the reader's
            aggregated confidence.
        rules: how each outlet's own answer counts for or against the lead.
        verify: scores the best few candidates' texts (``verified``); None: the reader's order stands.
    """
    if missing_names(question, hits):
        return _abstain(question, index, hits)
    if (person := describe(question, index, hits)) is not None and person.score >= min_score:
        return person
    # Retrieval rank helps choose among candidates; whether to answer at all is judged on the
    # reader's confidence in that answer (calibrated, with the rest of the evidence).
    spans = admissible(question, spans, index, hits)
    kind, ranked, confidence = judged_candidates(question, spans, index, hits, power, calibration)
    if not ranked:
        return _abstain(question, index, hits)
    if verify is not None and len(ranked) > 1:
        ranked, doubted = verified(ranked, verify(question, verifier_texts(ranked[:VERIFIED_DEPTH], kind, index)),
                                   [confidence[r.key] for r in ranked[:VERIFIED_DEPTH]], min_score)
        if doubted:
            return _abstain(question, index, hits, confidence[ranked[0].key], best=_best_spans(ranked))
    best_key, _, best_spans = ranked[0]
    if (rival := story_in_doubt(question, ranked, index, hits)) is not None:
        best, other = (max(r.spans, key=lambda s: s.score) for r in (ranked[0], rival))
        return _abstain(question, index, hits, confidence[best_key], answers=(best, other))

    # Each outlet's own answer decides whether it corroborates the lead or differs from it.
    weighed = merge_overlapping(weigh_by_retrieval(spans, hits, power))
    by_outlet = outlet_answers(weighed, index.articles)
    top = max((s for s in weighed if normalize_answer(s.text) == best_key or _inside(s, best_spans)),
              key=lambda s: s.score, default=max(best_spans, key=lambda s: s.score))
    agree, differ = split_outlets(_as_given(top, kind, index), by_outlet, index, rules)
    lead_date = max([index.articles[top.article_id].date or "", *(a.date or "" for a in agree)])
    read = outlet_answers(merge_overlapping(spans), index.articles)
    newer = newest_lead(question, top, lead_date, by_outlet, read, hits, index, rules)
    if newer is not None:
        top = next((s for s in weighed if (s.chunk_id, s.start, s.end) == (newer.chunk_id, newer.start, newer.end)), newer)
        agree, differ = split_outlets(_as_given(top, kind, index), by_outlet, index, rules)
    earlier = earlier_figures(question, top, max(lead_date, index.articles[top.article_id].date or ""), read, hits, index, rules)
    older = {a.source for a in earlier}
    # Outlets that differ make each answer less sure, yet the question is answered: whether to
    # abstain is judged on the best reading and on the newest report's, whichever is surer.
    best_score = max(confidence[best_key], confidence.get(_group_of(ranked, top), 0.0))
    if best_score < min_score:
        return _abstain(question, index, hits, best_score, best=(top, *_best_spans([r for r in ranked if r.key != _group_of(ranked, top)], 1)))
    citations = [citation_at(index, top.article_id, top.start, top.end, kind)]
    citations += [citation_at(index, a.span.article_id, a.span.start, a.span.end, kind)
                  for a in agree if a.span.article_id != top.article_id]
    # A differing statement is given as the clause the reader found in it: the lead's whole
    # sentence stands above it, and a second sentence would bury the difference.
    alternatives = [
        Alternative(_given_text(max(group, key=lambda a: a.confidence).span, SPAN if kind == SENTENCE else kind, index),
                    round(sure, 4), tuple(a.source for a in group), tuple(a.date for a in group))
        for group in group_disagreements([a for a in differ if a.source not in older] + earlier)
        # Older figures are judged by ``earlier_figures``, and an older outlet is shown with the figure found there, not its
        # best-weighed answer (often another figure of its report); a differing answer the reader barely believes is no disagreement.
        if (sure := confidence.get(_group_of(ranked, group[0].span), group[0].confidence)) >= rules.shown_min_confidence
        or (any(a.source in older for a in group) and sure >= rules.older_min_confidence)
    ]
    lead_text = index.articles[top.article_id].text[citations[0].answer_start:citations[0].answer_end]
    return Answer(
        question=question,
        text=lead_text,
        score=round(best_score, 4),
        quote=citations[0].quote,
        citations=tuple(citations),
        alternatives=tuple(alternatives[:3]),
        passages=tuple(hits),
        kind=kind,
    )
