"""``/search`` and the question log through the real python-telegram-bot client and the fake Bot API."""

from __future__ import annotations

import re

from .conftest import USER, check_telegram_html, visible_text
from .test_telegram_bot import ask


def test_search_replies_with_passages_sources_and_the_words_in_bold(desk, telegram, start_bot):
    start_bot(desk)
    commands = [c["command"] for c in telegram.requests("setMyCommands")[0].params["commands"]]
    assert "search" in commands
    assert "/search" in ask(telegram, USER, USER, "/help").params["text"]

    reply = ask(telegram, USER, USER, "/search harvest festival")
    text = reply.params["text"]
    check_telegram_html(text)
    assert text.startswith("<b>Passages for:</b> harvest festival")
    assert re.search(r"<b>\[1\]</b> <b>(Riverside Gazette|Valley Times)</b> — “[^”]+” \(2025-10-0[45]\) · "
                     r"<code>[0-9a-f]{12}</code>", text)
    assert "<b>Harvest</b> <b>Festival</b>" in text and "<b>harvest</b> <b>festival</b>" in text
    assert "Lakeside" not in visible_text(text).split("[3]")[0]  # the festival's two reports come first

    usage = ask(telegram, USER, USER, "/search")
    assert "/search Berlin talks" in visible_text(usage.params["text"])
    escaped = ask(telegram, USER, USER, "/search <b>jazz</b> & co")
    check_telegram_html(escaped.params["text"])
    assert "&lt;b&gt;jazz&lt;/b&gt; &amp; co" in escaped.params["text"]


def test_bot_questions_are_logged_with_chat_and_user_ids(desk, telegram, start_bot):
    from .conftest import GROUP
    from .test_telegram_bot import JAZZ

    start_bot(desk)
    ask(telegram, GROUP, USER, f"/ask {JAZZ}", kind="supergroup")
    records = telegram.wait_for(lambda: desk.question_log.recent(10))  # written just after the reply
    assert len(records) == 1
    record = records[0]
    assert record["source"] == "telegram" and record["chat_id"] == GROUP and record["user_id"] == USER
    assert record["question"] == JAZZ and "Maria Santos" in record["answer"] and record["outlets"] == ["Lakeside Herald"]
    assert not {"text", "message", "first_name", "username"} & set(record)


def test_the_bot_logs_nothing_when_told_not_to(desk, telegram, start_bot):
    from .test_telegram_bot import JAZZ

    start_bot(desk, log_questions=False)
    ask(telegram, USER, USER, JAZZ)
    telegram.quiet()
    assert desk.question_log.recent(10) == [] and not (desk.settings.home / "questions.jsonl").exists()


def test_newsdesk_log_0_and_no_log_turn_the_bot_s_log_off():
    from argparse import Namespace

    from newsdesk.bot.telegram.settings import settings_from_env

    environ = {"TELEGRAM_BOT_TOKEN": "1:a", "NEWSDESK_ALLOWED_USERS": "1"}
    assert settings_from_env(Namespace(), environ).log_questions
    assert not settings_from_env(Namespace(), {**environ, "NEWSDESK_LOG": "0"}).log_questions
    assert not settings_from_env(Namespace(no_log=True), environ).log_questions
