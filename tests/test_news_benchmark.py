"""The news benchmark's scoring rules (retrieval/evaluation/news_scoring.py) on tiny hand-made examples; no model."""

import json
from pathlib import Path

import pytest
from newsdesk.retrieval.evaluation.news_scoring import (
    changed_questions,
    contains,
    date_matches,
    exact,
    load_stories,
    metadata_summary,
    outlet_matches,
    percentile,
    score_answer,
    summarize,
    summarize_by_kind,
)

JOBS = {"id": "s07-q03", "question": "how many jobs will halvorsen cut", "kind": "how_many",
        "answers": ["600", "600 jobs"], "superseded": ["450", "450 jobs"]}
MAYOR = {"id": "s07-q04", "question": "who is the mayor of riverton", "kind": "unanswerable", "answers": []}
WHO = {"id": "s07-q05", "question": "who leads the inquiry", "kind": "who", "answers": ["Konrad Beyl"]}


def test_exact_match_uses_squad_normalisation():
    assert exact("The 600 jobs.", ["600 jobs"])
    assert exact("konrad  BEYL", ["Konrad Beyl"])
    assert not exact("600 jobs in Oslo", ["600 jobs"])
    assert not exact(None, ["600"])
    assert not exact("", [""])  # an empty answer matches nothing, not an empty gold


def test_contains_is_by_whole_words():
    assert contains("about 600 jobs", ["600"])
    assert contains("600", ["600"])  # equal counts
    assert not contains("1600 jobs", ["600"])
    assert not contains("6000", ["600"])
    assert contains("1.75 million crowns", ["1.75 million"])
    assert not contains(None, ["600"])


def test_a_percent_sign_is_the_word_percent():
    assert exact("4.9%", ["4.9 percent"]) and exact("4.9 per cent", ["4.9 percent"])
    assert contains("a rise of 4.9 %", ["4.9 percent"])
    assert not exact("4.9%", ["4.9 million"])


def test_a_right_answer_with_the_newest_figure_and_the_old_one_shown():
    scored = score_answer(JOBS, "600 jobs", quote="Halvorsen will cut 600 jobs, up from 450.", alternatives=["450"])
    assert scored["em"] and scored["contains"] and scored["quote_holds"]
    assert not scored["refused"] and not scored["confident_wrong"]
    assert scored["newest_leads"] is True and scored["other_shown"] is True
    assert scored["outcome"] == "exact"


def test_the_superseded_figure_leading_is_a_confident_wrong_answer():
    scored = score_answer(JOBS, "450", quote="It will cut 450 jobs.", alternatives=["600"])
    assert not scored["em"] and not scored["contains"] and not scored["quote_holds"]
    assert scored["confident_wrong"] and scored["outcome"] == "wrong"
    assert scored["newest_leads"] is False and scored["other_shown"] is False


def test_an_answer_that_contains_an_accepted_one_is_not_wrong():
    scored = score_answer(WHO, "retired judge Konrad Beyl", quote=None)
    assert not scored["em"] and scored["contains"] and scored["outcome"] == "contains"
    assert not scored["confident_wrong"] and not scored["quote_holds"]
    assert scored["newest_leads"] is None and scored["other_shown"] is None  # no superseded figure


def test_refusals_answerable_and_not():
    refused = score_answer(WHO, None)
    assert refused["refused"] and refused["outcome"] == "refused" and not refused["confident_wrong"]
    assert refused["em"] is False and not refused["shown_holds"]
    # a refusal that shows the passage holding the answer: still refused, but the reader can see it
    shown = score_answer(WHO, None, shown=["The minister appointed retired judge Konrad Beyl.", "Nothing here."])
    assert shown["refused"] and shown["shown_holds"] and summarize([{**shown, "kind": "who", "ms": 1.0}])[
        "refused_shown_holds"] == 1
    assert not score_answer(WHO, "Konrad Beyl", shown=["judge Konrad Beyl"])["shown_holds"]  # answered
    right = score_answer(MAYOR, None)
    assert right["refused"] and right["outcome"] == "refused" and not right["confident_wrong"]
    assert right["em"] is None  # no answer metrics for unanswerable questions
    wrong = score_answer(MAYOR, "Eva Lund")
    assert wrong["outcome"] == "answered" and wrong["confident_wrong"] and not wrong["refused"]


def test_an_alternative_that_answers_nothing_asked_is_stray():
    scored = score_answer(JOBS, "600 jobs", alternatives=["450", "14", "about 300 metres"])
    assert (scored["alternatives_shown"], scored["alternatives_stray"]) == (3, 2)  # "450" is the replaced figure
    inside = score_answer({**JOBS, "superseded": ["Fourteen people", "14 people"]}, "600", alternatives=["14"])
    assert inside["alternatives_stray"] == 0  # "14" lies inside "14 people"
    assert score_answer(MAYOR, "Eva Lund", alternatives=["Tomas Reyl"])["alternatives_stray"] == 1


def _record(question, text, ms, quote=None, alternatives=()):
    return {"id": question["id"], "kind": question["kind"], "question": question["question"], "answer": text,
            "ms": ms, **score_answer(question, text, quote, alternatives)}


def test_summarize_counts_each_figure_of_its_own_denominator():
    records = [
        _record(JOBS, "600 jobs", 10, quote="cut 600 jobs", alternatives=["450 jobs"]),  # exact, newest, other
        _record(WHO, "judge Konrad Beyl", 20),  # contains, quote misses
        _record({**WHO, "id": "x"}, None, 30),  # refused
        _record({**WHO, "id": "y"}, "Ilse Marrow", 40),  # wrong
        _record(MAYOR, None, 50),  # right refusal
        _record({**MAYOR, "id": "z"}, "Tomas Reyl", 60, alternatives=["Eva Lund"]),  # answered an unanswerable one
    ]
    s = summarize(records)
    assert (s["questions"], s["answerable"], s["unanswerable"]) == (6, 4, 2)
    assert (s["em"], s["em_pct"]) == (1, 25.0)
    assert (s["contains"], s["contains_pct"]) == (2, 50.0)
    assert s["quote_holds"] == 1
    assert (s["answerable_refused"], s["unanswerable_refused"], s["unanswerable_refused_pct"]) == (1, 1, 50.0)
    assert s["confident_wrong"] == 2
    assert (s["superseded"], s["newest_leads"], s["other_shown"]) == (1, 1, 1)
    assert (s["alternatives_shown"], s["alternatives_stray"]) == (2, 1)
    assert s["latency_ms"] == {"p50": 35.0, "p90": 55.0}
    by_kind = summarize_by_kind(records)
    assert list(by_kind["kinds"]) == ["who", "how_many", "unanswerable"]  # the README's order
    assert by_kind["kinds"]["unanswerable"]["em_pct"] is None
    assert by_kind["kinds"]["who"]["questions"] == 3


def test_percentile_interpolates_and_handles_nothing():
    assert percentile([], 0.5) is None
    assert percentile([7.0], 0.9) == 7.0
    assert percentile([1, 2, 3, 4], 0.5) == 2.5
    assert percentile([10, 20, 30, 40, 50, 60, 70, 80, 90, 100], 0.9) == pytest.approx(91.0)


def test_metadata_compares_in_any_case_and_none_is_a_miss():
    assert outlet_matches("The Meridian Review", "the meridian  REVIEW")
    assert not outlet_matches("The Meridian Review", "Meridian Review")
    assert not outlet_matches("Coastline Wire", None)
    assert date_matches("2025-09-15", "2025-09-15") and not date_matches("2025-09-15", "2025-09-16")
    assert not date_matches("2025-09-15", None)
    files = [{"outlet_ok": True, "date_ok": False}, {"outlet_ok": False, "date_ok": False}]
    assert metadata_summary(files) == {"files": 2, "outlet_right": 1, "outlet_pct": 50.0, "date_right": 0, "date_pct": 0.0}


def test_changed_questions_by_outcome_then_by_text():
    a = [{"id": "1", "kind": "who", "question": "q1", "answer": "Beyl", "outcome": "contains"},
         {"id": "2", "kind": "who", "question": "q2", "answer": None, "outcome": "refused"},
         {"id": "3", "kind": "who", "question": "q3", "answer": "The Beyl.", "outcome": "wrong"},
         {"id": "4", "kind": "who", "question": "q4", "answer": "Reyl", "outcome": "wrong"}]
    b = [{"id": "1", "kind": "who", "question": "q1", "answer": "Beyl", "outcome": "contains"},
         {"id": "2", "kind": "who", "question": "q2", "answer": "Konrad Beyl", "outcome": "exact"},
         {"id": "3", "kind": "who", "question": "q3", "answer": "beyl", "outcome": "wrong"},  # same once normalised
         {"id": "4", "kind": "who", "question": "q4", "answer": "Lund", "outcome": "wrong"},
         {"id": "5", "kind": "why", "question": "q5", "answer": None, "outcome": "refused"}]
    outcome, text = changed_questions(a, b)
    assert [c.id for c in outcome] == ["2", "5"]
    assert outcome[1].before is None and outcome[1].after["kind"] == "why"
    assert [c.id for c in text] == ["4"]


def test_load_stories_keeps_what_is_whole_and_says_what_is_not(tmp_path):
    good = tmp_path / "s03-good"
    good.mkdir()
    (good / "a.txt").write_text("An article.")
    (good / "story.json").write_text(json.dumps({"id": "s03", "split": "validation", "topic": "t", "files": {
        "a.txt": {"outlet": "Herald", "date": "2025-01-02"}, "b.md": {"outlet": "Post", "date": "2025-01-03"}}}))
    (good / "questions.jsonl").write_text("\n".join([
        json.dumps(JOBS), json.dumps(MAYOR), json.dumps({**WHO, "answers": []}), json.dumps(JOBS),
        '{"id": "s03-q9", "question": "half writ',
    ]) + "\n")
    half = tmp_path / "s04-half"
    half.mkdir()
    (half / "story.json").write_text('{"id": "s04", "split": "tr')
    stories, warnings = load_stories(tmp_path)
    assert [s.id for s in stories] == ["s03"]
    assert list(stories[0].files) == ["a.txt"]  # b.md does not exist yet
    assert [q["id"] for q in stories[0].questions] == ["s07-q03", "s07-q04"]
    assert len(warnings) == 5, warnings  # b.md, no answers, a repeated id, a half line, s04's story.json
    assert any("s04-half" in w for w in warnings) and any("seen before" in w for w in warnings)


def test_compare_shows_both_runs_per_kind_and_the_changed_question(monkeypatch):
    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parents[1] / "benchmarks"))  # a script, not a package
    from news_benchmark import compare_text

    a = {"reader": "default", "records": [_record(WHO, "Konrad Beyl", 10), _record(MAYOR, None, 10)]}
    b = {"reader": "baseline", "records": [_record(WHO, "Ilse Marrow", 12), _record(MAYOR, None, 11)]}
    text = compare_text(a, b, ("a.json", "b.json"))
    rows = {line.split()[0]: line.split() for line in text.splitlines() if line.split()}
    assert rows["who"][:4] == ["who", "1", "100%", "0%"]  # kind, n, EM A, EM B
    assert rows["unanswerable"][-4:] == ["1", "1", "0", "0"]  # refused A B, wrong A B
    assert "1 question changed outcome:" in text and "s07-q05" in text and "s07-q04" not in text


def test_compare_of_a_missing_or_broken_run_is_a_one_line_error(monkeypatch, tmp_path, capsys):
    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parents[1] / "benchmarks"))
    from news_benchmark import main

    good, broken = tmp_path / "a.json", tmp_path / "b.json"
    good.write_text(json.dumps({"reader": "default", "records": [_record(WHO, "Konrad Beyl", 10)]}), encoding="utf-8")
    broken.write_text("{", encoding="utf-8")
    for other in (broken, tmp_path / "missing.json"):
        with pytest.raises(SystemExit) as stopped:
            main(["--compare", str(good), str(other)])
        assert stopped.value.code == 2
        assert "--compare needs two --json outputs" in capsys.readouterr().err
    assert main(["--compare", str(good), str(good)]) == 0


def test_the_index_holds_every_story_the_asked_split_or_each_story_alone(monkeypatch):
    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parents[1] / "benchmarks"))
    from news_benchmark import index_groups

    from newsdesk.retrieval.evaluation.news_scoring import Story

    def story(id_, split, questions=(WHO,)):
        return Story(id=id_, split=split, folder=Path(id_), files={}, questions=list(questions))

    stories = [story("s01", "train"), story("s02", "validation"), story("s03", "validation", questions=())]
    assert index_groups(stories, ["validation"], "all") == [(None, stories)]
    assert index_groups(stories, ["validation"], "asked") == [("asked-validation", stories[1:])]
    # a story without questions is indexed beside the others but never alone
    assert index_groups(stories, ["validation"], "each") == [("story-s02", [stories[1]])]
    assert [name for name, _ in index_groups(stories, ["train", "validation"], "each")] == ["story-s01", "story-s02"]


def test_asked_with_a_question_mark_ends_in_exactly_one(monkeypatch):
    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parents[1] / "benchmarks"))
    from news_benchmark import as_typed

    assert as_typed(WHO, True)["question"] == "who leads the inquiry?"
    assert as_typed({**WHO, "question": "who leads the inquiry? "}, True)["question"] == "who leads the inquiry?"
    assert as_typed(WHO, False) == WHO and as_typed(WHO, True)["answers"] == WHO["answers"]
