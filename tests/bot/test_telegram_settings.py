"""The bot's configuration and safety: settings from the environment and arguments, the rate
limiter, upload names, one-line refusals to start, the token never shown, the retry helper."""

from __future__ import annotations

import asyncio
import logging
from argparse import Namespace

import pytest
from newsdesk.bot.telegram.run import RedactToken
from newsdesk.bot.telegram.sending import with_retry
from newsdesk.bot.telegram.settings import BotSettings, parse_ids, settings_from_env
from newsdesk.bot.telegram.state import RateLimiter
from newsdesk.bot.telegram.uploads import upload_path

from newsdesk.errors import NewsdeskError

from .conftest import USER
from .fake_telegram import TOKEN


# ------------------------------------------------------------------ configuration


def test_settings_come_from_the_environment_and_arguments():
    args = Namespace(public=False, api_url=None)
    env = {"TELEGRAM_BOT_TOKEN": " 42:abc ", "NEWSDESK_ALLOWED_USERS": "1, 2", "NEWSDESK_ALLOWED_CHATS": "-100123",
           "NEWSDESK_ADMINS": "1", "NEWSDESK_TELEGRAM_API_URL": "http://127.0.0.1:8081/", "NEWSDESK_RATE_LIMIT": "3/30"}
    settings = settings_from_env(args, env)
    assert settings.token == "42:abc" and settings.api_url == "http://127.0.0.1:8081"
    assert settings.allowed_users == {1, 2} and settings.allowed_chats == {-100123} and settings.admins == {1}
    assert (settings.rate_limit, settings.rate_window_s) == (3, 30.0)
    assert "42:abc" not in repr(settings)
    assert settings_from_env(Namespace(public=False, api_url="http://other:1"), env).api_url == "http://other:1"
    assert settings_from_env(Namespace(public=True, api_url=None), {"TELEGRAM_BOT_TOKEN": "42:abc"}).public
    assert not settings.allow_private_urls  # only when asked for
    assert settings_from_env(args, {**env, "NEWSDESK_ALLOW_PRIVATE_URLS": "1"}).allow_private_urls


def test_rate_limiter_forgets_users_whose_window_has_passed_and_stays_bounded():
    limiter = RateLimiter(2, 10.0, max_users=50)
    assert limiter.wait(1, now=0.0) == limiter.wait(1, now=1.0) == 0.0
    assert limiter.wait(1, now=2.0) == pytest.approx(8.0)  # refused: counted from the first event
    for user in range(2, 1000):  # a crowd passing through, one question each, a second apart
        assert limiter.wait(user, now=float(user)) == 0.0
        assert len(limiter) <= 11  # only those within the last 10 seconds are kept
    assert limiter.wait(1, now=1000.0) == 0.0  # forgotten, and free to ask again
    burst = RateLimiter(2, 10.0, max_users=50)
    for user in range(500):  # all within one window: the cap holds
        burst.wait(user, now=0.0)
    assert len(burst) == 50


@pytest.mark.parametrize("name, stored", [
    ("report.json", "7/report.json"),
    ("quarry museum.TXT", "7/quarry museum.txt"),
    ("../../etc/passwd.txt", "7/passwd.txt"),
    ("..\\..\\boot.ini.txt", "7/boot.ini.txt"),
    (".hidden.md", "7/hidden-"),
    ("a:b*c?.html", "7/a_b_c-"),
])
def test_upload_names_are_kept_per_admin_and_safe(name, stored, tmp_path):
    path = upload_path(tmp_path, 7, name)
    assert path.relative_to(tmp_path).as_posix().startswith(stored)
    assert path.parent == tmp_path / "7"


def test_upload_names_that_clean_alike_stay_apart_and_names_without_a_stem_are_refused(tmp_path):
    assert upload_path(tmp_path, 7, "a:b.txt") != upload_path(tmp_path, 7, "a?b.txt") != upload_path(tmp_path, 7, "a_b.txt")
    assert upload_path(tmp_path, 7, "a:b.txt") == upload_path(tmp_path, 7, "a:b.txt")  # a corrected file replaces
    for name in ("..json", ".json", "json", "___.txt", " . .md"):
        with pytest.raises(ValueError, match="needs a name"):
            upload_path(tmp_path, 7, name)


@pytest.mark.parametrize("env, public, message", [
    ({}, True, "TELEGRAM_BOT_TOKEN"),
    ({"TELEGRAM_BOT_TOKEN": "42:abc"}, False, "--public"),
    ({"TELEGRAM_BOT_TOKEN": "42:abc", "NEWSDESK_ALLOWED_USERS": "12,bob"}, False, "'bob' is not a numeric"),
    ({"TELEGRAM_BOT_TOKEN": "42:abc", "NEWSDESK_TELEGRAM_API_URL": "api.example"}, True, "not an http(s) URL"),
    ({"TELEGRAM_BOT_TOKEN": "42:abc", "NEWSDESK_RATE_LIMIT": "lots"}, True, "like 8/60"),
])
def test_bad_configuration_is_one_clear_error(env, public, message):
    with pytest.raises(NewsdeskError, match=message.replace("(", r"\(").replace(")", r"\)")):
        settings_from_env(Namespace(public=public, api_url=None), env)


def test_parse_ids_accepts_groups_and_spaces():
    assert parse_ids(" 5 ,-1001; 7,", "X") == {5, -1001, 7}
    assert parse_ids(None, "X") == frozenset()


@pytest.mark.parametrize("env, expected", [
    ({}, "newsdesk: no bot token: set TELEGRAM_BOT_TOKEN"),
    ({"TELEGRAM_BOT_TOKEN": "42:abc"}, "newsdesk: no allowlist configured"),
])
def test_newsdesk_bot_refuses_to_start_with_one_line(env, expected, monkeypatch, capsys, tmp_path):
    from newsdesk.bot.cli import main

    for name in ("TELEGRAM_BOT_TOKEN", "NEWSDESK_ALLOWED_USERS", "NEWSDESK_ALLOWED_CHATS", "NEWSDESK_ADMINS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert main(["bot", "--home", str(tmp_path)]) != 0
    err = capsys.readouterr().err.strip()
    assert err.startswith(expected) and "\n" not in err


def test_the_token_is_never_printed_or_logged(telegram, monkeypatch, capsys, caplog, tmp_path):
    from newsdesk.bot.cli import main

    secret = "999:SECRET-wrong-token"
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", secret)
    monkeypatch.setenv("NEWSDESK_ALLOWED_USERS", str(USER))
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.INFO, logger="httpx")  # an earlier `main` call may have quietened it
    try:
        code = main(["bot", "-vv", "--home", str(tmp_path), "--api-url", telegram.url])
    finally:
        for handler in logging.getLogger().handlers:  # leave no filter behind for other tests
            for flt in [f for f in handler.filters if isinstance(f, RedactToken)]:
                handler.removeFilter(flt)
    out = capsys.readouterr()
    assert code != 0
    assert "Telegram rejected the bot token" in out.err
    assert "<token>/getMe" in caplog.text  # the request was logged, redacted
    for text in (out.out, out.err, caplog.text):
        assert secret not in text and "SECRET-wrong" not in text


def test_redaction_covers_messages_arguments_and_tracebacks():
    import io

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactToken(TOKEN))
    logger = logging.getLogger("newsdesk.test.redaction")
    logger.addHandler(handler)
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    try:
        logger.error("calling %s/bot%s/getMe", "https://api.telegram.org", TOKEN)
        logger.info("GET /file/bot%s/documents/file_1.txt", TOKEN.replace(":", "%3A"))
        try:
            raise RuntimeError(f"failed: https://api.telegram.org/bot{TOKEN}/sendMessage")
        except RuntimeError:
            logger.exception("request failed")
    finally:
        logger.removeHandler(handler)
    output = stream.getvalue()
    assert TOKEN not in output
    assert TOKEN.split(":")[1] not in output
    assert output.count("<token>") == 3 and "RuntimeError" in output


def test_bot_settings_reject_a_missing_token_directly():
    with pytest.raises(NewsdeskError, match="TELEGRAM_BOT_TOKEN"):
        BotSettings(token="", public=True)


def test_webhook_mode_needs_an_https_url_and_says_what_to_install(monkeypatch, capsys, tmp_path):
    from newsdesk.bot.cli import main

    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "42:abc")
    monkeypatch.setenv("NEWSDESK_ALLOWED_USERS", "1")
    assert main(["bot", "--home", str(tmp_path), "--webhook-url", "http://bot.example/hook"]) != 0
    assert "must be an https:// URL" in capsys.readouterr().err
    try:
        import tornado  # noqa: F401
    except ImportError:
        assert main(["bot", "--home", str(tmp_path), "--webhook-url", "https://bot.example/hook"]) != 0
        assert 'pip install "python-telegram-bot[webhooks]"' in capsys.readouterr().err


def test_retry_helper_gives_up_after_its_attempts_and_never_retries_a_bad_request(monkeypatch):
    from telegram.error import BadRequest, NetworkError, TimedOut

    async def no_sleep(seconds):
        pass

    monkeypatch.setattr(asyncio, "sleep", no_sleep)
    calls = []

    async def failing(error):
        calls.append(error)
        raise error

    with pytest.raises(TimedOut):
        asyncio.run(with_retry(lambda: failing(TimedOut()), attempts=3))
    assert len(calls) == 3
    calls.clear()
    with pytest.raises(BadRequest):
        asyncio.run(with_retry(lambda: failing(BadRequest("can't parse entities")), attempts=3))
    assert len(calls) == 1
    outcomes = iter([NetworkError("Bad Gateway"), None])

    async def flaky():
        error = next(outcomes)
        if error:
            raise error
        return "sent"

    assert asyncio.run(with_retry(flaky, attempts=3)) == "sent"
