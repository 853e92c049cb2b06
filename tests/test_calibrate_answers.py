"""training/calibrate_answers.py: the ceiling it reports beside the calibration."""

from __future__ import annotations

from newsdesk.training.calibrate_answers import Judged, ceiling


def test_ceiling_counts_the_first_right_candidate_within_each_depth():
    rows = [Judged(None, 0.9, True, True, first_right=0), Judged(None, 0.8, False, True, first_right=1),
            Judged(None, 0.7, False, True, first_right=4), Judged(None, 0.6, False, True, first_right=5),
            Judged(None, 0.0, False, True)]
    assert ceiling(rows) == {"best_of_1": 20.0, "best_of_2": 40.0, "best_of_5": 60.0}
    assert ceiling([]) == {"best_of_1": 0.0, "best_of_2": 0.0, "best_of_5": 0.0}


def test_a_sentence_or_a_news_answer_is_right_when_it_holds_an_accepted_one():
    from newsdesk.training.calibrate_answers import is_right

    golds = ["600", "600 jobs"]
    assert is_right("600 jobs", golds, sentence=False, lenient=False)
    assert not is_right("will cut 600 jobs", golds, sentence=False, lenient=False)  # a span must match exactly
    assert is_right("Halvorsen will cut 600 jobs in May.", golds, sentence=True, lenient=False)
    assert is_right("will cut 600 jobs", golds, sentence=False, lenient=True)
    assert not is_right("1600 jobs", golds, sentence=True, lenient=True) and not is_right("x", [], True, True)
