"""manifest.json as a typed Manifest: today's round-trips, old ones load, a bad one is one line."""

from __future__ import annotations

import json

import pytest
from newsdesk.retrieval.index.build import build_index
from newsdesk.retrieval.index.chunk import ChunkerSettings
from newsdesk.retrieval.index.manifest import FileRecord, Manifest, ManifestError
from newsdesk.retrieval.index.store import load_index, save_index
from newsdesk.retrieval.index.vectors import VectorRecord
from newsdesk.retrieval.index.versions import check_version, current_version
from newsdesk.retrieval.sources.article import make_article

from newsdesk.errors import IndexDamaged, IndexMismatch

# What newsdesk wrote before index types, checksums and the splitter setting (format 1).
OLDEST = {"format": 1, "model": "m", "dim": 64, "chunker": {"max_tokens": 200, "overlap_sentences": 1},
          "index_type": "flat-ip", "counts": {"articles": 2, "chunks": 3},
          "versions": {"newsdesk": "0.1.0"}, "created": "2026-11-22T15:14:05+00:00"}


@pytest.fixture
def saved(tmp_path, fake_encoder):
    version = save_index(build_index([make_article("The harbour reopened on Monday. Ships came in.")], fake_encoder)[0], tmp_path)
    return version, json.loads((version / "manifest.json").read_text())


def test_a_written_manifest_round_trips_in_its_own_order(saved, fake_encoder):
    version, raw = saved
    manifest = Manifest.load(version)
    assert manifest.to_dict() == raw and list(manifest.to_dict()) == list(raw)
    assert (manifest.model, manifest.dim, manifest.chunker) == (fake_encoder.name, fake_encoder.dim, ChunkerSettings())
    assert manifest.index == VectorRecord("flat", requested="auto") and manifest.readable
    assert manifest.files["articles.jsonl"] == FileRecord(**raw["files"]["articles.jsonl"])


def test_the_oldest_manifest_loads_as_flat_with_pysbd_and_no_checksums():
    manifest = Manifest.from_dict(OLDEST)
    assert manifest.index == VectorRecord("flat", requested="auto")
    assert manifest.chunker == ChunkerSettings(splitter="pysbd") and manifest.files is None
    assert manifest.counts == {"articles": 2, "chunks": 3} and manifest.extra == {}


def test_unknown_keys_are_kept_and_a_newer_format_keeps_its_envelope(saved, tmp_path):
    version, raw = saved
    assert Manifest.from_dict({**raw, "note": "x"}).to_dict() == {**raw, "note": "x"}
    newer = Manifest.from_dict({**raw, "format": 3, "chunker": "something else"})
    assert not newer.readable and newer.model is None and newer.chunks == raw["counts"]["chunks"]
    assert newer.extra["chunker"] == "something else" and newer.files is not None
    (version / "manifest.json").write_text(json.dumps({**raw, "format": 3}))
    assert check_version(version).intact  # a newer newsdesk's version is listed and checked, not called damaged
    with pytest.raises(IndexMismatch, match="has format 3, this newsdesk reads 1 and 2; run `newsdesk rebuild`"):
        load_index(tmp_path)


@pytest.mark.parametrize(("change", "message"), [
    ({"format": "2"}, "format must be a whole number, got '2'"),
    ({"model": None}, "model must be a string, got None"),
    ({"counts": {"articles": 1, "chunks": -1}}, "counts.chunks must be a whole number, got -1"),
    ({"chunker": {"max_tokens": 200, "sentences": 1}}, "unexpected keyword argument 'sentences'"),
    ({"index": {"type": "hnsw"}}, "unknown index type 'hnsw'"),
    ({"index": {"type": "ivf", "nlist": "many"}}, "the index record's nlist is not valid"),
    ({"files": {"chunks.jsonl": {"bytes": 5}}}, "files.chunks.jsonl must be"),
])
def test_a_bad_manifest_is_one_line_naming_the_field(saved, tmp_path, change, message):
    version, raw = saved
    with pytest.raises(ManifestError, match=message.replace("(", r"\(").replace("[", r"\[")):
        Manifest.from_dict({**raw, **change})
    (version / "manifest.json").write_text(json.dumps({**raw, **change}))
    problem = check_version(version).problem
    assert problem.startswith("manifest.json is unreadable (") and message in problem and "\n" not in problem
    with pytest.raises(IndexDamaged, match="manifest.json is unreadable"):
        load_index(tmp_path)


def test_json_that_is_not_an_object_is_unreadable(saved):
    version, _ = saved
    (version / "manifest.json").write_text("[1]")
    assert check_version(version).problem == "manifest.json is unreadable (not an object but list)"
    (version / "manifest.json").write_text("{ not json")
    assert check_version(version).problem == "manifest.json is unreadable (JSONDecodeError)"
    assert current_version(version.parent.parent) == version  # CURRENT still names it: load says it is damaged
