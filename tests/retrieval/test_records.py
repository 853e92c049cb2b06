"""Articles read from JSON and JSON Lines files name their record (``Article.record``), so that
skip lines say which record was already indexed; the path stays the file's."""

from __future__ import annotations

import hashlib
import json

from newsdesk.retrieval.index.versions import current_version
from newsdesk.retrieval.service import Newsdesk
from newsdesk.retrieval.settings import Settings
from newsdesk.retrieval.sources.article import make_article
from newsdesk.retrieval.sources.files import read_file

from newsdesk.types import Article

STORIES = [f"Story {n}: the harbour of Brookmere reopened after the storm number {n}." for n in range(1, 4)]


def _feeds(folder):
    folder.mkdir(exist_ok=True)
    json_path, jsonl_path = folder / "feed.json", folder / "feed.jsonl"
    json_path.write_text(json.dumps([{"text": t, "title": f"T{n}"} for n, t in enumerate(STORIES, 1)]))
    jsonl_path.write_text("\n".join(json.dumps({"text": t + " Again."}) for t in STORIES) + "\n")
    return json_path, jsonl_path


def _desk(tmp_path, fake_encoder):
    return Newsdesk(Settings(home=tmp_path / "home", reader="baseline"), encoder=fake_encoder)


def test_records_are_labelled_and_keep_the_file_path_and_content_ids(tmp_path):
    json_path, jsonl_path = _feeds(tmp_path / "in")
    articles, rejected = read_file(json_path)
    assert not rejected
    assert [a.record for a in articles] == [f"{json_path}#{n}" for n in (1, 2, 3)]
    assert {a.path for a in articles} == {str(json_path)}
    assert [a.id for a in articles] == [make_article(t).id for t in STORIES]  # the label is no part of the id
    assert [a.record for a in read_file(jsonl_path)[0]] == [f"{jsonl_path}:{n}" for n in (1, 2, 3)]
    text = tmp_path / "in" / "story.txt"
    text.write_text(STORIES[0])
    assert read_file(text)[0][0].record is None


def test_reingesting_a_json_file_names_each_skipped_record(tmp_path, fake_encoder):
    json_path, jsonl_path = _feeds(tmp_path / "in")
    desk = _desk(tmp_path, fake_encoder)
    assert len(desk.ingest([json_path, jsonl_path]).added) == 6
    report = desk.ingest([json_path, jsonl_path])
    assert sorted(report.skipped) == sorted(
        [(f"{json_path}#{n}", "already indexed") for n in (1, 2, 3)]
        + [(f"{jsonl_path}:{n}", "already indexed") for n in (1, 2, 3)])
    assert {a.path for a in desk.index.articles.values()} == {str(json_path), str(jsonl_path)}


def test_a_record_repeating_another_says_which(tmp_path, fake_encoder):
    path = tmp_path / "dup.jsonl"
    path.write_text(json.dumps({"text": STORIES[0]}) + "\n" + json.dumps({"text": STORIES[0]}) + "\n")
    report = _desk(tmp_path, fake_encoder).ingest([path])
    assert len(report.added) == 1
    assert report.skipped == [(f"{path}:2", f"same text as {path}:1")]


def test_an_edited_json_file_still_replaces_its_records_by_path(tmp_path, fake_encoder):
    json_path, _ = _feeds(tmp_path / "in")
    desk = _desk(tmp_path, fake_encoder)
    desk.ingest([json_path])
    json_path.write_text(json.dumps([{"text": STORIES[0]}, {"text": "A new story about the Brookmere ferry."}]))
    report = desk.ingest([json_path])
    assert len(report.replaced) == 1 and not report.added  # the file changed: its old records went
    assert report.skipped == [(f"{json_path}#1", "already indexed")]
    assert sorted(a.text for a in desk.index.articles.values()) == sorted([STORIES[0], "A new story about the Brookmere ferry."])


def _strip_records(version):
    """Rewrite a version's articles.jsonl as a store written before ``record`` existed."""
    path = version / "articles.jsonl"
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    data = "".join(json.dumps({k: v for k, v in row.items() if k != "record"}) + "\n" for row in rows).encode()
    path.write_bytes(data)
    manifest = json.loads((version / "manifest.json").read_text())
    manifest["files"]["articles.jsonl"] = {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    (version / "manifest.json").write_text(json.dumps(manifest))


def test_a_store_without_records_loads_and_skips_as_already_indexed(tmp_path, fake_encoder):
    json_path, _ = _feeds(tmp_path / "in")
    _desk(tmp_path, fake_encoder).ingest([json_path])
    version = current_version(tmp_path / "home")
    assert all("record" in json.loads(line) for line in (version / "articles.jsonl").read_text().splitlines())
    _strip_records(version)
    desk = _desk(tmp_path, fake_encoder)
    assert all(a.record is None for a in desk.index.articles.values())
    report = desk.ingest([json_path])
    assert not report.changed
    assert sorted(report.skipped) == [(f"{json_path}#{n}", "already indexed") for n in (1, 2, 3)]
    assert Article(**{"id": "x", "text": "t"}).record is None
