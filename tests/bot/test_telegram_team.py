"""The bot as a team runs it (issue 33), through the real python-telegram-bot client against the
fake Bot API: /remove, paged and searchable /sources, per-chat defaults, .jsonl uploads,
"Replaced", the first poll of a followed feed, the command table."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
from newsdesk.bot.telegram.app import COMMANDS
from newsdesk.bot.telegram.chat_store import STORE_FILE, ChatStore
from newsdesk.retrieval.sources.dates import day_of

from tests.retrieval.feed_server import FeedSite, Story

from .conftest import ADMIN, GROUP, USER, check_telegram_html, visible_text
from .test_telegram_bot import JAZZ, QUARRY_STORY, RIVERSIDE, ask, replies_to


def upload(telegram, data: bytes, name: str) -> str:
    """An admin's upload; the bot's reply to it."""
    message = telegram.push_document(ADMIN, ADMIN, data, name)
    return telegram.wait_for(lambda: replies_to(telegram, message))[0].params["text"]


def tide_stories(count: int) -> bytes:
    """``count`` short stories of one outlet, one a line (.jsonl), dated a day apart."""
    return "\n".join(json.dumps({"title": f"Tide report {n}", "outlet": "Tidal Times", "date": f"2024-03-{n + 1:02d}",
                                 "text": f"The tide gauge number {n} at the harbour read {n + 2} metres on the day."})
                     for n in range(count)).encode()


def test_admins_remove_an_article_by_its_id(desk, telegram, start_bot):
    start_bot(desk)
    jazz = next(row for row in desk.sources() if row.title == "Lakeside Jazz Week opens")
    assert f"<code>{jazz.article_id[:12]}</code>" in ask(telegram, USER, USER, "/sources").params["text"]
    assert "only admins" in ask(telegram, USER, USER, f"/remove {jazz.article_id[:8]}").params["text"]
    assert "/remove ID" in visible_text(ask(telegram, ADMIN, ADMIN, "/remove").params["text"])
    assert "/remove ID" in visible_text(ask(telegram, ADMIN, ADMIN, "/remove seeds/").params["text"])  # never a path
    assert "is no indexed article's id; /sources shows the ids" in ask(telegram, ADMIN, ADMIN, "/remove ffff0000ffff").params["text"]
    assert len(desk.sources()) == 8

    removed = ask(telegram, ADMIN, ADMIN, f"/remove {jazz.article_id[:8]}").params["text"]
    check_telegram_html(removed)
    assert removed.startswith("🗑 Removed <b>Lakeside Jazz Week opens</b> — Lakeside Herald, 2025-09-12")
    assert len(desk.sources()) == 7 and "couldn't find an answer" in ask(telegram, USER, USER, JAZZ).params["text"]


def test_sources_are_paged_with_buttons_and_searchable(desk, telegram, start_bot):
    start_bot(desk)
    assert "Added 12 articles" in upload(telegram, tide_stories(12), "tides.jsonl")
    first = ask(telegram, USER, USER, "/sources", settle=True)
    check_telegram_html(first.params["text"])
    assert first.params["text"].startswith("<b>20 articles indexed</b> (newest first; page 1 of 2):")
    assert first.params["reply_markup"] == {"inline_keyboard": [[{"text": "Older ›", "callback_data": "sources:2"}]]}
    telegram.push_callback(USER, first.result, "sources:2")
    second = telegram.wait_for(lambda: telegram.requests("editMessageText", message_id=first.result["message_id"]))[0]
    assert "page 2 of 2" in second.params["text"] and "Tide report 0" in second.params["text"]
    assert "Tide report 11" not in second.params["text"]  # the newest are on page 1
    assert second.params["reply_markup"] == {"inline_keyboard": [[{"text": "‹ Newer", "callback_data": "sources:1"}]]}

    found = ask(telegram, USER, USER, "/sources tidal times", settle=True)
    assert found.params["text"].startswith("<b>12 articles match</b> <i>tidal times</i> (newest first; page 1 of 2)")
    telegram.push_callback(USER, found.result, "sources:2:q")
    turned = telegram.wait_for(lambda: telegram.requests("editMessageText", message_id=found.result["message_id"]))[0]
    assert turned.params["text"].count("Tide report") == 2 and "Riverside" not in turned.params["text"]
    assert "Tide report 0" in turned.params["text"] and "Tide report 1 [" in turned.params["text"]

    harvest = ask(telegram, USER, USER, "/sources harvest").params["text"]
    assert harvest.startswith("<b>2 articles match</b> <i>harvest</i> (newest first):")
    assert "No indexed article matches <i>zeppelin</i>" in ask(telegram, USER, USER, "/sources zeppelin").params["text"]
    # A search's button whose words the bot no longer has (a restart): a polite alert.
    stale = telegram.push_callback(USER, dict(found.result, message_id=1), "sources:2:q")
    alert = telegram.wait_for(lambda: telegram.requests("answerCallbackQuery", callback_query_id=stale))[0]
    assert "out of date" in alert.params["text"]


def test_chat_defaults_apply_to_that_chats_questions_show_in_settings_and_survive_a_restart(desk, telegram, start_bot):
    bot = start_bot(desk)
    plain = ask(telegram, GROUP, USER, f"/ask {RIVERSIDE}", kind="supergroup").params["text"]
    assert "2 sources agree" in plain
    outlet = ask(telegram, GROUP, USER, "/outlet valley", kind="supergroup").params["text"]
    assert "now answered from <b>valley</b> only (1 article now)" in outlet
    answer = ask(telegram, GROUP, USER, f"/ask {RIVERSIDE}", kind="supergroup").params["text"]
    check_telegram_html(answer)
    assert answer.startswith("<b>") and "Valley Times" in answer and "Riverside Gazette" not in answer
    assert "Asked with this chat's settings: outlet valley (/settings)" in answer
    assert "2 sources agree" in ask(telegram, USER, USER, RIVERSIDE).params["text"]  # another chat: no default
    assert "Valley Times" in ask(telegram, GROUP, USER, "/search harvest", kind="supergroup").params["text"]

    assert "No indexed outlet matches 'Daily Planet'" in ask(telegram, GROUP, USER, "/outlet Daily Planet",
                                                             kind="supergroup").params["text"]
    assert "is not a date" in ask(telegram, GROUP, USER, "/since someday", kind="supergroup").params["text"]
    assert "<b>2025-10-05</b>" in ask(telegram, GROUP, USER, "/since 2025-10-05", kind="supergroup").params["text"]
    ask(telegram, GROUP, USER, "/outlet off", kind="supergroup")
    jazz = ask(telegram, GROUP, USER, f"/ask {JAZZ}", kind="supergroup").params["text"]  # 2025-09-12: too old
    assert "couldn't find an answer" in jazz and "since 2025-10-05" in jazz

    relative = ask(telegram, GROUP, USER, "/since 30d", kind="supergroup").params["text"]
    assert "moves with the calendar" in relative
    settings = ask(telegram, GROUP, USER, "/settings", kind="supergroup").params["text"]
    check_telegram_html(settings)
    assert "Outlet: every outlet" in settings and f"Since: <b>30d</b> ({day_of('30d', date.today())})" in settings
    bot.stop()
    assert ChatStore.load(desk.settings.home).get(GROUP).since == "30d"  # kept under the home
    start_bot(desk)
    assert "Since: <b>30d</b>" in ask(telegram, GROUP, USER, "/settings", kind="supergroup").params["text"]
    ask(telegram, GROUP, USER, "/since off", kind="supergroup")
    assert "Since: any date" in ask(telegram, GROUP, USER, "/settings", kind="supergroup").params["text"]
    assert json.loads((desk.settings.home / STORE_FILE).read_text()) == {"chats": {}}


def test_a_damaged_chat_store_is_set_aside_and_the_bot_starts(desk, telegram, start_bot):
    (desk.settings.home / STORE_FILE).write_text("{not json")
    start_bot(desk)
    assert "Outlet: every outlet" in ask(telegram, USER, USER, "/settings").params["text"]
    assert (desk.settings.home / (STORE_FILE + ".damaged")).read_text() == "{not json"


def test_jsonl_uploads_are_taken_and_a_corrected_file_is_replaced_not_added(desk, telegram, start_bot):
    start_bot(desk)
    added = upload(telegram, tide_stories(2), "tides.jsonl")
    check_telegram_html(added)
    assert "Added 2 articles" in added and "Tide report 1" in added
    assert "Added 1 article" in upload(telegram, QUARRY_STORY, "report.txt")
    corrected = upload(telegram, QUARRY_STORY.replace(b"Tuesday", b"Wednesday"), "report.txt")
    check_telegram_html(corrected)
    assert "🔁 Replaced 1 article" in corrected and "Added" not in corrected
    assert len(desk.sources()) == 11


def test_help_and_the_menu_come_from_one_command_table(desk, telegram, start_bot):
    start_bot(desk)
    menu = [c["command"] for c in telegram.requests("setMyCommands")[0].params["commands"]]
    assert menu == [c.name for c in COMMANDS if c.listed and not c.admin]
    assert {"ask", "search", "sources", "outlet", "since", "settings", "help"} <= set(menu)
    everyone = visible_text(ask(telegram, USER, USER, "/help").params["text"])
    admins = visible_text(ask(telegram, ADMIN, ADMIN, "/help").params["text"])
    for command in COMMANDS:
        if command.listed:
            assert (command.usage in everyone) == (not command.admin) and command.usage in admins
    assert ".jsonl" in admins and "/remove ID" not in everyone


@pytest.fixture
def site():
    server = FeedSite().start()
    yield server
    server.stop()


def test_a_followed_feed_says_in_the_chat_when_its_first_poll_is_done(desk, telegram, start_bot, site):
    site.add(Story("ferry", "Kiel opens a new ferry terminal", "Mayor Ingrid Lund opened the new Kiel ferry terminal."))
    start_bot(desk, allow_private_urls=True, feed_host_delay_s=0)  # the site is on 127.0.0.1
    ask(telegram, ADMIN, ADMIN, f"/follow {site.feed_url}")
    done = telegram.wait_for(lambda: [c for c in telegram.requests("sendMessage", chat_id=ADMIN)
                                      if "First poll" in c.params["text"]])
    assert len(done) == 1 and re.fullmatch(rf"First poll of <b>{site.title}</b> done: 1 article from it indexed\. "
                                           r"I'll look for new ones every 15 min\.", done[0].params["text"])
    assert "Following" in ask(telegram, ADMIN, ADMIN, f"/follow {site.feed_url} 30m").params["text"]  # again: no new report
    telegram.quiet()
    assert len([c for c in telegram.requests("sendMessage", chat_id=ADMIN) if "First poll" in c.params["text"]]) == 1


# ------------------------------------------------------------------ topic alerts

FLOOD_STORY = b"Flood closes the river road\n\nA flood closed the river road at Hallam on Monday night. Crews worked until dawn."
FLOODING_STORY = b"Rain in the hills\n\nFlooding is feared in the hills; the floods of last year are remembered."
PARK_STORY = b"Concert in the park\n\nThe town band played in the River Park on Sunday to a crowd of 900."


def alerts_in(telegram, chat_id: int) -> list[str]:
    """The alert messages the bot posted to ``chat_id``."""
    return [c.params["text"] for c in telegram.requests("sendMessage", chat_id=chat_id)
            if c.params["text"].startswith("🔔 New article")]


def test_alerts_post_each_new_matching_article_once_from_uploads_and_other_processes(desk, telegram, start_bot, tmp_path):
    from newsdesk.retrieval.service import Newsdesk
    from newsdesk.retrieval.settings import Settings

    from tests.conftest import FakeEncoder

    start_bot(desk, alert_check_s=0.2)
    upload(telegram, FLOOD_STORY.replace(b"Hallam", b"Ashby"), "old-flood.txt")  # before the alert: not news
    set_ = ask(telegram, GROUP, USER, "/alert flood", kind="supergroup").params["text"]
    assert set_.startswith("🔔 I'll post here each new article that mentions <b>flood</b>")
    assert "already has an alert" in ask(telegram, GROUP, USER, "/alert FLOOD", kind="supergroup").params["text"]
    ask(telegram, GROUP, USER, "/alert “river park”", kind="supergroup")
    listed = ask(telegram, GROUP, USER, "/alerts", kind="supergroup").params["text"]
    assert '• flood\n• "river park"' in listed
    assert "no alerts" in ask(telegram, USER, USER, "/alerts").params["text"]  # another chat's are its own

    for story, name in ((FLOODING_STORY, "rain.txt"), (FLOOD_STORY, "flood.txt"), (PARK_STORY, "park.txt")):
        upload(telegram, story, name)  # an admin's uploads, in a private chat
    posted = telegram.wait_for(lambda: len(alerts_in(telegram, GROUP)) >= 2 and alerts_in(telegram, GROUP))
    check_telegram_html(posted[0])
    assert posted[0].startswith("🔔 New article for <b>flood</b>:\n“Flood closes the river road”")
    assert "A flood closed the river road at Hallam on Monday night. Crews worked until dawn.</blockquote>" in posted[0]
    assert posted[1].startswith('🔔 New article for <b>"river park"</b>:\n“Concert in the park”')

    # Another process (`newsdesk ingest`) on the same home: the bot's job finds the new version.
    other = Newsdesk(Settings(home=desk.settings.home, reader="baseline"), encoder=FakeEncoder())
    wire = tmp_path / "wire.txt"
    wire.write_bytes(b"Flood defences hold\n\nThe new flood defences at Hallam held overnight, the council said.")
    other.ingest([wire, tmp_path / "wire.txt"])
    third = telegram.wait_for(lambda: len(alerts_in(telegram, GROUP)) >= 3 and alerts_in(telegram, GROUP)[2])
    assert "The new flood defences at Hallam held overnight" in third

    stopped = ask(telegram, GROUP, USER, "/unalert Flood", kind="supergroup").params["text"]
    assert stopped == "Stopped the alert for <b>Flood</b>."
    assert "no alert for" in ask(telegram, GROUP, USER, "/unalert flood", kind="supergroup").params["text"]
    upload(telegram, FLOOD_STORY + b" More later.", "flood-2.txt")
    upload(telegram, PARK_STORY, "park-again.txt")  # the same article again: not new
    telegram.quiet()
    assert len(alerts_in(telegram, GROUP)) == 3 and not alerts_in(telegram, USER) and not alerts_in(telegram, ADMIN)


def test_alerts_survive_a_restart_and_fire_for_articles_indexed_meanwhile(desk, telegram, start_bot, tmp_path):
    bot = start_bot(desk)
    ask(telegram, USER, USER, "/alert flood")
    bot.stop()
    stored = json.loads((desk.settings.home / STORE_FILE).read_text())
    assert stored["chats"][str(USER)]["alerts"] == [{"term": "flood", "by": USER}] and len(stored["seen"]) == 8
    wire = tmp_path / "wire.txt"
    wire.write_bytes(FLOOD_STORY)
    desk.ingest([wire])  # while the bot was down
    start_bot(desk, alert_check_s=0.2)
    assert "“Flood closes the river road”" in telegram.wait_for(lambda: alerts_in(telegram, USER))[0]
    assert "• flood" in ask(telegram, USER, USER, "/alerts").params["text"]
    assert "• Alerts: 1 (/alerts)" in ask(telegram, USER, USER, "/settings").params["text"]
    telegram.quiet()
    assert len(alerts_in(telegram, USER)) == 1


def test_an_alert_fires_for_an_article_the_bots_feed_poll_brings(desk, telegram, start_bot, site):
    site.add(Story("dam", "Dam gates opened", "The Ardlow dam gates were opened after the flood warning on Friday."))
    start_bot(desk, allow_private_urls=True, feed_host_delay_s=0)  # no job for other processes: the poll's own check
    ask(telegram, GROUP, USER, '/alert "flood warning"', kind="supergroup")
    ask(telegram, ADMIN, ADMIN, f"/follow {site.feed_url}")
    posted = telegram.wait_for(lambda: alerts_in(telegram, GROUP))
    assert posted[0].startswith('🔔 New article for <b>"flood warning"</b>:\n<b>Harbour Post</b> — '
                                f'<a href="{site.page_url("dam")}">“Dam gates opened”</a>')
    assert "flood warning" in posted[0].split("<blockquote>")[1]
    telegram.quiet()
    assert len(alerts_in(telegram, GROUP)) == 1


def test_an_unreadable_live_version_is_no_reason_to_post_old_articles_again(desk, telegram, start_bot, tmp_path):
    """A look that finds no readable live version (damaged, mid-rollback) skips; before, it took
    the index for empty, and every indexed article that matched was posted as new after it."""
    looks, broken = [], [True]
    live_version = desk.live_version
    desk.live_version = lambda: looks.append(1) or (None if broken[0] and len(looks) > 1 else live_version())
    start_bot(desk, alert_check_s=0.1)
    ask(telegram, USER, USER, "/alert harvest")  # two indexed articles match: not news
    telegram.wait_for(lambda: len(looks) >= 4)
    broken[0] = False
    wire = tmp_path / "wire.txt"
    wire.write_bytes(PARK_STORY)
    desk.ingest([wire])  # a new version, which the next look reads
    telegram.wait_for(lambda: desk.live_version() and len(looks) >= 8)
    telegram.quiet()
    assert not alerts_in(telegram, USER)


# ------------------------------------------------------------------ logging


@pytest.fixture
def library_logging():
    """Undo what ``quiet_library_logs`` sets on the global loggers, after the test."""
    import logging

    from newsdesk.bot.telegram.run import NoLibraryTracebacks, RetriesInOneLine

    ptb, root = logging.getLogger("telegram.ext"), logging.getLogger()
    saved = ptb.level, list(ptb.filters), {h: list(h.filters) for h in root.handlers}
    yield
    logging.getLogger("apscheduler").setLevel(logging.NOTSET)
    ptb.setLevel(saved[0])
    ptb.filters[:] = saved[1]
    for handler in root.handlers:
        handler.filters[:] = [f for f in handler.filters if not isinstance(f, (NoLibraryTracebacks, RetriesInOneLine))]


def test_bot_v_does_not_log_each_run_of_the_scheduler(desk, telegram, start_bot, caplog, library_logging):
    """Before, ``bot -v`` logged "Running job …" and "Job … executed successfully" every minute."""
    import logging

    from newsdesk.bot.telegram.run import quiet_library_logs

    caplog.set_level(logging.INFO)
    quiet_library_logs(telegram.url, verbose=1)
    looks = []
    live_version = desk.live_version
    desk.live_version = lambda: looks.append(1) or live_version()  # each run of the alerts job looks once
    start_bot(desk, alert_check_s=0.1)
    ask(telegram, USER, USER, "/alert flood")
    telegram.wait_for(lambda: len(looks) >= 4)
    assert not [r for r in caplog.records if r.name.startswith("apscheduler")]
    assert logging.getLogger("apscheduler.executors.default").isEnabledFor(logging.WARNING)  # a failing job still shows
    assert logging.getLogger("newsdesk.bot.telegram.alerts").isEnabledFor(logging.INFO)  # and newsdesk's own lines
