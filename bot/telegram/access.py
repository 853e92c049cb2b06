"""Who is served: the allowlist (one refusal, then silence) and the per-user limit on questions."""

from __future__ import annotations

import logging
import math

from newsdesk.bot.telegram.sending import reply, with_retry
from newsdesk.bot.telegram.settings import BotSettings
from newsdesk.bot.telegram.state import get_state
from newsdesk.bot.telegram_format import escape
from telegram import Update
from telegram.ext import ContextTypes

log = logging.getLogger(__name__)



def is_allowed(settings: BotSettings, chat_id: int, user_id: int) -> bool:
    return (
        settings.public
        or chat_id in settings.allowed_chats
        or user_id in settings.allowed_users
        or user_id in settings.admins
    )


async def admit(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """Whether to serve this update; a stranger gets one short refusal, then silence."""
    state = get_state(context)
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        if update.callback_query:  # a press on an inline message: no chat to check, still answered
            await with_retry(lambda: update.callback_query.answer(), 3, "answerCallbackQuery")
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
    """Whether the user may ask a question now (only questions and searches count); else they
    are told when to try again, every time: a message met with silence reads as a broken bot."""
    state = get_state(context)
    wait = state.limiter.wait(update.effective_user.id)
    if not wait:
        return True
    await reply(update, context, escape(slow_down_text(state.settings, wait)))
    return False


def slow_down_text(settings: BotSettings, wait: float) -> str:
    """What a user over the limit is told: the limit and when to try again (whole seconds, up)."""
    return (f"Please slow down a little: I answer up to {settings.rate_limit} questions per "
            f"{settings.rate_window_s:g} seconds each. Try again in {max(1, math.ceil(wait))} s.")
