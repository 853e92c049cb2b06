"""Bounds of a poll: text per page, items remembered and waiting per feed, one time bound across
all feeds, pages indexed a batch at a time (the write lock per batch), spacing per host for OPML
(feed site on 127.0.0.1, the tests' fake encoder, no wall-clock timing)."""

from __future__ import annotations

from dataclasses import replace

from newsdesk.retrieval.index.store import read_articles
from newsdesk.retrieval.service import Newsdesk
from newsdesk.retrieval.settings import Settings
from newsdesk.retrieval.sources.feeds.follow import add_feed, import_opml
from newsdesk.retrieval.sources.feeds.store import feeds_path, load_feeds
from newsdesk.retrieval.sources.web.pacing import HostPacer

from tests.conftest import FakeEncoder

from .feed_server import FeedSite, Story
from .conftest import FERRY, LOCAL

PARAGRAPH = "The harbour council met on Monday and voted to extend the ferry pier by forty metres. " * 6


class WatchingEncoder(FakeEncoder):
    """The fake encoder, calling ``watch(texts)`` before each batch it embeds."""

    def __init__(self, watch):
        self.watch = watch

    def embed(self, texts, progress=False):
        self.watch(texts)
        return super().embed(texts, progress)


def _big(slug: str, title: str) -> Story:
    """A plain-text page of about 5 MB (just under the page size bound)."""
    paragraphs = [f"{title}: part {n}. {PARAGRAPH}" for n in range(9_000)]
    return Story(slug, title, "\n\n".join(paragraphs)[:5_000_000], plain=True)


def test_two_5_mb_pages_are_cut_and_indexed_one_batch_at_a_time(tmp_path, site):
    home = tmp_path / "home"
    batch_1_before_batch_2 = []

    def watch(texts):
        # The feed lists the second page first (newest first): the first page is batch 2, and
        # while it is embedded batch 1 must be live and recorded.
        if any(t.startswith("First big page") for t in texts):
            live = {a.title for a in read_articles(home)}
            feed = next(iter(load_feeds(home).values()))
            batch_1_before_batch_2.append(("Second big page" in live, "tag:harbour,second" in feed.seen))

    desk = Newsdesk(Settings(home=home, reader="baseline"), encoder=WatchingEncoder(watch))
    site.add(_big("first", "First big page"))
    site.add(_big("second", "Second big page"))
    writer = Newsdesk(Settings(home=home, reader="baseline"), encoder=FakeEncoder())
    note = Story("note", "Harbour note", "The harbour master said the pier opens on Friday after the storm repairs.")

    def other_writer(path):  # another writer, between the poll's two batches
        if path == "/items/first.html":
            from newsdesk.retrieval.sources.article import make_article

            writer.add_articles([make_article(note.text, title=note.title)])

    site.on_request = other_writer
    add_feed(home, site.feed_url, LOCAL)
    options = replace(LOCAL, max_page_chars=20_000, batch_pages=1)
    summary = desk.feeds.poll(options)

    assert summary.added == 2 and summary.batches == 2
    cuts = [f for f in summary.feeds[0].faults if "the page's text was cut at 20,000 characters" in f]
    assert len(cuts) == 2
    assert all(len(a.text) <= 20_000 for a in desk.index.articles.values())
    assert summary.chunks_embedded < 200  # 15,683 chunks a page before the bound
    assert batch_1_before_batch_2 == [(True, True)]  # the write lock was let go between the batches
    assert {a.title for a in desk.index.articles.values()} == {"First big page", "Second big page", "Harbour note"}


def test_a_60000_item_feed_keeps_a_small_state_and_its_new_item_comes_next_poll(tmp_path, site, fake_encoder):
    desk = Newsdesk(Settings(home=tmp_path / "home", reader="baseline"), encoder=fake_encoder)
    site.page_for = lambda slug: Story(slug, f"Item {slug}", f"Council item {slug} was approved on Monday by nine votes.")

    def feed(newest: list[str]) -> bytes:
        items = "".join(f"<item><guid>{g}</guid><link>/items/{g}.html</link></item>" for g in newest)
        items += "".join(f"<item><guid>g{n}</guid><link>/items/g{n}.html</link></item>" for n in range(60_000))
        return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Huge</title>{items}</channel></rss>'.encode()

    site.raw_feed = feed([])
    add_feed(desk.settings.home, site.feed_url, LOCAL)
    options = replace(LOCAL, max_items=5)
    assert desk.feeds.poll(options).added == 5
    size = feeds_path(desk.settings.home).stat().st_size
    state = load_feeds(desk.settings.home)[site.feed_url]
    assert size < 1_000_000 and len(state.pending) == 200 and len(state.seen) == 5

    site.raw_feed = feed(["fresh"])
    site.hits.clear()
    second = desk.feeds.poll(options)
    assert second.added == 5 and site.page_hits()[0] == "/items/fresh.html"  # the new item before the backlog
    assert any(a.title == "Item fresh" for a in desk.index.articles.values())
    assert feeds_path(desk.settings.home).stat().st_size < 1_000_000


def test_remembered_items_are_bounded_to_the_newest(tmp_path, site, fake_encoder):
    desk = Newsdesk(Settings(home=tmp_path / "home", reader="baseline"), encoder=fake_encoder)
    for n in range(6):
        site.add(Story(f"s{n}", f"Story {n}", f"Story number {n} tells of the harbour's {n} new cranes."))
    add_feed(desk.settings.home, site.feed_url, LOCAL)
    options = replace(LOCAL, max_remembered=4)
    assert desk.feeds.poll(options).added == 4  # only the newest 4 are candidates
    state = load_feeds(desk.settings.home)[site.feed_url]
    assert set(state.seen) == {"tag:harbour,s5", "tag:harbour,s4", "tag:harbour,s3", "tag:harbour,s2"}
    site.add(Story("s6", "Story 6", "Story number 6 tells of the harbour's six new cranes."))
    site.hits.clear()
    assert desk.feeds.poll(options).added == 1 and site.page_hits() == ["/items/s6.html"]
    state = load_feeds(desk.settings.home)[site.feed_url]
    assert len(state.seen) == 4 and "tag:harbour,s2" not in state.seen  # the oldest is forgotten, not fetched again
    assert len(state.produced) == 4


def test_the_time_bound_covers_the_whole_poll_not_each_page(tmp_path, fake_encoder):
    desk = Newsdesk(Settings(home=tmp_path / "home", reader="baseline"), encoder=fake_encoder)
    sites = [FeedSite(f"Site {n}").start() for n in range(3)]
    try:
        for n, one in enumerate(sites):
            one.add(Story(f"p{n}", f"Page {n}", f"Page {n} reports that the ferry runs {n} times a day."))
            add_feed(desk.settings.home, one.feed_url, LOCAL)
        ticks = [0.0]

        def clock():  # every reading advances 2 "seconds": a bound of 10 runs out before the third feed
            ticks[0] += 2.0
            return ticks[0]

        summary = desk.feeds.poll(replace(LOCAL, max_poll_s=10), clock=clock)
        statuses = [r.status for r in summary.feeds]
        assert statuses[0] == "ok" and statuses[-1] == "skipped"
        assert "the poll's time (10 s for all feeds) was up" in summary.lines()[-2]
        assert summary.failed_feeds == 0
        left = load_feeds(desk.settings.home)
        assert left[sites[-1].feed_url].last_poll is None  # not polled: still due next time
        assert sum(o.hits.count("/feed.xml") for o in sites) < 3 + 3  # the adds' fetches, and fewer than all feeds
    finally:
        for one in sites:
            one.stop()


def test_opml_import_keeps_its_distance_per_host_and_leaves_followed_feeds_alone(tmp_path, site):
    home = tmp_path / "home"
    site.add(FERRY)
    add_feed(home, site.feed_url, LOCAL, interval_s=1800)
    slept = []
    pacer = HostPacer(1.0, clock=lambda: 0.0, sleep=slept.append)
    opml = (f'<opml><body><outline xmlUrl="{site.feed_url}" text="H"/><outline xmlUrl="{site.url}/atom.xml" text="A"/>'
            f'<outline xmlUrl="{site.url}/gone.xml" text="G"/></body></opml>')
    site.hits.clear()
    lines = import_opml(home, opml, LOCAL, interval_s=900, pacer=pacer)
    assert lines[0] == f"{site.feed_url}: already followed “{site.title}” (every 30 min, unchanged)"
    assert load_feeds(home)[site.feed_url].interval_s == 1800  # not reset to 15 min
    assert site.hits == ["/atom.xml", "/gone.xml"]  # the followed feed is not fetched again
    assert slept == [1.0]  # the second request to the host waited its turn
