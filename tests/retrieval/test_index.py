import json

import pytest
from newsdesk.retrieval.index.build import build_index
from newsdesk.retrieval.index.chunk import ChunkerSettings
from newsdesk.retrieval.index.store import load_index, save_index
from newsdesk.retrieval.index.versions import current_version
from newsdesk.retrieval.service import Newsdesk
from newsdesk.retrieval.settings import Settings
from newsdesk.retrieval.sources.article import make_article
from newsdesk.retrieval.sources.seeds import seed_paths

from newsdesk.errors import IndexDamaged, IndexMismatch, IndexMissing, NewsdeskError


def _chunk_set(index):
    return {(c.article_id, c.start, c.end, c.text) for c in index.chunks}


def test_save_and_load_round_trip(tmp_path, fake_encoder):
    articles = [make_article("The harbour reopened on Monday. Ships came in."), make_article("A second story about trains.")]
    index, counts = build_index(articles, fake_encoder)
    save_index(index, tmp_path)
    loaded = load_index(tmp_path, fake_encoder.name, ChunkerSettings())
    assert _chunk_set(loaded) == _chunk_set(index) and counts.embedded == len(index.chunks)
    manifest = json.loads((current_version(tmp_path) / "manifest.json").read_text())
    assert manifest["model"] == fake_encoder.name and manifest["counts"] == {"articles": 2, "chunks": len(index.chunks)}


def test_load_refuses_another_model_or_chunker_and_says_what_to_run(tmp_path, fake_encoder):
    save_index(build_index([make_article("Some text.")], fake_encoder)[0], tmp_path)
    with pytest.raises(IndexMismatch, match="newsdesk rebuild"):
        load_index(tmp_path, "another-model", ChunkerSettings())
    with pytest.raises(IndexMismatch, match="newsdesk rebuild"):
        load_index(tmp_path, fake_encoder.name, ChunkerSettings(max_tokens=100))


def test_missing_and_damaged_indexes(tmp_path, fake_encoder):
    with pytest.raises(IndexMissing):
        load_index(tmp_path)
    version = save_index(build_index([make_article("Some text.")], fake_encoder)[0], tmp_path)
    (version / "vectors.faiss").write_bytes(b"garbage")
    with pytest.raises(IndexDamaged, match="vectors.faiss has 7 bytes.*run `newsdesk rebuild` to repair it in place"):
        load_index(tmp_path)


def test_incremental_ingest_equals_a_fresh_build(tmp_path, fake_encoder):
    folder = tmp_path / "articles"
    folder.mkdir()
    for path in seed_paths()[:3]:
        (folder / path.name).write_text(path.read_text())
    desk = Newsdesk(Settings(home=tmp_path / "inc", reader="baseline"), encoder=fake_encoder)
    first = desk.ingest([folder])
    assert len(first.added) == 3
    again = desk.ingest([folder])
    assert not again.changed and len(again.skipped) == 3 and again.chunks_embedded == 0
    # Change one file, add another: only the new text is embedded.
    changed = folder / seed_paths()[0].name
    changed.write_text(changed.read_text() + "\nA new closing paragraph was added later.")
    (folder / seed_paths()[3].name).write_text(seed_paths()[3].read_text())
    report = desk.ingest([folder])
    assert len(report.replaced) == 1 and len(report.added) == 1

    fresh = Newsdesk(Settings(home=tmp_path / "fresh", reader="baseline"), encoder=fake_encoder)
    fresh.ingest([folder])
    assert _chunk_set(desk.index) == _chunk_set(fresh.index)
    assert report.chunks_embedded < len(fresh.index.chunks)
    question = "Who hosted the Berlin talks?"
    assert [(h.chunk.article_id, h.chunk.start) for h in desk.retrieve(question, k=5)] == [
        (h.chunk.article_id, h.chunk.start) for h in fresh.retrieve(question, k=5)
    ]


def test_a_failed_write_leaves_the_previous_version_loadable(tmp_path, fake_encoder, monkeypatch):
    save_index(build_index([make_article("Old story.")], fake_encoder)[0], tmp_path)
    index, _ = build_index([make_article("Old story."), make_article("New story.")], fake_encoder)

    def explode(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("newsdesk.retrieval.index.store._jsonl", explode)
    with pytest.raises(NewsdeskError, match="cannot write the index .*disk full"):
        save_index(index, tmp_path)
    assert load_index(tmp_path).manifest["counts"]["articles"] == 1
