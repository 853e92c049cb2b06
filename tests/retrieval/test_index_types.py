"""Index types (flat, ivf, ivf-sq8) behind one index interface: fake encoder, tiny nlist, no timings."""

import json
import logging

import faiss
import numpy as np
import pytest
from newsdesk.retrieval.index.build import build_index, embedding_text
from newsdesk.retrieval.index.store import load_index, save_index
from newsdesk.retrieval.index.vectors import choose_index_type, index_record
from newsdesk.retrieval.index.versions import current_version
from newsdesk.retrieval.service import Newsdesk
from newsdesk.retrieval.settings import Settings
from newsdesk.retrieval.sources.article import make_article
from newsdesk.retrieval.sources.seeds import seed_paths

TOPICS = ["harbour ships cargo port", "election votes parliament party", "football match goal league",
          "storm rain flood weather", "bank rates inflation market", "school teachers pupils exams"]


def _articles(count, start=0, outlet=None):
    """Short one-chunk articles about a few topics, so that IVF lists have something to separate."""
    return [make_article(f"Story {n}: the {TOPICS[n % len(TOPICS)]} report number {n} from town {n * 7 % 13}.",
                         outlet=outlet or f"Outlet{n % 3}")
            for n in range(start, start + count)]


def _chunk_set(index):
    return {(c.article_id, c.start, c.end, c.text) for c in index.chunks}


def _assert_vectors_are_the_chunks(index, encoder):
    """The faiss index holds exactly the chunk ids, each with its chunk's embedding."""
    assert index.vectors.ntotal == len(index.chunks)
    ids = np.array([c.id for c in index.chunks], dtype=np.int64)
    expected = encoder.embed([embedding_text(index.article_of(c), c.text) for c in index.chunks])
    tolerance = 0.02 if index.index_type == "ivf-sq8" else 1e-6
    assert np.abs(index.vectors.reconstruct_batch(ids) - expected).max() < tolerance


@pytest.mark.parametrize("kind", ["flat", "ivf", "ivf-sq8"])
def test_each_type_round_trips_with_its_manifest_record(tmp_path, fake_encoder, kind):
    index, _ = build_index(_articles(40), fake_encoder, index_type=kind, nlist=4)
    assert index.index_type == kind
    save_index(index, tmp_path)
    manifest = json.loads((current_version(tmp_path) / "manifest.json").read_text())
    record = manifest["index"]
    assert record["type"] == kind and record["requested"] == kind
    if kind == "flat":
        assert manifest["format"] == 1 and manifest["index_type"] == "flat-ip"
    else:
        assert manifest["format"] == 2
        assert record["nlist"] == 4 and record["nprobe"] == 4 and record["trained_on"] == 40 and record["trained_at_chunks"] == 40
    query = fake_encoder.embed(["election votes in town 3"])[0]
    for mmap in (True, False):
        loaded = load_index(tmp_path, fake_encoder.name, mmap=mmap)
        assert loaded.index_type == kind and _chunk_set(loaded) == _chunk_set(index)
        _assert_vectors_are_the_chunks(loaded, fake_encoder)
        assert loaded.search_dense(query, 5) == index.search_dense(query, 5)
    if kind != "flat":
        mapped = load_index(tmp_path, mmap=True).vectors
        assert type(faiss.downcast_InvertedLists(mapped.invlists)).__name__ == "OnDiskInvertedLists"


def test_auto_chooses_by_size_and_keeps_ivf_near_the_threshold():
    assert choose_index_type("auto", 99, ivf_from=100) == "flat"
    assert choose_index_type("auto", 100, ivf_from=100) == "ivf"
    assert choose_index_type("auto", 60, previous_type="ivf", ivf_from=100) == "ivf"  # no flip-flop
    assert choose_index_type("auto", 49, previous_type="ivf", ivf_from=100) == "flat"
    assert choose_index_type("ivf-sq8", 5, ivf_from=100) == "ivf-sq8"
    assert choose_index_type("ivf", 0) == "flat"  # nothing to train on
    with pytest.raises(ValueError, match="unknown index type"):
        choose_index_type("hnsw", 10)


def test_build_index_auto_uses_the_threshold(fake_encoder):
    articles = _articles(30)
    assert build_index(articles, fake_encoder, ivf_from=31)[0].index_type == "flat"
    index, _ = build_index(articles, fake_encoder, ivf_from=30, nlist=3)
    assert index.index_type == "ivf" and index_record(index.manifest)["requested"] == "auto"


def test_ivf_updates_reuse_the_training_and_match_a_fresh_build(tmp_path, fake_encoder, caplog):
    articles = _articles(40)
    save_index(build_index(articles, fake_encoder, index_type="ivf", nlist=4)[0], tmp_path)
    previous = load_index(tmp_path, fake_encoder.name)  # memory-mapped, as the writer loads it
    centroids = previous.vectors.quantizer.reconstruct_n(0, 4)

    changed = make_article(articles[5].text + " A correction was added later.", outlet="Outlet2")
    current = [a for i, a in enumerate(articles) if i not in (5, 9, 17)] + [changed] + _articles(6, start=100)
    with caplog.at_level(logging.INFO, logger="newsdesk.retrieval.index"):
        updated, counts = build_index(current, fake_encoder, previous=previous)  # type and nlist come from the manifest
    assert "updated with its training" in caplog.text and "training on" not in caplog.text
    assert counts.embedded == 7 and counts.reused == 37
    assert index_record(updated.manifest) == index_record(previous.manifest)  # trained_on, trained_at_chunks kept
    assert np.array_equal(updated.vectors.quantizer.reconstruct_n(0, 4), centroids)
    _assert_vectors_are_the_chunks(updated, fake_encoder)

    fresh, _ = build_index(current, fake_encoder, index_type="ivf", nlist=4)
    assert _chunk_set(updated) == _chunk_set(fresh)
    save_index(updated, tmp_path)
    reloaded = load_index(tmp_path, fake_encoder.name)
    assert _chunk_set(reloaded) == _chunk_set(fresh) and reloaded.index_type == "ivf"
    _assert_vectors_are_the_chunks(reloaded, fake_encoder)


def test_ivf_is_retrained_when_the_corpus_outgrows_its_training_or_the_type_changes(fake_encoder, caplog):
    small, _ = build_index(_articles(10), fake_encoder, index_type="ivf", nlist=2)
    caplog.set_level(logging.INFO, logger="newsdesk.retrieval.index")
    grown, _ = build_index(_articles(41), fake_encoder, previous=small)  # 41 > 4 × 10
    assert "grew past 4×" in caplog.text
    assert index_record(grown.manifest)["trained_at_chunks"] == 41
    _assert_vectors_are_the_chunks(grown, fake_encoder)

    caplog.clear()
    squeezed, counts = build_index(_articles(41), fake_encoder, previous=grown, index_type="ivf-sq8", nlist=4)
    assert "type changed from ivf" in caplog.text and counts.embedded == 0
    assert squeezed.index_type == "ivf-sq8"
    _assert_vectors_are_the_chunks(squeezed, fake_encoder)
    back, _ = build_index(_articles(41), fake_encoder, previous=squeezed, index_type="flat")
    assert "8-bit vectors" in caplog.text and back.index_type == "flat"


def test_filtered_search_with_ivf(fake_encoder, monkeypatch):
    monkeypatch.setattr("newsdesk.retrieval.index.vectors.NPROBE_MIN", 1)  # probe 1 of 8 lists, as at scale
    monkeypatch.setattr("newsdesk.retrieval.index.build.EXACT_FILTER_SHARE", 0.2)  # up to 9 of 48 chunks: exactly
    index, _ = build_index(_articles(48), fake_encoder, index_type="ivf", nlist=8)
    assert index_record(index.manifest)["nprobe"] == 1
    query = fake_encoder.embed(["football match goal league"])[0]
    ids = np.array([c.id for c in index.chunks], dtype=np.int64)
    exact = {int(i): float(s) for i, s in zip(ids, index.vectors.reconstruct_batch(ids) @ query)}
    for allowed in (ids[:1], ids[::7], ids[::2], ids):
        hits = index.search_dense(query, 5, allowed=allowed)
        assert hits and {i for i, _ in hits} <= set(allowed.tolist())
        for chunk_id, score in hits:
            assert score == pytest.approx(exact[chunk_id], abs=1e-5)
    # A strict filter is scored exactly, even where its chunks lie outside the probed list.
    strict = ids[::7]
    best = sorted(strict.tolist(), key=lambda i: -exact[i])[:3]
    assert [i for i, _ in index.search_dense(query, 3, allowed=strict)] == best
    assert index.search_dense(query, 5, allowed=np.array([], dtype=np.int64)) == []


def test_old_flat_ip_manifests_still_load_and_update(tmp_path, fake_encoder):
    save_index(build_index(_articles(5), fake_encoder)[0], tmp_path)
    path = current_version(tmp_path) / "manifest.json"
    manifest = json.loads(path.read_text())
    del manifest["index"]  # what newsdesk wrote before index types
    path.write_text(json.dumps({**manifest, "format": 1, "index_type": "flat-ip"}))
    old = load_index(tmp_path, fake_encoder.name)
    assert old.index_type == "flat" and len(old.chunks) == 5
    updated, counts = build_index(_articles(7), fake_encoder, previous=old)
    assert updated.index_type == "flat" and counts.embedded == 2
    assert index_record(updated.manifest) == {"type": "flat", "requested": "auto"}


def test_the_choice_holds_for_later_ingests_and_rebuilds(tmp_path, fake_encoder):
    folder = tmp_path / "articles"
    folder.mkdir()
    for path in seed_paths()[:3]:
        (folder / path.name).write_text(path.read_text())
    home = tmp_path / "home"
    report = Newsdesk(Settings(home=home, reader="baseline", index_type="ivf"), encoder=fake_encoder).ingest([folder])
    assert report.index_type == "ivf"
    desk = Newsdesk(Settings(home=home, reader="baseline"), encoder=fake_encoder)  # no type given: keep ivf
    for path in seed_paths()[3:]:
        (folder / path.name).write_text(path.read_text())
    assert desk.ingest([folder]).index_type == "ivf" and desk.index.index_type == "ivf"
    assert desk.retrieve("Who hosted the Berlin talks?", k=3)
    assert desk.rebuild().index_type == "ivf"
    desk.remove([next(iter(desk.index.articles))])
    assert desk.index.index_type == "ivf"
    again = Newsdesk(Settings(home=home, reader="baseline", index_type="auto"), encoder=fake_encoder).rebuild()
    assert again.index_type == "flat"  # auto: a handful of chunks is flat


def test_the_cli_takes_the_index_type_from_the_option_or_the_environment(monkeypatch):
    from newsdesk.bot.cli import build_parser
    from newsdesk.bot.cli_common import settings_from

    monkeypatch.delenv("NEWSDESK_INDEX_TYPE", raising=False)
    args = build_parser().parse_args(["ingest", "x.txt"])
    assert args.index_type is None and settings_from(args).index_type is None
    args = build_parser().parse_args(["rebuild", "--index-type", "ivf-sq8"])
    assert settings_from(args).index_type == "ivf-sq8"
    with pytest.raises(SystemExit):
        build_parser().parse_args(["ingest", "x.txt", "--index-type", "hnsw"])
    monkeypatch.setenv("NEWSDESK_INDEX_TYPE", "ivf")
    assert settings_from(build_parser().parse_args(["ingest", "x.txt"])).index_type == "ivf"
    assert settings_from(build_parser().parse_args(["ask", "Who?"])).index_type == "ivf"
    monkeypatch.setenv("NEWSDESK_INDEX_TYPE", "hnsw")
    with pytest.raises(ValueError, match="unknown index type"):
        settings_from(build_parser().parse_args(["ingest", "x.txt"]))
