"""Following feeds: polls against a feed site on 127.0.0.1 (fake encoder, baseline reader, real
fetch, feed and index code), a poll killed midway, watch and the `feeds` command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from newsdesk.retrieval.index.versions import current_version
from newsdesk.retrieval.sources.feeds.follow import add_feed, import_opml, remove_feed
from newsdesk.retrieval.sources.feeds.records import MAX_TRIES, FeedOptions
from newsdesk.retrieval.sources.feeds.store import load_feeds

from newsdesk.errors import FeedError, FetchError, UrlRefused

from .conftest import BRIDGE, FERRY, LOCAL, MUSEUM
from .feed_server import FeedSite, Story


ROOT = Path(__file__).resolve().parents[2]


def _follow(desk, site, url=None):
    feed, new, _ = add_feed(desk.settings.home, url or site.feed_url, LOCAL)
    assert new
    return feed


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
