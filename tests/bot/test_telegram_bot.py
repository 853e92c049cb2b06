"""End-to-end tests: the real python-telegram-bot Application against a fake Bot API server.

Each test feeds updates into the fake server and asserts on the exact requests the bot
makes. Everything runs on 127.0.0.1 with bounded waits.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import math
import re
import statistics
import threading
import time
import tracemalloc
from argparse import Namespace
from http.server import BaseHTTPRequestHandler

import pytest
from newsdesk.bot.telegram.run import RedactToken
from newsdesk.bot.telegram.sending import with_retry
from newsdesk.bot.telegram.settings import BotSettings, parse_ids, settings_from_env
from newsdesk.bot.telegram.state import RateLimiter
from newsdesk.bot.telegram.uploads import FETCH_FAILED, upload_path

from newsdesk.errors import NewsdeskError
from tests.conftest import local_http_server

from .conftest import ADMIN, GROUP, STRANGER, USER, check_telegram_html, visible_text
from .fake_telegram import BOT_USER, TOKEN

RIVERSIDE = "Who opened the Riverside Harvest Festival?"
JAZZ = "Who opened the Lakeside Jazz Week?"
QUARRY = "Who opened the Northgate Quarry Museum?"
QUARRY_STORY = (
    "Northgate Quarry Museum opens its doors\n\n"
    "Priya Raman opened the Northgate Quarry Museum on Tuesday. The museum shows the tools of the "
    "granite workers who cut stone in the valley for two centuries. Visitors can walk through a restored "
    "tunnel and see a steam crane at work."
).encode()


def replies_to(telegram, message: dict) -> list:
    """Delivered sendMessage calls that reply to ``message``."""
    return [c for c in telegram.requests("sendMessage", chat_id=message["chat"]["id"])
            if (c.params.get("reply_parameters") or {}).get("message_id") == message["message_id"]]


def ask(telegram, chat_id: int, user_id: int, text: str, *, kind: str = "private", reply_to: dict | None = None,
        settle: bool = False):
    """Send ``text`` and return the bot's (first) reply to it.

    ``settle``: also wait until the bot is idle, i.e. it has noted the answer it sent (the
    server sees a message before the bot has its id), before a test replies to that answer.
    """
    message = telegram.push_message(chat_id, user_id, text, kind=kind, reply_to=reply_to)
    reply = telegram.wait_for(lambda: replies_to(telegram, message))[0]
    if settle:
        telegram.quiet(0.2)
    return reply


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


class DeskWith:
    """The real desk, with the methods a test subclass defines in place of its own."""

    def __init__(self, desk):
        self.desk = desk

    def __getattr__(self, name):
        return getattr(self.desk, name)


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


# ------------------------------------------------------------------ adding articles


def test_admin_upload_is_indexed_and_answers_the_next_question(desk, telegram, start_bot):
    start_bot(desk)
    before = ask(telegram, ADMIN, ADMIN, QUARRY)
    assert "couldn't find an answer" in before.params["text"]
    upload = telegram.push_document(ADMIN, ADMIN, QUARRY_STORY, "quarry museum.txt")
    confirmation = telegram.wait_for(lambda: replies_to(telegram, upload))[0].params["text"]
    check_telegram_html(confirmation)
    assert "Added 1 article" in confirmation
    assert "<b>Northgate Quarry Museum opens its doors</b>" in confirmation and "chunk" in confirmation
    assert telegram.requests("getFile") and telegram.downloads
    assert (desk.settings.home / "telegram-uploads" / str(ADMIN) / "quarry museum.txt").read_bytes() == QUARRY_STORY
    after = ask(telegram, ADMIN, ADMIN, QUARRY)
    assert after.params["text"].startswith("<b>Priya Raman</b>")
    assert any(row.title == "Northgate Quarry Museum opens its doors" for row in desk.sources())


def test_uploads_from_non_admins_and_bad_files_are_refused_with_a_reason(desk, telegram, start_bot):
    start_bot(desk, max_upload_bytes=10_000)
    cases = [
        (USER, b"some text", "story.txt", None, "only admins"),
        (ADMIN, b"%PDF-1.4", "story.pdf", None, "I take .txt, .md, .html, .htm, .json, .jsonl files only"),
        (ADMIN, b"x", "huge.txt", 50_000_000, "too large"),
        (ADMIN, b"   \n ", "empty.txt", None, "empty file"),
        (ADMIN, b"\x00\x01\x02binary", "blob.txt", None, "binary file"),
        (ADMIN, b'{"title": "no text"}', "bad.json", None, "record has no text"),
    ]
    for user, data, name, declared, reason in cases:
        upload = telegram.push_document(user, user, data, name, declared_size=declared)
        text = telegram.wait_for(lambda upload=upload: replies_to(telegram, upload))[0].params["text"]
        assert reason in text, (name, text)
    assert len(telegram.requests("getFile")) == 3  # only the admin's files of the right type and size
    assert len(desk.sources()) == 8


class _Pages(BaseHTTPRequestHandler):
    """A tiny web site on 127.0.0.1 for the add-a-link tests."""

    PAGE = (
        "<!doctype html><html><head><title>Tidewater Bridge reopens</title>"
        '<meta property="og:site_name" content="Harbour Post">'
        '<meta name="date" content="2025-11-20"></head><body><article><h1>Tidewater Bridge reopens</h1>'
        "<p>Mayor Tomas Varga reopened the Tidewater Bridge on Thursday after two years of repairs.</p>"
        "<p>The bridge carries twenty thousand cars a day between the harbour and the old town, and "
        "its new steel deck was built by a shipyard in the harbour.</p>"
        "<p>Commuters said the reopening would cut their journeys by half an hour.</p></article></body></html>"
    ).encode()

    served: list[str] = []  # paths requested, to show that a refused link was never fetched

    def log_message(self, *args):
        pass

    def do_GET(self):
        self.served.append(self.path)
        if self.path == "/slow":
            time.sleep(2)
        if self.path == "/to-story":
            self.send_response(302)
            self.send_header("Location", "/story")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if self.path == "/story":
            body, status, kind = self.PAGE, 200, "text/html; charset=utf-8"
        elif self.path == "/image":
            body, status, kind = b"\x89PNG", 200, "image/png"
        else:
            body, status, kind = b"missing", 404, "text/plain"
        try:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except ConnectionError:
            pass


@pytest.fixture
def website():
    with local_http_server(_Pages) as url:
        yield url


def test_admin_link_is_fetched_and_indexed(desk, telegram, start_bot, website):
    start_bot(desk, fetch_timeout_s=0.5, allow_private_urls=True)  # the test site is on 127.0.0.1
    link = f"{website}/story"
    confirmation = ask(telegram, ADMIN, ADMIN, link).params["text"]
    assert "Added 1 article" in confirmation and "Tidewater Bridge reopens" in confirmation
    answer = ask(telegram, ADMIN, ADMIN, "Who reopened the Tidewater Bridge?").params["text"]
    assert answer.startswith("<b>Tomas Varga</b>")
    assert f'<a href="{link}">' in answer

    # A missing page, an image, a page too slow and a closed port: one and the same line.
    failures = {ask(telegram, ADMIN, ADMIN, url).params["text"]
                for url in (f"{website}/nowhere", f"{website}/image", f"{website}/slow", "http://127.0.0.1:9/story")}
    assert failures == {FETCH_FAILED}
    assert "only admins" in ask(telegram, USER, USER, link).params["text"]


def test_links_to_loopback_are_refused_by_default_and_nothing_is_fetched(desk, telegram, start_bot, website):
    start_bot(desk)  # NEWSDESK_ALLOW_PRIVATE_URLS unset
    _Pages.served.clear()
    links = [f"{website}/story", f"{website}/to-story", "http://127.0.0.1:9/story", "http://localhost:9/",
             "http://[::1]:9/", "http://169.254.169.254/latest/meta-data/", "http://0x7f000001/story"]
    replies = {ask(telegram, ADMIN, ADMIN, link).params["text"] for link in links}
    assert replies == {FETCH_FAILED}  # open, redirecting and closed ports read the same
    assert _Pages.served == []  # refused before connecting
    assert len(desk.sources()) == 8
    leak = ask(telegram, USER, USER, "Who reopened the Tidewater Bridge?").params["text"]
    assert "Tomas Varga" not in leak


def test_an_upload_named_without_a_stem_is_refused_and_admins_never_overwrite_each_other(desk, telegram, start_bot):
    other = 1003
    start_bot(desk, admins=frozenset({ADMIN, other}))
    nameless = telegram.push_document(ADMIN, ADMIN, QUARRY_STORY, "..json")
    text = telegram.wait_for(lambda: replies_to(telegram, nameless))[0].params["text"]
    assert "needs a name before its extension" in text
    stories = {ADMIN: QUARRY_STORY, other: QUARRY_STORY.replace(b"Priya Raman", b"Anil Mehta").replace(b"Tuesday", b"Monday")}
    for admin, story in stories.items():
        upload = telegram.push_document(admin, admin, story, "report.txt")
        assert "Added 1 article" in telegram.wait_for(lambda upload=upload: replies_to(telegram, upload))[0].params["text"]
    uploads = desk.settings.home / "telegram-uploads"
    assert {p.relative_to(uploads).as_posix(): p.read_bytes() for p in uploads.rglob("*") if p.is_file()} == {
        f"{ADMIN}/report.txt": stories[ADMIN], f"{other}/report.txt": stories[other]}
    assert len(desk.sources()) == 10


def test_rate_limit_counts_questions_only_and_a_limited_user_always_hears_when_to_try_again(desk, telegram, start_bot):
    """An admin's ordinary minute: /start, /help, two questions, the passages button, two uploads
    and a link. Before, the limit of 2 counted all of them: "slow down", then silence."""
    start_bot(desk, rate_limit=2, rate_window_s=600)
    ask(telegram, ADMIN, ADMIN, "/start")
    ask(telegram, ADMIN, ADMIN, "/help")
    answer = ask(telegram, ADMIN, ADMIN, RIVERSIDE, settle=True)
    query_id = telegram.push_callback(ADMIN, answer.result, "passages")
    assert telegram.wait_for(lambda: replies_to(telegram, answer.result))  # the passages, not an alert
    assert not telegram.requests("answerCallbackQuery", callback_query_id=query_id)[0].params.get("show_alert")
    for name in ("one.txt", "two.txt"):
        upload = telegram.push_document(ADMIN, ADMIN, QUARRY_STORY + name.encode(), name)
        assert "Added 1 article" in telegram.wait_for(lambda upload=upload: replies_to(telegram, upload))[0].params["text"]
    assert ask(telegram, ADMIN, ADMIN, JAZZ).params["text"].startswith("<b>Conductor Maria Santos</b>")
    for _ in range(2):  # each question over the limit is told when to try again, never silence
        slow = ask(telegram, ADMIN, ADMIN, QUARRY).params["text"]
        assert "slow down" in slow and re.search(r"Try again in \d+ s\.", slow)
    assert "Send <code>/follow URL</code>" in ask(telegram, ADMIN, ADMIN, "/follow").params["text"]
    assert "8 articles" not in ask(telegram, ADMIN, ADMIN, "/sources").params["text"]  # 10 now, and answered


def test_an_upload_whose_size_is_under_reported_is_read_only_up_to_the_limit(desk, telegram, start_bot):
    """The Bot API says 100 bytes; the body is 40 MB: the download stops at the bound (before
    the fix the whole body was read, then refused)."""
    start_bot(desk, max_upload_bytes=10_000)
    body = b"The quarry museum opened its doors. " * (40_000_000 // 36)
    upload = telegram.push_document(ADMIN, ADMIN, body, "huge.txt", declared_size=100)
    assert "too large" in telegram.wait_for(lambda: replies_to(telegram, upload))[0].params["text"]
    served = telegram.wait_for(lambda: telegram.served)[0]
    assert served < len(body) // 2  # what the bot read, plus the sockets' buffers
    assert len(desk.sources()) == 8


def test_a_gzip_encoded_upload_is_decoded_only_up_to_the_limit(desk, telegram, start_bot):
    """48 MB of zeros sent gzip-encoded, declared as the 47 KB on the wire: decoding stops at
    the bound (before the fix the whole 48 MB was decoded, then refused)."""
    start_bot(desk, max_upload_bytes=100_000)
    zeros = bytes(48_000_000)
    tracemalloc.start()
    try:
        upload = telegram.push_document(ADMIN, ADMIN, zeros, "zeros.txt", gzipped=True, declared_size=47_000)
        text = telegram.wait_for(lambda: replies_to(telegram, upload))[0].params["text"]
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "too large" in text
    assert peak < 16_000_000, f"{peak / 1e6:.0f} MB allocated while downloading"
    assert len(desk.sources()) == 8


def test_a_small_gzip_encoded_upload_is_decoded_and_indexed(desk, telegram, start_bot):
    start_bot(desk)
    upload = telegram.push_document(ADMIN, ADMIN, QUARRY_STORY, "quarry museum.txt", gzipped=True)
    assert "Added 1 article" in telegram.wait_for(lambda: replies_to(telegram, upload))[0].params["text"]
    assert (desk.settings.home / "telegram-uploads" / str(ADMIN) / "quarry museum.txt").read_bytes() == QUARRY_STORY


def test_every_button_press_is_answered_even_one_the_bot_never_sent(desk, telegram, start_bot):
    """Forged data and a press on an inline message (no chat) are answered quietly; nothing else happens."""
    start_bot(desk)
    answer = ask(telegram, USER, USER, RIVERSIDE, settle=True)
    presses = [telegram.push_callback(USER, answer.result, "evil-data"),
               telegram.push_callback(STRANGER, answer.result, "evil-data"),
               telegram.push_callback(USER, None, "passages")]
    for query_id in presses:
        answered = telegram.wait_for(lambda query_id=query_id: telegram.requests("answerCallbackQuery",
                                                                                 callback_query_id=query_id))
        assert len(answered) == 1 and not answered[0].params.get("text")
    telegram.quiet()
    assert len(telegram.requests("sendMessage", chat_id=USER)) == 1 and not telegram.requests("editMessageText")


def test_uploads_do_not_take_the_threads_that_answer_questions(desk, telegram, start_bot):
    entered, release = threading.Event(), threading.Event()

    class SlowIngest(DeskWith):
        """Index writes wait until the test lets them go."""

        def add_file(self, path, data=None):
            entered.set()
            release.wait(20)
            return self.desk.add_file(path, data)

    start_bot(SlowIngest(desk), workers=4)
    uploads = [telegram.push_document(ADMIN, ADMIN, QUARRY_STORY + f"\n\nPart {n}.".encode(), f"quarry {n}.txt")
               for n in range(5)]
    assert entered.wait(10)
    try:
        started = time.monotonic()
        answer = ask(telegram, USER, USER, RIVERSIDE)  # waits at most 15 s
        assert answer.params["text"].startswith("<b>Elena Novak</b>")
        assert time.monotonic() - started < 5
        assert not any(replies_to(telegram, upload) for upload in uploads)  # still writing
    finally:
        release.set()
    for upload in uploads:
        assert "Added 1 article" in telegram.wait_for(lambda upload=upload: replies_to(telegram, upload))[0].params["text"]


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
