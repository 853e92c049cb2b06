"""A small news site with an RSS feed on 127.0.0.1, for the feed tests and the benchmark.

``FeedSite().start()`` serves ``/feed.xml`` (RSS 2.0; ``/atom.xml`` the same items as Atom)
with an ETag and Last-Modified, answering a matching conditional GET with 304; each story at
``/items/<slug>.html``. A test adds stories, breaks pages, and reads ``hits`` (every path
requested, in order) to see what was fetched.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from email.utils import formatdate
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Story:
    slug: str
    title: str
    text: str  # paragraphs separated by blank lines
    date: str = "Mon, 01 Dec 2025 09:00:00 GMT"  # the item's pubDate
    site_name: str | None = "Harbour Post"  # the page's og:site_name; None: the page names none
    page_date: str | None = None  # a date the page itself states (meta)
    guid: str | None = None  # default: tag:harbour,<slug>
    plain: bool = False  # the page is served as text/plain (its text), not HTML


def story_page(story: Story) -> str:
    head = f"<title>{escape(story.title)}</title>"
    if story.site_name:
        head += f'<meta property="og:site_name" content="{escape(story.site_name)}">'
    if story.page_date:
        head += f'<meta name="date" content="{story.page_date}">'
    body = "".join(f"<p>{escape(p)}</p>" for p in story.text.split("\n\n"))
    return (f"<!doctype html><html><head>{head}</head><body><nav>Home | World | Sport</nav><article>"
            f"<h1>{escape(story.title)}</h1>{body}</article><footer>© Harbour Post</footer></body></html>")


class FeedSite:
    """The site: ``stories`` (newest first in the feed), ``hits`` (paths served), switches."""

    def __init__(self, title: str = "Harbour Post — Latest"):
        self.title = title
        self.stories: list[Story] = []
        self.hits: list[str] = []
        self.missing: set[str] = set()  # slugs whose page answers 404
        self.blank: set[str] = set()  # slugs whose page has no article text
        self.unlisted: set[str] = set()  # slugs whose page is served but which the feed no longer lists
        self.on_request = None  # called with each path before it is answered (a test's hook)
        self.raw_feed: bytes | None = None  # served as /feed.xml instead of the stories' RSS
        self.page_for = None  # slug -> Story for pages of items not among the stories (a huge feed's)
        self.feed_status = 200  # e.g. 503: the feed is down
        self.broken = False  # the feed is cut off mid-document
        self.conditional = True  # send ETag / Last-Modified and honour them
        self.delay_s = 0.0  # before answering a page
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def feed_url(self) -> str:
        return f"{self.url}/feed.xml"

    def start(self) -> "FeedSite":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def add(self, story: Story) -> Story:
        with self._lock:
            self.stories.insert(0, story)
        return story

    def page_url(self, slug: str) -> str:
        return f"{self.url}/items/{slug}.html"

    def page_hits(self) -> list[str]:
        return [h for h in self.hits if h.startswith("/items/")]

    # -------------------------------------------------------------- documents

    def rss(self) -> str:
        items = "".join(
            f"<item><title>{escape(s.title)}</title><link>/items/{s.slug}.html</link>"
            f"<guid isPermaLink=\"false\">{escape(s.guid or 'tag:harbour,' + s.slug)}</guid>"
            f"<pubDate>{s.date}</pubDate><description>{escape(s.text[:80])}</description></item>"
            for s in self.stories if s.slug not in self.unlisted)
        return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{escape(self.title)}</title>'
                f"<link>{self.url}/</link><description>news</description>{items}</channel></rss>")

    def atom(self) -> str:
        entries = "".join(
            f"<entry><title>{escape(s.title)}</title><link href=\"{self.page_url(s.slug)}\"/>"
            f"<id>{escape(s.guid or 'tag:harbour,' + s.slug)}</id><updated>2025-12-01T09:00:00Z</updated></entry>"
            for s in self.stories if s.slug not in self.unlisted)
        return (f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
                f"<title>{escape(self.title)}</title><id>{self.url}/</id><updated>2025-12-01T09:00:00Z</updated>"
                f"{entries}</feed>")

    def _answer(self, path: str, headers) -> tuple[int, str, bytes, dict]:
        if path in ("/feed.xml", "/atom.xml"):
            if self.feed_status != 200:
                return self.feed_status, "text/plain", b"unavailable", {}
            with self._lock:
                body = (self.rss() if path == "/feed.xml" else self.atom()).encode()
                if self.raw_feed is not None and path == "/feed.xml":
                    body = self.raw_feed
            if self.broken:
                body = body[: len(body) // 2]
            extra = {}
            if self.conditional:
                tag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
                extra = {"ETag": tag, "Last-Modified": formatdate(1764579600 + len(self.stories), usegmt=True)}
                if headers.get("If-None-Match") == tag:
                    return 304, "", b"", extra
            return 200, "application/rss+xml" if path == "/feed.xml" else "application/atom+xml", body, extra
        if path.startswith("/items/") and path.endswith(".html"):
            slug = path[len("/items/"):-len(".html")]
            story = next((s for s in self.stories if s.slug == slug), None)
            if story is None and self.page_for is not None:
                story = self.page_for(slug)
            if story is None or slug in self.missing:
                return 404, "text/plain", b"not found", {}
            if slug in self.blank:
                return 200, "text/html", b"<html><body><nav>Home</nav></body></html>", {}
            if story.plain:
                return 200, "text/plain; charset=utf-8", f"{story.title}\n\n{story.text}".encode(), {}
            return 200, "text/html; charset=utf-8", story_page(story).encode(), {}
        return 404, "text/plain", b"not found", {}

    def _handler(self):
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                with site._lock:
                    site.hits.append(self.path)
                if site.on_request is not None:
                    site.on_request(self.path)
                if self.path.startswith("/items/") and site.delay_s:
                    threading.Event().wait(site.delay_s)
                status, kind, body, extra = site._answer(self.path, self.headers)
                try:
                    self.send_response(status)
                    if kind:
                        self.send_header("Content-Type", kind)
                    for name, value in extra.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except ConnectionError:
                    pass

        return Handler
