"""training/news_squad.py: the news benchmark's questions as reader training data."""

import json
from pathlib import Path

import pytest

from newsdesk.training import news_squad

ROOT = Path(__file__).resolve().parents[1]


def test_a_short_answer_is_taken_from_the_sentence_about_the_question():
    text = "Two ferries sailed on Monday. The storm killed two people and injured nine, officials said."
    answer, start = news_squad.first_stated("how many people did the storm kill", ["two"], text)
    assert (answer, start) == ("two", text.index("two people"))
    assert news_squad.first_stated("who won", ["Anna Berg"], text) is None


def test_a_split_becomes_squad_paragraphs_with_verbatim_answers(tmp_path):
    story = tmp_path / "s01-ferry"
    story.mkdir()
    (story / "story.json").write_text(json.dumps({"id": "s01", "split": "train", "files": {
        "a.txt": {"outlet": "Harbour Post", "date": "2026-01-02"},
        "b.txt": {"outlet": "Coastline Wire", "date": "2026-01-05"}}}))
    (story / "a.txt").write_text("Ferry strike ends\n\nThe ferry strike ended after 450 crew accepted a deal.")
    (story / "b.txt").write_text("Ferry deal\n\nThe ferry deal covers 600 crew, not the 450 first reported.")
    (story / "questions.jsonl").write_text("\n".join(json.dumps(q) for q in [
        {"id": "s01-q1", "question": "how many crew does the deal cover", "kind": "how_many", "answers": ["600"],
         "superseded": ["450"]},
        {"id": "s01-q2", "question": "who is the mayor", "kind": "unanswerable", "answers": []}]))
    out = tmp_path / "train.json"
    assert news_squad.main([str(tmp_path), "--split", "train", "--out", str(out)]) == 0
    [article] = json.loads(out.read_text())["data"]
    assert article["title"] == "news:s01"
    attached = [(p["context"], qa) for p in article["paragraphs"] for qa in p["qas"]]
    assert len(attached) == 1  # only the report stating the newest figure; the unanswerable one nowhere
    context, qa = attached[0]
    [answer] = qa["answers"]
    assert context[answer["answer_start"]:][:3] == "600" and answer["text"] == "600"


def test_unanswerable_questions_are_kept_on_every_article_of_their_story_when_asked(tmp_path):
    for story_id, topic in (("s01", "ferry"), ("s02", "bridge")):
        story = tmp_path / f"{story_id}-{topic}"
        story.mkdir()
        (story / "story.json").write_text(json.dumps({"id": story_id, "split": "train", "files": {
            "a.txt": {"outlet": "Harbour Post", "date": "2026-01-02"},
            "b.txt": {"outlet": "Coastline Wire", "date": "2026-01-05"}}}))
        (story / "a.txt").write_text(f"The {topic}\n\nDeputy mayor Ilse Varn opened the {topic} on Monday.")
        (story / "b.txt").write_text(f"The {topic}\n\nThe {topic} cost 12 million crowns, Varn said.")
        (story / "questions.jsonl").write_text("\n".join(json.dumps(q) for q in [
            {"id": f"{story_id}-q1", "question": f"how much did the {topic} cost", "kind": "how_many",
             "answers": ["12 million crowns"]},
            {"id": f"{story_id}-q2", "question": "who is the mayor", "kind": "unanswerable", "answers": []}]))
    out = tmp_path / "train.json"
    assert news_squad.main([str(tmp_path), "--split", "train", "--only", "s02", "--unanswerable", "--out", str(out)]) == 0
    [article] = json.loads(out.read_text())["data"]
    assert article["title"] == "news:s02"  # --only keeps the stories named
    impossible = [qa for p in article["paragraphs"] for qa in p["qas"] if qa.get("is_impossible")]
    assert [qa["question"] for qa in impossible] == ["who is the mayor"] * 2  # on both articles
    assert all(qa["answers"] == [] for qa in impossible)
    answered = [qa for p in article["paragraphs"] for qa in p["qas"] if qa["answers"]]
    assert [qa["answers"][0]["text"] for qa in answered] == ["12 million crowns"]
    with pytest.raises(SystemExit) as stopped:  # a story the split lacks is an error, not an empty file
        news_squad.main([str(tmp_path), "--split", "train", "--only", "s09", "--out", str(out)])
    assert stopped.value.code == 2
    # without the flag the unanswerable question is left out, as before
    assert news_squad.main([str(tmp_path), "--split", "train", "--out", str(out)]) == 0
    assert not any(qa.get("is_impossible") for a in json.loads(out.read_text())["data"]
                   for p in a["paragraphs"] for qa in p["qas"])
