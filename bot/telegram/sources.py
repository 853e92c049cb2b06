"""``/sources [WORDS]`` page by page (with previous/next buttons) and admins' ``/remove ID``."""

from __future__ import annotations

import logging
import re

from newsdesk.bot.telegram.access import admit
from newsdesk.bot.telegram.sending import reply, send_html, with_retry
from newsdesk.bot.telegram.state import get_state
from newsdesk.bot.telegram_format import escape, format_sources, page_count
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from newsdesk.errors import InvalidInput
from newsdesk.types import SHORT_ID

log = logging.getLogger(__name__)

SOURCES_BUTTON = "sources"  # callback data: "sources:PAGE", or "sources:PAGE:q" when the list is a search's
REMOVE_USAGE = ("Send <code>/remove ID</code> with the id /sources shows for the article "
                "(or a unique start of it, e.g. <code>/remove 28acb17d</code>).")


def matching_rows(rows, words: str) -> list:
    """The rows whose title, outlet, date or id hold every one of ``words`` (case-insensitive)."""
    wanted = words.casefold().split()
    def haystack(row) -> str:
        return " ".join(filter(None, (row.title, row.outlet, row.date, row.article_id))).casefold()
    return [row for row in rows if all(word in haystack(row) for word in wanted)]


def page_buttons(page: int, pages: int, searched: bool) -> InlineKeyboardMarkup | None:
    """Previous/next buttons for a listing of ``pages`` pages (none for a single page)."""
    if pages <= 1:
        return None
    suffix = ":q" if searched else ""
    buttons = []
    if page > 1:
        buttons.append(InlineKeyboardButton("‹ Newer", callback_data=f"{SOURCES_BUTTON}:{page - 1}{suffix}"))
    if page < pages:
        buttons.append(InlineKeyboardButton("Older ›", callback_data=f"{SOURCES_BUTTON}:{page + 1}{suffix}"))
    return InlineKeyboardMarkup([buttons])


def _listing(desk, query: str) -> list:
    """In a worker thread: the indexed articles, newest first (those ``query`` matches)."""
    rows = desk.sources()
    return matching_rows(rows, query) if query else rows


async def on_sources(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``/sources [WORDS]``: the first page of the indexed articles (those matching WORDS)."""
    if not await admit(update, context):
        return
    state = get_state(context)
    query = " ".join(" ".join(context.args or []).split())
    rows = await state.run(_listing, state.desk, query)
    markup = page_buttons(1, page_count(len(rows)), bool(query))
    sent = await send_html(context, update.effective_chat.id, format_sources(rows, 1, query or None),
                           reply_to=update.effective_message.message_id, markup=markup)
    if query and markup:  # the buttons carry the page; the words are remembered by message
        state.listings[(update.effective_chat.id, sent[-1][0].message_id)] = query


async def on_sources_page(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A previous/next button under a listing: the message shows that page instead."""
    query = update.callback_query
    if not await admit(update, context):
        return
    state, message = get_state(context), query.message
    _, page, *searched = query.data.split(":")
    words = state.listings.get((message.chat.id, message.message_id)) if searched else ""
    if words is None:
        await with_retry(lambda: query.answer("This list is out of date; send /sources again.", show_alert=True),
                         state.settings.send_attempts, "answerCallbackQuery")
        return
    await with_retry(lambda: query.answer(), state.settings.send_attempts, "answerCallbackQuery")
    rows = await state.run(_listing, state.desk, words)
    pages = page_count(len(rows))
    page = min(max(1, int(page)), pages)
    try:
        await with_retry(
            lambda: context.bot.edit_message_text(
                format_sources(rows, page, words or None), chat_id=message.chat.id, message_id=message.message_id,
                parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True),
                reply_markup=page_buttons(page, pages, bool(words)),
            ),
            state.settings.send_attempts,
            "editMessageText",
        )
    except BadRequest as error:  # e.g. "message is not modified" after a double tap
        log.info("could not turn the sources page: %s", error)


def _remove(desk, prefix: str):
    """In the ingest thread (the one writer): the one article ``prefix`` names, removed."""
    article, _ = desk.article(prefix)
    desk.remove([article.id])  # by its whole id: never a path on the server
    return article


async def on_remove(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Admins' ``/remove ID``: remove one indexed article by its id or a unique start of it."""
    if not await admit(update, context):
        return
    state = get_state(context)
    if update.effective_user.id not in state.settings.admins:
        await reply(update, context, "Sorry, only admins can remove articles.")
        return
    words = context.args or []
    if len(words) != 1 or not re.fullmatch(r"[0-9a-f]{4,64}", words[0].lower()):
        await reply(update, context, REMOVE_USAGE)
        return
    try:
        article = await state.run_ingest(_remove, state.desk, words[0].lower())
    except InvalidInput as error:
        # The service's own advice names CLI commands: the chat gets the reason and /sources.
        await reply(update, context, escape(f"Sorry, {str(error).split(';')[0]}; /sources shows the ids."))
        return
    log.info("user %s removed article %s", update.effective_user.id, article.id[:SHORT_ID])
    details = ", ".join(filter(None, (article.outlet, article.date)))
    await reply(update, context, f"🗑 Removed <b>{escape(article.title or '(untitled)')}</b>"
                                 + (f" — {escape(details)}" if details else "")
                                 + f" (<code>{escape(article.id[:SHORT_ID])}</code>). It no longer answers questions.")
