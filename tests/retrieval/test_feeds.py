"""Following feeds: pure parts on tiny inputs, then polls against a feed site on 127.0.0.1
(fake encoder, baseline reader, real fetch, feed and index code)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from newsdesk.retrieval.index.versions import current_version
from newsdesk.retrieval.sources.feeds.follow import add_feed, import_opml, remove_feed
from newsdesk.retrieval.sources.feeds.parse import opml_feeds, parse_feed
from newsdesk.retrieval.sources.feeds.poll import page_article
from newsdesk.retrieval.sources.feeds.records import (
    MAX_TRIES,
    Feed,
    FeedOptions,
    FeedResult,
    Item,
    items_to_fetch,
    parse_interval,
    record_poll,
    remember,
)
from newsdesk.retrieval.sources.feeds.store import feeds_path, load_feeds, save_feeds
from newsdesk.retrieval.sources.web.pacing import HostPacer

from newsdesk.errors import FeedError, FetchError, UrlRefused

from .feed_server import FeedSite, Story, story_page

ROOT = Path(__file__).resolve().parents[2]
LOCAL = FeedOptions(allow_private=True, host_delay_s=0, timeout_s=5)  # the site is on 127.0.0.1

FERRY = Story("ferry", "Kiel opens a new ferry terminal",
              "Mayor Ingrid Lund opened the new Kiel ferry terminal on Monday morning.\n\n"
              "The terminal will handle two million passengers a year on the routes to Oslo and Gothenburg.")
BRIDGE = Story("bridge", "Tidewater Bridge reopens after repairs",
               "Engineer Tomas Varga reopened the Tidewater Bridge on Thursday after two years of repairs.\n\n"
               "The bridge carries twenty thousand cars a day between the harbour and the old town.",
               date="Tue, 02 Dec 2025 08:30:00 GMT", site_name=None)
MUSEUM = Story("museum", "Quarry museum opens its doors",
               "Curator Priya Raman opened the Northgate Quarry Museum on Tuesday.\n\n"
               "The museum shows the tools of the granite workers who cut stone in the valley.")

RSS = b"""<?xml version="1.0"?><rss version="2.0"><channel><title> Harbour   Post </title>
<item><title>One</title><link>/items/1.html</link><guid>id-1</guid><pubDate>Mon, 01 Dec 2025 23:30:00 -0200</pubDate></item>
<item><title>Two</title><link>https://other.example/2</link></item>
<item><title>No link</title><description>text only</description></item>
<item><title>One again</title><link>/items/1.html</link><guid>id-1</guid></item>
</channel></rss>"""


def _follow(desk, site, url=None):
    feed, new, _ = add_feed(desk.settings.home, url or site.feed_url, LOCAL)
    assert new
    return feed


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


# ------------------------------------------------------------------ against a feed site


def test_add_names_the_feed_by_its_title_and_refuses_what_is_no_feed(desk, site):
    feed = _follow(desk, site)
    assert (feed.title, feed.url, feed.interval_s) == (site.title, site.feed_url, 900)
    again, new, _ = add_feed(desk.settings.home, site.feed_url, LOCAL, interval_s=120)
    assert not new and again.interval_s == 120 and len(load_feeds(desk.settings.home)) == 1
    site.add(FERRY)
    with pytest.raises(FeedError, match="not an RSS or Atom feed"):
        add_feed(desk.settings.home, site.page_url("ferry"), LOCAL)
    with pytest.raises(FetchError):
        add_feed(desk.settings.home, site.url + "/nowhere.xml", LOCAL)
    assert list(load_feeds(desk.settings.home)) == [site.feed_url]


def test_poll_indexes_new_items_once_and_a_304_fetches_nothing(desk, site):
    site.add(FERRY)
    site.add(BRIDGE)
    _follow(desk, site)
    first = desk.feeds.poll(LOCAL)
    assert first.added == 2 and first.faults == 0 and sorted(site.page_hits()) == ["/items/bridge.html", "/items/ferry.html"]
    articles = {a.url: a for a in desk.index.articles.values()}
    ferry, bridge = articles[site.page_url("ferry")], articles[site.page_url("bridge")]
    assert (ferry.outlet, ferry.title, ferry.date) == ("Harbour Post", FERRY.title, "2025-12-01")
    assert (bridge.outlet, bridge.date) == (site.title, "2025-12-02")  # no site name on the page: the feed's title
    answer = desk.ask("Who opened the Kiel ferry terminal?")
    assert "Ingrid Lund" in answer.text and answer.citations[0].url == site.page_url("ferry")

    site.hits.clear()
    version = current_version(desk.settings.home)
    quiet = desk.feeds.poll(LOCAL)
    assert site.hits == ["/feed.xml"] and quiet.feeds[0].status == "not modified" and quiet.report is None
    assert current_version(desk.settings.home) == version  # nothing new: no index write

    site.add(MUSEUM)
    second = desk.feeds.poll(LOCAL)
    assert site.page_hits() == ["/items/museum.html"] and second.added == 1  # only the new item
    assert "Priya Raman" in desk.ask("Who opened the Northgate Quarry Museum?").text
    state = load_feeds(desk.settings.home)[site.feed_url]
    assert set(state.seen) == {"tag:harbour,ferry", "tag:harbour,bridge", "tag:harbour,museum"}
    assert desk.feeds.list()[0].articles == 3  # counted in the index


def test_without_validators_known_items_are_still_never_fetched_again(desk, site):
    site.conditional = False
    site.add(FERRY)
    _follow(desk, site)
    desk.feeds.poll(LOCAL)
    site.hits.clear()
    summary = desk.feeds.poll(LOCAL)
    assert site.hits == ["/feed.xml"] and summary.feeds[0].status == "ok" and summary.added == 0


def test_faults_are_lines_and_the_other_items_still_land(desk, site):
    other = FeedSite("Valley Times").start()
    try:
        site.add(FERRY)
        site.add(BRIDGE)
        site.add(MUSEUM)
        site.missing.add("bridge")
        site.blank.add("museum")
        other.add(Story("v", "Valley news", "The valley council met on Friday and voted for a new school.\n\nIt opens in May."))
        _follow(desk, site)
        _follow(desk, other, other.feed_url)
        other.broken = True
        summary = desk.feeds.poll(LOCAL)
        lines = "\n".join(summary.lines())
        assert f"{site.page_url('bridge')}: the page could not be fetched (the server answered 404" in lines
        assert f"{site.page_url('museum')}: no article text found" in lines
        assert "Valley Times: 1 new article (1 page fetched)\n  a malformed feed (" in lines  # cut off: read up to the cut
        assert {a.url for a in desk.index.articles.values()} == {site.page_url("ferry"), other.page_url("v")}
        assert summary.faults >= 3 and lines.splitlines()[-1].startswith("polled 2 feeds")

        other.broken, other.feed_status = False, 503
        down = desk.feeds.poll(LOCAL, urls=[other.feed_url])
        assert down.lines()[0].startswith("Valley Times: failed: the feed could not be fetched (the server answered 503")

        # The page without text is never fetched again; the 404 is tried MAX_TRIES times in all.
        site.hits.clear()
        lines = [line for _ in range(MAX_TRIES) for line in desk.feeds.poll(LOCAL, urls=[site.feed_url]).lines()]
        assert site.page_hits() == ["/items/bridge.html"] * (MAX_TRIES - 1)
        assert sum("bridge.html" in line and "given up" in line for line in lines) == 1
        assert load_feeds(desk.settings.home)[site.feed_url].pending == ()
    finally:
        other.stop()


def test_a_removed_feed_is_not_polled_and_its_articles_stay(desk, site):
    site.add(FERRY)
    _follow(desk, site)
    desk.feeds.poll(LOCAL)
    assert remove_feed(desk.settings.home, site.feed_url).title == site.title
    site.add(MUSEUM)
    site.hits.clear()
    assert desk.feeds.poll(LOCAL).feeds == [] and site.hits == []
    assert len(desk.index.articles) == 1
    with pytest.raises(FeedError, match="not a followed feed"):
        remove_feed(desk.settings.home, site.feed_url)


def test_due_only_polls_the_feeds_whose_interval_has_passed(desk, site):
    site.add(FERRY)
    _follow(desk, site)
    assert len(desk.feeds.poll(LOCAL, due_only=True).feeds) == 1  # never polled: due
    assert desk.feeds.poll(LOCAL, due_only=True).feeds == []
    later = load_feeds(desk.settings.home)[site.feed_url].last_poll + 901
    assert len(desk.feeds.poll(LOCAL, due_only=True, now=lambda: later).feeds) == 1


def test_private_addresses_are_refused_without_the_switch(desk, site):
    site.add(FERRY)
    public_only = FeedOptions(host_delay_s=0, timeout_s=5)
    with pytest.raises(UrlRefused) as refused:
        add_feed(desk.settings.home, site.feed_url, public_only)
    assert "non-public address 127.0.0.1" in refused.value.reason
    _follow(desk, site)  # followed while the switch was on
    summary = desk.feeds.poll(public_only)
    assert "non-public address" in summary.lines()[0] and site.hits == ["/feed.xml"]  # only the add's fetch
    assert not desk.has_index() or not desk.index.articles


def test_opml_import_follows_each_feed_and_reports_the_rest(desk, site, tmp_path):
    opml = (f'<opml version="1.0"><body><outline text="H" xmlUrl="{site.feed_url}"/>'
            f'<outline text="Gone" xmlUrl="{site.url}/gone.xml"/><outline text="Bad" xmlUrl="ftp://x/feed"/></body></opml>')
    lines = import_opml(desk.settings.home, opml, LOCAL)
    assert lines[0] == f"{site.feed_url}: following “{site.title}”"
    assert "not followed: it could not be fetched (the server answered 404" in lines[1]
    assert "not followed" in lines[2] and list(load_feeds(desk.settings.home)) == [site.feed_url]


# ------------------------------------------------------------------ crashes


def _worker(home, crash_at=None):
    env = {**os.environ, **({"NEWSDESK_CRASH_AT": crash_at} if crash_at else {})}
    return subprocess.run([sys.executable, "-m", "tests.retrieval.feed_worker", str(home)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("point", ["mid-embed", "before-switch", "feeds-before-record"])
def test_a_poll_killed_midway_leaves_a_consistent_state_and_the_next_poll_completes(desk, site, point):
    site.add(FERRY)
    _follow(desk, site)
    assert _worker(desk.settings.home).returncode == 0
    site.add(BRIDGE)
    site.add(MUSEUM)
    before = load_feeds(desk.settings.home)

    crashed = _worker(desk.settings.home, point)
    assert crashed.returncode == -9  # SIGKILL
    assert load_feeds(desk.settings.home) == before  # the state still says: not seen
    indexed = {a.url for a in desk.index.articles.values()}
    assert indexed == ({site.page_url("ferry")} if point != "feeds-before-record" else
                       {site.page_url(s) for s in ("ferry", "bridge", "museum")})

    site.hits.clear()
    clean = _worker(desk.settings.home)
    assert clean.returncode == 0, clean.stderr
    assert sorted(site.page_hits()) == ["/items/bridge.html", "/items/museum.html"]  # fetched again, harmlessly
    assert {a.url for a in desk.index.articles.values()} == {site.page_url(s) for s in ("ferry", "bridge", "museum")}
    assert len(desk.index.articles) == 3
    site.hits.clear()
    assert _worker(desk.settings.home).returncode == 0 and site.page_hits() == []
    assert not [p for p in Path(desk.settings.home).iterdir() if p.name.endswith(".tmp")]


# ------------------------------------------------------------------ watch and the command line


def test_watch_polls_the_feeds_it_is_given(desk, site, tmp_path):
    folder = tmp_path / "watched"
    folder.mkdir()
    site.add(FERRY)
    _follow(desk, site)
    summaries = []
    desk.watch(folder, interval=0.01, cycles=2, report=lambda r: None,
               on_cycle=lambda: summaries.append(desk.feeds.poll(LOCAL, due_only=True)))
    assert [len(s.feeds) for s in summaries] == [1, 0]  # due once, then not for its interval
    assert {a.url for a in desk.index.articles.values()} == {site.page_url("ferry")}


def test_the_feeds_command(desk, site, tmp_path, monkeypatch, capsys, fake_encoder):
    from newsdesk.bot import cli
    from newsdesk.retrieval import service

    monkeypatch.setenv("NEWSDESK_ALLOW_PRIVATE_URLS", "1")
    real = service.Newsdesk
    monkeypatch.setattr(service, "Newsdesk", lambda settings: real(settings, encoder=fake_encoder))
    home = ["--home", str(desk.settings.home)]
    site.add(FERRY)

    def run(*argv):
        code = cli.main([*argv, *home])
        out, err = capsys.readouterr()
        return code, out, err

    code, out, _ = run("feeds", "add", site.feed_url, "--interval", "30m")
    assert code == 0 and f"following “{site.title}”" in out and "every 30 min" in out
    code, out, _ = run("feeds", "list", "--json")
    assert code == 0 and [(f["url"], f["interval_s"]) for f in json.loads(out)] == [(site.feed_url, 1800)]
    code, out, _ = run("feeds", "poll", "--delay", "0")
    assert code == 0 and f"{site.title}: 1 new article" in out and "polled 1 feed" in out
    code, out, _ = run("feeds", "list")
    assert code == 0 and site.title in out and "1 article" in out
    code, out, err = run("feeds", "add", site.url + "/nowhere.xml")
    assert code == 1 and "the server answered 404" in err
    with pytest.raises(SystemExit) as usage:
        run("feeds", "add", "http://x", "--interval", "5")
    assert usage.value.code == 2 and "too short" in capsys.readouterr().err
    opml = tmp_path / "subs.opml"
    opml.write_text(f'<opml><body><outline xmlUrl="{site.url}/atom.xml" text="Atom"/></body></opml>')
    code, out, _ = run("feeds", "add", "--opml", str(opml))
    assert code == 0 and "following" in out
    code, out, _ = run("feeds", "remove", site.feed_url)
    assert code == 0 and "stopped following" in out
    monkeypatch.delenv("NEWSDESK_ALLOW_PRIVATE_URLS")
    code, _, err = run("feeds", "add", site.feed_url)
    assert code == 1 and "NEWSDESK_ALLOW_PRIVATE_URLS" in err


def test_feeds_poll_exit_codes_opml_and_times_for_scripts(desk, site, tmp_path, monkeypatch, capsys, fake_encoder):
    from newsdesk.bot import cli
    from newsdesk.bot.feeds_cli import EXIT_FEED_FAILED
    from newsdesk.retrieval import service

    monkeypatch.setenv("NEWSDESK_ALLOW_PRIVATE_URLS", "1")
    real = service.Newsdesk
    monkeypatch.setattr(service, "Newsdesk", lambda settings: real(settings, encoder=fake_encoder))
    home = ["--home", str(desk.settings.home)]

    def run(*argv):
        code = cli.main([*argv, *home])
        return code, capsys.readouterr().out

    site.add(FERRY)
    site.add(BRIDGE)
    site.missing.add("bridge")  # one dead item
    assert run("feeds", "add", site.feed_url, "--interval", "30m")[0] == 0
    for _ in range(MAX_TRIES):  # a dead item is a line, never the poll's error
        code, out = run("feeds", "poll", "--delay", "0")
        assert code == 0 and "bridge.html: the page could not be fetched" in out
    opml = tmp_path / "subs.opml"
    opml.write_text(f'<opml><body><outline xmlUrl="{site.feed_url}" text="Harbour"/></body></opml>')
    code, out = run("feeds", "add", "--opml", str(opml))
    assert code == 0 and "already followed" in out and "every 30 min, unchanged" in out
    code, out = run("feeds", "list", "--json")
    row = json.loads(out)[0]
    assert row["interval_s"] == 1800 and row["articles"] == 1
    assert row["added"].endswith("+00:00") and row["last_poll"].endswith("+00:00")  # one format, UTC
    site.feed_status = 503  # the feed itself is down: a code a cron job can tell apart
    code, out = run("feeds", "poll", "--delay", "0")
    assert code == EXIT_FEED_FAILED == 3 and "failed: the feed could not be fetched" in out
