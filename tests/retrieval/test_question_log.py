"""The log of questions and answers: records, the size bound, torn lines, the opt-out values."""

from __future__ import annotations

import json
from datetime import datetime, timezone

from newsdesk.retrieval.question_log import QuestionLog, kept_tail, log_enabled, question_entry

from newsdesk.types import Answer, Citation


def _answer(text: str | None) -> Answer:
    cite = Citation("a1", "T", "Outlook", "2025-12-14", None, None, "q", 0, 1, 0, 1)
    return Answer("asked with context", text, 0.87654, citations=(cite, cite) if text else ())


def test_an_entry_keeps_the_typed_question_and_leaves_out_what_is_not_given():
    when = datetime(2026, 3, 2, 10, 15, 3, tzinfo=timezone.utc)
    entry = question_entry(_answer("Merz"), "Who?", "telegram", when, chat_id=-100, user_id=7, follow_up_of=None)
    assert entry == {"time": "2026-03-02T10:15:03+00:00", "source": "telegram", "chat_id": -100, "user_id": 7,
                     "question": "Who?", "answer": "Merz", "score": 0.8765, "abstained": False,
                     "outlets": ["Outlook"], "unknown_outlets": 0, "articles": ["a1"]}


def test_the_log_is_cut_to_its_newest_half_past_its_size(tmp_path):
    log = QuestionLog(tmp_path / "questions.jsonl", max_bytes=2000)
    for n in range(100):
        log.append({"n": n, "question": "x" * 50})
    size = log.path.stat().st_size
    kept = [r["n"] for r in log.recent(1000)]
    assert size <= 2000 and kept == list(range(kept[0], 100)) and len(kept) > 10
    assert (log.path.stat().st_mode & 0o777) == 0o600
    assert [r["n"] for r in log.recent(2)] == [98, 99]


def test_torn_lines_are_skipped_and_a_missing_log_is_empty(tmp_path):
    log = QuestionLog(tmp_path / "questions.jsonl")
    assert log.recent(5) == []
    log.path.write_text(json.dumps({"n": 1}) + "\n{\"n\": 2, \"quest\n[3]\n")
    log.append({"n": 4})
    assert [r["n"] for r in log.recent(5)] == [1, 4]


def test_kept_tail_and_opt_out_values():
    assert kept_tail(["aaa\n", "bb\n", "c\n"], 5) == ["bb\n", "c\n"]
    assert [log_enabled(v) for v in (None, "", "1", "yes", "0", "off", "False", " no ")] == [True] * 4 + [False] * 4
