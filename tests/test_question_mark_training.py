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
