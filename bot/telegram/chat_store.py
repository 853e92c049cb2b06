"""What the bot keeps per chat across restarts, under the home (``HOME/telegram-chats.json``):
a chat's default outlet and date window for its questions, its topic alerts and the articles
it was told of; and the articles already looked at for alerts."""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from newsdesk.bot.telegram.topics import Alert
from newsdesk.retrieval.answering.search import Filters
from newsdesk.retrieval.sources.dates import day_of

log = logging.getLogger(__name__)

STORE_FILE = "telegram-chats.json"
MAX_SENT = 2000  # articles remembered per chat as told of (an alert never repeats one of them)


@dataclass(frozen=True)
class ChatPrefs:
    """One chat's defaults: ``since`` is kept as given ("7d"), so a relative window moves with the calendar."""

    outlet: str | None = None
    since: str | None = None
    alerts: tuple[Alert, ...] = ()
    sent: tuple[str, ...] = ()  # ids of the articles an alert told the chat of, oldest first

    def filters(self, today: date) -> Filters:
        """The filters this chat's questions are asked with."""
        return Filters(outlet=self.outlet, since=day_of(self.since, today) if self.since else None)

    def to_json(self) -> dict:
        record = {"outlet": self.outlet, "since": self.since, "alerts": [{"term": a.term, "by": a.by} for a in self.alerts],
                  "sent": list(self.sent) if self.alerts else []}  # with no alert left, nothing is to be repeated
        return {name: value for name, value in record.items() if value}

    @classmethod
    def from_json(cls, record: dict) -> "ChatPrefs":
        return cls(outlet=record.get("outlet") or None, since=record.get("since") or None,
                   alerts=tuple(Alert(str(a["term"]), int(a["by"])) for a in record.get("alerts") or ()),
                   sent=tuple(record.get("sent") or ()))

    def told(self, article_ids) -> "ChatPrefs":
        """The record once the chat was told of ``article_ids`` (the newest ``MAX_SENT`` kept)."""
        return replace(self, sent=(*self.sent, *article_ids)[-MAX_SENT:])


def describe_filters(prefs: ChatPrefs, today: date) -> str:
    """``outlet Valley Times, since 7d (2025-10-01)``; empty when the chat has no defaults."""
    parts = [f"outlet {prefs.outlet}"] if prefs.outlet else []
    if prefs.since:
        day = day_of(prefs.since, today)
        parts.append(f"since {prefs.since}" + (f" ({day})" if day != prefs.since else ""))
    return ", ".join(parts)


class ChatStore:
    """The chats' records, read once at start and written (atomically) on every change. Only
    the bot's event loop changes it, so it needs no lock."""

    def __init__(self, path: Path, chats: dict[int, ChatPrefs] | None = None, seen: set[str] | None = None):
        self.path = path
        self.chats: dict[int, ChatPrefs] = chats or {}
        # The ids of the live index's articles when alerts last looked: what is not among them is
        # new. None until an alert is set (then it starts as the index's articles: none is new).
        self.seen = seen

    @classmethod
    def load(cls, home: Path) -> "ChatStore":
        """The store of ``home``; a damaged file is set aside (``.damaged``), not fatal: the bot
        still answers, and the log says what was lost."""
        path = Path(home) / STORE_FILE
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
            chats = {int(chat): ChatPrefs.from_json(prefs) for chat, prefs in record.get("chats", {}).items()}
            seen = set(record["seen"]) if record.get("seen") is not None else None
        except FileNotFoundError:
            return cls(path)
        except (OSError, ValueError, AttributeError, TypeError, KeyError) as error:
            log.error("%s cannot be read (%s); it is kept as %s.damaged and the chats start afresh", path, error, path.name)
            path.replace(path.with_name(path.name + ".damaged"))
            return cls(path)
        return cls(path, chats, seen)

    def get(self, chat_id: int) -> ChatPrefs:
        return self.chats.get(chat_id, ChatPrefs())

    def update(self, chat_id: int, **changes) -> ChatPrefs:
        """Change one chat's record and write the store; returns the new record."""
        prefs = replace(self.get(chat_id), **changes)
        self.chats[chat_id] = prefs
        self.save()
        return prefs

    def alerts(self) -> dict[int, tuple[Alert, ...]]:
        """Each chat's alerts (chats without any left out)."""
        return {chat: prefs.alerts for chat, prefs in self.chats.items() if prefs.alerts}

    def save(self) -> None:
        """Write the store through a temporary file, so that a crash never leaves half a file."""
        record = {"chats": {str(chat): prefs.to_json() for chat, prefs in self.chats.items() if prefs.to_json()}}
        if self.seen is not None and self.alerts():
            record["seen"] = sorted(self.seen)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(self.path.name + ".tmp")
        temporary.write_text(json.dumps(record, ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(temporary, self.path)
