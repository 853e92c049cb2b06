"""The open-setting training pieces (training/open_setting.py): shared normalisation, groups, distractors."""

from __future__ import annotations

import math
import random

import pytest

torch = pytest.importorskip("torch")

from newsdesk.retrieval.answering.text import normalize_answer  # noqa: E402
from newsdesk.training.open_setting import distractors, pack_groups, shared_norm_loss  # noqa: E402


def _by_hand(values: list[float], right: list[float]) -> float:
    return math.log(sum(math.exp(v) for v in values)) - math.log(sum(math.exp(v) for v in right))


def test_shared_norm_is_one_softmax_over_all_windows_of_a_question():
    # Question 0 has two windows: the answer at token 2 of the first; the second (a distractor)
    # has a high logit at token 1. Question 1 has one window with its answer at token 1.
    logits = torch.tensor([[9.0, 1.0, 3.0, 0.5], [9.0, 4.0, 0.0, 0.0], [9.0, 2.0, 1.0, 0.0]])
    context = torch.tensor([[False, True, True, True], [False, True, True, False], [False, True, True, True]])
    group = torch.tensor([0, 0, 1])
    target = torch.tensor([2, 0, 1])
    loss = shared_norm_loss(logits, context, group, target)
    q0 = _by_hand([1.0, 3.0, 0.5, 4.0, 0.0], [3.0])  # [CLS] (9.0) and padding are not candidates
    q1 = _by_hand([2.0, 1.0, 0.0], [2.0])
    assert float(loss) == pytest.approx((q0 + q1) / 2, rel=1e-5)
    # Per window, question 0's gold window alone would say the answer is likely; the distractor
    # in the shared softmax is what makes its loss larger than that.
    assert q0 > _by_hand([1.0, 3.0, 0.5], [3.0])


def test_shared_norm_counts_an_answer_in_two_overlapping_windows_once():
    logits = torch.tensor([[0.0, 2.0, 1.0], [0.0, 1.0, 2.0]])
    context = torch.tensor([[False, True, True], [False, True, True]])
    loss = shared_norm_loss(logits, context, torch.tensor([5, 5]), torch.tensor([1, 2]))
    assert float(loss) == pytest.approx(_by_hand([2.0, 1.0, 1.0, 2.0], [2.0, 2.0]), rel=1e-5)


def test_shared_norm_ignores_questions_without_an_answer_window_and_trains():
    logits = torch.zeros((2, 3), requires_grad=True)
    context = torch.ones((2, 3), dtype=torch.bool)
    nothing = shared_norm_loss(logits, context, torch.tensor([0, 1]), torch.tensor([0, 0]))
    assert float(nothing.detach()) == 0.0
    loss = shared_norm_loss(logits, context, torch.tensor([0, 0]), torch.tensor([1, 0]))
    loss.backward()
    # The gradient raises the answer's logit and lowers every other candidate, in both windows.
    assert logits.grad[0, 1] < 0
    assert (logits.grad[1] > 0).all() and logits.grad[0, 0] > 0


def test_groups_are_packed_whole_and_cut_to_a_batch():
    groups = [[("q0", i) for i in range(3)], [("q1", 0)], [("q2", i) for i in range(5)], [("q3", i) for i in range(2)]]
    batches = pack_groups(groups, batch_size=4, rng=random.Random(0))
    assert all(len(b) <= 4 for b in batches)
    seen = [w for b in batches for w in b]
    assert sorted(seen) == sorted(w for g in groups for w in g if w != ("q2", 4))  # all but what no batch can hold
    for name in ("q0", "q1", "q3"):  # each group's windows sit in one batch
        assert len({i for i, b in enumerate(batches) for w in b if w[0] == name}) == 1
    assert sum(1 for w in seen if w[0] == "q2") == 4  # the five-window group is cut to the batch size


def test_distractors_skip_the_gold_paragraph_and_passages_that_hold_an_answer():
    passages = [("gold", "Merz hosted the talks.", 0.9), ("a", "The talks were hosted by Friedrich Merz.", 0.8),
                ("b", "Witkoff flew in from Washington.", 0.7), ("c", "Kushner joined later.", 0.6),
                ("d", "Macron called.", 0.5)]
    picked = distractors(passages, "gold", ["Friedrich Merz", "Merz"], limit=2, normalize=normalize_answer)
    assert picked == ["Witkoff flew in from Washington.", "Kushner joined later."]
    # "Merz" inside another word is not the answer
    assert distractors([("x", "Merzig is a town.", 0.5)], "gold", ["Merz"], 2, normalize_answer) == ["Merzig is a town."]
