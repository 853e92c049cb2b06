"""What the bot keeps while it runs: ``BotState`` in ``bot_data``, rate limits, remembered answers."""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict, deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable, TypeVar

from newsdesk.bot.telegram.chat_store import ChatStore
from newsdesk.bot.telegram.settings import BotSettings
from newsdesk.retrieval.service import Newsdesk
from telegram.ext import Application, ContextTypes

MAX_TRACKED_USERS = 100_000  # users the rate limiter remembers at once

T = TypeVar("T")



class Bounded(OrderedDict):
    """A dict that forgets its oldest entries beyond ``size`` (memory stays bounded)."""

    def __init__(self, size: int):
        super().__init__()
        self.size = size

    def __setitem__(self, key, value):
        super().__setitem__(key, value)
        self.move_to_end(key)
        while len(self) > self.size:
            self.popitem(last=False)


class RateLimiter:
    """At most ``limit`` events per user in any ``window`` seconds (a sliding window).

    Users are kept in the order of their latest event, so those whose window has passed
    (nothing left to remember) are forgotten from the front; at most ``max_users`` are kept.
    """

    def __init__(self, limit: int, window: float, max_users: int = MAX_TRACKED_USERS):
        self.limit, self.window, self.max_users = limit, window, max_users
        self._events: OrderedDict[int, deque[float]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._events)

    def wait(self, user_id: int, now: float | None = None) -> float:
        """0 and the event is counted, or the seconds until the user may ask again."""
        now = time.monotonic() if now is None else now
        self._forget(now)
        events = self._events.get(user_id, deque())
        while events and now - events[0] >= self.window:
            events.popleft()
        if len(events) >= self.limit:
            return self.window - (now - events[0])
        events.append(now)
        self._events[user_id] = events
        self._events.move_to_end(user_id)
        while len(self._events) > self.max_users:
            self._events.popitem(last=False)
        return 0.0

    def _forget(self, now: float) -> None:
        while self._events:
            user_id, events = next(iter(self._events.items()))
            if now - events[-1] < self.window:
                break
            del self._events[user_id]


@dataclass
class Remembered:
    """An answer the bot sent: what a follow-up reply or the passages button needs."""

    question: str  # as the user typed it
    asked: str  # what the service was asked (a follow-up carries its context)
    answer: str | None
    passages_html: str
    html: str  # the message part that holds the button, to edit the button away


@dataclass(frozen=True)
class Command:
    """One command, declared once: its handler, its line in /help and its entry in Telegram's menu."""

    name: str
    handler: Callable
    usage: str  # "/search WORDS"
    about: str  # what it does: the menu's description and /help's line
    example: str | None = None  # shown in /help
    admin: bool = False  # listed in the admins' part of /help, not in the menu everyone sees
    listed: bool = True  # in /help and the menu (/start is neither: it is how a chat begins)


@dataclass
class BotState:
    settings: BotSettings
    desk: Newsdesk
    executor: ThreadPoolExecutor  # questions, /sources, /stats
    ingest_executor: ThreadPoolExecutor  # uploads and links, one at a time: the index has one writer anyway
    limiter: RateLimiter
    memory: Bounded
    refused: Bounded  # (chat, user) pairs already refused once; later messages get silence
    chats: ChatStore  # each chat's defaults, kept under the home
    listings: Bounded = field(default_factory=lambda: Bounded(1000))  # (chat, message) -> the words of a /sources search
    first_polls: Bounded = field(default_factory=lambda: Bounded(1000))  # feed URL -> the chat that followed it, until its first poll
    commands: tuple[Command, ...] = ()  # what /help lists
    alert_lock: asyncio.Lock = field(default_factory=asyncio.Lock)  # one alert check (or first alert) at a time
    alerts_version: str | None = None  # the live index version the last alert check saw
    index_changed: Callable[[], None] | None = None  # called after the bot changed the index (alerts.py)
    started: float = field(default_factory=time.monotonic)
    questions: int = 0
    answered: int = 0
    abstained: int = 0
    articles_added: int = 0
    latencies_ms: deque = field(default_factory=lambda: deque(maxlen=1000))
    mode: str = "polling"  # how updates arrive, for the start-up line

    async def run(self, function: Callable[..., T], *args) -> T:
        """Run blocking model/index work in the worker threads, never on the event loop."""
        return await asyncio.get_running_loop().run_in_executor(self.executor, function, *args)

    async def run_ingest(self, function: Callable[..., T], *args) -> T:
        """Run ingestion in its own thread, so that uploads waiting for the index never take
        the threads that answer questions; then let ``index_changed`` know (alerts)."""
        try:
            return await asyncio.get_running_loop().run_in_executor(self.ingest_executor, function, *args)
        finally:
            if self.index_changed is not None:  # even after an error: a poll may have written a batch first
                self.index_changed()


def get_state(context: ContextTypes.DEFAULT_TYPE | Application) -> BotState:
    """The bot's ``BotState``, kept in ``bot_data`` (from a handler's context or the application)."""
    application = context if isinstance(context, Application) else context.application
    return application.bot_data["newsdesk"]
