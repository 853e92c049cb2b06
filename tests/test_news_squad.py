"""training/news_squad.py: the news benchmark's questions as reader training data."""

import json
from pathlib import Path

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
