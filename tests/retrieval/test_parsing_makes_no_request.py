"""Parsing what newsdesk reads never makes a request or opens a file by itself.

htmldate fetches a string that starts with "http" and has no space as a URL, and feedparser
fetches a URL string and opens a local path given as bytes: a page or a feed crafted so must
reach no server and no file. Each entry point is tried against a loopback server that counts
what it is asked.
"""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler

import pytest
from newsdesk.retrieval.sources.feeds.parse import parse_feed
from newsdesk.retrieval.sources.feeds.poll import page_article
from newsdesk.retrieval.sources.feeds.records import Item
from newsdesk.retrieval.sources.files import read_file
from newsdesk.retrieval.sources.web.fetch import Fetched

from newsdesk.errors import FeedError
from tests.conftest import local_http_server


@pytest.fixture
def counting_server():
    """A loopback server that records every path asked of it."""
    asked: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            asked.append(self.path)
            body = b"<html><head><meta name='date' content='2025-01-01'></head><body><p>secret</p></body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    with local_http_server(Handler) as base:
        yield base, asked


def _page_that_reads_as_a_url(base: str) -> str:
    """An HTML document with no space in it, opening with a loopback URL and a '#' (so a URL
    parser drops the rest), whose date trafilatura reads as 1 January (what sends it to htmldate)."""
    return "\t".join([
        f"{base}/latest/meta-data/#",
        "<html><head><title>Ferry\tservice\tresumes</title>",
        "<meta\tproperty='article:published_time'\tcontent='2025-01-01'></head><body><article>",
        "<p>The\tferry\tservice\tbetween\tthe\ttwo\tislands\tresumed\ton\tMonday\tafter\tthree\tweeks.</p>",
        "<p>Operators\tsaid\tthe\tnew\ttimetable\tadds\ttwo\tcrossings\ta\tday.</p>",
        "</article></body></html>",
    ])


def test_an_html_file_or_upload_makes_no_request(counting_server, tmp_path):
    base, asked = counting_server
    path = tmp_path / "ferry.html"
    path.write_text(_page_that_reads_as_a_url(base))
    read_file(path)  # files and uploads are both read by read_file
    assert asked == []


def test_an_admin_link_page_makes_no_request(counting_server, seed_desk):
    base, asked = counting_server
    html = _page_that_reads_as_a_url(base)
    page = Fetched(url="https://news.example/ferry", final_url="https://news.example/ferry", status=200,
                   headers={}, content_type="text/html", body=html.encode())
    seed_desk.add_page("https://news.example/ferry", page)
    assert asked == []


def test_a_feed_item_page_makes_no_request(counting_server):
    base, asked = counting_server
    item = Item(key="ferry", link="https://news.example/ferry", title="Ferry")
    page_article(_page_that_reads_as_a_url(base), "html", item, "Island Post")
    assert asked == []


def test_a_feed_body_is_never_read_as_a_url_or_a_path(counting_server, tmp_path):
    base, asked = counting_server
    secret = tmp_path / "secret.xml"
    secret.write_text("<rss version='2.0'><channel><title>Leaked local file</title>"
                      "<item><link>https://news.example/a</link></item></channel></rss>")
    for body in (f"{base}/feed.xml".encode(), str(secret).encode()):
        with pytest.raises(FeedError):
            parse_feed(body, "https://news.example/feed.xml")
    assert asked == []
