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
