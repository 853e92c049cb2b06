"""The log of questions and answers (``HOME/questions.jsonl``): ``ask``, ``chat`` and the bot
append one record per question; ``newsdesk log`` reads the latest. Kept to ``max_bytes``."""

from __future__ import annotations

import json
import logging
import os
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Sequence

from newsdesk.types import Answer

log = logging.getLogger(__name__)

LOG_FILE = "questions.jsonl"
MAX_BYTES = 4 * 1024 * 1024  # about 10,000 questions; past it the older half goes
OFF_VALUES = ("0", "false", "no", "off")


def log_enabled(value: str | None) -> bool:
    """Whether ``NEWSDESK_LOG`` (``value``; unset means on) keeps the log."""
    return (value or "1").strip().lower() not in OFF_VALUES


def question_entry(answer: Answer, question: str, source: str, when: datetime | None = None, **where) -> dict:
    """The log record of one answered question (a pure function).

    Args:
        question: the question as the user typed it (``answer.question`` may carry a
            follow-up's context, which is not the user's text).
        source: ``"cli"`` or ``"telegram"``; ``where``: e.g. ``command="ask"``, or the
            Telegram ``chat_id`` and ``user_id``, ``follow_up_of``, ``filters`` (None values are left out).
    """
    when = when or datetime.now(timezone.utc)
    return {
        "time": when.astimezone(timezone.utc).isoformat(timespec="seconds"),
        "source": source,
        **{key: value for key, value in where.items() if value is not None},
        "question": question,
        "answer": answer.text,
        "score": round(float(answer.score), 4),
        "abstained": answer.abstained,
        "outlets": list(answer.outlets),
        "unknown_outlets": answer.unknown_outlets,
        "articles": list(dict.fromkeys(c.article_id for c in answer.citations)),
    }


def kept_tail(lines: Sequence[str], budget: int) -> list[str]:
    """The newest of ``lines`` (each ending in a newline) that fit in ``budget`` bytes together."""
    kept, size = [], 0
    for line in reversed(lines):
        size += len(line.encode("utf-8"))
        if size > budget:
            break
        kept.append(line)
    return kept[::-1]


def parsed(lines: Sequence[str]) -> list[dict]:
    """The records of ``lines``; a line that is not a JSON object (a torn write) is skipped."""
    records = []
    for line in lines:
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict):
            records.append(record)
    return records


class QuestionLog:
    """The log file of one home. Appends never fail a question: a write error is logged."""

    def __init__(self, path: Path, max_bytes: int = MAX_BYTES):
        self.path, self.max_bytes = Path(path), max_bytes
        self._lock = threading.Lock()  # the bot answers in several threads

    def append(self, record: dict) -> None:
        """Add ``record``; when the file outgrows ``max_bytes``, keep the newest half of it."""
        from filelock import FileLock

        line = json.dumps(record, ensure_ascii=False) + "\n"
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self._lock, FileLock(str(self.path) + ".lock"):  # and other processes (cli, bot)
                # Questions are the users' words: readable by the owner only.
                fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
                with os.fdopen(fd, "a", encoding="utf-8") as handle:
                    handle.write(line)
                if self.path.stat().st_size > self.max_bytes:
                    self._cut()
        except OSError as error:
            log.warning("could not add the question to %s: %s", self.path, error.strerror or error)

    def _cut(self) -> None:
        lines = self.path.read_text(encoding="utf-8", errors="replace").splitlines(keepends=True)
        staging = self.path.with_name(self.path.name + ".tmp")
        fd = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.writelines(kept_tail(lines, self.max_bytes // 2))
        os.replace(staging, self.path)

    def recent(self, n: int) -> list[dict]:
        """The latest ``n`` records, oldest first (none when there is no log yet)."""
        try:
            lines = self.path.read_text(encoding="utf-8", errors="replace").splitlines()
        except FileNotFoundError:
            return []
        return parsed(lines)[-n:] if n > 0 else []
