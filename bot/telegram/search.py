"""``/search WORDS``: the passages that match, with their sources and the words in bold."""

from __future__ import annotations

import functools

from newsdesk.bot.telegram.access import admit, within_rate
from newsdesk.bot.telegram.chat_settings import chat_filters, filters_note
from newsdesk.bot.telegram.sending import reply
from newsdesk.bot.telegram.state import get_state
from newsdesk.bot.telegram_format import escape
from telegram import Update
from telegram.ext import ContextTypes

from newsdesk.types import SHORT_ID, source_name

SEARCH_SHOWN = 5  # passages in one reply: a chat is no place for a long listing
EXCERPT_CHARS = 300
USAGE = "Send the words to look for, for example: <code>/search Berlin talks</code>"


def _marked_html(text: str, marks) -> str:
    """``text`` escaped, with each mark in bold (overlapping marks: the first stands)."""
    out, at = [], 0
    for start, end in sorted(marks):
        if start < at:
            continue
        out += [escape(text[at:start]), f"<b>{escape(text[start:end])}</b>"]
        at = end
    return "".join(out + [escape(text[at:])])


def _label(article) -> str:
    """``NewsNeck — “Title” (2025-12-14) · 28acb17d5554``, escaped; never a file name as outlet."""
    if article.outlet:
        label = f"<b>{escape(article.outlet)}</b>" + (f" — “{escape(article.title)}”" if article.title else "")
    else:
        label = escape(source_name(None, article.title, article.id))
    if article.date:
        label += f" ({escape(article.date)})"
    return label + f" · <code>{escape(article.id[:SHORT_ID])}</code>"


def format_search(query: str, found) -> str:
    """The ``/search`` reply: each passage's source, then the passage around the matched words."""
    from newsdesk.retrieval.answering.passages import excerpt

    if not found:
        return f"Nothing matches <i>{escape(query)}</i>. Send /sources to see what is indexed."
    lines = [f"<b>Passages for:</b> {escape(query)}"]
    for number, passage in enumerate(found, 1):
        text, marks, before, after = excerpt(passage.chunk.text, passage.marks, EXCERPT_CHARS)
        body = ("…" if before else "") + " ".join(_marked_html(text, marks).split()) + ("…" if after else "")
        lines += ["", f"<b>[{number}]</b> {_label(passage.article)}", f"<blockquote>{body}</blockquote>"]
    return "\n".join(lines)


async def on_search(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``/search WORDS``: the best matching passages (the retrieval questions use, no reader)."""
    if not await admit(update, context) or not await within_rate(update, context):
        return
    query = " ".join(" ".join(context.args or []).split())
    if not query:
        await reply(update, context, USAGE)
        return
    state = get_state(context)
    filters, described = chat_filters(context, update.effective_chat.id)
    try:
        found = await state.run(functools.partial(state.desk.search, query, k=SEARCH_SHOWN, filters=filters))
    except ValueError as error:  # an over-long query: the user's to fix, not a bug
        await reply(update, context, escape(f"Sorry, I can't search for that: {error}."))
        return
    await reply(update, context, format_search(query, found) + filters_note(described))
