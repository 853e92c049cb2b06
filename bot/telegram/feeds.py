"""The bot's feeds: admins' ``/follow URL``, ``/unfollow URL`` and ``/feeds``, the job that
polls the followed feeds on their intervals (python-telegram-bot's job queue), and the message
to the chat that followed a feed once its first poll is done.

The handlers are in the command table of ``build_application``; ``add_feed_job`` starts the job.
"""

from __future__ import annotations

import functools
import logging
import time

from newsdesk.bot.telegram.access import admit
from newsdesk.bot.telegram.sending import reply, send_html
from newsdesk.bot.telegram.state import get_state
from newsdesk.bot.telegram.uploads import log_host
from newsdesk.bot.telegram_format import escape
from newsdesk.retrieval.sources.feeds.records import FeedOptions, describe_interval, parse_interval
from telegram import Update
from telegram.error import TelegramError
from telegram.ext import Application, ContextTypes

from newsdesk.errors import FeedError, FetchError

log = logging.getLogger(__name__)

FEED_FETCH_FAILED = ("Sorry, I couldn't fetch that feed: it may be unreachable, not public, too large "
                     "or not a web address.")
FIRST_POLL_S = 5.0  # after start: the model is warm by then, and a restart catches up at once


def feed_options(settings) -> FeedOptions:
    """How the bot's polls fetch, from its settings (NEWSDESK_ALLOW_PRIVATE_URLS among them)."""
    return FeedOptions(allow_private=settings.allow_private_urls, host_delay_s=settings.feed_host_delay_s)


async def _admin(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """An allowed admin (feed commands are not questions: no rate limit); anyone else is told (once) or ignored."""
    if not await admit(update, context):
        return False
    if update.effective_user.id not in get_state(context).settings.admins:
        await reply(update, context, "Sorry, only admins can follow feeds. You can ask me questions about the indexed articles.")
        return False
    return True


async def on_follow(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``/follow URL [INTERVAL]``: check the feed, follow it, and fetch its items now."""
    if not await _admin(update, context):
        return
    words = context.args or []
    if not 1 <= len(words) <= 2:
        await reply(update, context, "Send <code>/follow URL</code> with the address of an RSS or Atom feed, "
                                     "and optionally how often to poll it: <code>/follow URL 30m</code>.")
        return
    state = get_state(context)
    try:
        interval = parse_interval(words[1]) if len(words) == 2 else state.settings.feed_interval_s
    except ValueError as error:
        await reply(update, context, escape(f"Sorry, {error}."))
        return
    try:
        feed, new, parsed = await state.run(state.desk.feeds.add, words[0], feed_options(state.settings), interval)
    except FetchError as error:  # the detail stays in the log, as for links
        log.info("user %s: could not follow a feed at %s: %s", update.effective_user.id, log_host(words[0]), error.reason)
        await reply(update, context, FEED_FETCH_FAILED)
        return
    except FeedError as error:
        await reply(update, context, escape(f"Sorry, I can't follow that: {error}."))
        return
    log.info("user %s follows %s (%s)", update.effective_user.id, log_host(feed.url), "new" if new else "again")
    listed = f"{len(parsed.items)} item{'s' * (len(parsed.items) != 1)}"
    text = (f"Following <b>{escape(feed.title)}</b> every {describe_interval(feed.interval_s)}. "
            + (f"It lists {listed}; I'm fetching the new ones now." if new else "I already followed it; its interval is updated."))
    await reply(update, context, text)
    if new:
        state.first_polls[feed.url] = update.effective_chat.id
    if new and context.job_queue is not None:
        context.job_queue.run_once(poll_job, 0, name="feeds-now")


async def on_unfollow(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``/unfollow URL``: stop polling a feed; its articles stay indexed."""
    if not await _admin(update, context):
        return
    if len(context.args or []) != 1:
        await reply(update, context, "Send <code>/unfollow URL</code> with the feed's address (see /feeds).")
        return
    state = get_state(context)
    try:
        feed = await state.run(state.desk.feeds.remove, context.args[0])
    except FeedError:
        await reply(update, context, "I don't follow that feed. Send /feeds to see the ones I follow.")
        return
    await reply(update, context, f"Stopped following <b>{escape(feed.title)}</b>. Its {feed.articles} "
                                 f"article{'s' * (feed.articles != 1)} stay indexed.")


def _count(articles: int | None) -> str:
    """``3 articles``; ``articles unknown`` when the index cannot be read to count them."""
    return "articles unknown" if articles is None else f"{articles} article{'s' * (articles != 1)}"


def format_feeds(feeds) -> str:
    """The /feeds message: each feed's title, interval, what it brought, its last poll and URL."""
    if not feeds:
        return "I follow no feeds yet. Send <code>/follow URL</code> with an RSS or Atom feed's address."
    lines = [f"<b>Feeds I follow</b> ({len(feeds)})"]
    for feed in feeds:
        if feed.last_poll is None:
            polled = "not polled yet"
        else:
            # The reason a poll failed stays in the log, as for links: the message says that it did.
            status = "failed" if (feed.last_status or "").startswith("failed") else feed.last_status
            polled = f"last poll {time.strftime('%Y-%m-%d %H:%M', time.localtime(feed.last_poll))}: {status}"
        lines.append(f"• <b>{escape(feed.title)}</b> — every {describe_interval(feed.interval_s)}, "
                     f"{_count(feed.articles)}; {polled}\n  {escape(feed.url)}")
    return "\n".join(lines)


async def on_feeds(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if not await _admin(update, context):
        return
    state = get_state(context)
    feeds = await state.run(state.desk.feeds.list)
    await reply(update, context, format_feeds(feeds))


async def poll_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """The job: poll the feeds that are due, in the ingest thread (one writer), and log it."""
    state = get_state(context)
    poll = functools.partial(state.desk.feeds.poll, feed_options(state.settings), due_only=True, wait=False)
    summary = await state.run_ingest(poll)
    if summary is not None and summary.feeds:
        state.articles_added += summary.added
        for line in summary.lines():
            (log.warning if line.startswith("  ") or ": failed:" in line else log.info)("feeds: %s", line.strip())
    await report_first_polls(context)  # also after another process's poll, which this one skipped


def first_poll_text(feed) -> str:
    """The message to the chat that followed ``feed``, once its first poll is done."""
    every = describe_interval(feed.interval_s)
    if (feed.last_status or "").startswith("failed"):  # why stays in the log, as for links
        return f"I couldn't fetch <b>{escape(feed.title)}</b> on its first poll; I'll try again every {every} (/feeds)."
    return (f"First poll of <b>{escape(feed.title)}</b> done: {_count(feed.articles)} from it indexed. "
            f"I'll look for new ones every {every}.")


async def report_first_polls(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Tell each chat that followed a feed with /follow when that feed's first poll is done."""
    state = get_state(context)
    if not state.first_polls:
        return
    feeds = {feed.url: feed for feed in await state.run(state.desk.feeds.list)}
    for url, chat_id in list(state.first_polls.items()):
        feed = feeds.get(url)
        if feed is not None and feed.last_poll is None:
            continue  # not polled yet
        del state.first_polls[url]
        if feed is None:
            continue  # unfollowed meanwhile: nothing to report
        try:
            await send_html(context, chat_id, first_poll_text(feed))
        except TelegramError as error:  # e.g. the bot left the chat: the poll itself went well
            log.warning("could not report the first poll of a feed to chat %s: %s", chat_id, error)


def add_feed_job(application: Application, settings) -> None:
    """Start the repeating poll (when the job queue is there)."""
    if application.job_queue is None:
        log.warning('feeds are not polled: the job queue needs pip install "python-telegram-bot[job-queue]"')
        return
    application.job_queue.run_repeating(poll_job, interval=settings.feed_check_s,
                                        first=min(FIRST_POLL_S, settings.feed_check_s), name="feeds")
