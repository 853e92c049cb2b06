"""End-to-end tests of adding articles through the bot: admins' uploads and links, their limits,
and questions answered while they are indexed (the fake Bot API server, as in test_telegram_bot.py)."""

from __future__ import annotations

import re
import threading
import time
import tracemalloc
from http.server import BaseHTTPRequestHandler

import pytest
from newsdesk.bot.telegram.uploads import FETCH_FAILED

from tests.conftest import local_http_server

from .conftest import (ADMIN, JAZZ, QUARRY, QUARRY_STORY, RIVERSIDE, STRANGER, USER, DeskWith, ask,
                       check_telegram_html, replies_to)


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
