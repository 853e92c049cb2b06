"""The bot's feed commands end to end: the real python-telegram-bot Application against the
fake Bot API server, a feed site on 127.0.0.1, the job queue polling it."""

from __future__ import annotations

from dataclasses import replace

import pytest
from newsdesk.bot.telegram.feeds import FEED_FETCH_FAILED, format_feeds
from newsdesk.retrieval.sources.feeds.records import Feed
from newsdesk.retrieval.sources.feeds.store import load_feeds, update_feeds

from tests.retrieval.feed_server import FeedSite, Story

from .conftest import ADMIN, USER, check_telegram_html
from .test_telegram_bot import ask

FERRY = Story("ferry", "Kiel opens a new ferry terminal",
              "Mayor Ingrid Lund opened the new Kiel ferry terminal on Monday morning.\n\n"
              "The terminal will handle two million passengers a year on the routes to Oslo and Gothenburg.")
MUSEUM = Story("museum", "Quarry museum opens its doors",
               "Curator Priya Raman opened the Northgate Quarry Museum on Tuesday.\n\n"
               "The museum shows the tools of the granite workers who cut stone in the valley.")


@pytest.fixture
def site():
    server = FeedSite().start()
    yield server
    server.stop()


def _indexed(desk, url):
    return any(a.url == url for a in desk.index.articles.values())


def test_admins_follow_list_and_unfollow_feeds_and_the_job_brings_the_articles(desk, telegram, start_bot, site):
    site.add(FERRY)
    start_bot(desk, allow_private_urls=True, feed_host_delay_s=0, feed_check_s=0.3)  # the site is on 127.0.0.1
    followed = ask(telegram, ADMIN, ADMIN, f"/follow {site.feed_url}").params["text"]
    check_telegram_html(followed)
    assert f"Following <b>{site.title}</b> every 15 min" in followed and "It lists 1 item" in followed
    # The poll right after /follow: indexed, then recorded.
    telegram.wait_for(lambda: desk.feeds.list()[0].articles == 1)  # counted in the index
    assert _indexed(desk, site.page_url("ferry")) and site.page_hits() == ["/items/ferry.html"]
    answer = ask(telegram, ADMIN, ADMIN, "Who opened the Kiel ferry terminal?").params["text"]
    assert answer.startswith("<b>Ingrid Lund</b>")
    assert f'1. <b>Harbour Post</b> — <a href="{site.page_url("ferry")}">“{FERRY.title}”</a> (2025-12-01)' in answer

    listing = ask(telegram, ADMIN, ADMIN, "/feeds").params["text"]
    check_telegram_html(listing)
    assert f"<b>{site.title}</b> — every 15 min, 1 article; last poll" in listing and site.feed_url in listing

    # The job polls on the feed's interval: shortened here by following it again with one.
    assert "interval is updated" in ask(telegram, ADMIN, ADMIN, f"/follow {site.feed_url} 1m").params["text"]
    assert load_feeds(desk.settings.home)[site.feed_url].interval_s == 60
    # The repeating job polls a feed once its interval has passed (here: as if the last poll were long ago).
    site.add(MUSEUM)
    update_feeds(desk.settings.home, lambda feeds: feeds.update({site.feed_url: replace(feeds[site.feed_url], last_poll=0.0)}))
    telegram.wait_for(lambda: desk.feeds.list()[0].articles == 2)  # counted in the index
    assert _indexed(desk, site.page_url("museum")) and site.page_hits() == ["/items/ferry.html", "/items/museum.html"]

    stopped = ask(telegram, ADMIN, ADMIN, f"/unfollow {site.feed_url}").params["text"]
    assert stopped == f"Stopped following <b>{site.title}</b>. Its 2 articles stay indexed."
    assert load_feeds(desk.settings.home) == {}
    assert "I don't follow that feed" in ask(telegram, ADMIN, ADMIN, f"/unfollow {site.feed_url}").params["text"]
    assert "I follow no feeds yet" in ask(telegram, ADMIN, ADMIN, "/feeds").params["text"]


def test_only_admins_follow_feeds_and_bad_feeds_get_one_polite_line(desk, telegram, start_bot, site):
    start_bot(desk, allow_private_urls=True, feed_host_delay_s=0)
    for command in (f"/follow {site.feed_url}", "/feeds", f"/unfollow {site.feed_url}"):
        assert "only admins can follow feeds" in ask(telegram, USER, USER, command).params["text"]
    assert "Send <code>/follow URL</code>" in ask(telegram, ADMIN, ADMIN, "/follow").params["text"]
    assert "too short" in ask(telegram, ADMIN, ADMIN, f"/follow {site.feed_url} 5s").params["text"]
    site.add(FERRY)
    page = ask(telegram, ADMIN, ADMIN, f"/follow {site.page_url('ferry')}").params["text"]
    assert "a web page, not an RSS or Atom feed" in page
    assert ask(telegram, ADMIN, ADMIN, f"/follow {site.url}/missing.xml").params["text"] == FEED_FETCH_FAILED
    assert load_feeds(desk.settings.home) == {}


def test_feeds_on_private_addresses_are_refused_without_the_switch(desk, telegram, start_bot, site):
    start_bot(desk)  # NEWSDESK_ALLOW_PRIVATE_URLS unset
    site.add(FERRY)
    assert ask(telegram, ADMIN, ADMIN, f"/follow {site.feed_url}").params["text"] == FEED_FETCH_FAILED
    assert site.hits == [] and load_feeds(desk.settings.home) == {}


def test_feeds_listing_keeps_the_reason_of_a_failure_out_of_the_message():
    feed = Feed(url="http://10.0.0.1/feed", title="A <b> feed", last_poll=0.0, last_status="failed: the feed could "
                "not be fetched (10.0.0.1 resolves to the non-public address 10.0.0.1)")
    text = format_feeds([feed])
    check_telegram_html(text)
    assert "A &lt;b&gt; feed" in text and ": failed" in text and "non-public" not in text
