"""Topic alerts: ``/alert TERM``, ``/alerts``, ``/unalert TERM``, and the check that posts each
newly indexed article matching a chat's alerts, whoever indexed it (an upload, a link, the
bot's feed poll, or ``ingest``, ``watch`` and ``feeds poll`` in another process).

What is new is what the live index holds and the store's ``seen`` ids do not: the check runs
after each of the bot's own index changes and, by the job queue, every ``alert_check_s``
seconds for other processes' (a cheap look at the live version's name when nothing changed).
"""

from __future__ import annotations

import logging

from newsdesk.bot.telegram.access import admit, is_allowed
from newsdesk.bot.telegram.sending import reply, send_html
from newsdesk.bot.telegram.state import get_state
from newsdesk.bot.telegram.topics import Alert, due_alerts, find_term, parse_term, same_term, show_term, snippet
from newsdesk.bot.telegram_format import escape, safe_url
from telegram import Update
from telegram.error import TelegramError
from telegram.ext import Application, ContextTypes

from newsdesk.types import SHORT_ID, source_name

log = logging.getLogger(__name__)

MAX_ALERTS = 20  # per chat
MAX_POSTS = 10  # articles posted to one chat per check; the rest are counted in one line
USAGE = ('Send <code>/alert WORDS</code> and I post here each new article that mentions them (whole words, '
         'any case; <code>/alert "river park"</code> for a phrase), e.g. <code>/alert flood</code>.')


def _live(desk) -> tuple[str | None, dict]:
    """In a worker thread: the live index version's name and its articles by id."""
    version = desk.live_version()
    return version, dict(desk.articles()) if version else {}


async def _set_baseline(state) -> None:
    """The articles indexed now are not news: alerts start from them."""
    version, articles = await state.run(_live, state.desk)
    state.chats.seen, state.alerts_version = set(articles), version


async def on_alert(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``/alert TERM``: post each newly indexed article that matches TERM in this chat."""
    if not await admit(update, context):
        return
    state, chat_id = get_state(context), update.effective_chat.id
    if not context.args:
        await reply(update, context, USAGE)
        return
    try:
        term = show_term(parse_term(" ".join(context.args)))
    except ValueError as error:
        await reply(update, context, escape(f"Sorry, {error}."))
        return
    prefs = state.chats.get(chat_id)
    if any(same_term(a.term, term) for a in prefs.alerts):
        await reply(update, context, f"This chat already has an alert for <b>{escape(term)}</b>. /alerts lists them.")
        return
    if len(prefs.alerts) >= MAX_ALERTS:
        await reply(update, context, f"This chat has {MAX_ALERTS} alerts, the most it may have; /unalert one first.")
        return
    async with state.alert_lock:
        if state.chats.seen is None or not state.chats.alerts():  # a first alert: what is indexed now is not new
            await _set_baseline(state)
        state.chats.update(chat_id, alerts=(*prefs.alerts, Alert(term, update.effective_user.id)))
    await reply(update, context, f"🔔 I'll post here each new article that mentions <b>{escape(term)}</b>, "
                                 f"whoever adds it. <code>/unalert {escape(term)}</code> stops it; /alerts lists them.")


async def on_alerts(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``/alerts``: this chat's alerts."""
    if not await admit(update, context):
        return
    alerts = get_state(context).chats.get(update.effective_chat.id).alerts
    if not alerts:
        await reply(update, context, "This chat has no alerts. " + USAGE)
        return
    lines = [f"<b>This chat's alerts</b> ({len(alerts)})"] + [f"• {escape(a.term)}" for a in alerts]
    await reply(update, context, "\n".join(lines + ["", "<code>/unalert TERM</code> stops one."]))


async def on_unalert(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``/unalert TERM``: stop one of this chat's alerts."""
    if not await admit(update, context):
        return
    state, chat_id = get_state(context), update.effective_chat.id
    try:
        term = show_term(parse_term(" ".join(context.args or [])))
    except ValueError:
        await reply(update, context, "Send <code>/unalert TERM</code> with a term from /alerts.")
        return
    alerts = state.chats.get(chat_id).alerts
    kept = tuple(a for a in alerts if not same_term(a.term, term))
    if len(kept) == len(alerts):
        await reply(update, context, f"This chat has no alert for <b>{escape(term)}</b>. /alerts lists them.")
        return
    state.chats.update(chat_id, alerts=kept)
    await reply(update, context, f"Stopped the alert for <b>{escape(term)}</b>.")


def format_alert(article, terms: list[str]) -> str:
    """The message for one new article: the terms it matched, its source, and where it says so."""
    text, before, after = snippet(article.text, find_term(terms[0], article.text))  # None: only the title matched
    title = f"“{escape(article.title)}”" if article.title else escape(source_name(None, None, article.id))
    url = safe_url(article.url)
    title = f'<a href="{escape(url)}">{title}</a>' if url else title
    source = (f"<b>{escape(article.outlet)}</b> — " if article.outlet else "") + title
    if article.date:
        source += f" ({escape(article.date)})"
    quote = ("…" if before else "") + escape(text) + ("…" if after else "")
    return (f"🔔 New article for <b>{escape(', '.join(terms))}</b>:\n{source} · <code>{escape(article.id[:SHORT_ID])}</code>"
            f"\n<blockquote>{quote}</blockquote>")


async def _post(application: Application, chat_id: int, html: str) -> None:
    try:
        await send_html(application, chat_id, html)
    except TelegramError as error:  # e.g. the bot left the chat: the other chats still get theirs
        log.warning("could not post an alert to chat %s: %s", chat_id, error)


async def check_alerts(application: Application) -> None:
    """Post the articles indexed since the last check that match the chats' alerts, at most
    once per article and chat; then remember the live index's articles as seen."""
    state = get_state(application)
    if not state.chats.alerts():
        return
    async with state.alert_lock:
        if state.alerts_version is not None and await state.run(state.desk.live_version) == state.alerts_version:
            return  # nothing changed: no index to read
        version, articles = await state.run(_live, state.desk)
        if version is None:  # no readable live version: what it holds is unknown, not empty
            return
        if state.chats.seen is None:  # alerts from a store without a baseline: start from now
            state.chats.seen, state.alerts_version = set(articles), version
            state.chats.save()
            return
        new = [article for article_id, article in articles.items() if article_id not in state.chats.seen]
        alerts = {chat: chat_alerts for chat, chat_alerts in state.chats.alerts().items()
                  if any(is_allowed(state.settings, chat, a.by) for a in chat_alerts)}  # the allowlist may have changed
        due = due_alerts(alerts, {chat: state.chats.get(chat).sent for chat in alerts}, new)
        for chat_id, found in due.items():
            state.chats.chats[chat_id] = state.chats.get(chat_id).told(article.id for article, _ in found)
        state.chats.seen, state.alerts_version = set(articles), version
        state.chats.save()  # before posting: a crash while posting never repeats an alert
    for chat_id, found in due.items():
        for article, terms in found[:MAX_POSTS]:
            await _post(application, chat_id, format_alert(article, terms))
        if len(found) > MAX_POSTS:
            await _post(application, chat_id, f"… and {len(found) - MAX_POSTS} more new articles match this chat's "
                                              "alerts; /sources lists them.")
    if due:
        log.info("alerts: %d new articles, posted to %d chats", len(new), len(due))


async def alert_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """The job: catch other processes' index changes (``ingest``, ``watch``, ``feeds poll``)."""
    await check_alerts(context.application)


def after_index_change(application: Application):
    """What ``BotState.run_ingest`` calls after the bot changed the index: a check, in the background."""
    def schedule() -> None:
        application.create_task(check_alerts(application), name="alerts")
    return schedule


def add_alert_job(application: Application, settings) -> None:
    """Check for other processes' new articles every ``alert_check_s`` (when the job queue is there)."""
    get_state(application).index_changed = after_index_change(application)
    if application.job_queue is not None:
        application.job_queue.run_repeating(alert_job, interval=settings.alert_check_s, first=settings.alert_check_s,
                                            name="alerts")

