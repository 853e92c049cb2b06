"""The Telegram bot: python-telegram-bot v22 handlers around one ``Newsdesk``.

``build_application(settings, desk)`` wires the handlers onto an ``Application`` (tests call
it directly, pointed at a fake Bot API server); ``run_bot(args, settings)`` reads the
environment, builds it and polls (or serves a webhook) until stopped. See docs/telegram.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import hashlib
import logging
import os
import re
import sys
import secrets
import statistics
import threading
import time
import warnings
from collections import OrderedDict, deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, Awaitable, Callable, Mapping, TypeVar
from urllib.parse import quote, urlparse

from telegram import (
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    ReplyParameters,
    Update,
)
from telegram.constants import ChatAction, ChatType, ParseMode
from telegram.error import BadRequest, InvalidToken, NetworkError, RetryAfter, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from newsdesk.bot.telegram_format import (
    escape,
    format_answer,
    format_ingest_report,
    format_passages,
    format_sources,
    split_html,
)
from newsdesk.errors import NewsdeskError
from newsdesk.retrieval.fetch import FetchError, fetch_url

log = logging.getLogger(__name__)

DEFAULT_API_URL = "https://api.telegram.org"
UPLOAD_SUFFIXES = (".txt", ".md", ".html", ".htm", ".json")
URL_CONTENT_TYPES = {"text/html": ".html", "application/xhtml+xml": ".html", "text/plain": ".txt", "text/markdown": ".md"}
PASSAGES_BUTTON = "passages"
BOOTSTRAP_RETRIES = 5  # startup tries when the Bot API cannot be reached
MAX_WEBHOOK_BODY = 1024 * 1024  # a Telegram update is a few KB; anything larger is not one
MAX_TRACKED_USERS = 100_000  # users the rate limiter remembers at once
FETCH_FAILED = ("Sorry, I couldn't fetch that link: it may be unreachable, not public, too large "
                "or not a web page or text.")

T = TypeVar("T")


# ------------------------------------------------------------------ settings


@dataclass(frozen=True)
class BotSettings:
    """How the bot runs; built from the environment and the command line in ``run_bot``."""

    token: str = field(repr=False)  # never shown, not even in a repr
    api_url: str = DEFAULT_API_URL
    allowed_chats: frozenset[int] = frozenset()
    allowed_users: frozenset[int] = frozenset()
    admins: frozenset[int] = frozenset()
    public: bool = False
    rate_limit: int = 8  # questions (and uploads) per user ...
    rate_window_s: float = 60.0  # ... in this many seconds
    max_upload_bytes: int = 2 * 1024 * 1024
    fetch_timeout_s: float = 10.0
    allow_private_urls: bool = False  # fetch admins' links from loopback/private addresses too
    k: int = 5  # passages the reader reads per question
    workers: int = 4  # threads for model and index work
    concurrent_updates: int = 32  # updates handled at once
    memory: int = 1000  # answers remembered for follow-ups and the passages button
    send_attempts: int = 5  # tries per Bot API call on 429, 5xx and network errors
    feed_interval_s: float = 900.0  # how often a feed followed with /follow is polled
    feed_check_s: float = 60.0  # how often the job looks for feeds that are due
    feed_host_delay_s: float = 1.0  # between two requests to one host during a poll

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
        **extra,
    )


# ------------------------------------------------------------------ state


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


@dataclass
class BotState:
    settings: BotSettings
    desk: Any
    executor: ThreadPoolExecutor  # questions, /sources, /stats
    ingest_executor: ThreadPoolExecutor  # uploads and links, one at a time: the index has one writer anyway
    limiter: RateLimiter
    memory: Bounded
    refused: Bounded  # (chat, user) pairs already refused once; later messages get silence
    warned: Bounded  # users told to slow down in the current window
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
        the threads that answer questions."""
        return await asyncio.get_running_loop().run_in_executor(self.ingest_executor, function, *args)


def _state(context: ContextTypes.DEFAULT_TYPE) -> BotState:
    return context.application.bot_data["newsdesk"]


# ------------------------------------------------------------------ sending


def _retry_after_seconds(error: RetryAfter) -> float:
    with warnings.catch_warnings():  # PTB 22 warns that the int form of retry_after is going away
        warnings.simplefilter("ignore")
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


async def with_retry(call: Callable[[], Awaitable[T]], attempts: int = 5, what: str = "Bot API call") -> T:
    """``await call()``, retried on flood control (429: wait as told) and on network errors and
    5xx (exponential back-off). Bad requests are not retried: sending them again cannot help."""
    delay = 0.5
    for attempt in range(1, attempts + 1):
        try:
            return await call()
        except BadRequest:
            raise
        except (RetryAfter, NetworkError) as error:  # NetworkError includes TimedOut and 5xx
            if attempt == attempts:
                raise
            if isinstance(error, RetryAfter):
                wait = min(_retry_after_seconds(error), 60.0) + 0.1
            else:
                wait, delay = delay, min(delay * 2, 8.0)
            log.warning("%s failed (%s: %s); retrying in %.1fs (attempt %d of %d)",
                        what, type(error).__name__, error, wait, attempt, attempts)
        await asyncio.sleep(wait)
    raise AssertionError("unreachable")


async def send_html(
    context: ContextTypes.DEFAULT_TYPE,
    chat_id: int,
    text: str,
    reply_to: int | None = None,
    markup: InlineKeyboardMarkup | None = None,
) -> list[tuple[Message, str]]:
    """Send ``text`` as one or more HTML messages (each within Telegram's limit): the first
    replies to ``reply_to``, the last carries ``markup``. Returns (message, its html) pairs."""
    parts = split_html(text)
    attempts = _state(context).settings.send_attempts
    sent = []
    for number, part in enumerate(parts):
        last = number == len(parts) - 1
        reply = ReplyParameters(message_id=reply_to, allow_sending_without_reply=True) if reply_to and number == 0 else None
        message = await with_retry(
            lambda part=part, reply=reply, last=last: context.bot.send_message(
                chat_id,
                part,
                parse_mode=ParseMode.HTML,
                reply_parameters=reply,
                reply_markup=markup if last else None,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            ),
            attempts,
            "sendMessage",
        )
        sent.append((message, part))
    return sent


async def reply(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str) -> list[tuple[Message, str]]:
    """Answer the update's message with ``text`` (HTML)."""
    message = update.effective_message
    return await send_html(context, update.effective_chat.id, text, reply_to=message.message_id if message else None)


@contextlib.asynccontextmanager
async def typing(context: ContextTypes.DEFAULT_TYPE, chat_id: int):
    """Show "typing…" in the chat until the block ends (Telegram clears it after ~5 s)."""

    async def show_typing():
        try:
            await context.bot.send_chat_action(chat_id, ChatAction.TYPING)
        except TelegramError as error:  # only cosmetic: never worth failing the answer
            log.debug("typing indicator failed: %s", error)

    async def keep_typing():
        while True:
            await asyncio.sleep(4.5)
            await show_typing()

    # The first one is sent before the work starts: a quick answer would otherwise cancel it
    # unsent, or overtake it.
    await show_typing()
    task = asyncio.create_task(keep_typing())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


# ------------------------------------------------------------------ access


def is_allowed(settings: BotSettings, chat_id: int, user_id: int) -> bool:
    return (
        settings.public
        or chat_id in settings.allowed_chats
        or user_id in settings.allowed_users
        or user_id in settings.admins
    )


async def admit(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """Whether to serve this update; a stranger gets one short refusal, then silence."""
    state = _state(context)
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return False
    if is_allowed(state.settings, chat.id, user.id):
        return True
    log.info("refused user %s in chat %s (not on the allowlist)", user.id, chat.id)
    if (chat.id, user.id) not in state.refused:
        state.refused[(chat.id, user.id)] = True
        text = f"Sorry, this bot is private. (Your Telegram user id is {user.id}; an operator can add it.)"
        if update.callback_query:
            await with_retry(lambda: update.callback_query.answer(text, show_alert=True), 3, "answerCallbackQuery")
        else:
            await reply(update, context, escape(text))
    elif update.callback_query:
        await with_retry(lambda: update.callback_query.answer(), 3, "answerCallbackQuery")
    return False


async def within_rate(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """Whether the user may be served now (anything the bot answers counts); else one polite
    "slow down" per busy window (an alert for a button press, which must always be answered)."""
    state = _state(context)
    user_id = update.effective_user.id
    wait = state.limiter.wait(user_id)
    if not wait:
        state.warned.pop(user_id, None)
        return True
    query = update.callback_query
    if user_id not in state.warned:
        state.warned[user_id] = True
        limit, window = state.settings.rate_limit, state.settings.rate_window_s
        text = (f"Please slow down a little: I answer up to {limit} questions per {window:g} seconds each. "
                f"Try again in {max(1, round(wait))} s.")
        if query:
            await with_retry(lambda: query.answer(text, show_alert=True), 3, "answerCallbackQuery")
        else:
            await reply(update, context, escape(text))
    elif query:
        await with_retry(lambda: query.answer(), 3, "answerCallbackQuery")
    return False


# ------------------------------------------------------------------ questions


def _ask_and_render(desk, question: str, asked: str, k: int, follow_up_of: str | None):
    """In a worker thread: ask the desk, and render the answer and its passages."""
    answer = desk.ask(asked, k=k)
    articles = desk.index.articles
    return answer, format_answer(answer, asked=question, follow_up_of=follow_up_of), format_passages(answer, articles, asked=question)


async def answer_question(update: Update, context: ContextTypes.DEFAULT_TYPE, question: str) -> None:
    """Answer ``question`` in the update's chat, in the context of the answer it replies to."""
    state = _state(context)
    message, chat = update.effective_message, update.effective_chat
    question = " ".join(question.split())
    if not question:
        await reply(update, context, "Ask me a question, for example: <code>/ask Who hosted the Berlin talks?</code>")
        return
    if not await within_rate(update, context):
        return
    earlier = None
    replied = message.reply_to_message
    if replied and replied.from_user and replied.from_user.id == context.bot.id:
        earlier = state.memory.get((chat.id, replied.message_id))
    # A reply to an answer is asked with the exchange it replies to, so the same story is found.
    # (Imported here: it brings in the service and numpy, which importing this module need not.)
    from newsdesk.retrieval.followup import follow_up_question

    asked = follow_up_question(question, earlier.asked, earlier.answer) if earlier else question
    state.questions += 1
    started = time.perf_counter()
    async with typing(context, chat.id):
        try:
            answer, html, passages_html = await state.run(
                _ask_and_render, state.desk, question, asked, state.settings.k, earlier.question if earlier else None
            )
        except ValueError as error:  # an over-long question: tell the user, it is not a bug
            await reply(update, context, escape(f"Sorry, I can't ask that: {error}."))
            return
    state.latencies_ms.append((time.perf_counter() - started) * 1000)
    if answer.abstained:
        state.abstained += 1
    else:
        state.answered += 1
    button = InlineKeyboardMarkup([[InlineKeyboardButton("Show the passages", callback_data=PASSAGES_BUTTON)]])
    sent = await send_html(context, chat.id, html, reply_to=message.message_id, markup=button if answer.passages else None)
    for sent_message, part in sent:
        state.memory[(chat.id, sent_message.message_id)] = Remembered(question, asked, answer.text, passages_html, part)


def _is_url(text: str) -> bool:
    return re.fullmatch(r"https?://\S+", text.strip(), re.IGNORECASE) is not None


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Any text in a private chat; in groups only mentions of the bot and replies to it."""
    message, chat = update.effective_message, update.effective_chat
    text = message.text or ""
    mention = f"@{context.bot.username}"
    replied = message.reply_to_message
    to_bot = bool(replied and replied.from_user and replied.from_user.id == context.bot.id)
    mentioned = mention.lower() in text.lower()
    if chat.type != ChatType.PRIVATE and not (mentioned or to_bot):
        return  # group chatter that is not for us
    if not await admit(update, context):
        return
    text = re.sub(re.escape(mention), " ", text, flags=re.IGNORECASE).strip()
    if _is_url(text):
        await add_from_url(update, context, text)
        return
    await answer_question(update, context, text)


async def on_ask(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``/ask QUESTION`` (the way to ask in groups)."""
    if not await admit(update, context):
        return
    await answer_question(update, context, " ".join(context.args or []))


async def on_passages(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The "Show the passages" button: drop the button, then send the passages as a reply."""
    query = update.callback_query
    if not await admit(update, context) or not await within_rate(update, context):
        return
    state = _state(context)
    message = query.message
    remembered = state.memory.get((message.chat.id, message.message_id)) if message else None
    if remembered is None:
        await with_retry(lambda: query.answer("Sorry, I no longer have those passages; please ask again.", show_alert=True),
                         state.settings.send_attempts, "answerCallbackQuery")
        return
    await with_retry(lambda: query.answer("Here are the passages."), state.settings.send_attempts, "answerCallbackQuery")
    try:
        await with_retry(
            lambda: context.bot.edit_message_text(
                remembered.html, chat_id=message.chat.id, message_id=message.message_id, parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True), reply_markup=None,
            ),
            state.settings.send_attempts,
            "editMessageText",
        )
    except BadRequest as error:  # e.g. "message is not modified" after a double tap
        log.info("could not remove the passages button: %s", error)
    await send_html(context, message.chat.id, remembered.passages_html, reply_to=message.message_id)


# ------------------------------------------------------------------ commands

HELP = """I answer questions about the news articles I have indexed, with the answer copied from them, a supporting quote and the sources.

<b>Examples</b>
• Who hosted the Berlin talks?
• What did Zelenskyy offer in exchange for security guarantees?
• Where were the peace talks held?

In a private chat just send the question. In a group use <code>/ask …</code>, mention me, or reply to one of my messages.
Reply to one of my answers to ask a follow-up (for example “When was that?”); I read it together with the earlier question.

/sources — which articles are indexed, with dates
/stats — how much I have been asked
/help — this message"""

ADMIN_HELP = """

<b>Admins</b>: send a .txt, .md, .html or .json file (up to {size}), or a link to an article, and I add it to the index right away.
/follow URL — follow an RSS or Atom feed: its new articles arrive by themselves (<code>/follow URL 30m</code> polls every 30 minutes)
/unfollow URL — stop following it (its articles stay)
/feeds — the feeds I follow"""


async def on_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if not await admit(update, context) or not await within_rate(update, context):
        return
    name = escape(update.effective_user.first_name or "there")
    await reply(update, context, f"Hello {name}! 👋\n\n" + _help_text(update, context))


async def on_help(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if not await admit(update, context) or not await within_rate(update, context):
        return
    await reply(update, context, _help_text(update, context))


def _help_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    settings = _state(context).settings
    if update.effective_user.id in settings.admins:
        return HELP + ADMIN_HELP.format(size=_size(settings.max_upload_bytes))
    return HELP


def _size(n: int) -> str:
    return f"{n / 2**20:.1f} MB" if n >= 2**20 else f"{n / 1024:.0f} KB"


async def on_unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A command the bot does not have (private chats only: in groups it may be another bot's)."""
    if not await admit(update, context) or not await within_rate(update, context):
        return
    await reply(update, context, "I don't know that command. Send /help to see what I can do, or just ask a question.")


async def on_sources(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if not await admit(update, context) or not await within_rate(update, context):
        return
    state = _state(context)
    rows = await state.run(state.desk.sources)
    await reply(update, context, format_sources(rows))


async def on_stats(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if not await admit(update, context) or not await within_rate(update, context):
        return
    state = _state(context)
    rows = await state.run(state.desk.sources)
    uptime = int(time.monotonic() - state.started)
    lines = [
        "<b>Newsdesk statistics</b>",
        f"Articles indexed: {len(rows)} ({sum(r.get('chunks', 0) for r in rows)} passages)",
        f"Questions since start: {state.questions} (answered {state.answered}, no answer {state.abstained})",
        f"Articles added from Telegram: {state.articles_added}",
        f"Up for: {uptime // 3600} h {uptime % 3600 // 60} min",
    ]
    if state.latencies_ms:
        latencies = sorted(state.latencies_ms)
        lines.append(f"Time to answer: median {statistics.median(latencies):.0f} ms, "
                     f"slowest {latencies[-1]:.0f} ms (last {len(latencies)} questions)")
    await reply(update, context, "\n".join(lines))


# ------------------------------------------------------------------ adding articles


def upload_path(folder: Path, user_id: int, name: str) -> Path:
    """Where an admin's upload is kept: ``folder/<user id>/<name>``, so admins never overwrite
    each other's files while a corrected file (the same name again) replaces its earlier
    version. Characters other than letters, digits, spaces and ``.-_()`` become ``_``; when
    that changed the name, a hash of the original keeps different names apart.

    Raises:
        ValueError: the name has no stem before its extension (``.json``, ``..json``).
    """
    base = re.split(r"[/\\]", name)[-1]  # never a directory from the name
    stem, dot, suffix = base.rpartition(".")
    cleaned = re.sub(r"[^\w .()-]+", "_", stem).strip(" ._")[:100]
    if not dot or not re.search(r"[^\W_]", cleaned):
        raise ValueError("it needs a name before its extension (e.g. report.json)")
    if cleaned != stem:
        cleaned += "-" + hashlib.sha256(stem.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return folder / str(user_id) / f"{cleaned}.{suffix.lower()}"


def _save_and_ingest(desk, path: Path, data: bytes):
    """In the ingest thread: keep the upload under the home, then add it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return _ingest_file(desk, path)


def _ingest_file(desk, path: Path):
    """In the ingest thread: read a saved upload and add it; returns the report and chunk counts."""
    from newsdesk.retrieval.ingest import Rejected, read_file

    try:
        articles, rejected = read_file(path)
    except ValueError as error:
        articles, rejected = [], [Rejected(path.name, str(error))]
    return _add(desk, articles, rejected)


def _ingest_page(desk, url: str, body: str, suffix: str):
    """In the ingest thread: turn a fetched page into an article and add it."""
    from newsdesk.retrieval.ingest import Rejected, _html_article, make_article

    try:
        if suffix == ".html":
            article = _html_article(body, None, url=url)
        else:
            article = make_article(body, url=url)
    except ValueError as error:
        return _add(desk, [], [Rejected(url, str(error))])
    return _add(desk, [article], [])


def _add(desk, articles, rejected):
    report = desk.add_articles(articles, rejected) if articles else _empty_report(rejected)
    counts = {row["article_id"]: row["chunks"] for row in desk.sources()} if articles else {}
    return report, counts


def _empty_report(rejected):
    from newsdesk.retrieval.service import IngestReport

    return IngestReport(rejected=list(rejected))


async def _may_add(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    if update.effective_user.id not in _state(context).settings.admins:
        await reply(update, context, "Sorry, only admins can add articles. You can ask me questions about the indexed ones.")
        return False
    return await within_rate(update, context)


async def _confirm(update: Update, context: ContextTypes.DEFAULT_TYPE, report, counts) -> None:
    state = _state(context)
    state.articles_added += len(report.added) + len(report.replaced)
    await reply(update, context, format_ingest_report(report, counts))


async def on_document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """An admin's file: checked (type, size), downloaded, saved under the home and indexed."""
    message, chat = update.effective_message, update.effective_chat
    if chat.type != ChatType.PRIVATE:
        replied = message.reply_to_message
        to_bot = bool(replied and replied.from_user and replied.from_user.id == context.bot.id)
        if not (to_bot or f"@{context.bot.username}".lower() in (message.caption or "").lower()):
            return  # a file shared in a group, not sent to us
    if not await admit(update, context) or not await _may_add(update, context):
        return
    state = _state(context)
    document = message.document
    name = document.file_name or "upload"
    suffix = "." + name.rpartition(".")[2].lower() if "." in name else ""
    if suffix not in UPLOAD_SUFFIXES:
        await reply(update, context, escape(
            f"Sorry, I can't add {name}: I take {', '.join(UPLOAD_SUFFIXES)} files only."))
        return
    try:
        path = upload_path(Path(state.desk.settings.home) / "telegram-uploads", update.effective_user.id, name)
    except ValueError as error:
        await reply(update, context, escape(f"Sorry, I can't add {name}: {error}."))
        return
    limit = state.settings.max_upload_bytes
    if document.file_size and document.file_size > limit:
        await reply(update, context, escape(
            f"Sorry, {name} is too large ({_size(document.file_size)}; the limit is {_size(limit)})."))
        return
    async with typing(context, chat.id):
        telegram_file = await with_retry(lambda: context.bot.get_file(document.file_id), state.settings.send_attempts, "getFile")
        data = bytes(await with_retry(telegram_file.download_as_bytearray, state.settings.send_attempts, "file download"))
        if len(data) > limit:
            await reply(update, context, escape(f"Sorry, {name} is too large (the limit is {_size(limit)})."))
            return
        report, counts = await state.run_ingest(_save_and_ingest, state.desk, path, data)
    log.info("user %s added %s: %d added, %d rejected", update.effective_user.id, path.name, len(report.added), len(report.rejected))
    await _confirm(update, context, report, counts)


def _host(url: str) -> str:
    """The host of ``url`` for the log (never raises on a malformed URL)."""
    try:
        return urlparse(url).hostname or "?"
    except ValueError:
        return "?"


async def add_from_url(update: Update, context: ContextTypes.DEFAULT_TYPE, url: str) -> None:
    """An admin's link: fetched (short timeout, size limit), extracted and indexed."""
    if not await _may_add(update, context):
        return
    state, settings = _state(context), _state(context).settings
    async with typing(context, update.effective_chat.id):
        try:
            page = await fetch_url(url, timeout=settings.fetch_timeout_s, max_bytes=settings.max_upload_bytes,
                                   allow_private=settings.allow_private_urls, user_agent="newsdesk-bot",
                                   content_types=URL_CONTENT_TYPES)
        except FetchError as error:
            # The detail stays in the log: told to the user it would map the network (refused,
            # closed and open ports would each read differently).
            log.info("user %s: could not fetch a link to %s: %s", update.effective_user.id, _host(url), error.reason)
            await reply(update, context, FETCH_FAILED)
            return
        report, counts = await state.run_ingest(_ingest_page, state.desk, url, page.text, URL_CONTENT_TYPES[page.content_type])
    log.info("user %s added %s: %d added", update.effective_user.id, _host(url), len(report.added))
    await _confirm(update, context, report, counts)


# ------------------------------------------------------------------ errors


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the error and tell the user something went wrong; the bot keeps serving."""
    log.error("error while handling an update", exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    try:
        await with_retry(
            lambda: context.bot.send_message(
                update.effective_chat.id, "Sorry, something went wrong on my side. Please try again in a moment."
            ),
            3,
            "sendMessage",
        )
    except TelegramError as error:
        log.warning("could not tell the user about the error: %s", error)


# ------------------------------------------------------------------ application

COMMANDS = [
    BotCommand("ask", "ask a question about the news articles"),
    BotCommand("sources", "which articles are indexed"),
    BotCommand("stats", "how much the bot has been asked"),
    BotCommand("help", "how to use the bot, with examples"),
]


async def _post_init(application: Application) -> None:
    """Before the first update: load the model and the index, and publish the command list."""
    state: BotState = application.bot_data["newsdesk"]
    await state.run(state.desk.warm_up)
    try:
        await with_retry(lambda: application.bot.set_my_commands(COMMANDS), state.settings.send_attempts, "setMyCommands")
    except TelegramError as error:  # the menu is a convenience; the bot works without it
        log.warning("could not set the command menu: %s", error)
    print(startup_line(application.bot.username, state.mode, state.settings), file=sys.stderr, flush=True)


def _count(n: int, what: str) -> str:
    return f"{n} {what}" + ("" if n == 1 else "s")


def startup_line(username: str, mode: str, settings: BotSettings) -> str:
    """What the operator sees once the bot is up: who it is, how it listens, whom it answers."""
    if settings.public:
        audience = "answering anyone (--public)"
    else:
        audience = f"answering {_count(len(settings.allowed_users), 'allowed user')} and {_count(len(settings.allowed_chats), 'allowed chat')}"
    return (f"newsdesk: bot @{username} is ready ({mode}); {audience}, "
            f"{_count(len(settings.admins), 'admin')} (Ctrl-C to stop)")


async def _post_shutdown(application: Application) -> None:
    state: BotState = application.bot_data["newsdesk"]
    state.executor.shutdown(wait=False, cancel_futures=True)
    state.ingest_executor.shutdown(wait=False, cancel_futures=True)


def build_application(settings: BotSettings, desk) -> Application:
    """The bot's ``Application``: handlers, error handler and state, not yet started."""
    application = (
        ApplicationBuilder()
        .token(settings.token)
        .base_url(f"{settings.api_url}/bot")
        .base_file_url(f"{settings.api_url}/file/bot")
        .concurrent_updates(settings.concurrent_updates)
        .connect_timeout(10)
        .read_timeout(20)
        .write_timeout(20)
        .pool_timeout(10)
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
        .build()
    )
    application.bot_data["newsdesk"] = BotState(
        settings=settings,
        desk=desk,
        executor=ThreadPoolExecutor(max_workers=settings.workers, thread_name_prefix="newsdesk-bot"),
        ingest_executor=ThreadPoolExecutor(max_workers=1, thread_name_prefix="newsdesk-ingest"),
        limiter=RateLimiter(settings.rate_limit, settings.rate_window_s),
        memory=Bounded(settings.memory),
        refused=Bounded(10_000),
        warned=Bounded(10_000),
    )
    new_messages = filters.UpdateType.MESSAGE  # edits of old messages are not new questions
    application.add_handler(CommandHandler("start", on_start, filters=new_messages))
    application.add_handler(CommandHandler("help", on_help, filters=new_messages))
    application.add_handler(CommandHandler("sources", on_sources, filters=new_messages))
    application.add_handler(CommandHandler("stats", on_stats, filters=new_messages))
    application.add_handler(CommandHandler("ask", on_ask, filters=new_messages))
    from newsdesk.bot.telegram_feeds import add_feed_handlers  # imports this module's helpers

    add_feed_handlers(application, settings)  # /follow, /unfollow, /feeds; the polling job
    application.add_handler(MessageHandler(new_messages & filters.COMMAND & filters.ChatType.PRIVATE, on_unknown_command))
    application.add_handler(CallbackQueryHandler(on_passages, pattern=f"^{PASSAGES_BUTTON}$"))
    application.add_handler(MessageHandler(new_messages & filters.Document.ALL, on_document))
    application.add_handler(MessageHandler(new_messages & filters.TEXT & ~filters.COMMAND, on_text))
    application.add_error_handler(on_error)
    return application


# ------------------------------------------------------------------ running


class RetriesInOneLine(logging.Filter):
    """On the ``telegram.ext`` logger (its utility modules, the network retry loop among them,
    log there): each retry (a debug record) becomes one warning line, its final failure, a
    traceback, is left to newsdesk's own message, and other records below warning are dropped."""

    def __init__(self, api_url: str):
        super().__init__()
        self.api_url = api_url

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.module != "networkloop" or "Retrying" not in message:
            return record.levelno >= logging.WARNING and not (record.module == "networkloop" and "Aborting" in message)
        tries = re.search(r"Failed run number (\d+) of (-?\d+)", message)  # counted from 0; N retries: N+1 tries
        done, retries = (int(tries.group(1)), int(tries.group(2))) if tries else (0, -1)
        of = f" of {retries + 1}" if retries >= 0 else ""
        record.msg, record.args = f"cannot reach the Bot API at {self.api_url} (try {done + 1}{of} failed); retrying…", ()
        record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


class NoLibraryTracebacks(logging.Filter):
    """On the handlers: python-telegram-bot's records lose their traceback (shown with -vv)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith("telegram"):
            record.exc_info, record.exc_text, record.stack_info = None, None, None
        return True


def quiet_library_logs(api_url: str, verbose: int) -> None:
    """Unless ``-vv``: python-telegram-bot logs one line per event, never a traceback."""
    if verbose >= 2:
        return
    networkloop = logging.getLogger("telegram.ext")  # PTB's name for its utility modules' logger
    networkloop.setLevel(logging.DEBUG)  # the retries are debug records: let the filter see them
    if not any(isinstance(f, RetriesInOneLine) for f in networkloop.filters):
        networkloop.addFilter(RetriesInOneLine(api_url))
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, NoLibraryTracebacks) for f in handler.filters):
            handler.addFilter(NoLibraryTracebacks())


class RedactToken(logging.Filter):
    """Replaces the bot token in every log line, traceback included (it is part of API URLs)."""

    def __init__(self, token: str):
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = _redact(message, self.token)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = _redact(record.exc_text, self.token)
        return True


def _redact(text: str, token: str) -> str:
    # URLs may carry the token percent-encoded (file downloads escape its ":").
    return text.replace(token, "<token>").replace(quote(token, safe=""), "<token>")


def protect_token(token: str) -> RedactToken:
    """Install the redacting filter on every handler of the root logger."""
    redactor = RedactToken(token)
    for handler in logging.getLogger().handlers:
        handler.addFilter(redactor)
    return redactor


def _webhook_path(webhook_url: str) -> str:
    """The local path the webhook server listens on: the path of the public URL."""
    parsed = urlparse(webhook_url)
    if parsed.scheme != "https" or not parsed.hostname:
        raise NewsdeskError(f"the webhook URL {webhook_url!r} must be an https:// URL that Telegram can reach")
    return parsed.path.strip("/")


def _webhook_secret(value: str | None) -> str:
    """The secret Telegram sends with each webhook call: NEWSDESK_WEBHOOK_SECRET, or a new random one."""
    if not value:
        return secrets.token_urlsafe(32)
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", value):  # what setWebhook accepts
        raise NewsdeskError("NEWSDESK_WEBHOOK_SECRET: use 1 to 256 characters from A-Z, a-z, 0-9, _ and - "
                            "(e.g. the output of: python -c 'import secrets; print(secrets.token_urlsafe(32))')")
    return value


@contextlib.contextmanager
def webhook_body_limit(max_bytes: int):
    """While it lasts, tornado's HTTP server (python-telegram-bot's webhook server, which has no
    option for it) refuses a request body over ``max_bytes``: by its Content-Length before
    reading any of it, or as soon as a chunked body passes the limit. Without it a body is
    read whole, up to 100 MB, before the secret header is even checked."""
    from tornado.httpserver import HTTPServer

    HTTPServer.configure(None, max_body_size=max_bytes)
    try:
        yield
    finally:
        HTTPServer.configure(None)


def run_bot(args, settings) -> int:
    """``newsdesk bot``: poll for updates (or serve a webhook) until interrupted; the exit code."""
    bot_settings = settings_from_env(args)
    protect_token(bot_settings.token)
    quiet_library_logs(bot_settings.api_url, getattr(args, "verbose", 0))
    webhook_url = getattr(args, "webhook_url", None)
    if webhook_url:
        url_path = _webhook_path(webhook_url)
        secret_token = _webhook_secret(os.environ.get("NEWSDESK_WEBHOOK_SECRET"))
        try:
            import tornado  # noqa: F401  (python-telegram-bot's webhook server)
        except ImportError:
            raise NewsdeskError('webhook mode needs the webhooks extra: pip install "python-telegram-bot[webhooks]" '
                                "(or leave out --webhook-url to poll)") from None
    from newsdesk.retrieval.service import Newsdesk

    desk = Newsdesk(settings)  # loads lazily; post_init warms it up before the first update
    application = build_application(bot_settings, desk)
    if webhook_url:
        application.bot_data["newsdesk"].mode = f"webhook {webhook_url}, listening on {args.webhook_listen}:{args.webhook_port}"
    updates = [Update.MESSAGE, Update.CALLBACK_QUERY]
    if bot_settings.public:
        log.warning("public mode: anyone who finds the bot can ask it questions")
    # A fresh event loop for the bot, closed when it stops (PTB would otherwise take and close
    # whatever loop the thread has).
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    # PTB stops on SIGINT/SIGTERM/SIGABRT, but signal handlers can only be installed in the main
    # thread: run elsewhere (embedded, or in a test), the bot is stopped with
    # ``application.stop_running()`` called on its loop.
    stopping = {} if threading.current_thread() is threading.main_thread() else {"stop_signals": None}
    try:
        if webhook_url:
            with webhook_body_limit(MAX_WEBHOOK_BODY):
                application.run_webhook(
                    listen=args.webhook_listen,
                    port=args.webhook_port,
                    url_path=url_path,
                    webhook_url=webhook_url,
                    secret_token=secret_token,
                    allowed_updates=updates,
                    bootstrap_retries=BOOTSTRAP_RETRIES,
                    close_loop=False,
                    **stopping,
                )
        else:
            application.run_polling(allowed_updates=updates, bootstrap_retries=BOOTSTRAP_RETRIES, close_loop=False,
                                    **stopping)
    except InvalidToken:
        # PTB's own message quotes the token: leave it out.
        raise NewsdeskError("Telegram rejected the bot token; check TELEGRAM_BOT_TOKEN (and --api-url if you set it)") from None
    except NetworkError as error:
        raise NewsdeskError(f"cannot reach the Bot API at {bot_settings.api_url} "
                            f"({_redact(str(error), bot_settings.token)})") from None
    except OSError as error:
        if not webhook_url or error.errno not in (errno.EADDRINUSE, errno.EACCES, errno.EADDRNOTAVAIL):
            raise
        raise NewsdeskError(f"cannot serve the webhook on {args.webhook_listen} port {args.webhook_port} "
                            f"({error.strerror}); choose another with --webhook-port or --webhook-listen") from None
    except Exception as error:
        if _redact(str(error), bot_settings.token) != str(error):  # never let the token reach the terminal
            raise NewsdeskError(f"the bot stopped: {_redact(str(error), bot_settings.token)}") from None
        raise
    finally:
        loop.close()
        asyncio.set_event_loop(None)
    return 0
