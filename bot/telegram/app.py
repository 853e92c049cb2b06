"""The ``Application``: handlers, the error handler, start-up and shut-down."""

from __future__ import annotations

import logging
import sys
from concurrent.futures import ThreadPoolExecutor

from newsdesk.bot.telegram.alerts import add_alert_job, on_alert, on_alerts, on_unalert
from newsdesk.bot.telegram.chat_settings import on_outlet, on_settings, on_since
from newsdesk.bot.telegram.chat_store import ChatStore
from newsdesk.bot.telegram.commands import on_help, on_start, on_stats, on_unknown_command
from newsdesk.bot.telegram.feeds import add_feed_job, on_feeds, on_follow, on_unfollow
from newsdesk.bot.telegram.questions import PASSAGES_BUTTON, on_ask, on_other_button, on_passages, on_text
from newsdesk.bot.telegram.search import on_search
from newsdesk.bot.telegram.sending import with_retry
from newsdesk.bot.telegram.settings import BotSettings
from newsdesk.bot.telegram.sources import SOURCES_BUTTON, on_remove, on_sources, on_sources_page
from newsdesk.bot.telegram.state import BotState, Bounded, Command, RateLimiter, get_state
from newsdesk.bot.telegram.uploads import on_document
from telegram import BotCommand, Update
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

log = logging.getLogger(__name__)



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



# Every command, once: the handlers, /help and the menu are made from this table.
COMMANDS = (
    Command("start", on_start, "/start", "a greeting and the help", listed=False),
    Command("ask", on_ask, "/ask QUESTION", "ask a question about the news articles (the way to ask in groups)",
            "/ask Who hosted the Berlin talks?"),
    Command("search", on_search, "/search WORDS", "the passages that mention them, with their sources",
            "/search Berlin talks"),
    Command("sources", on_sources, "/sources [WORDS]",
            "the indexed articles, newest first, page by page (WORDS: those whose title, outlet or date hold them)",
            "/sources harvest"),
    Command("outlet", on_outlet, "/outlet NAME", "answer this chat's questions from one outlet (/outlet off: all)",
            "/outlet Valley Times"),
    Command("since", on_since, "/since DATE", "answer this chat's questions from articles dated since then (/since off: any)",
            "/since 7d"),
    Command("settings", on_settings, "/settings", "this chat's outlet and date settings"),
    Command("alert", on_alert, "/alert TERM",
            'post here each new article that mentions TERM (whole words; "a phrase" in quotes)', "/alert flood"),
    Command("alerts", on_alerts, "/alerts", "this chat's alerts"),
    Command("unalert", on_unalert, "/unalert TERM", "stop an alert", "/unalert flood"),
    Command("stats", on_stats, "/stats", "how much I have been asked"),
    Command("help", on_help, "/help", "how to use the bot, with examples"),
    Command("remove", on_remove, "/remove ID", "remove an article (its id from /sources)", "/remove 28acb17d", admin=True),
    Command("follow", on_follow, "/follow URL [INTERVAL]",
            "follow an RSS or Atom feed: its new articles arrive by themselves", "/follow https://example.com/rss.xml 30m",
            admin=True),
    Command("unfollow", on_unfollow, "/unfollow URL", "stop following a feed (its articles stay)", admin=True),
    Command("feeds", on_feeds, "/feeds", "the feeds I follow", admin=True),
)


def menu(commands) -> list[BotCommand]:
    """Telegram's command menu: everyone's listed commands (an admin's are in their /help)."""
    return [BotCommand(c.name, c.about[:256]) for c in commands if c.listed and not c.admin]


async def _post_init(application: Application) -> None:
    """Before the first update: load the model and the index, and publish the command list."""
    state = get_state(application)
    await state.run(state.desk.warm_up)
    try:
        await with_retry(lambda: application.bot.set_my_commands(menu(COMMANDS)), state.settings.send_attempts, "setMyCommands")
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
    state = get_state(application)
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
        chats=ChatStore.load(desk.settings.home),
        commands=COMMANDS,
    )
    new_messages = filters.UpdateType.MESSAGE  # edits of old messages are not new questions
    for command in COMMANDS:
        application.add_handler(CommandHandler(command.name, command.handler, filters=new_messages))
    add_feed_job(application, settings)
    add_alert_job(application, settings)
    application.add_handler(MessageHandler(new_messages & filters.COMMAND & filters.ChatType.PRIVATE, on_unknown_command))
    application.add_handler(CallbackQueryHandler(on_passages, pattern=f"^{PASSAGES_BUTTON}$"))
    application.add_handler(CallbackQueryHandler(on_sources_page, pattern=rf"^{SOURCES_BUTTON}:\d{{1,6}}(:q)?$"))
    application.add_handler(CallbackQueryHandler(on_other_button))  # after every button's own handler
    application.add_handler(MessageHandler(new_messages & filters.Document.ALL, on_document))
    application.add_handler(MessageHandler(new_messages & filters.TEXT & ~filters.COMMAND, on_text))
    application.add_error_handler(on_error)
    return application
