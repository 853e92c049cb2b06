"""A chat's defaults for its questions: ``/outlet NAME``, ``/since DATE`` and ``/settings``."""

from __future__ import annotations

from datetime import date

from newsdesk.bot.telegram.access import admit
from newsdesk.bot.telegram.chat_store import describe_filters
from newsdesk.bot.telegram.sending import reply
from newsdesk.bot.telegram.state import get_state
from newsdesk.bot.telegram_format import escape
from newsdesk.retrieval.answering.search import Filters
from newsdesk.retrieval.sources.dates import EXAMPLES, day_of
from telegram import Update
from telegram.ext import ContextTypes

CLEAR_WORDS = ("off", "clear", "none", "all", "any")
OUTLETS_SHOWN = 20  # in the reply to an outlet that matches none


def chat_filters(context: ContextTypes.DEFAULT_TYPE, chat_id: int) -> tuple[Filters, str]:
    """The filters a chat's questions are asked with, and how to say so (empty: none)."""
    prefs = get_state(context).chats.get(chat_id)
    today = date.today()  # read here, at the edge: relative days count from the day asked
    return prefs.filters(today), describe_filters(prefs, today)


def filters_note(described: str) -> str:
    """The line under an answer given with a chat's defaults, so that nobody wonders why."""
    return f"\n\n<i>Asked with this chat's settings: {escape(described)} (/settings).</i>" if described else ""


async def on_outlet(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``/outlet NAME``: answer this chat's questions from that outlet only; ``/outlet off`` clears it."""
    if not await admit(update, context):
        return
    state, chat_id = get_state(context), update.effective_chat.id
    name = " ".join(" ".join(context.args or []).split())
    if not name:
        current = state.chats.get(chat_id).outlet
        await reply(update, context, (f"This chat's questions are answered from <b>{escape(current)}</b> only. " if current else "")
                    + "Send <code>/outlet NAME</code> (part of the name will do) to answer from one outlet, "
                      "<code>/outlet off</code> for all.")
        return
    if name.lower() in CLEAR_WORDS:
        state.chats.update(chat_id, outlet=None)
        await reply(update, context, "This chat's questions are answered from every outlet again.")
        return
    check = await state.run(state.desk.check_filters, Filters(outlet=name))
    if not check.by_outlet:
        listed = ", ".join(check.outlets[:OUTLETS_SHOWN]) + (", …" if len(check.outlets) > OUTLETS_SHOWN else "")
        await reply(update, context, escape(f"No indexed outlet matches {name!r}. Outlets: {listed or 'none yet'}."))
        return
    state.chats.update(chat_id, outlet=name)
    await reply(update, context, f"This chat's questions are now answered from <b>{escape(name)}</b> only "
                                 f"({check.by_outlet} article{'s' * (check.by_outlet != 1)} now). "
                                 "<code>/outlet off</code> clears it; /settings shows it.")


async def on_since(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``/since DATE``: answer this chat's questions from articles dated since then; ``/since off`` clears it."""
    if not await admit(update, context):
        return
    state, chat_id = get_state(context), update.effective_chat.id
    text = " ".join(" ".join(context.args or []).split())
    if not text:
        await reply(update, context, escape(f"Send /since DATE ({EXAMPLES}) to answer from articles dated since then, "
                                            "/since off for any date."))
        return
    if text.lower() in CLEAR_WORDS:
        state.chats.update(chat_id, since=None)
        await reply(update, context, "This chat's questions are answered from articles of any date again.")
        return
    try:
        day = day_of(text, date.today())
    except ValueError as error:
        await reply(update, context, escape(f"Sorry, {error}."))
        return
    state.chats.update(chat_id, since=text)
    moving = " (it moves with the calendar)" if day != text else ""
    await reply(update, context, f"This chat's questions are now answered from articles dated since "
                                 f"<b>{escape(day)}</b>{moving}; undated articles are left out. "
                                 "<code>/since off</code> clears it; /settings shows it.")


def format_settings(outlet: str | None, since: str | None, since_day: str | None, alerts: int = 0) -> str:
    """The ``/settings`` reply: the chat's defaults and how to change or clear them, and its alerts."""
    lines = ["<b>This chat's settings</b>",
             f"• Outlet: {f'<b>{escape(outlet)}</b>' if outlet else 'every outlet'} (<code>/outlet NAME</code>, <code>/outlet off</code>)"]
    when = f"<b>{escape(since)}</b>" + (f" ({escape(since_day)})" if since_day and since_day != since else "") if since else "any date"
    lines.append(f"• Since: {when} (<code>/since DATE</code>, <code>/since off</code>)")
    lines.append(f"• Alerts: {alerts} (/alerts)")
    return "\n".join(lines)


async def on_settings(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``/settings``: what this chat's questions are asked with."""
    if not await admit(update, context):
        return
    prefs = get_state(context).chats.get(update.effective_chat.id)
    since_day = day_of(prefs.since, date.today()) if prefs.since else None
    await reply(update, context, format_settings(prefs.outlet, prefs.since, since_day, len(prefs.alerts)))
