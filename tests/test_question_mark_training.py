"""Training the reader so that a final "?" does not change its answer: questions asked the other
way (training/data.py) and a teacher followed only where it reads the question as written
(training/model.py)."""

from __future__ import annotations

import random

import pytest

torch = pytest.importorskip("torch")

from newsdesk.training.data import vary_question_marks  # noqa: E402
from newsdesk.training.model import soft_target_loss  # noqa: E402


def _examples() -> list[dict]:
    return [{"question": f"who chaired talks {i}?" if i % 2 else f"who chaired talks {i}"} for i in range(400)]


def test_a_share_of_questions_is_asked_the_other_way_and_marked():
    examples = _examples()
    varied = vary_question_marks(examples, 0.5, random.Random(3))
    marked = [e for e in examples if e.get("varied")]
    assert len(marked) == varied and 150 < varied < 250
    for before, after in zip(_examples(), examples):
        if after.get("varied"):
            assert before["question"].endswith("?") != after["question"].endswith("?")
            assert after["question"].rstrip("?") == before["question"].rstrip("?")
        else:
            assert after == before


def test_varying_is_seeded_and_none_at_share_zero():
    first, second = _examples(), _examples()
    vary_question_marks(first, 0.5, random.Random(7))
    vary_question_marks(second, 0.5, random.Random(7))
    assert first == second
    untouched = _examples()
    assert vary_question_marks(untouched, 0.0, random.Random(7)) == 0 and untouched == _examples()


def test_a_window_weighed_zero_is_left_to_its_hard_targets():
    teacher = torch.tensor([[4.0, 0.0, 0.0], [0.0, 0.0, 4.0]])
    student = torch.tensor([[4.0, 0.0, 0.0], [4.0, 0.0, 0.0]])  # agrees on the first window only
    both = soft_target_loss(student, teacher, 2.0)
    first_only = soft_target_loss(student, teacher, 2.0, torch.tensor([1.0, 0.0]))
    second_only = soft_target_loss(student, teacher, 2.0, torch.tensor([0.0, 1.0]))
    assert float(first_only) == pytest.approx(0.0, abs=1e-6)
    assert float(second_only) > 0.5
    # weights of one each are the unweighted batch mean
    assert float(soft_target_loss(student, teacher, 2.0, torch.ones(2))) == pytest.approx(float(both), rel=1e-6)


def test_a_question_a_data_file_marks_varied_stays_marked():
    from newsdesk.training.data import examples_from

    article = {"title": "news:s01", "paragraphs": [{"context": "Selma Torvik chaired the talks.", "qas": [
        {"id": "a", "question": "who chaired the talks?", "varied": True, "answers": [{"text": "Selma Torvik", "answer_start": 0}]},
        {"id": "b", "question": "who chaired the talks", "answers": [{"text": "Selma Torvik", "answer_start": 0}]}]}]}
    assert [e["varied"] for e in examples_from([article], "news")] == [True, False]


def test_a_question_its_paragraph_does_not_answer_teaches_no_answer_in_every_window():
    from types import SimpleNamespace

    from transformers import AutoTokenizer

    from newsdesk.embeddings.encoder import bundled_model_path
    from newsdesk.training.data import examples_from, featurize_train, teacher_followed

    context = " ".join(f"Deputy mayor Ilse Varn opened bridge number {i} on Monday." for i in range(60))
    article = {"title": "news:s01", "paragraphs": [{"context": context, "qas": [
        {"id": "near-miss", "question": "who is the mayor", "answers": [], "is_impossible": True},
        {"id": "asked", "question": "who opened bridge number 0", "answers": [{"text": "Ilse Varn", "answer_start": 13}]},
        {"id": "empty", "question": "who cares", "answers": []}]}]}
    examples = examples_from([article], "news")
    assert [e["id"] for e in examples] == ["near-miss", "asked"]  # an answerless question not marked impossible is dropped
    near_miss, asked = examples
    assert near_miss["impossible"] and near_miss["golds"] == [] and not asked["impossible"]
    assert not teacher_followed(near_miss) and teacher_followed(asked) and not teacher_followed({"varied": True})
    tokenizer = AutoTokenizer.from_pretrained(bundled_model_path())  # as train_reader's build_model loads it
    args = SimpleNamespace(neg_rate=0.0, passages=None, max_len=96, stride=32, keep_overflow_neg=0.0)
    feats = featurize_train(tokenizer, examples, {("news", 0): [context]}, args, random.Random(0))
    windows = [f for f in feats if f[4] == 0]
    assert len(windows) > 3 and all(f[2] == f[3] == 0 for f in windows)  # every window kept, each targets [CLS]
    answered = [f for f in feats if f[4] == 1]
    assert len(answered) == 1 and answered[0][2] > 0  # the answerable one's answerless windows dropped (keep 0)
