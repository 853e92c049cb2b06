"""training/train_verifier.py: which stories and questions it learns from."""

from __future__ import annotations

from newsdesk.training.train_verifier import story_number, teaching


def test_story_ids_compare_as_numbers_so_that_the_held_out_stories_stay_out():
    assert sorted(["s115", "s99", "s07", "s102"], key=story_number) == ["s07", "s99", "s102", "s115"]
    assert story_number("s12") < story_number("s115")  # as strings, "s12" > "s115"


def test_only_questions_with_a_right_and_a_wrong_candidate_teach_the_ranking():
    rows = [{"id": "a", "right": [False, True]}, {"id": "b", "right": [True, True]},
            {"id": "c", "right": [False, False]}, {"id": "d", "right": []}, {"id": "e", "right": [True, False, False]}]
    assert [r["id"] for r in teaching(rows)] == ["a", "e"]
