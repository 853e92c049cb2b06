"""The bot's settings: ``BotSettings``, read from the environment and ``newsdesk bot``'s options."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Any, Mapping

from newsdesk.retrieval.question_log import log_enabled

from newsdesk.errors import NewsdeskError

DEFAULT_API_URL = "https://api.telegram.org"



@dataclass(frozen=True)
class BotSettings:
    """How the bot runs; built from the environment and the command line in ``run_bot``."""

    token: str = field(repr=False)  # never shown, not even in a repr
    api_url: str = DEFAULT_API_URL
    allowed_chats: frozenset[int] = frozenset()
    allowed_users: frozenset[int] = frozenset()
    admins: frozenset[int] = frozenset()
    public: bool = False
    rate_limit: int = 8  # questions (and searches) per user ...
    rate_window_s: float = 60.0  # ... in this many seconds
    max_upload_bytes: int = 2 * 1024 * 1024
    fetch_timeout_s: float = 10.0
    allow_private_urls: bool = False  # fetch admins' links from loopback/private addresses too
    k: int = 5  # passages the reader reads per question
    workers: int = 4  # threads for model and index work
    concurrent_updates: int = 32  # updates handled at once
    memory: int = 1000  # answers remembered for follow-ups and the passages button
    send_attempts: int = 5  # tries per Bot API call on 429, 5xx and network errors
    log_questions: bool = True  # each question and answer to HOME/questions.jsonl (NEWSDESK_LOG=0, --no-log: off)
    feed_interval_s: float = 900.0  # how often a feed followed with /follow is polled
    feed_check_s: float = 60.0  # how often the job looks for feeds that are due
    feed_host_delay_s: float = 1.0  # between two requests to one host during a poll
    alert_check_s: float = 30.0  # how often alerts look for articles other processes indexed
    webhook_secret: str | None = field(default=None, repr=False)  # NEWSDESK_WEBHOOK_SECRET; checked by run_bot

    def __post_init__(self):
        if not self.token or not self.token.strip():
            raise NewsdeskError("no bot token: set TELEGRAM_BOT_TOKEN to the token @BotFather gave you (see docs/telegram.md)")
        if not re.fullmatch(r"https?://[^\s/]+(/[^\s]*)?", self.api_url or ""):
            raise NewsdeskError(f"the Bot API URL {self.api_url!r} is not an http(s) URL (check --api-url / NEWSDESK_TELEGRAM_API_URL)")
        object.__setattr__(self, "api_url", self.api_url.rstrip("/"))
        if not self.public and not (self.allowed_chats or self.allowed_users or self.admins):
            raise NewsdeskError(
                "no allowlist configured: set NEWSDESK_ALLOWED_USERS and/or NEWSDESK_ALLOWED_CHATS "
                "(comma-separated Telegram ids), or start with --public to answer anyone"
            )
        if self.rate_limit < 1 or self.rate_window_s <= 0:
            raise NewsdeskError("the rate limit must allow at least 1 question per a positive number of seconds")


def parse_ids(value: str | None, name: str) -> frozenset[int]:
    """Comma-separated Telegram ids (users are positive, groups negative) from one variable."""
    ids = set()
    for part in (value or "").replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        try:
            ids.add(int(part))
        except ValueError:
            raise NewsdeskError(f"{name}: {part!r} is not a numeric Telegram id (use e.g. 123456789 or -1001234567890)") from None
    return frozenset(ids)


def parse_rate(value: str | None) -> tuple[int, float] | None:
    """``"8/60"`` (8 questions per 60 seconds) from NEWSDESK_RATE_LIMIT; None when unset."""
    if not value:
        return None
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+(?:\.\d+)?)\s*", value)
    if not match:
        raise NewsdeskError(f"NEWSDESK_RATE_LIMIT: {value!r} is not like 8/60 (8 questions per 60 seconds)")
    return int(match.group(1)), float(match.group(2))


def settings_from_env(args: Any, environ: Mapping[str, str] = os.environ) -> BotSettings:
    """``BotSettings`` from the environment and the ``newsdesk bot`` arguments."""
    extra = {}
    rate = parse_rate(environ.get("NEWSDESK_RATE_LIMIT"))
    if rate:
        extra["rate_limit"], extra["rate_window_s"] = rate
    return BotSettings(
        token=(environ.get("TELEGRAM_BOT_TOKEN") or "").strip(),
        api_url=getattr(args, "api_url", None) or environ.get("NEWSDESK_TELEGRAM_API_URL") or DEFAULT_API_URL,
        allowed_chats=parse_ids(environ.get("NEWSDESK_ALLOWED_CHATS"), "NEWSDESK_ALLOWED_CHATS"),
        allowed_users=parse_ids(environ.get("NEWSDESK_ALLOWED_USERS"), "NEWSDESK_ALLOWED_USERS"),
        admins=parse_ids(environ.get("NEWSDESK_ADMINS"), "NEWSDESK_ADMINS"),
        public=bool(getattr(args, "public", False)),
        allow_private_urls=environ.get("NEWSDESK_ALLOW_PRIVATE_URLS", "").strip().lower() in ("1", "true", "yes"),
        webhook_secret=environ.get("NEWSDESK_WEBHOOK_SECRET") or None,
        log_questions=log_enabled(environ.get("NEWSDESK_LOG")) and not getattr(args, "no_log", False),
        **extra,
    )
