"""Following feeds, the pure parts on tiny inputs: parsing RSS, Atom and OPML, which items to
fetch and remember, recording a poll, intervals, the host pacer, page articles, the store."""

from __future__ import annotations

import pytest
from newsdesk.retrieval.sources.feeds.parse import opml_feeds, parse_feed
from newsdesk.retrieval.sources.feeds.poll import page_article
from newsdesk.retrieval.sources.feeds.records import (
    Feed,
    FeedResult,
    Item,
    items_to_fetch,
    parse_interval,
    record_poll,
    remember,
)
from newsdesk.retrieval.sources.feeds.store import feeds_path, load_feeds, save_feeds
from newsdesk.retrieval.sources.web.pacing import HostPacer

from newsdesk.errors import FeedError

from .conftest import BRIDGE, FERRY, RSS
from .feed_server import Story, story_page


# ------------------------------------------------------------------ pure parts


def test_rss_items_have_keys_resolved_links_and_days():
    parsed = parse_feed(RSS, "http://news.example/feed.xml")
    assert parsed.title == "Harbour Post" and parsed.problem is None
    assert [(i.key, i.link, i.date) for i in parsed.items] == [
        ("id-1", "http://news.example/items/1.html", "2025-12-02"),  # 23:30 at -02:00 is the next day in UTC
        ("https://other.example/2", "https://other.example/2", None),  # no guid: the link is the key
    ]


def test_atom_items(site):
    site.add(FERRY)
    parsed = parse_feed(site.atom().encode(), site.url + "/atom.xml")
    assert parsed.title == site.title
    assert [(i.key, i.link, i.title, i.date) for i in parsed.items] == [
        ("tag:harbour,ferry", site.page_url("ferry"), FERRY.title, "2025-12-01")]


def test_what_is_no_feed_is_refused_and_a_broken_one_is_read_as_far_as_it_goes():
    with pytest.raises(FeedError, match="a web page, not an RSS or Atom feed"):
        parse_feed(b"<!doctype html><html><body>Hello</body></html>", "http://x/")
    with pytest.raises(FeedError, match=r"not an RSS or Atom feed \(.+\)"):
        parse_feed(b"\x00\x01 garbage <<", "http://x/")
    cut = parse_feed(RSS[: RSS.index(b"<item><title>No link")] + b"<item><title>x", "http://x/")
    assert "malformed feed" in cut.problem and len(cut.items) == 2


def test_items_to_fetch_puts_the_newest_first_and_skips_seen_ones():
    listed = [Item("a", "http://x/a"), Item("b", "http://x/b"), Item("c", "http://x/c")]
    feed = Feed(url="http://x/feed", title="X", seen=("a",), pending=(Item("z", "http://x/z", tries=1),))
    now, later = items_to_fetch(feed, listed, limit=2)
    # The feed's new items first, then what waits that it no longer lists: a backlog never delays news.
    assert [i.key for i in now] == ["b", "c"] and [i.key for i in later] == ["z"]
    assert [i.key for i in items_to_fetch(feed, None, 10)[0]] == ["z"]  # a 304: only what waits
    waiting = Feed(url="u", title="X", pending=(Item("c", "http://x/c", tries=2),))
    assert [(i.key, i.tries) for i in items_to_fetch(waiting, listed, 10)[0]] == [("a", 0), ("b", 0), ("c", 2)]
    dated = [Item("old", "http://x/o", date="2025-01-01"), Item("new", "http://x/n", date="2025-06-01")]
    assert [i.key for i in items_to_fetch(Feed(url="u", title="X"), dated, 10)[0]] == ["new", "old"]


def test_only_the_newest_items_are_candidates_and_what_waits_is_bounded():
    listed = [Item(f"k{n}", f"http://x/{n}") for n in range(100)]
    now, later = items_to_fetch(Feed(url="u", title="X"), listed, limit=3, window=10, max_pending=4)
    assert [i.key for i in now] == ["k0", "k1", "k2"] and [i.key for i in later] == ["k3", "k4", "k5", "k6"]


def test_remember_forgets_the_oldest_keys_the_feed_no_longer_lists():
    assert remember(("a", "b"), ["b", "c"], None) == ("a", "b", "c")
    assert remember(("a", "b", "c"), ["d"], ["a", "d"], limit=3) == ("a", "c", "d")


def test_record_poll_keeps_everything_when_the_feed_failed_and_moves_on_otherwise():
    feed = Feed(url="u", title="T", etag='"1"', seen=("a",), pending=(Item("p", "http://x/p"),))
    failed = record_poll(feed, FeedResult(url="u", title="T", status="failed", error="down"), now=5.0)
    assert (failed.etag, failed.seen, failed.pending, failed.last_poll) == ('"1"', ("a",), feed.pending, 5.0)
    assert failed.last_status == "failed: down"
    result = FeedResult(url="u", title="T", status="ok", etag='"2"', listed=["a", "b"], added=1,
                        done=[("b", "id-b", "http://x/b"), ("p", None, "http://x/p")])
    done = record_poll(feed, result, now=6.0)
    assert (done.etag, done.seen, done.pending, done.last_status) == ('"2"', ("a", "b", "p"), (), "ok")
    assert done.produced == (("b", "id-b", "http://x/b"),)  # what lets a poll see the index lost it
    skipped = FeedResult(url="u", title="T", status="skipped", error="the poll's time was up")
    assert record_poll(feed, skipped, now=7.0) == feed  # not polled: still due, nothing forgotten


def test_intervals():
    assert [parse_interval(t) for t in ("900", "15m", "2h", "90s", "1d")] == [900, 900, 7200, 90, 86400]
    for bad in ("soon", "-5", "10"):  # 10 s is too often
        with pytest.raises(ValueError):
            parse_interval(bad)
    feed = Feed(url="u", title="T", interval_s=60)
    assert feed.due(100.0) and not replace_poll(feed, 100.0).due(159.0) and replace_poll(feed, 100.0).due(160.0)


def replace_poll(feed, at):
    from dataclasses import replace

    return replace(feed, last_poll=at)


def test_host_pacer_waits_between_requests_to_one_host_only():
    clock, slept = [0.0], []
    pacer = HostPacer(1.0, clock=lambda: clock[0], sleep=lambda s: (slept.append(s), clock.__setitem__(0, clock[0] + s)))
    for url in ("http://a.example/1", "http://b.example/1", "http://a.example/2"):
        with pacer.turn(url):
            clock[0] += 0.25
    assert slept == [0.75]  # a.example's second request waited a second from the end of its first


def test_opml_outlines():
    text = """<?xml version="1.0"?><opml version="2.0"><head><title>subs</title></head><body>
      <outline text="News"><outline text="Harbour" title="Harbour Post" type="rss" xmlUrl="http://a.example/feed"/>
      <outline text="Valley" xmlUrl="http://b.example/rss"/></outline><outline text="folder only"/></body></opml>"""
    assert opml_feeds(text) == [("http://a.example/feed", "Harbour Post"), ("http://b.example/rss", "Valley")]
    with pytest.raises(FeedError, match="not an OPML file"):
        opml_feeds("<rss/>")


def test_page_article_takes_outlet_and_date_from_the_page_else_from_the_feed():
    item = Item("k", "http://127.0.0.1:8000/items/ferry.html", title="t", date="2025-12-01")
    named = page_article(story_page(FERRY), "html", item, "Feed Title")
    assert (named.outlet, named.date, named.url, named.path) == ("Harbour Post", "2025-12-01", item.link, None)
    dated = Story("x", BRIDGE.title, BRIDGE.text, site_name=None, page_date="2025-11-20")
    unnamed = page_article(story_page(dated), "html", item, "Feed Title")
    assert (unnamed.outlet, unnamed.date) == ("Feed Title", "2025-11-20")
    with pytest.raises(ValueError, match="no article text"):
        page_article("<html><body><nav>Home</nav></body></html>", "html", item, "Feed Title")


def test_the_store_round_trips_and_leaves_no_temporary_files(tmp_path):
    feeds = {"u": Feed(url="u", title="T", seen=("a",), pending=(Item("p", "http://x/p", tries=2),), etag='"e"')}
    save_feeds(tmp_path, feeds)
    assert load_feeds(tmp_path) == feeds
    assert [p.name for p in tmp_path.iterdir()] == ["feeds.json"]
    feeds_path(tmp_path).write_text("{not json")
    with pytest.raises(FeedError, match="cannot be read"):
        load_feeds(tmp_path)
