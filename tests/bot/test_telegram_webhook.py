"""End-to-end test of webhook mode: ``newsdesk bot --webhook-url ...`` (the CLI's own argument
parsing and ``run_bot``, so python-telegram-bot's ``run_webhook``) in a thread, serving its
webhook on 127.0.0.1 with the fake Bot API server as the API. The test plays Telegram (or the
reverse proxy in front of the bot): it POSTs updates to the webhook, with and without the
right secret header, and reads the answers off the fake server. Every wait is bounded.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import logging
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from newsdesk.bot import cli
from newsdesk.bot.telegram import run as telegram_run
from newsdesk.bot.telegram.run import RedactToken

from newsdesk.errors import NewsdeskError

from .conftest import USER, check_telegram_html
from .fake_telegram import TOKEN

pytest.importorskip("tornado", reason="webhook mode needs python-telegram-bot[webhooks]")

PUBLIC_URL = "https://bot.example.com/newsdesk/hook"  # what Telegram is told; the proxy forwards to 127.0.0.1
SECRET = "test-Webhook_secret-42"
RIVERSIDE = "Who opened the Riverside Harvest Festival?"
JAZZ = "Who opened the Lakeside Jazz Week?"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def accepts_connections(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def post_update(port: int, update: dict, secret: str | None, content_type: str = "application/json") -> int:
    """POST ``update`` to the bot's webhook as Telegram does; the HTTP status it answered."""
    headers = {"Content-Type": content_type}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)  # direct: no proxy from the environment
    try:
        connection.request("POST", "/newsdesk/hook", body=json.dumps(update).encode(), headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def post_oversized(port: int, declared: int, sent: int = 64 * 1024) -> str:
    """Start a POST that declares ``declared`` bytes of body and send only ``sent`` of them;
    the status line the bot answered ("" if it only closed the connection)."""
    head = (f"POST /newsdesk/hook HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"X-Telegram-Bot-Api-Secret-Token: wrong\r\nContent-Length: {declared}\r\n\r\n").encode()
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        try:
            sock.sendall(head + b"x" * sent)
            return sock.recv(200).decode("latin-1").split("\r\n", 1)[0]
        except ConnectionError:
            return ""


class WebhookBot:
    """``newsdesk bot --webhook-url ...`` in a thread. ``run_bot`` installs no signal handlers
    off the main thread; the test stops it with ``Application.stop_running()`` on its loop, the
    way a SIGTERM does in the main thread."""

    def __init__(self, argv: list[str]):
        self.args = cli.build_parser().parse_args(argv)
        self.application = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.outcome: object = None  # run_bot's exit code, or what it raised
        self.thread = threading.Thread(target=self._run, name="webhook-bot", daemon=True)

    def _run(self) -> None:
        try:
            self.outcome = cli.run_bot(self.args)
        except BaseException as error:  # reported by the test, not lost in the thread
            self.outcome = error

    def capture(self, build):
        """Wrap ``build_application``: keep the Application, and its loop once post_init runs."""

        def wrapped(settings, desk):
            application = build(settings, desk)
            post_init = application.post_init

            async def noting_the_loop(app):
                await post_init(app)
                self.loop = asyncio.get_running_loop()

            application.post_init = noting_the_loop
            self.application = application
            return application

        return wrapped

    def wait_serving(self, telegram, port: int, timeout: float = 15.0) -> None:
        """Until the webhook is registered with the fake server and its port takes connections."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.thread.is_alive():
                raise AssertionError(f"the bot stopped while starting: {self.outcome!r}")
            if telegram.webhook is not None and accepts_connections(port):
                return
            time.sleep(0.05)
        raise AssertionError(f"the webhook never came up; calls: {[(c.method, c.status) for c in telegram.calls]}")

    def stop(self, timeout: float = 15.0) -> None:
        app, loop = self.application, self.loop
        if self.thread.is_alive() and loop is not None:
            try:  # a bot still starting up (a failed test) is stopped by stopping its loop
                loop.call_soon_threadsafe(lambda: app.stop_running() if app.running else loop.stop())
            except RuntimeError:  # the loop is closed: the bot stopped on its own
                pass
        self.thread.join(timeout)


@pytest.fixture
def bot_env(monkeypatch):
    """The environment ``newsdesk bot`` reads, for the fake server; no redaction filter left behind."""
    for name in ("NEWSDESK_ALLOWED_CHATS", "NEWSDESK_ADMINS", "NEWSDESK_RATE_LIMIT", "NEWSDESK_TELEGRAM_API_URL",
                 "NEWSDESK_WEBHOOK_URL", "NEWSDESK_WEBHOOK_SECRET", "NEWSDESK_WEBHOOK_LISTEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("NEWSDESK_ALLOWED_USERS", str(USER))
    monkeypatch.setenv("NEWSDESK_WEBHOOK_LISTEN", "127.0.0.1")
    yield monkeypatch
    for handler in logging.getLogger().handlers:
        for flt in [f for f in handler.filters if isinstance(f, RedactToken)]:
            handler.removeFilter(flt)


@pytest.mark.timeout(60)  # a hard bound on top of the bounded waits
def test_webhook_mode_answers_updates_with_the_secret_and_refuses_the_rest(desk, telegram, bot_env):
    bot_env.setenv("NEWSDESK_WEBHOOK_SECRET", SECRET)
    opened = []

    def open_desk(settings):  # the test's index and fast encoder instead of loading the model
        opened.append(settings)
        return desk

    bot_env.setattr("newsdesk.retrieval.service.Newsdesk", open_desk)
    port = free_port()
    bot = WebhookBot(["bot", "--home", str(desk.settings.home), "--reader", "baseline", "--api-url", telegram.url,
                      "--webhook-url", PUBLIC_URL, "--webhook-port", str(port)])
    bot_env.setattr(telegram_run, "build_application", bot.capture(telegram_run.build_application))
    threads_before = set(threading.enumerate())
    started = time.monotonic()
    bot.thread.start()
    try:
        bot.wait_serving(telegram, port)
        assert [Path(s.home) for s in opened] == [Path(desk.settings.home)]

        # Registered with Telegram: the public URL, the secret, only the updates it handles.
        webhook = telegram.webhook
        assert webhook["url"] == PUBLIC_URL
        assert webhook["secret_token"] == SECRET
        assert webhook["allowed_updates"] == ["message", "callback_query"]
        assert not telegram.requests("getUpdates", ok=None)  # no polling in webhook mode

        # Without the right secret: refused before the update reaches a handler.
        forged = telegram.new_message(USER, USER, JAZZ)
        assert post_update(port, telegram.new_update({"message": forged}), secret="not-the-secret") == 403
        assert post_update(port, telegram.new_update({"message": forged}), secret=None) == 403
        assert post_update(port, telegram.new_update({"message": forged}), secret=SECRET, content_type="text/plain") == 403

        # A body far larger than any update is refused from its Content-Length, before it is read.
        started_at = time.monotonic()
        for _ in range(3):
            assert post_oversized(port, declared=90 * 1024 * 1024) in ("HTTP/1.1 400 Bad Request", "")
        assert time.monotonic() - started_at < 5

        # With it: answered through the Bot API, as a reply to the question.
        question = telegram.new_message(USER, USER, RIVERSIDE)
        assert post_update(port, telegram.new_update({"message": question}), secret=SECRET) == 200
        answer = telegram.wait_for(lambda: [c for c in telegram.requests("sendMessage", chat_id=USER)
                                            if c.params["reply_parameters"]["message_id"] == question["message_id"]],
                                   timeout=10)[0]
        text = answer.params["text"]
        check_telegram_html(text)
        assert answer.params["parse_mode"] == "HTML"
        assert text.startswith("<b>Elena Novak</b>")
        assert "<blockquote>" in text and "Elena Novak" in text.split("<blockquote>", 1)[1]
        assert telegram.requests("sendChatAction", chat_id=USER, action="typing")

        telegram.quiet(0.3)
        sent = telegram.requests("sendMessage", ok=None)
        assert [c.params["reply_parameters"]["message_id"] for c in sent] == [question["message_id"]]
        assert all("Maria Santos" not in c.params["text"] for c in sent)  # the forged question got nothing
    finally:
        bot.stop()

    # A clean stop: run_bot returned 0, the port is closed, no thread of the bot is left.
    assert not bot.thread.is_alive(), "the bot did not stop"
    assert bot.outcome == 0, bot.outcome
    assert not accepts_connections(port)
    assert bot.loop.is_closed()
    deadline = time.monotonic() + 5
    while (left := [t for t in threading.enumerate() if t not in threads_before and t.is_alive()]) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not left, f"threads left running: {[t.name for t in left]}"
    assert time.monotonic() - started < 20


def test_the_webhook_server_limits_request_bodies_only_while_the_bot_serves():
    from tornado.httpserver import HTTPServer

    def limit() -> int | None:
        return HTTPServer(lambda request: None).conn_params.max_body_size

    assert limit() is None
    with telegram_run.webhook_body_limit(telegram_run.MAX_WEBHOOK_BODY):
        assert limit() == telegram_run.MAX_WEBHOOK_BODY == 1024 * 1024
    assert limit() is None


def test_the_webhook_listens_on_loopback_unless_told_otherwise(monkeypatch):
    monkeypatch.delenv("NEWSDESK_WEBHOOK_LISTEN", raising=False)
    assert cli.build_parser().parse_args(["bot"]).webhook_listen == "127.0.0.1"
    assert cli.build_parser().parse_args(["bot", "--webhook-listen", "0.0.0.0"]).webhook_listen == "0.0.0.0"


def test_polling_again_after_a_webhook_removes_it(desk, telegram, start_bot):
    # Telegram refuses getUpdates while a webhook is set; starting to poll deletes it first.
    telegram.webhook = {"url": PUBLIC_URL, "secret_token": SECRET}
    start_bot(desk)
    question = telegram.push_message(USER, USER, RIVERSIDE)
    answer = telegram.wait_for(lambda: telegram.requests("sendMessage", chat_id=USER), timeout=10)[0]
    assert answer.params["reply_parameters"]["message_id"] == question["message_id"]
    assert telegram.webhook is None and telegram.requests("deleteWebhook")
    assert not telegram.requests("getUpdates", ok=False)


def test_a_random_secret_is_used_when_none_is_configured():
    first, second = telegram_run._webhook_secret(None), telegram_run._webhook_secret("")
    assert first != second and len(first) >= 32
    assert all(c.isalnum() or c in "-_" for c in first + second)
    assert telegram_run._webhook_secret(SECRET) == SECRET


@pytest.mark.parametrize("secret", ["has space", "semi;colon", "x" * 257])
def test_a_secret_telegram_would_refuse_is_one_clear_error(secret, bot_env, capsys, tmp_path):
    bot_env.setenv("NEWSDESK_WEBHOOK_SECRET", secret)
    assert cli.main(["bot", "--home", str(tmp_path), "--webhook-url", PUBLIC_URL]) != 0
    err = capsys.readouterr().err.strip()
    assert err.startswith("newsdesk: NEWSDESK_WEBHOOK_SECRET: use 1 to 256 characters") and "\n" not in err
    with pytest.raises(NewsdeskError):
        telegram_run._webhook_secret(secret)


@pytest.mark.timeout(60)
def test_a_webhook_port_in_use_is_a_clear_error(desk, telegram, bot_env):
    bot_env.setattr("newsdesk.retrieval.service.Newsdesk", lambda settings: desk)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        bot = WebhookBot(["bot", "--home", str(desk.settings.home), "--reader", "baseline", "--api-url", telegram.url,
                          "--webhook-url", PUBLIC_URL, "--webhook-port", str(port)])
        bot.thread.start()
        bot.thread.join(30)
    assert not bot.thread.is_alive(), "the bot kept running on a port it could not bind"
    assert isinstance(bot.outcome, NewsdeskError), repr(bot.outcome)
    assert f"port {port}" in str(bot.outcome) and "--webhook-port" in str(bot.outcome)


def test_the_bot_says_in_one_line_that_it_is_up(desk, start_bot, capsys):
    start_bot(desk)
    err = capsys.readouterr().err
    line = "newsdesk: bot @newsdesk_test_bot is ready (polling); answering 1 allowed user and 1 allowed chat, 1 admin"
    assert line in err and len(err.strip().splitlines()) == 1


@pytest.mark.timeout(60)
def test_an_unreachable_bot_api_is_one_line_per_try_and_no_traceback(tmp_path):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    run = ("import sys, newsdesk.bot.telegram.run as app; app.BOOTSTRAP_RETRIES = 1; "
           "from newsdesk.bot.cli import main; sys.exit(main(sys.argv[1:]))")
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "NEWSDESK_ALLOWED_USERS": "1", "NEWSDESK_HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", run, "bot", "--api-url", f"http://127.0.0.1:{closed}"],
                          env=env, capture_output=True, text=True, timeout=50)
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 1 and "Traceback" not in done.stderr and TOKEN not in done.stderr
    assert lines == [f"newsdesk: cannot reach the Bot API at http://127.0.0.1:{closed} (try 1 of 2 failed); retrying…",
                     f"newsdesk: cannot reach the Bot API at http://127.0.0.1:{closed} (httpx.ConnectError: All connection attempts failed)"]
