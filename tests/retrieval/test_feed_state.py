"""The feed state follows the index: after a rollback or a damaged version, a poll fetches the
lost items again, `feeds list` counts what the index holds, and no version holding articles the
live one lacks goes without a line naming them (feed site on 127.0.0.1, fake encoder)."""

from __future__ import annotations

import json
import logging
import os

from newsdesk.retrieval.index.versions import CURRENT_FILE, current_version, index_root, version_paths
from newsdesk.retrieval.sources.feeds.follow import add_feed
from newsdesk.retrieval.sources.feeds.store import load_feeds

from .conftest import BRIDGE, FERRY, LOCAL, MUSEUM


def _two_polls(desk, site):
    """Poll FERRY (the first version), then BRIDGE and MUSEUM (the second); the first's path."""
    site.add(FERRY)
    add_feed(desk.settings.home, site.feed_url, LOCAL)
    desk.feeds.poll(LOCAL)
    first = current_version(desk.settings.home)
    site.add(BRIDGE)
    site.add(MUSEUM)
    assert desk.feeds.poll(LOCAL).added == 2
    return first


def _urls(desk):
    return {a.url for a in desk.index.articles.values()}


def test_a_rollback_past_a_poll_is_undone_by_the_next_poll(desk, site):
    first = _two_polls(desk, site)
    desk.rollback(first.name)
    assert _urls(desk) == {site.page_url("ferry")}
    assert desk.feeds.list()[0].articles == 1  # what the index holds, not a running total of 3
    newer = next(v for v in desk.versions() if v.name > first.name)
    assert newer.describe().endswith(f"holds 2 articles the live version lacks: «{MUSEUM.title}», «{BRIDGE.title}»") or \
        newer.describe().endswith(f"holds 2 articles the live version lacks: «{BRIDGE.title}», «{MUSEUM.title}»")

    site.hits.clear()
    again = desk.feeds.poll(LOCAL)
    # The feed itself is read whole (its validators were dropped), and only the lost pages fetched.
    assert again.feeds[0].status == "ok" and again.added == 2
    assert sorted(site.page_hits()) == ["/items/bridge.html", "/items/museum.html"]
    assert _urls(desk) == {site.page_url(s) for s in ("ferry", "bridge", "museum")}
    assert desk.feeds.list()[0].articles == 3
    site.hits.clear()
    assert desk.feeds.poll(LOCAL).added == 0 and site.page_hits() == []  # and then they are known again


def test_an_item_the_feed_no_longer_lists_is_fetched_from_its_remembered_link(desk, site):
    first = _two_polls(desk, site)
    desk.rollback(first.name)
    site.unlisted = {"bridge"}  # dropped from the feed, its page still served
    site.hits.clear()
    assert desk.feeds.poll(LOCAL).added == 2
    assert sorted(site.page_hits()) == ["/items/bridge.html", "/items/museum.html"]
    assert site.page_url("bridge") in _urls(desk)


def test_an_article_removed_on_purpose_is_not_brought_back(desk, site):
    _two_polls(desk, site)
    bridge = next(a for a in desk.index.articles.values() if a.url == site.page_url("bridge"))
    desk.remove([bridge.id])
    site.hits.clear()
    assert desk.feeds.poll(LOCAL).added == 0 and site.page_hits() == []
    assert site.page_url("bridge") not in _urls(desk)


def _damage(version, name="vectors.faiss"):
    path = version / name
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF  # same size: only the checksum tells
    path.write_bytes(bytes(data))


def test_the_cli_after_a_damaged_version_rollback_ingest_and_poll(desk, site, tmp_path, monkeypatch, capsys, caplog,
                                                                    fake_encoder):
    from newsdesk.bot import cli
    from newsdesk.retrieval import service

    monkeypatch.setenv("NEWSDESK_ALLOW_PRIVATE_URLS", "1")
    real = service.Newsdesk
    monkeypatch.setattr(service, "Newsdesk", lambda settings: real(settings, encoder=fake_encoder))
    home = ["--home", str(desk.settings.home)]

    def run(*argv):
        code = cli.main([*argv, *home])
        out, err = capsys.readouterr()
        return code, out, err

    first = _two_polls(desk, site)
    damaged = current_version(desk.settings.home)
    _damage(damaged)
    code, out, _ = run("rollback")
    assert code == 0 and first.name in out
    code, out, _ = run("feeds", "list", "--json")
    assert code == 0 and json.loads(out)[0]["articles"] == 1
    code, out, _ = run("rollback", "--list")
    assert code == 0 and f"{damaged.name} (damaged: vectors.faiss does not match its checksum); holds 2 articles" in out

    note = tmp_path / "note.txt"
    note.write_text("Harbour note\n\nThe harbour master said the pier opens on Friday after the storm repairs.")
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        code, _, _ = run("ingest", str(note))
    assert code == 0 and damaged not in version_paths(desk.settings.home)
    deleted = [r.getMessage() for r in caplog.records if "deleted the damaged version" in r.getMessage()]
    assert len(deleted) == 1 and damaged.name in deleted[0] and "holds 2 articles the live version lacks" in deleted[0]
    assert BRIDGE.title in deleted[0] and MUSEUM.title in deleted[0]

    code, out, _ = run("feeds", "poll", "--delay", "0")
    assert code == 0 and f"{site.title}: 2 new articles" in out
    code, out, _ = run("feeds", "list")
    assert code == 0 and "3 articles indexed" in out
    assert _urls(desk) == {site.page_url(s) for s in ("ferry", "bridge", "museum")} | {None}


def test_rebuild_without_current_over_a_damaged_newest_version_says_what_it_used_and_deleted(desk, site, caplog):
    first = _two_polls(desk, site)
    damaged = current_version(desk.settings.home)
    (damaged / "chunks.jsonl").write_text("cut")  # another size: the fallback skips it
    os.unlink(index_root(desk.settings.home) / CURRENT_FILE)
    with caplog.at_level(logging.WARNING):
        report = desk.rebuild()
    lines = [r.getMessage() for r in caplog.records]
    assert len(report.added) == 1
    assert any(f"using the newest complete version, {first.name}" in line for line in lines)
    assert any(f"deleted the damaged version {damaged.name}" in line and "holds 2 articles the live version lacks" in line
               for line in lines)
    assert load_feeds(desk.settings.home)[site.feed_url].produced  # the feed can still tell
    assert desk.feeds.list()[0].articles == 1
