"""``newsdesk bot``: logging that never shows the token, the webhook, and running until stopped."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import re
import secrets
import threading
from urllib.parse import quote, urlparse

from newsdesk.bot.telegram.app import build_application
from newsdesk.bot.telegram.settings import settings_from_env
from telegram import Update
from telegram.error import InvalidToken, NetworkError

from newsdesk.errors import NewsdeskError

log = logging.getLogger(__name__)

BOOTSTRAP_RETRIES = 5  # startup tries when the Bot API cannot be reached
MAX_WEBHOOK_BODY = 1024 * 1024  # a Telegram update is a few KB; anything larger is not one



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


SCHEDULER_LOGGER = "apscheduler"  # the job queue's scheduler: two info lines per job run, every minute


def quiet_library_logs(api_url: str, verbose: int) -> None:
    """Unless ``-vv``: python-telegram-bot logs one line per event, never a traceback, and the
    job queue's scheduler only its warnings (``-v`` is for newsdesk's own lines)."""
    if verbose >= 2:
        return
    logging.getLogger(SCHEDULER_LOGGER).setLevel(logging.WARNING)
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
        secret_token = _webhook_secret(bot_settings.webhook_secret)
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
