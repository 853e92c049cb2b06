"""Tests of the URL guard and fetcher (retrieval/sources/web/fetch.py) against small servers on 127.0.0.1.

Names that should look public are given to a replaced resolver; nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import gzip
import time
import tracemalloc
from http.server import BaseHTTPRequestHandler

import httpx
import pytest
from newsdesk.retrieval.sources.web import fetch
from newsdesk.retrieval.sources.web.fetch import FETCH_FAILED, fetch_url, fetch_url_sync, is_public_address

from newsdesk.errors import FetchError, NewsdeskError, UrlRefused
from tests.conftest import local_http_server

PAGE = b"<html><head><title>Hi</title></head><body><p>Hello from the test site.</p></body></html>"
BOMB = gzip.compress(b"\0" * (64 * 1024 * 1024), compresslevel=9)  # 64 MB of zeros in ~64 KB


class _Site(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    seen: list[tuple[str, dict]] = []

    def log_message(self, *args):
        pass

    def _send(self, status: int, body: bytes = b"", kind: str = "text/html; charset=utf-8", **headers) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        if "Content-Length" not in headers:
            self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        try:
            self.wfile.write(body)
        except ConnectionError:
            pass

    def do_GET(self):
        self.seen.append((self.path, dict(self.headers)))
        path = self.path
        if path == "/page":
            self._send(200, PAGE)
        elif path == "/latin1":
            self._send(200, "café".encode("latin-1"), "text/plain; charset=iso-8859-1")
        elif path.startswith("/hop/"):
            number = int(path.rsplit("/", 1)[1])
            self._send(302, Location=f"/hop/{number + 1}" if number < 20 else "/page")
        elif path == "/chain":
            self._send(301, Location="/hop/19")
        elif path == "/loop":
            self._send(302, Location="/loop")
        elif path.startswith("/to?"):
            self._send(302, Location=path[len("/to?"):])
        elif path == "/big":
            self._send(200, b"x" * 5000)
        elif path == "/big-chunked":
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for _ in range(10):
                self.wfile.write(b"3e8\r\n" + b"y" * 1000 + b"\r\n")
            self.wfile.write(b"0\r\n\r\n")
        elif path == "/gzip":
            self._send(200, gzip.compress(PAGE), Content_Encoding="gzip")
        elif path == "/bomb":
            self._send(200, BOMB, Content_Encoding="gzip")
        elif path == "/brotli":
            self._send(200, b"\x0b\x02\x80", Content_Encoding="br")
        elif path == "/image":
            self._send(200, b"\x89PNG" * 10_000, "image/png")
        elif path == "/trickle":
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", "1000")
            self.end_headers()
            try:
                for _ in range(100):  # a byte every 0.05 s: each read is quick, the whole is not
                    self.wfile.write(b"z")
                    self.wfile.flush()
                    time.sleep(0.05)
            except ConnectionError:
                pass
        elif path == "/feed":
            etag = '"v1"'
            if self.headers.get("If-None-Match") == etag:
                self._send(304, ETag=etag)
            else:
                self._send(200, b"<rss/>", "application/rss+xml", ETag=etag, Last_Modified="Mon, 01 Dec 2025 10:00:00 GMT")
        else:
            self._send(404, b"missing", "text/plain")


@pytest.fixture(scope="module")
def site():
    with local_http_server(_Site) as url:
        yield url


def get(url: str, **options) -> fetch.Fetched:
    options = {"timeout": 5.0, "max_bytes": 100_000, "allow_private": True, **options}
    return asyncio.run(fetch_url(url, **options))


def failure(url: str, **options) -> FetchError:
    with pytest.raises(FetchError) as caught:
        get(url, **options)
    assert str(caught.value) == FETCH_FAILED  # whatever went wrong, the same line
    return caught.value


# ------------------------------------------------------------------ addresses


@pytest.mark.parametrize("address", [
    "127.0.0.1", "127.9.9.9", "10.0.0.1", "172.16.5.5", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0",
    "224.0.0.1", "240.0.0.1", "255.255.255.255", "192.0.2.1", "::1", "::", "fc00::1", "fd12:3456::1", "fe80::1",
    "fe80::1%eth0", "ff02::1", "2001:db8::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::127.0.0.1",
    "64:ff9b::7f00:1", "64:ff9b::a9fe:a9fe", "2002:7f00:1::", "2002:a00:1::1",
])
def test_non_public_addresses_are_refused(address):
    assert not is_public_address(address)


@pytest.mark.parametrize("address", ["8.8.8.8", "93.184.216.34", "2606:4700:4700::1111", "::ffff:8.8.8.8",
                                     "2002:808:808::1"])
def test_public_addresses_are_allowed(address):
    assert is_public_address(address)


@pytest.fixture
def names(monkeypatch):
    """Answer name lookups from a table (a name may answer differently each time); other
    names resolve as usual."""
    table: dict[str, list[list[str]]] = {}
    lookups: list[str] = []
    real = fetch.resolve

    def resolve(host, port):
        lookups.append(host)
        if host in table:
            answers = table[host]
            return answers.pop(0) if len(answers) > 1 else answers[0]
        return real(host, port)

    monkeypatch.setattr(fetch, "resolve", resolve)
    table["lookups"] = lookups  # type: ignore[assignment]
    return table


def test_a_public_name_that_resolves_to_a_private_address_is_refused(names):
    names["intranet.example"] = [["10.1.2.3"]]
    names["mixed.example"] = [["93.184.216.34", "127.0.0.1"]]  # one bad answer is enough
    names["metadata.example"] = [["169.254.169.254"]]
    names["mapped.example"] = [["::ffff:127.0.0.1"]]
    for host in ("intranet.example", "mixed.example", "metadata.example", "mapped.example"):
        with pytest.raises(UrlRefused):
            get(f"http://{host}/", allow_private=False)


def test_only_http_and_https_are_fetched(site):
    for url in ("file:///etc/passwd", "ftp://127.0.0.1/", "gopher://127.0.0.1/", "data:text/plain,hi", "/relative",
                "http:///nohost", "javascript:alert(1)"):
        with pytest.raises(UrlRefused):
            get(url)


def test_loopback_is_refused_unless_allowed_and_nothing_is_requested(site):
    _Site.seen.clear()
    error = failure(f"{site}/page", allow_private=False)
    assert isinstance(error, UrlRefused) and "127.0.0.1" in error.reason
    assert _Site.seen == []
    assert get(f"{site}/page").body == PAGE


def test_a_redirect_to_loopback_is_refused_on_its_hop(site, names, monkeypatch):
    # The site plays a public server: its address counts as public for this test, others do not.
    monkeypatch.setattr(fetch, "is_public_address", lambda address: str(address) == "127.0.0.1")
    port = site.rsplit(":", 1)[1]
    names["news.example"] = [["127.0.0.1"]]
    names["internal.example"] = [["10.0.0.7"]]
    assert get(f"http://news.example:{port}/page", allow_private=False).body == PAGE
    for target in (f"http://internal.example:{port}/page", f"http://127.0.0.2:{port}/page", f"http://[::1]:{port}/page",
                   "file:///etc/passwd"):
        _Site.seen.clear()
        error = failure(f"http://news.example:{port}/to?{target}", allow_private=False)
        assert isinstance(error, UrlRefused), error.reason
        assert [path for path, _ in _Site.seen] == [f"/to?{target}"]  # the refused hop was never requested


def test_a_direct_loopback_redirect_is_refused_without_allow_private(site):
    error = failure(f"{site}/to?{site}/page", allow_private=False)
    assert isinstance(error, UrlRefused)


def test_redirects_are_followed_within_bounds(site):
    fetched = get(f"{site}/chain")  # /chain -> /hop/19 -> /hop/20 -> /page
    assert fetched.final_url == f"{site}/page" and fetched.url == f"{site}/chain" and fetched.body == PAGE
    assert "more than 5 redirects" in failure(f"{site}/hop/1").reason
    assert "loop" in failure(f"{site}/loop").reason


def test_pages_are_decoded_and_described(site):
    fetched = get(f"{site}/page")
    assert (fetched.status, fetched.content_type, fetched.encoding) == (200, "text/html", "utf-8")
    assert fetched.headers["content-length"] == str(len(PAGE))
    assert get(f"{site}/latin1").text == "café"
    assert get(f"{site}/gzip").body == PAGE
    headers = dict(_Site.seen[-1][1])
    assert headers["User-Agent"] == "newsdesk" and headers["Accept-Encoding"] == "gzip, deflate"
    assert get(f"{site}/page", user_agent="newsdesk-bot").body == PAGE
    assert _Site.seen[-1][1]["User-Agent"] == "newsdesk-bot"


def test_errors_and_closed_ports_read_the_same(site):
    reasons = {failure(f"{site}/nowhere").reason, failure("http://127.0.0.1:9/").reason,
               failure(f"{site}/page", allow_private=False).reason}
    assert len(reasons) == 3  # the detail differs, for the log only


def test_size_limits_hold_for_declared_chunked_and_compressed_bodies(site):
    assert "larger than 1000" in failure(f"{site}/big", max_bytes=1000).reason
    assert "larger than 5000" in failure(f"{site}/big-chunked", max_bytes=5000).reason
    tracemalloc.start()
    try:
        assert "larger than" in failure(f"{site}/bomb", max_bytes=1_000_000).reason
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8_000_000  # the 64 MB inside never unpacked beyond the limit
    assert "content encoding" in failure(f"{site}/brotli").reason


def test_unwanted_content_types_are_refused_before_the_body(site):
    assert "image/png" in failure(f"{site}/image", content_types={"text/html"}).reason
    assert get(f"{site}/page", content_types={"text/html"}).body == PAGE


def test_a_page_that_trickles_in_is_cut_off_at_the_timeout(site):
    started = time.monotonic()
    assert "within 0.5 seconds" in failure(f"{site}/trickle", timeout=0.5).reason
    assert time.monotonic() - started < 2


def test_conditional_get_passes_headers_through_and_returns_a_304(site):
    first = get(f"{site}/feed")
    assert first.status == 200 and first.body == b"<rss/>" and first.headers["etag"] == '"v1"'
    assert first.headers["last-modified"].startswith("Mon, 01 Dec 2025")
    again = get(f"{site}/feed", headers={"If-None-Match": first.headers["etag"]})
    assert again.status == 304 and again.body == b""
    assert fetch_url_sync(f"{site}/feed", timeout=5, max_bytes=1000, allow_private=True).status == 200


def test_the_environment_proxy_is_not_used(site, monkeypatch):
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "all_proxy"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    assert get(f"{site}/page").body == PAGE


def test_the_connection_goes_to_the_address_that_was_checked(names, monkeypatch):
    """DNS rebinding: the name answers public for the check and private right after; the
    request still goes to the checked address, with the real name as Host and TLS name."""
    names["news.example"] = [["93.184.216.34"], ["127.0.0.1"]]
    sent: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, headers={"Content-Type": "text/plain"}, stream=httpx.ByteStream(b"ok"))

    monkeypatch.setattr(fetch.httpx, "AsyncHTTPTransport", lambda **options: httpx.MockTransport(answer))
    fetched = get("https://news.example/story?id=1", allow_private=False)
    assert fetched.body == b"ok" and fetched.final_url == "https://news.example/story?id=1"
    request = sent[0]
    assert request.url.host == "93.184.216.34" and request.url.path == "/story"
    assert request.headers["Host"] == "news.example"
    assert request.extensions["sni_hostname"] == "news.example"
    assert names["lookups"] == ["news.example"]  # looked up once, for the check


def test_fetch_errors_are_newsdesk_errors():
    assert issubclass(UrlRefused, FetchError) and issubclass(FetchError, NewsdeskError)
