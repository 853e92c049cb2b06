"""End-to-end tests: the real python-telegram-bot Application against a fake Bot API server.

Each test feeds updates into the fake server and asserts on the exact requests the bot
makes. Everything runs on 127.0.0.1 with bounded waits.
"""

from __future__ import annotations

import dataclasses
import math
import re
import statistics
import time

import pytest

from .conftest import (ADMIN, GROUP, JAZZ, QUARRY_STORY, RIVERSIDE, STRANGER, USER, DeskWith, ask,
                       check_telegram_html, replies_to, visible_text)
from .fake_telegram import BOT_USER


# ------------------------------------------------------------------ asking


RIVERSIDE_QUOTES = (
    "Mayor Elena Novak opened the Riverside Harvest Festival on Saturday morning.",
    "The Riverside Harvest Festival was opened by Mayor Elena Novak, who cut a ribbon of woven wheat.",
)


def test_private_question_gets_the_answer_quote_and_citations(desk, telegram, start_bot):
    start_bot(desk)
    question = telegram.push_message(USER, USER, RIVERSIDE)
    reply = telegram.wait_for(lambda: replies_to(telegram, question))[0]
    text = reply.params["text"]
    check_telegram_html(text)
    assert reply.params["parse_mode"] == "HTML"
    assert text.startswith("<b>Elena Novak</b>")
    # Both outlets state it; whichever the reader ranks first gives the quote and comes first.
    assert any(f"<blockquote>{quote}</blockquote>" in text for quote in RIVERSIDE_QUOTES)
    assert re.search(r"2 sources agree: (Riverside Gazette, Valley Times|Valley Times, Riverside Gazette)\.", text)
    assert re.search(r'[12]\. <b>Riverside Gazette</b> — <a href="https://gazette.example/harvest\?a=1&amp;b=2">'
                     r"“Riverside Harvest Festival draws record crowd”</a> \(2025-10-04\)", text)
    assert re.search(r"[12]\. <b>Valley Times</b> — “Harvest festival opens by the river” \(2025-10-05\)", text)
    assert reply.params["reply_markup"] == {"inline_keyboard": [[{"text": "Show the passages", "callback_data": "passages"}]]}
    typing = telegram.requests("sendChatAction", chat_id=USER, action="typing")
    assert typing and typing[0].at <= reply.at


def test_group_answers_ask_and_mentions_and_ignores_other_chatter(desk, telegram, start_bot):
    start_bot(desk)
    chatter = telegram.push_message(GROUP, STRANGER, "Who opened the Riverside Harvest Festival? anyone?", kind="supergroup")
    ask_reply = ask(telegram, GROUP, USER, f"/ask {JAZZ}", kind="supergroup")
    assert ask_reply.params["text"].startswith("<b>Conductor Maria Santos</b>")
    named = ask(telegram, GROUP, STRANGER, f"/ask@{BOT_USER['username']} {RIVERSIDE}", kind="supergroup")
    assert named.params["text"].startswith("<b>Elena Novak</b>")
    mention = ask(telegram, GROUP, USER, f"@{BOT_USER['username']} who opened the Lakeside Jazz Week?", kind="supergroup")
    assert mention.params["text"].startswith("<b>Conductor Maria Santos</b>")
    telegram.push_message(GROUP, USER, "/ask@some_other_bot what is this?", kind="supergroup")
    telegram.quiet()
    assert not replies_to(telegram, chatter)
    assert len(telegram.requests("sendMessage", chat_id=GROUP)) == 3


def test_unknown_user_gets_one_short_refusal_and_nothing_from_the_articles(desk, telegram, start_bot):
    start_bot(desk)
    refusal = ask(telegram, STRANGER, STRANGER, RIVERSIDE)
    text = refusal.params["text"]
    assert "private" in text and str(STRANGER) in text
    for word in ("Elena", "Novak", "Riverside", "Gazette"):
        assert word not in text
    telegram.push_message(STRANGER, STRANGER, "/sources")
    telegram.push_message(STRANGER, STRANGER, JAZZ)
    telegram.push_document(STRANGER, STRANGER, QUARRY_STORY, "quarry.txt")
    unlisted_group = -999
    telegram.push_message(unlisted_group, STRANGER, f"@{BOT_USER['username']} {JAZZ}", kind="group")
    telegram.quiet()
    assert len(telegram.requests("sendMessage", chat_id=STRANGER)) == 1
    assert not telegram.requests("sendChatAction", chat_id=STRANGER)
    assert not telegram.requests("getFile")
    group_replies = telegram.requests("sendMessage", chat_id=unlisted_group)
    assert len(group_replies) == 1 and "private" in group_replies[0].params["text"]


def test_markup_in_a_question_comes_back_escaped(desk, telegram, start_bot):
    start_bot(desk)
    reply = ask(telegram, USER, USER, "What does <script>alert(1)</script> & <b>bold</b> mean?")
    text = reply.params["text"]
    check_telegram_html(text)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in text
    assert "<script>" not in text
    assert "couldn't find an answer" in text and "/sources" in text


def test_a_very_long_answer_is_split_into_valid_messages(desk, telegram, start_bot):
    class Verbose(DeskWith):
        """An answer far longer than one Telegram message."""

        def ask(self, question, k=5, **filters):
            answer = self.desk.ask(question, k=k, **filters)
            return dataclasses.replace(answer, quote=" ".join([answer.quote] * 80), citations=answer.citations * 40)

    start_bot(Verbose(desk))
    question = telegram.push_message(USER, USER, RIVERSIDE)
    telegram.wait_for(lambda: replies_to(telegram, question))
    telegram.quiet()
    parts = telegram.requests("sendMessage", chat_id=USER)
    assert len(parts) >= 3
    for part in parts:
        check_telegram_html(part.params["text"])
    assert parts[0].params["reply_parameters"]["message_id"] == question["message_id"]
    assert [bool(p.params.get("reply_markup")) for p in parts] == [False] * (len(parts) - 1) + [True]
    shown = " ".join(visible_text(p.params["text"]) for p in parts).split()
    assert shown.count("“Riverside") == shown.count("“Harvest") == 40  # each citation shown, none lost at a cut
    assert shown[:2] == ["Elena", "Novak"]


def test_an_answer_citing_a_5000_character_url_is_delivered(desk, telegram, start_bot, tmp_path):
    import json

    long_url = "https://harbour.example/story?" + "ref=x&" * 834
    story = {"title": "Saltmarsh Lighthouse relit", "outlet": "Harbour Post", "date": "2025-11-21", "url": long_url,
             "text": "Keeper Ingrid Solberg relit the Saltmarsh Lighthouse on Friday night after a century of darkness."}
    (tmp_path / "long.json").write_text(json.dumps([story]), encoding="utf-8")
    desk.ingest([tmp_path / "long.json"])
    start_bot(desk)
    question = telegram.push_message(USER, USER, "Who relit the Saltmarsh Lighthouse?")
    reply = telegram.wait_for(lambda: replies_to(telegram, question))[0]  # a part over 4,096 would be refused
    check_telegram_html(reply.params["text"])
    assert "Ingrid Solberg</b>" in reply.params["text"].split("\n")[0]
    assert "“Saltmarsh Lighthouse relit”" in reply.params["text"] and long_url not in reply.params["text"]
    assert not telegram.requests("sendMessage", ok=False)


def test_button_expands_the_supporting_passages(desk, telegram, start_bot):
    start_bot(desk)
    answer = ask(telegram, USER, USER, RIVERSIDE, settle=True)
    query_id = telegram.push_callback(USER, answer.result, "passages")
    telegram.wait_for(lambda: telegram.requests("answerCallbackQuery", callback_query_id=query_id))
    passages = telegram.wait_for(lambda: replies_to(telegram, answer.result))
    text = passages[0].params["text"]
    check_telegram_html(text)
    assert "Passages read for:</b> Who opened the Riverside Harvest Festival?" in text
    assert "apple pie &amp; cider contest" in text  # article text, escaped
    assert "<b>[1]</b>" in text
    edit = telegram.wait_for(lambda: telegram.requests("editMessageText", message_id=answer.result["message_id"]))[0]
    assert edit.params["text"] == answer.params["text"] and not edit.params.get("reply_markup")

    # A button whose answer the bot no longer remembers gets a polite alert, not an error.
    forgotten = dict(answer.result, message_id=1)
    stale = telegram.push_callback(USER, forgotten, "passages")
    alert = telegram.wait_for(lambda: telegram.requests("answerCallbackQuery", callback_query_id=stale))[0]
    assert "no longer" in alert.params["text"]


def test_a_reply_to_an_answer_is_answered_in_its_context(desk, telegram, start_bot):
    start_bot(desk)
    festival = ask(telegram, USER, USER, RIVERSIDE, settle=True)
    jazz = ask(telegram, USER, USER, JAZZ, settle=True)
    alone = ask(telegram, USER, USER, "When was that?")
    assert "couldn't find an answer" in alone.params["text"]  # on its own it means nothing

    about_festival = ask(telegram, USER, USER, "When was that?", reply_to=festival.result)
    assert about_festival.params["text"].startswith("<b>Saturday</b>")
    assert f"Read as a follow-up to: {RIVERSIDE}" in about_festival.params["text"]
    about_jazz = ask(telegram, USER, USER, "When was that?", reply_to=jazz.result)
    assert about_jazz.params["text"].startswith("<b>Friday</b>")

    # In a group a reply to the bot addresses it, without a mention.
    in_group = ask(telegram, GROUP, USER, f"/ask {JAZZ}", kind="supergroup", settle=True)
    follow_up = ask(telegram, GROUP, STRANGER, "when was that?", kind="supergroup", reply_to=in_group.result)
    assert follow_up.params["text"].startswith("<b>Friday</b>")


def test_rate_limit_asks_politely_to_slow_down(desk, telegram, start_bot):
    start_bot(desk, rate_limit=2, rate_window_s=600)
    ask(telegram, USER, USER, RIVERSIDE)
    ask(telegram, USER, USER, JAZZ)
    slow = ask(telegram, USER, USER, RIVERSIDE)
    assert "slow down" in slow.params["text"] and "2 questions per 600 seconds" in slow.params["text"]
    again = ask(telegram, USER, USER, JAZZ)  # still too fast: told again (silence would read as a broken bot)
    assert "Try again in" in again.params["text"]
    other = ask(telegram, ADMIN, ADMIN, JAZZ)  # the limit is per user
    assert other.params["text"].startswith("<b>Conductor Maria Santos</b>")
    telegram.quiet()
    assert len(telegram.requests("sendMessage", chat_id=USER)) == 4


def test_start_help_sources_and_stats(desk, telegram, start_bot):
    start_bot(desk)
    commands = telegram.requests("setMyCommands")
    assert [c["command"] for c in commands[0].params["commands"]] == ["ask", "search", "sources", "outlet", "since",
                                                                      "settings", "alert", "alerts", "unalert",
                                                                      "stats", "help"]
    start = ask(telegram, USER, USER, "/start")
    assert "Hello User1002" in start.params["text"] and "Who hosted the Berlin talks?" in start.params["text"]
    assert "/help" in ask(telegram, USER, USER, "/frobnicate").params["text"]
    help_ = ask(telegram, USER, USER, "/help")
    assert "<b>Examples</b>" in help_.params["text"] and "/sources" in help_.params["text"]
    assert "Admins" not in help_.params["text"]
    assert "Admins" in ask(telegram, ADMIN, ADMIN, "/help").params["text"]
    sources = ask(telegram, USER, USER, "/sources")
    check_telegram_html(sources.params["text"])
    assert "8 articles indexed" in sources.params["text"]
    assert "• 2025-10-04 — <b>Riverside Gazette</b>: Riverside Harvest Festival draws record crowd" in sources.params["text"]
    assert "2025-12-14 — <b>Outlook</b>" in sources.params["text"]
    ask(telegram, USER, USER, RIVERSIDE)
    ask(telegram, USER, USER, "When was that?")
    stats = ask(telegram, USER, USER, "/stats").params["text"]
    assert "Articles indexed: 8" in stats and "Questions since start: 2 (answered 1, no answer 1)" in stats


def test_a_handler_error_is_reported_and_the_bot_keeps_serving(desk, telegram, start_bot, caplog):
    class Flaky:
        settings = desk.settings

        def warm_up(self):
            pass

        def articles(self):
            return desk.articles()

        def ask(self, question, k=5, **filters):
            if "explode" in question:
                raise RuntimeError("the reader fell over")
            return desk.ask(question, k=k, **filters)

    start_bot(Flaky())
    telegram.push_message(USER, USER, "please explode")
    sorry = telegram.wait_sent(USER)[0]
    assert "something went wrong" in sorry.params["text"]
    assert "fell over" not in sorry.params["text"]
    assert ask(telegram, USER, USER, RIVERSIDE).params["text"].startswith("<b>Elena Novak</b>")
    assert "error while handling an update" in caplog.text


# ------------------------------------------------------------------ Bot API failures


@pytest.mark.filterwarnings("ignore:.*retry_after.*")  # PTB 22 itself warns about its int form
def test_flood_control_then_bad_gateway_are_retried_and_the_answer_arrives_once(desk, telegram, start_bot):
    start_bot(desk)
    telegram.fail_next("sendMessage", (429, 1), (502, None))
    question = telegram.push_message(USER, USER, RIVERSIDE)
    telegram.wait_for(lambda: replies_to(telegram, question), timeout=20)
    telegram.quiet()
    attempts = telegram.requests("sendMessage", ok=None, chat_id=USER)
    assert [a.status for a in attempts] == [429, 502, 200]
    assert attempts[1].at - attempts[0].at >= 1.0  # it waited as told by retry_after
    delivered = telegram.requests("sendMessage", chat_id=USER)
    assert len(delivered) == 1 and delivered[0].params["text"].startswith("<b>Elena Novak</b>")


# ------------------------------------------------------------------ load


def test_load_200_questions_from_20_chats_are_each_answered_once(desk, telegram, start_bot):
    chats = list(range(5001, 5021))
    start_bot(desk, allowed_users=frozenset(chats))
    questions = [RIVERSIDE, JAZZ, "Who met Zelenskyy?", "Where were the talks held?", "When was that?"]

    # One at a time first: the time to answer when the bot is idle.
    idle = []
    for number, chat in enumerate(chats):
        sent_at = time.monotonic()
        reply = ask(telegram, chat, chat, questions[number % len(questions)])
        idle.append((reply.at - sent_at) * 1000)
    before = len(telegram.requests("sendMessage"))

    # Then all 200 at once.
    pushed = {}
    for round_ in range(10):
        for chat in chats:
            message = telegram.push_message(chat, chat, questions[(round_ + chat) % len(questions)])
            pushed[(chat, message["message_id"])] = time.monotonic()

    def answered():
        found = {}
        for call in telegram.requests("sendMessage"):
            key = (call.params["chat_id"], (call.params.get("reply_parameters") or {}).get("message_id"))
            if key in pushed:
                found.setdefault(key, []).append(call)
        return found

    telegram.wait_for(lambda: len(answered()) == len(pushed), timeout=120)
    telegram.quiet()
    replies = answered()
    assert all(len(calls) == 1 for calls in replies.values())
    assert len(telegram.requests("sendMessage")) - before == len(pushed)
    latencies = sorted((replies[key][0].at - pushed[key]) * 1000 for key in pushed)
    total = max(c[0].at for c in replies.values()) - min(pushed.values())
    print(f"\nTelegram bot, one question at a time: update-to-answer p50 {statistics.median(idle):.0f} ms, "
          f"p95 {percentile(idle, 95):.0f} ms ({len(idle)} questions)")
    print(f"Telegram bot, {len(pushed)} questions from {len(chats)} chats at once: all answered in {total:.2f} s "
          f"({len(pushed) / total:.0f}/s); update-to-answer p50 {percentile(latencies, 50):.0f} ms, "
          f"p95 {percentile(latencies, 95):.0f} ms, max {latencies[-1]:.0f} ms")


def percentile(values, p: float) -> float:
    """The nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(len(ordered) * p / 100) - 1)]
