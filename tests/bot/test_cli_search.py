"""``newsdesk search`` and ``newsdesk show`` through ``cli.main`` (fake encoder, baseline reader)."""

from __future__ import annotations

import json
import re

import pytest

from tests.bot.conftest import EVENTS
from tests.bot.cli_helpers import offline_cli, run


@pytest.fixture
def env(tmp_path, monkeypatch):
    return offline_cli(tmp_path, monkeypatch)



@pytest.fixture
def home(env, capsys):
    """A home with the three event stories (two outlets tell the festival; all dated)."""
    (env / "events.json").write_text(json.dumps({"articles": EVENTS}))
    assert run(capsys, "ingest", env / "events.json", "--home", env / "home")[0] == 0
    return env / "home"


def test_search_lists_passages_with_their_articles_and_the_words_marked(home, capsys):
    code, out, err = run(capsys, "search", "harvest festival", "--home", home, "-k", "2")
    assert code == 0 and not err
    headers = re.findall(r"^\[(\d)\] (.*)  ([0-9a-f]{12})$", out, re.MULTILINE)
    assert [n for n, _, _ in headers] == ["1", "2"]
    labels = {label for _, label, _ in headers}
    assert labels == {"Riverside Gazette, 2025-10-04: “Riverside Harvest Festival draws record crowd”",
                      "Valley Times, 2025-10-05: “Harvest festival opens by the river”"}
    # Not a terminal: the matched words between «», any case, the others not.
    assert "«Harvest» «Festival»" in out and "«harvest» «festival»" in out and "«Riverside»" not in out
    assert "\x1b" not in out


def test_search_marks_in_bold_on_a_terminal(home, capsys, monkeypatch):
    import sys

    monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)
    out = run(capsys, "search", "jazz", "--home", home, "-k", "1")[1]
    assert "\x1b[1mJazz\x1b[0m" in out and "«" not in out


def test_search_articles_newest_filters_and_json(home, capsys):
    code, out, _ = run(capsys, "search", "festival opened", "--home", home, "--articles", "--newest")
    rows = re.findall(r"^  ([0-9a-f]{12})  (.*?), (\d{4}-\d\d-\d\d): .* \((\d+) passages?\)$", out, re.MULTILINE)
    assert code == 0 and [(outlet, date) for _, outlet, date, _ in rows] == [
        ("Valley Times", "2025-10-05"), ("Riverside Gazette", "2025-10-04"), ("Lakeside Herald", "2025-09-12")]
    assert "newest first" in out.splitlines()[0]

    code, out, _ = run(capsys, "search", "festival", "--home", home, "--outlet", "valley", "--json")
    result = json.loads(out)
    assert code == 0 and result["query"] == "festival" and result["notes"] == []
    assert {p["outlet"] for p in result["passages"]} == {"Valley Times"}
    first = result["passages"][0]
    assert {"article_id", "title", "date", "url", "path", "score", "text", "start", "end", "marks"} <= set(first)
    assert [first["text"][s:e].lower() for s, e in first["marks"]] == ["festival"]

    code, out, _ = run(capsys, "search", "festival", "--home", home, "--until", "2025-10-04", "--articles", "--json")
    assert code == 0 and {a["date"] for a in json.loads(out)["articles"]} <= {"2025-10-04", "2025-09-12"}

    code, _, err = run(capsys, "search", "festival", "--home", home, "--outlet", "nope")
    assert code == 1 and "matches no indexed outlet" in err
    code, _, err = run(capsys, "search", "   ", "--home", home)
    assert code == 2 and "the search is empty" in err


def test_show_prints_an_article_as_indexed(home, capsys):
    search = json.loads(run(capsys, "search", "jazz week", "--home", home, "-k", "1", "--json")[1])
    article_id = search["passages"][0]["article_id"]
    code, out, _ = run(capsys, "show", article_id[:8], "--home", home)
    assert code == 0
    assert out.startswith(f"id      {article_id}\ntitle   Lakeside Jazz Week opens\noutlet  Lakeside Herald\n"
                          "date    2025-09-12\nurl     https://herald.example/jazz\n")
    assert "Conductor Maria Santos opened the Lakeside Jazz Week" in out

    shown = json.loads(run(capsys, "show", article_id, "--home", home, "--json")[1])
    assert shown["text"] == EVENTS[2]["text"] and shown["outlet"] == "Lakeside Herald" and shown["chunks"] == 1

    code, _, err = run(capsys, "show", "ffffffffffff", "--home", home)
    assert code == 1 and "no indexed article's id" in err and len(err.splitlines()) == 1


def test_show_never_passes_terminal_codes_from_an_article(env, capsys):
    (env / "evil.json").write_text(json.dumps({"title": "Evil\x1b]0;pwned\x07 title", "text": "Harbour news.\x1b[31m red"}))
    run(capsys, "ingest", env / "evil.json", "--home", env / "home")
    article_id = json.loads(run(capsys, "sources", "--home", env / "home", "--json")[1])[0]["article_id"]
    out = run(capsys, "show", article_id, "--home", env / "home")[1]
    assert "\x1b" not in out and "\x07" not in out and "Harbour news." in out


# ------------------------------------------------------------------ the log of questions


def test_ask_and_chat_are_logged_and_log_lists_them(home, capsys, monkeypatch):
    import io
    import sys

    assert run(capsys, "ask", "Who opened the Lakeside Jazz Week?", "--home", home, "--outlet", "lakeside")[0] == 0
    assert run(capsys, "ask", "Who won the Zanzibar chess cup?", "--home", home)[0] == 0
    monkeypatch.setattr(sys, "stdin", io.StringIO("Who opened the Riverside Harvest Festival?\nWhen was that?\n"))
    assert run(capsys, "chat", "--home", home)[0] == 0

    code, out, _ = run(capsys, "log", "--home", home, "--json")
    records = json.loads(out)
    assert code == 0 and [r["command"] for r in records] == ["ask", "ask", "chat", "chat"]
    jazz, chess, festival, follow_up = records
    assert jazz["source"] == "cli" and "Maria Santos" in jazz["answer"] and jazz["outlets"] == ["Lakeside Herald"]
    assert jazz["filters"] == {"outlet": "lakeside"} and not jazz["abstained"] and 0 < jazz["score"] <= 1
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", jazz["time"]) and len(jazz["articles"]) == 1
    assert chess["abstained"] and chess["answer"] is None and chess["outlets"] == []
    # The question as typed, with the one it follows up: not the combined text the reader got.
    assert follow_up["question"] == "When was that?"
    assert follow_up["follow_up_of"] == "Who opened the Riverside Harvest Festival?"

    code, out, _ = run(capsys, "log", "--home", home, "-n", "2")
    lines = out.splitlines()
    assert code == 0 and re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC  cli \(chat\)", lines[0])
    assert "  Q: Who opened the Riverside Harvest Festival?" in lines and "Zanzibar" not in out
    assert "(a follow-up to “Who opened the Riverside Harvest Festival?”)" in out
    assert re.search(r"  A: .*Novak.* \(score \d\.\d\d; (Riverside Gazette|Valley Times)", out)


def test_no_log_and_newsdesk_log_0_keep_questions_out(home, capsys, monkeypatch):
    assert run(capsys, "ask", "Who opened the Lakeside Jazz Week?", "--home", home, "--no-log")[0] == 0
    monkeypatch.setenv("NEWSDESK_LOG", "0")
    assert run(capsys, "ask", "Who opened the Lakeside Jazz Week?", "--home", home)[0] == 0
    assert not (home / "questions.jsonl").exists()
    code, out, _ = run(capsys, "log", "--home", home)
    assert code == 0 and "No questions are logged" in out and "logging is off" in out
