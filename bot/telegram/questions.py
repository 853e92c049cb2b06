"""Questions: plain text, ``/ask``, follow-up replies and the "Show the passages" button (and any other)."""

from __future__ import annotations

import logging
import re
import time

from newsdesk.bot.telegram.access import admit, within_rate
from newsdesk.bot.telegram.chat_settings import chat_filters, filters_note
from newsdesk.bot.telegram.sending import reply, send_html, typing, with_retry
from newsdesk.bot.telegram.state import Remembered, get_state
from newsdesk.bot.telegram.uploads import add_from_url
from newsdesk.bot.telegram_format import escape, format_answer, format_passages
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions, Update
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest
from telegram.ext import ContextTypes

log = logging.getLogger(__name__)

PASSAGES_BUTTON = "passages"



def _ask_and_render(desk, question: str, asked: str, k: int, follow_up_of: str | None, filters, described: str):
    """In a worker thread: ask the desk (with the chat's filters), and render the answer and its passages."""
    answer = desk.ask(asked, k=k, filters=filters)
    articles = desk.articles()
    html = format_answer(answer, asked=question, follow_up_of=follow_up_of) + filters_note(described)
    return answer, html, format_passages(answer, articles, asked=question)


async def answer_question(update: Update, context: ContextTypes.DEFAULT_TYPE, question: str) -> None:
    """Answer ``question`` in the update's chat, in the context of the answer it replies to."""
    state = get_state(context)
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
    from newsdesk.retrieval.answering.followup import follow_up_question

    asked = follow_up_question(question, earlier.asked, earlier.answer) if earlier else question
    filters, described = chat_filters(context, chat.id)
    state.questions += 1
    started = time.perf_counter()
    async with typing(context, chat.id):
        try:
            answer, html, passages_html = await state.run(
                _ask_and_render, state.desk, question, asked, state.settings.k, earlier.question if earlier else None,
                filters, described,
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
    if state.settings.log_questions:  # after the reply: the log never holds an answer up
        await _log_question(state, answer, question, chat.id, update.effective_user.id, earlier.question if earlier else None)


async def _log_question(state, answer, question: str, chat_id: int, user_id: int, follow_up_of: str | None) -> None:
    """Add the question to the home's log: the ids and the question, no other message text."""
    from newsdesk.retrieval.question_log import question_entry

    record = question_entry(answer, question, "telegram", chat_id=chat_id, user_id=user_id, follow_up_of=follow_up_of)
    try:
        await state.run(state.desk.question_log.append, record)
    except Exception:  # a record, never a reason to fail the bot; the log says why
        log.exception("could not log the question")


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


async def on_other_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A button press with data the bot never sends (a forged or outdated client): answered
    anyway, quietly, or the user's button spins until Telegram gives up."""
    query = update.callback_query
    log.info("user %s pressed a button the bot does not know (%d bytes of data)",
             query.from_user.id, len(query.data or ""))
    await with_retry(lambda: query.answer(), get_state(context).settings.send_attempts, "answerCallbackQuery")


async def on_passages(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The "Show the passages" button: drop the button, then send the passages as a reply."""
    query = update.callback_query
    if not await admit(update, context):  # a button press is not a question: no rate limit
        return
    state = get_state(context)
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
