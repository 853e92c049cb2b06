"""Kinds of source besides files (retrieval/sources/web/kinds.py): ingest reads a claimed location
through its kind, in the same update as the files, fetching with the caller's URL options."""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler

from newsdesk.retrieval.service import Newsdesk
from newsdesk.retrieval.settings import Settings, UrlOptions
from newsdesk.retrieval.sources.web import kinds
from newsdesk.retrieval.sources.files import Rejected
from newsdesk.retrieval.sources.web.kinds import SourceKind, kind_of
from newsdesk.retrieval.sources.web.pages import PAGE_TYPES, fetched_article

from tests.conftest import local_http_server


class Pages(BaseHTTPRequestHandler):
    """A list of page addresses at /list (as a sitemap is), and each page."""

    def do_GET(self):
        if self.path == "/list":
            body, kind = "/a\n/b\n/gone\n", "text/plain"
        elif self.path in ("/a", "/b"):
            body, kind = f"<html><head><title>Story {self.path[1:]}</title></head><body><article><p>The ferry " \
                         f"to Visby sailed again on Monday, story {self.path[1:]} said, after the storm.</p></article></body></html>", "text/html"
        else:
            self.send_error(404)
            return
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


def read_list(location: str, fetch):
    """A toy kind: ``list+URL`` names a list of pages, each fetched and read as an article."""
    from newsdesk.errors import FetchError

    base = location.removeprefix("list+").rsplit("/", 1)[0]
    articles, rejected = [], []
    for path in fetch(location.removeprefix("list+"), ("text/plain",)).text.split():
        try:
            articles.append(fetched_article(base + path, fetch(base + path, PAGE_TYPES)))
        except FetchError as error:
            rejected.append(Rejected(base + path, error.reason))
    return articles, rejected


LIST = SourceKind("list", claims=lambda location: location.startswith("list+"), read=read_list)


def test_a_claimed_location_is_read_by_its_kind_with_the_files_in_one_update(tmp_path, fake_encoder, monkeypatch):
    monkeypatch.setattr(kinds, "SOURCE_KINDS", (LIST,))
    (tmp_path / "local.txt").write_text("The harbour in Visby was closed for repairs on Sunday.")
    desk = Newsdesk(Settings(home=tmp_path / "home", reader="baseline"), encoder=fake_encoder)
    with local_http_server(Pages) as base:
        assert kind_of(f"list+{base}/list") is LIST and kind_of(str(tmp_path / "local.txt")) is None
        report = desk.ingest([tmp_path / "local.txt", f"list+{base}/list"], url_options=UrlOptions(allow_private=True))
    assert len(report.added) == 3 and {a.title for a in report.added} >= {"Story a", "Story b"}
    assert [r.path for r in report.rejected] == [f"{base}/gone"] and len(desk.versions()) == 1
    assert {a.url for a in desk.index.articles.values()} == {None, f"{base}/a", f"{base}/b"}


def test_the_url_guard_holds_for_a_kind_unless_the_options_lift_it(tmp_path, fake_encoder, monkeypatch):
    import pytest

    from newsdesk.errors import UrlRefused

    monkeypatch.setattr(kinds, "SOURCE_KINDS", (LIST,))
    desk = Newsdesk(Settings(home=tmp_path / "home", reader="baseline"), encoder=fake_encoder)
    with local_http_server(Pages) as base, pytest.raises(UrlRefused):
        desk.ingest([f"list+{base}/list"])  # 127.0.0.1 is refused by default


def test_without_kinds_every_location_is_a_path(tmp_path, fake_encoder):
    assert kinds.SOURCE_KINDS == ()
    desk = Newsdesk(Settings(home=tmp_path / "home", reader="baseline"), encoder=fake_encoder)
    report = desk.ingest(["https://example.com/sitemap.xml"])
    assert report.added == [] and [r.path for r in report.rejected] == ["https://example.com/sitemap.xml"]
