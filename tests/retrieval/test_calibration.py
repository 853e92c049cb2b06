"""The answer calibration: its model, its fit, and early stopping's guarantee under it."""

import math
import random

import pytest
from newsdesk.retrieval.answering.answer import judge_answers, rest_cannot_matter
from newsdesk.retrieval.answering.calibration import FEATURES, AnswerCalibration, AnswerEvidence, fit_calibration

from newsdesk.types import Chunk, Hit, Span


def test_probability_is_the_logistic_of_the_weighted_features():
    calibration = AnswerCalibration((0.5, 1.0, 2.0, 0.25, -1.0, -0.7, 1.2, 0.0), bias=0.3)
    evidence = AnswerEvidence(confidence=0.8, weighted=0.4, runner_up=0.1, sentence_overlap=0.5, answer_words=2)
    z = 0.3 + 0.5 * math.log(0.8) + 1.0 * math.log(0.4) + 2.0 * 0.5 + 0.25 * math.log(0.4 / 0.1) - math.log(3) + 1.2
    assert calibration.probability(evidence) == pytest.approx(1 / (1 + math.exp(-z)))
    # no rival: the margin is taken against the floor, not infinite
    alone = AnswerEvidence(confidence=0.8, weighted=0.4, runner_up=0.0, sentence_overlap=0.5, answer_words=2)
    assert calibration.probability(alone) > calibration.probability(evidence)
    # a whole sentence as the answer shifts the odds by its own weight
    sentence = AnswerEvidence(confidence=0.8, weighted=0.4, runner_up=0.1, sentence_overlap=0.5, answer_words=2,
                              sentence_answer=True)
    odds = lambda p: p / (1 - p)  # noqa: E731
    assert odds(calibration.probability(sentence)) / odds(calibration.probability(evidence)) == pytest.approx(math.exp(-0.7))
    # an article naming half the question's names, against one naming them all
    elsewhere = AnswerEvidence(confidence=0.8, weighted=0.4, runner_up=0.1, sentence_overlap=0.5, answer_words=2,
                               names_in_article=0.5)
    assert odds(calibration.probability(elsewhere)) / odds(calibration.probability(evidence)) == pytest.approx(math.exp(-0.6))
    hopeless = AnswerEvidence(confidence=0.0, weighted=0.0, runner_up=1.0, sentence_overlap=0.0, answer_words=10**6)
    assert 0.0 <= AnswerCalibration((0.0, 100.0, 0.0, 100.0, -100.0, 0.0, 0.0, 0.0), -100.0).probability(hopeless) < 1e-6


def test_config_round_trip_and_what_it_refuses():
    calibration = AnswerCalibration((0.1, 1.0, 1.4, 0.2, -0.8, 0.5, 0.7, 0.3), 0.9)
    assert AnswerCalibration.from_config(calibration.to_config()) == calibration
    # fitted before the last features existed: those features weigh nothing
    older = {"features": list(FEATURES[:6]), "weights": [0.1, 1.0, 1.4, 0.2, -0.8, 0.5], "bias": 0.9}
    assert AnswerCalibration.from_config(older).weights == (0.1, 1.0, 1.4, 0.2, -0.8, 0.5, 0.0, 0.0)
    with pytest.raises(ValueError, match="features"):
        AnswerCalibration.from_config({**calibration.to_config(), "features": list(reversed(FEATURES))})
    with pytest.raises(ValueError, match="negative: sentence_overlap"):
        AnswerCalibration((0.1, 1.0, -1.4, 0.2, -0.8, 0.5, 0.7, 0.3), 0.9)
    with pytest.raises(ValueError, match="8 weights"):
        AnswerCalibration((0.1, 1.0), 0.9)


def _evidence_rows(count, seed=5):
    """Answers that are right more often when well weighed and when their sentence speaks of the
    question; and, contrary to what a calibration may assume, less often when the raw confidence is high."""
    rng = random.Random(seed)
    rows, right = [], []
    for _ in range(count):
        e = AnswerEvidence(confidence=rng.uniform(0.05, 1), weighted=rng.uniform(0.01, 1), runner_up=rng.uniform(0, 0.5),
                           sentence_overlap=rng.random(), answer_words=rng.randint(1, 8))
        z = -1.0 + 1.5 * math.log(e.weighted) + 3.0 * e.sentence_overlap - 1.0 * math.log(e.confidence) + 1.5
        rows.append(e.features())
        right.append(rng.random() < 1 / (1 + math.exp(-z)))
    return rows, right


def test_fit_recovers_the_signs_and_keeps_the_monotone_weights_non_negative():
    rows, right = _evidence_rows(3000)
    calibration = fit_calibration(rows, right, l2=0.1)
    weights = dict(zip(FEATURES, calibration.weights))
    assert weights["log_weighted"] > 0.8 and weights["sentence_overlap"] > 2.0
    assert weights["log_confidence"] == 0.0  # the data wants it negative; the bound holds it at 0
    # calibrated on its own data: the mean probability is the share of right answers (the bias is free)
    def probability(features):
        return 1 / (1 + math.exp(-(calibration.bias + sum(w * x for w, x in zip(calibration.weights, features)))))

    assert sum(map(probability, rows)) / len(rows) == pytest.approx(sum(right) / len(right), abs=0.005)
    with pytest.raises(ValueError):
        fit_calibration(rows[:10], [True] * 10)


def _hit(chunk_id, score, text):
    return Hit(Chunk(chunk_id, f"article-{chunk_id}", text, 0, len(text)), score)


WORDS = ["Merz", "Scholz", "Macron", "Berlin", "Sunday", "12,000", "envoys", "talks", "hosted", "the"]


def test_early_stopping_under_a_calibration_never_changes_the_answer():
    """Whenever the rest 'cannot matter', any spans the unread passages could yield leave the
    best answer first and above the threshold (random cases, fixed seed)."""
    rng = random.Random(11)
    calibration = AnswerCalibration((0.2, 1.0, 1.4, 3.0, -0.8, 0.0, 0.5, 0.4), -2.0)
    question = "Who hosted the Berlin talks on Sunday?"
    stopped = 0
    for _ in range(2000):
        texts = [" ".join(rng.choice(WORDS) for _ in range(12)) for _ in range(5)]
        scores = sorted((rng.uniform(0.2, 1.0) for _ in range(5)), reverse=True)
        hits = [_hit(i, s, t) for i, (s, t) in enumerate(zip(scores, texts))]
        cut = rng.randint(1, 4)
        read, unread = hits[:cut], hits[cut:]

        def spans_on(hit, count):
            """Like a reader's: distinct spans whose scores, exclusive events, add up to at most 1."""
            words = rng.sample(WORDS[:6], count)
            shares = [rng.random() for _ in words]
            total = sum(shares) / rng.uniform(0.3, 1.0)
            found = []
            for word, share in zip(words, shares):
                at = hit.chunk.text.find(word)
                if at >= 0:
                    found.append(Span(word, hit.chunk.article_id, hit.chunk.id, at, at + len(word), share / total))
            return found

        spans = [s for h in read for s in spans_on(h, 3)]
        if not rest_cannot_matter(question, spans, read, unread, 0.4, calibration=calibration):
            continue
        stopped += 1
        ranked, judged = judge_answers(question, spans, read, calibration=calibration)
        for _ in range(5):  # whatever the unread passages hold
            more = [s for h in unread for s in spans_on(h, 3)]
            all_ranked, all_judged = judge_answers(question, spans + more, hits, calibration=calibration)
            assert all_ranked[0][0] == ranked[0][0]
            assert all_judged[ranked[0][0]] >= 0.4
    assert stopped > 20  # the property was exercised


def test_an_answer_from_an_article_that_never_names_the_question_s_names_is_less_sure():
    from newsdesk.retrieval.answering.answer import answer_evidence
    from newsdesk.retrieval.answering.ranking import rank_answers

    from newsdesk.types import Article

    about = "Dalmoria's transport minister Ilse Marrow said the line would reopen."
    other = "Transport minister Jon Berg of Kestria said the line would reopen."
    hits = [_hit(0, 1.0, other), _hit(1, 0.9, about)]
    articles = {"article-0": Article("article-0", other), "article-1": Article("article-1", about)}
    spans = [Span("Jon Berg", "article-0", 0, other.index("Jon"), other.index("Jon") + 8, 0.9),
             Span("Ilse Marrow", "article-1", 1, about.index("Ilse"), about.index("Ilse") + 11, 0.8)]
    ranked = rank_answers(spans)
    evidence = answer_evidence("who is dalmoria's transport minister", ranked, dict.fromkeys(("jon berg", "ilse marrow"), 0.8),
                               hits, articles=articles)
    assert evidence["jon berg"].names_in_article == 0.0 and evidence["ilse marrow"].names_in_article == 1.0
    calibration = AnswerCalibration((0.2, 1.0, 1.4, 0.2, -0.1, 0.0, 1.5, 0.0), -1.0)
    assert calibration.probability(evidence["jon berg"]) < calibration.probability(evidence["ilse marrow"])


def test_the_same_answer_in_other_words_is_no_rival():
    from newsdesk.retrieval.answering.answer import answer_evidence
    from newsdesk.retrieval.answering.ranking import RankedAnswer

    hits = [_hit(0, 1.0, "Steve Witkoff and Jared Kushner met him. Steve Witkoff and son-in-law Jared Kushner came.")]
    ranked = [RankedAnswer("steve witkoff and jared kushner", 0.3, []), RankedAnswer("steve witkoff and soninlaw jared kushner", 0.25, []),
              RankedAnswer("european allies", 0.1, [])]
    for answer in ranked:
        answer.spans.append(Span(answer.key, "article-0", 0, 0, 10, answer.score))
    evidence = answer_evidence("Who did he meet?", ranked, {r.key: r.score for r in ranked}, hits)
    assert evidence["steve witkoff and jared kushner"].runner_up == pytest.approx(0.1)  # not 0.25: the same people
    assert evidence["european allies"].runner_up == pytest.approx(0.3)
