"""The answer verifier: how its scores reorder the reader's best candidates, and how it is chosen."""

from __future__ import annotations

import math


import pytest

from newsdesk.errors import UsageError
from newsdesk.retrieval.answering.answer import assemble_answer
from newsdesk.retrieval.answering.verification import (DOUBT_MIN_PROBABILITY, VERIFIED_DEPTH, VERIFIER_DOUBT,
                                                        candidate_text, verified)
from newsdesk.retrieval.answering.ranking import RankedAnswer
from newsdesk.retrieval.answering.readers.choose import make_verifier
from newsdesk.retrieval.answering.readers.verifier import AnswerVerifier
from newsdesk.types import Hit
from tests.retrieval.test_answer import _span


def _ranked(*scores):
    return [RankedAnswer(f"answer {i}", score, []) for i, score in enumerate(scores)]


def test_the_verifier_puts_first_the_best_of_the_few_by_its_score_and_the_readers_weight_together():
    ranked = _ranked(0.5, 0.3, 0.2, 0.1)

    def order(scores):
        reordered, doubted = verified(ranked, scores, [0.6, 0.5, 0.4], min_score=0.35)
        return [r.key[-1] for r in reordered], doubted

    # log 0.3 + 1.0 = -0.20 beats log 0.5 + 0 = -0.69; the fourth is never judged
    assert order([0.0, 1.0, 0.0]) == (["1", "0", "2", "3"], False)
    # a candidate the reader barely found needs a verifier far surer of it: 0.2 against 0.5 takes log 2.5 = 0.92 more
    assert order([0.0, 0.0, 1.0]) == (["2", "0", "1", "3"], False)
    assert order([0.0, 0.0, 0.8]) == (["0", "1", "2", "3"], False)
    assert order([1.0, 1.0, 1.0]) == (["0", "1", "2", "3"], False)  # equal judgements leave the reader's order
    assert VERIFIED_DEPTH == 3


def test_a_candidate_too_unsure_to_give_is_never_put_first_but_if_judged_far_better_leaves_the_answer_in_doubt():
    ranked = _ranked(0.5, 0.3, 0.2)
    unsure_second = [0.6, 0.2, 0.4]
    # the second is judged better (-0.20 against -0.69) but is not sure enough to give: the first stays
    assert verified(ranked, [0.0, 1.0, 0.0], unsure_second, 0.35) == (ranked, False)
    # judged better by more than VERIFIER_DOUBT: the first is still put first, in doubt (refused)
    far = math.log(0.5 / 0.3) + VERIFIER_DOUBT + 0.1
    assert verified(ranked, [0.0, far, 0.0], unsure_second, 0.35) == (ranked, True)
    # ... unless the calibration holds it almost surely wrong
    assert verified(ranked, [0.0, far, 0.0], [0.6, DOUBT_MIN_PROBABILITY - 0.01, 0.4], 0.35) == (ranked, False)
    # the sure third beats the first; the unsure second, far better still, puts it in doubt
    reordered, doubted = verified(ranked, [0.0, 4.0, 1.5], unsure_second, 0.35)
    assert [r.key for r in reordered] == ["answer 2", "answer 0", "answer 1"] and doubted
    # nothing sure enough to give: the reader's order, and the calibration refuses as before
    assert verified(ranked, [0.0, 9.0, 0.0], [0.2, 0.2, 0.2], 0.35) == (ranked, False)


def test_the_answer_is_the_candidate_the_verifier_puts_first(seed_desk):
    question = "Who hosted the Berlin talks?"
    merz, putin = _span(seed_desk, "Friedrich Merz", "NewsNeck", 0.5), _span(seed_desk, "Vladimir Putin", "Outlook", 0.45)
    hits = [Hit(seed_desk.index.chunk(s.chunk_id), 1.0) for s in (merz, putin)]
    seen = []

    def prefers_putin(asked, texts):
        seen.append((asked, list(texts)))
        return [2.0 if text.startswith("Vladimir Putin [SEP] ") else 0.0 for text in texts]

    assert assemble_answer(question, [merz, putin], seed_desk.index, hits, min_score=0.3).text == "Friedrich Merz"
    answer = assemble_answer(question, [merz, putin], seed_desk.index, hits, min_score=0.3, verify=prefers_putin)
    assert answer.text == "Vladimir Putin" and "Vladimir Putin" in answer.quote
    # the verifier read each candidate with its sentence, in the reader's order
    (asked, texts), = seen
    assert asked == question and [t.split(" [SEP] ")[0] for t in texts] == ["Friedrich Merz", "Vladimir Putin"]
    assert "Friedrich Merz" in texts[0].split(" [SEP] ")[1]
    # Putin too unsure to be given (0.45 under 0.5) yet judged far better than Merz: refused, Merz's sentence shown
    doubted = assemble_answer(question, [merz, putin], seed_desk.index, hits, min_score=0.5,
                              verify=lambda asked, texts: [0.0, 6.0])
    assert doubted.abstained and doubted.score == 0.5 and "Friedrich Merz" in doubted.related[0].quote
    mildly = assemble_answer(question, [merz, putin], seed_desk.index, hits, min_score=0.5,
                             verify=lambda asked, texts: [0.0, 1.0])
    assert mildly.text == "Friedrich Merz"


def test_a_lone_candidate_is_not_sent_to_the_verifier(seed_desk):
    question = "Who hosted the Berlin talks?"
    merz = _span(seed_desk, "Friedrich Merz", "NewsNeck", 0.5)

    def never(asked, texts):
        raise AssertionError("one candidate has nothing to be compared with")

    hits = [Hit(seed_desk.index.chunk(merz.chunk_id), 1.0)]
    assert assemble_answer(question, [merz], seed_desk.index, hits, min_score=0.3, verify=never).text == "Friedrich Merz"


def test_the_shipped_verifier_goes_with_the_shipped_reader_and_a_bad_folder_is_one_clear_error(tmp_path):
    assert make_verifier("none", "default") is None
    assert make_verifier("default", "baseline") is None  # trained on the shipped reader's candidates only
    shipped = make_verifier("default", "default")
    assert isinstance(shipped, AnswerVerifier) == AnswerVerifier.available()
    with pytest.raises(UsageError, match="not a verifier directory"):
        make_verifier(str(tmp_path), "default")
    (tmp_path / "verifier.safetensors").write_bytes(b"")
    (tmp_path / "verifier_config.json").write_text('{"kind": "something else"}')
    with pytest.raises(UsageError, match="unreadable verifier config"):
        make_verifier(str(tmp_path), "default")


def test_a_candidate_is_read_as_its_answer_then_its_sentence_after_the_one_before():
    assert candidate_text("600", "It will cut 600 jobs.", "Halvorsen met unions.") == (
        "600 [SEP] Halvorsen met unions. It will cut 600 jobs.")
    assert candidate_text("600", "It will cut 600 jobs.", "") == "600 [SEP]  It will cut 600 jobs."


@pytest.mark.slow
@pytest.mark.skipif(not AnswerVerifier.available(), reason="the trained verifier is not installed")
def test_the_shipped_verifier_prefers_the_candidate_that_answers_and_runs_alike_on_onnx_and_torch(tmp_path, monkeypatch):
    monkeypatch.setenv("NEWSDESK_CACHE", str(tmp_path / "cache"))
    hosted = "German Chancellor Friedrich Merz hosted the talks in Berlin on Sunday."
    warned = "Turkish President Erdogan warned that the war threatened shipping in the Black Sea."
    asked = {"who hosted the berlin talks": [candidate_text("Erdogan", warned, ""), candidate_text("Friedrich Merz", hosted, "")],
             "what did erdogan warn about": [candidate_text(hosted, hosted, ""), candidate_text(warned, warned, "")],
             "how many jobs will halvorsen cut": [
                 candidate_text("2,100", "The plant employs about 2,100 people.", ""),
                 candidate_text("600", "Halvorsen Robotics will cut 600 jobs, not the 450 first announced.", "")]}
    onnx, torch = AnswerVerifier(runtime="onnx"), AnswerVerifier(runtime="torch")
    for question, texts in asked.items():
        fast, plain = onnx.scores(question, texts), torch.scores(question, texts)
        assert fast[1] > fast[0] and plain[1] > plain[0], question
        # int8 against fp32: on 180 validation candidates the scores differ by 0.14 at the median, 1.3 at most
        assert max(abs(a - b) for a, b in zip(fast, plain)) < 1.0
    assert onnx.scores("who hosted the berlin talks", []) == []
