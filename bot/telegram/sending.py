"""Sending to the Bot API: retries on flood control and network errors, HTML in parts, "typing…"."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import warnings
from datetime import timedelta
from typing import Awaitable, Callable, TypeVar

from newsdesk.bot.telegram.state import get_state
from newsdesk.bot.telegram_format import split_html
from telegram import InlineKeyboardMarkup, LinkPreviewOptions, Message, ReplyParameters, Update
from telegram.constants import ChatAction, ParseMode
from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError
from telegram.ext import ContextTypes

log = logging.getLogger(__name__)

T = TypeVar("T")



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
    attempts = get_state(context).settings.send_attempts
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
