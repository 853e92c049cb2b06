"""Fixtures and helpers the bot and CLI tests share: a fast deterministic encoder, a small real
index, the fake Bot API server and the real python-telegram-bot Application running against it,
asking it and reading its replies, answers to render, and the homes of the daily CLI tests."""

from __future__ import annotations

import asyncio
import json
import re
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from newsdesk.bot.telegram.app import build_application
from newsdesk.bot.telegram.settings import BotSettings
from newsdesk.retrieval.service import Newsdesk
from newsdesk.retrieval.settings import Settings
from newsdesk.retrieval.sources.seeds import seed_paths

from newsdesk.types import Answer, Citation

from tests.bot.cli_helpers import offline_cli, run
from tests.conftest import FakeEncoder

from .fake_telegram import TOKEN, FakeTelegram

ADMIN, USER, STRANGER = 1001, 1002, 666
GROUP = -100200300

# Two stories with the same shape, so a follow-up ("When was that?") only has one right
# answer in the context of the question it replies to; the festival is told by two outlets.
EVENTS = [
    {"title": "Riverside Harvest Festival draws record crowd", "outlet": "Riverside Gazette", "date": "2025-10-04",
     "url": "https://gazette.example/harvest?a=1&b=2",
     "text": "Mayor Elena Novak opened the Riverside Harvest Festival on Saturday morning. The harvest festival drew "
             "12,000 visitors to the river park over the weekend. Governor Thomas Blake also attended the festival and "
             "praised the local farmers. Organisers said the apple pie & cider contest was the most popular event."},
    {"title": "Harvest festival opens by the river", "outlet": "Valley Times", "date": "2025-10-05",
     "text": "The Riverside Harvest Festival was opened by Mayor Elena Novak, who cut a ribbon of woven wheat. "
             "Farmers from six villages sold produce at the stalls."},
    {"title": "Lakeside Jazz Week opens", "outlet": "Lakeside Herald", "date": "2025-09-12",
     "url": "https://herald.example/jazz",
     "text": "Conductor Maria Santos opened the Lakeside Jazz Week on Friday evening. The jazz week drew 3,500 "
             "visitors to the lake shore. Trumpeter Louis Okafor also attended the jazz week and played a late set. "
             "Tickets sold out within two days."},
]

BRIDGE = "Mayor Joe Quimby opened the Springfield bridge on Monday, officials said."


def make_desk(home: Path) -> Newsdesk:
    """A real ``Newsdesk`` over the seeds and the event stories (fake encoder, baseline reader)."""
    desk = Newsdesk(Settings(home=home, reader="baseline"), encoder=FakeEncoder())
    events = home.parent / "events.json"
    events.parent.mkdir(parents=True, exist_ok=True)
    events.write_text(json.dumps({"articles": EVENTS}), encoding="utf-8")
    desk.ingest([*seed_paths(), events])
    return desk


@pytest.fixture
def desk(tmp_path) -> Newsdesk:
    return make_desk(tmp_path / "home")


@pytest.fixture
def telegram():
    server = FakeTelegram().start()
    yield server
    server.stop()


def bot_settings(api_url: str, **overrides) -> BotSettings:
    values = dict(token=TOKEN, api_url=api_url, allowed_users=frozenset({USER}), allowed_chats=frozenset({GROUP}),
                  admins=frozenset({ADMIN}), rate_limit=1000, rate_window_s=60.0)
    values.update(overrides)
    return BotSettings(**values)


class RunningBot:
    """The real ``Application`` polling the fake server, on its own event loop in a thread
    (what ``run_polling`` does, without its signal handling)."""

    def __init__(self, application):
        self.application = application
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="bot-loop", daemon=True)

    def _run(self, coroutine, timeout: float = 30.0):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def start(self) -> "RunningBot":
        self.thread.start()
        self._run(self._start())
        return self

    async def _start(self) -> None:
        app = self.application
        await app.initialize()
        await app.post_init(app)
        await app.updater.start_polling(poll_interval=0.0, timeout=timedelta(seconds=1),
                                        allowed_updates=["message", "callback_query"])
        await app.start()

    def stop(self) -> None:
        """Stop the bot (a second call, e.g. the fixture's after a test's restart, does nothing)."""
        if self.loop.is_closed():
            return
        try:
            self._run(self._stop())
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(timeout=10)
            self.loop.close()

    async def _stop(self) -> None:
        app = self.application
        if app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        await app.shutdown()
        await app.post_shutdown(app)


@pytest.fixture
def start_bot(telegram):
    """``start_bot(desk, **settings)``: the bot running against the fake server until the test ends."""
    running: list[RunningBot] = []

    def start(desk, **overrides) -> RunningBot:
        bot = RunningBot(build_application(bot_settings(telegram.url, **overrides), desk)).start()
        running.append(bot)
        return bot

    yield start
    for bot in running:
        bot.stop()


# ------------------------------------------------------------------ Telegram HTML checks

ALLOWED_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre", "blockquote",
                "tg-spoiler", "span"}
ALLOWED_ENTITIES = {"lt", "gt", "amp", "quot"}


def check_telegram_html(text: str, limit: int = 4096) -> None:
    """Fail unless ``text`` is what Telegram's HTML parse mode accepts: known tags, balanced,
    no bare <, > or & in the text, only the named entities Telegram knows, within ``limit``."""
    from html.parser import HTMLParser

    assert len(text.encode("utf-16-le")) // 2 <= limit, f"message of {len(text)} characters is over the limit"
    assert re.sub(r"<[^>]*>", "", text).strip(), "message shows no text"
    problems: list[str] = []
    stack: list[str] = []
    for match in re.finditer(r"&", text):
        if not re.match(r"&(?:lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);", text[match.start():]):
            problems.append(f"& not starting an entity: {text[match.start():match.start() + 12]!r}")

    class Checker(HTMLParser):
        def handle_starttag(self, tag, attrs):
            if tag not in ALLOWED_TAGS:
                problems.append(f"tag <{tag}>")
            if tag == "a" and not dict(attrs).get("href"):
                problems.append("<a> without href")
            stack.append(tag)

        def handle_endtag(self, tag):
            if not stack or stack.pop() != tag:
                problems.append(f"unbalanced </{tag}>")

        def handle_data(self, data):
            if set(data) & set("<>&"):
                problems.append(f"bare character in {data!r}")

        def handle_entityref(self, name):
            if name not in ALLOWED_ENTITIES:
                problems.append(f"entity &{name};")

    checker = Checker(convert_charrefs=False)
    checker.feed(text)
    checker.close()
    if checker.rawdata:
        problems.append(f"unparsed rest {checker.rawdata!r}")
    assert not stack, f"tags left open: {stack}"
    assert not problems, problems


def visible_text(html_text: str) -> str:
    """What a reader sees of a message: tags dropped, entities decoded."""
    import html

    return html.unescape(re.sub(r"<[^>]*>", "", html_text))


# ------------------------------------------------------------------ shared by the bot's end-to-end tests

RIVERSIDE = "Who opened the Riverside Harvest Festival?"
JAZZ = "Who opened the Lakeside Jazz Week?"
QUARRY = "Who opened the Northgate Quarry Museum?"
QUARRY_STORY = (
    "Northgate Quarry Museum opens its doors\n\n"
    "Priya Raman opened the Northgate Quarry Museum on Tuesday. The museum shows the tools of the "
    "granite workers who cut stone in the valley for two centuries. Visitors can walk through a restored "
    "tunnel and see a steam crane at work."
).encode()


def replies_to(telegram, message: dict) -> list:
    """Delivered sendMessage calls that reply to ``message``."""
    return [c for c in telegram.requests("sendMessage", chat_id=message["chat"]["id"])
            if (c.params.get("reply_parameters") or {}).get("message_id") == message["message_id"]]


def ask(telegram, chat_id: int, user_id: int, text: str, *, kind: str = "private", reply_to: dict | None = None,
        settle: bool = False):
    """Send ``text`` and return the bot's (first) reply to it.

    ``settle``: also wait until the bot is idle, i.e. it has noted the answer it sent (the
    server sees a message before the bot has its id), before a test replies to that answer.
    """
    message = telegram.push_message(chat_id, user_id, text, kind=kind, reply_to=reply_to)
    reply = telegram.wait_for(lambda: replies_to(telegram, message))[0]
    if settle:
        telegram.quiet(0.2)
    return reply


class DeskWith:
    """The real desk, with the methods a test subclass defines in place of its own."""

    def __init__(self, desk):
        self.desk = desk

    def __getattr__(self, name):
        return getattr(self.desk, name)


# ------------------------------------------------------------------ shared by the CLI tests of daily use


@pytest.fixture
def env(tmp_path, monkeypatch):
    return offline_cli(tmp_path, monkeypatch)


@pytest.fixture
def events_home(env, capsys):
    home = env / "home"
    (env / "events.json").write_text(json.dumps({"articles": EVENTS}))
    (env / "undated.txt").write_text("Mayor Elena Novak also opened the Riverside library on Sunday.")
    assert run(capsys, "ingest", env / "events.json", env / "undated.txt", "--home", home)[0] == 0
    return home


@pytest.fixture
def seed_home(env, capsys):
    home = env / "home"
    assert run(capsys, "sources", "--home", home)[0] == 0
    return home


# ------------------------------------------------------------------ shared by the tests of Telegram's HTML


def citation(**overrides) -> Citation:
    values = dict(article_id="a1", title="Talks in Berlin", outlet="Outlook", date="2025-12-14",
                  url="https://outlook.example/berlin", path=None, quote="Merz hosted the talks.",
                  start=0, end=22, answer_start=0, answer_end=4)
    values.update(overrides)
    return Citation(**values)


def answer(**overrides) -> Answer:
    values = dict(question="Who hosted the Berlin talks?", text="Friedrich Merz", score=0.9,
                  quote="Merz hosted the talks.", citations=(citation(),))
    values.update(overrides)
    return Answer(**values)
