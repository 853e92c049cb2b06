"""The Ray engine against a real local Ray cluster on loopback (no mocks): the same index as a
local ingest, a killed worker retried, Ctrl-C leaving the index as it was, one-line errors."""

from __future__ import annotations

import _thread
import importlib.util
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from newsdesk.retrieval.index.versions import current_version
from newsdesk.retrieval.service import Newsdesk
from newsdesk.retrieval.settings import Settings
from newsdesk.retrieval.sources.seeds import seed_paths

from tests.conftest import FakeEncoder
from tests.retrieval.ray_helpers import (
    RAY_ENV,
    ROOT,
    LocalCluster,
    SlowFakeEncoder,
    alive,
    calls,
    wait_for,
    worker_pids,
)

# Read by Ray when it is imported and connects: the drivers here must match the tests' cluster.
os.environ.update(RAY_ENV)

needs_ray = pytest.mark.skipif(importlib.util.find_spec("ray") is None,
                               reason="Ray is not installed (pip install 'newsdesk[ray]')")
QUESTIONS = ["Who is the mayor of Alder?", "What did the council of Birch approve?", "Who hosted the Berlin talks?"]
SEED_QUESTIONS = ["Who hosted the Berlin talks?", "What did Erdogan warn about?", "Who curated the Outlook article?"]
TOWNS = ["Alder", "Birch", "Cedar", "Dover", "Elm", "Fen", "Glen", "Heath"]
WORDS = ("council river budget school bridge harvest festival station market library storm rail hospital "
         "harbour election teachers farmers tram museum stadium water power road park housing").split()


@pytest.fixture(scope="module")
def cluster():
    started = LocalCluster(cpus=2)
    yield started
    started.stop()


def _story(rng: random.Random, i: int) -> str:
    town = TOWNS[i % len(TOWNS)]
    sentences = [" ".join(rng.choices(WORDS, k=rng.randint(6, 16))).capitalize() + "." for _ in range(rng.randint(4, 24))]
    facts = [f"The mayor of {town} is Mayor{i} Novak.", f"The council of {town} approved the budget{i} plan."]
    sentences[1:1] = facts
    return f"{town} story number {i}\n\n" + " ".join(sentences) + "\n"


def _write_archive(folder: Path, start: int, count: int) -> None:
    """``count`` articles: most as .txt files in three folders, every fifth as a JSON Lines record,
    and two files that are rejected."""
    rng = random.Random(start)
    records = []
    for i in range(start, start + count):
        if i % 5 == 0:
            records.append({"title": f"Record {i}", "outlet": "Wire", "date": "2025-11-0" + str(1 + i % 9),
                            "text": _story(rng, i).split("\n\n", 1)[1]})
            continue
        target = folder / f"part{i % 3}" / f"story-{i:04d}.txt"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(_story(rng, i), encoding="utf-8")
    (folder / f"wire-{start}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    (folder / f"empty-{start}.txt").write_text("")
    (folder / f"binary-{start}.md").write_bytes(b"\x00\x01\x02" * 50)


def _desk(home: Path, encoder=None) -> Newsdesk:
    return Newsdesk(Settings(home=home, reader="baseline"), encoder=encoder or FakeEncoder())


def _engine(cluster, **options):
    from newsdesk.retrieval.index.ray_engine import RayEngine

    return RayEngine(cluster.address, options.pop("factory", FakeEncoder), workers=options.pop("workers", 2), **options)


def _assert_same_index(local: Newsdesk, remote: Newsdesk, min_cosine: float | None = None) -> None:
    """The same articles in the same order, the same chunks (ids, texts, offsets), vectors equal
    (or, with ``min_cosine``, that close), the same manifest but for its date and checksums, and
    the same BM25 scores."""
    a, b = local.index, remote.index
    assert list(a.articles.items()) == list(b.articles.items())
    assert a.chunks == b.chunks
    ids = np.array([c.id for c in a.chunks], dtype=np.int64)
    va, vb = a.vectors.reconstruct_batch(ids), b.vectors.reconstruct_batch(ids)
    if min_cosine is None:
        assert np.allclose(va, vb, atol=1e-6)
    else:
        assert (va * vb).sum(axis=1).min() >= min_cosine
    # "files" holds checksums: the vectors' bytes move with them, and bm25s numbers its vocabulary
    # in an order that varies between processes.
    assert {**a.manifest, "created": None, "files": None} == {**b.manifest, "created": None, "files": None}
    for question in QUESTIONS:
        assert a.search_bm25(question, 10) == b.search_bm25(question, 10)


def _assert_same_answers(local: Newsdesk, remote: Newsdesk, questions=QUESTIONS) -> None:
    for question in questions:
        left, right = local.ask(question), remote.ask(question)
        assert (left.text, left.quote, left.citations) == (right.text, right.quote, right.citations), question


@needs_ray
def test_a_ray_ingest_builds_the_index_a_local_one_does(cluster, tmp_path, capsys):
    archive = tmp_path / "archive"
    _write_archive(archive, 0, 300)
    local, remote = _desk(tmp_path / "local"), _desk(tmp_path / "remote")
    expected = local.ingest([archive])
    got = remote.ingest([archive], engine=_engine(cluster), progress=True)
    assert [a.id for a in got.added] == [a.id for a in expected.added] and len(got.added) == 300
    assert got.rejected == expected.rejected and len(got.rejected) == 2
    assert got.chunks_embedded == expected.chunks_embedded > 300
    assert f"{got.chunks_embedded:,} chunks" in capsys.readouterr().err  # the bar counts the cluster's chunks
    _assert_same_index(local, remote)
    _assert_same_answers(local, remote)

    # An update: 40 new articles, one edited, one deleted (pruned). Only the new ones are embedded.
    _write_archive(archive, 300, 40)
    edited = archive / "part1" / "story-0001.txt"
    edited.write_text(edited.read_text().replace("Mayor1 Novak", "Mayor1 Okafor"))
    (archive / "part2" / "story-0002.txt").unlink()
    expected = local.ingest([archive], prune=True)
    got = remote.ingest([archive], prune=True, engine=_engine(cluster))
    assert (len(got.added), len(got.replaced), len(got.removed)) == (len(expected.added), 1, 1)
    assert got.chunks_embedded == expected.chunks_embedded
    _assert_same_index(local, remote)
    _assert_same_answers(local, remote)


@needs_ray
def test_a_ray_rebuild_builds_the_index_a_local_one_does(cluster, tmp_path):
    local, remote = _desk(tmp_path / "local"), _desk(tmp_path / "remote")
    local.ingest(seed_paths())
    remote.ingest(seed_paths())
    local.rebuild()
    report = remote.rebuild(engine=_engine(cluster, workers=1))
    assert report.chunks_embedded == len(remote.index.chunks)
    _assert_same_index(local, remote)


def _slow_archive(tmp_path):
    """300 articles, and the folder where the slow fake encoders note their process and batches."""
    archive, marks = tmp_path / "archive", tmp_path / "marks"
    marks.mkdir()
    _write_archive(archive, 0, 300)
    return archive, marks


def _wait_for_first_batch(marks) -> None:
    wait_for(lambda: any(calls(marks, pid) for pid in worker_pids(marks)), 60, "a worker's first batch")


@needs_ray
def test_a_worker_killed_mid_job_is_retried_and_nothing_is_lost_or_doubled(cluster, tmp_path, capfd):
    from functools import partial

    archive, marks = _slow_archive(tmp_path)
    killed = []

    def kill_a_busy_worker():
        _wait_for_first_batch(marks)
        victim = next(pid for pid in worker_pids(marks) if calls(marks, pid))
        os.kill(victim, signal.SIGKILL)
        killed.append(victim)

    killer = threading.Thread(target=kill_a_busy_worker, daemon=True)
    killer.start()
    remote = _desk(tmp_path / "remote")
    report = remote.ingest([archive], engine=_engine(cluster, factory=partial(SlowFakeEncoder, str(marks), 0.3)))
    killer.join(5)
    assert killed and not alive(killed[0])
    printed = "".join(capfd.readouterr())
    assert "(raylet)" not in printed and "worker died" not in printed.lower()  # Ray's messages go to the log
    assert len(worker_pids(marks)) > 2  # the killed worker was restarted (it loaded its encoder again)
    local = _desk(tmp_path / "local")
    assert report.chunks_embedded == local.ingest([archive]).chunks_embedded
    _assert_same_index(local, remote)


@needs_ray
def test_ctrl_c_cancels_the_job_and_leaves_the_index_as_it_was(cluster, tmp_path):
    from functools import partial

    archive, marks = _slow_archive(tmp_path)
    desk = _desk(tmp_path / "home")
    desk.ingest(seed_paths())
    version, chunks = current_version(desk.settings.home), desk.index.chunks

    def press_ctrl_c():
        _wait_for_first_batch(marks)
        _thread.interrupt_main()  # what Ctrl-C does: KeyboardInterrupt in the main thread

    threading.Thread(target=press_ctrl_c, daemon=True).start()
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        desk.ingest([archive], engine=_engine(cluster, factory=partial(SlowFakeEncoder, str(marks), 0.5)))
    assert time.monotonic() - started < 60
    wait_for(lambda: not any(alive(pid) for pid in worker_pids(marks)), 20, "the workers to be stopped")
    assert current_version(desk.settings.home) == version and desk.index.chunks == chunks
    assert not desk.ingest([archive / "part0" / "story-0003.txt"]).rejected  # the write lock is free


@needs_ray
def test_without_an_address_ray_starts_a_local_cluster_and_stops_it(tmp_path):
    from newsdesk.retrieval.index.ray_engine import RayEngine

    engine = RayEngine(None, FakeEncoder, workers=1, runtime_env={"env_vars": {"PYTHONPATH": str(ROOT)}})
    local, remote = _desk(tmp_path / "local"), _desk(tmp_path / "remote")
    local.ingest(seed_paths())
    remote.ingest(seed_paths(), engine=engine)
    _assert_same_index(local, remote)
    import ray

    assert not ray.is_initialized()


def _cli(*args, env=None, timeout=120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "import sys; from newsdesk.bot.cli import main; sys.exit(main(sys.argv[1:]))",
                           *args], capture_output=True, text=True, timeout=timeout, env={**os.environ, **(env or {})})


@needs_ray
@pytest.mark.parametrize("command", ["ingest", "rebuild"])
def test_an_unreachable_cluster_is_one_line(tmp_path, command):
    started = time.monotonic()
    paths = [str(seed_paths()[0])] if command == "ingest" else []
    done = _cli(command, *paths, "--home", str(tmp_path / "home"), "--engine", "ray", "--ray-address", "127.0.0.1:1")
    assert done.returncode == 1 and time.monotonic() - started < 30
    assert done.stderr.startswith("newsdesk: cannot reach the Ray cluster at 127.0.0.1:1") and done.stderr.count("\n") == 1
    assert not (tmp_path / "home" / "index").exists() or current_version(tmp_path / "home") is None


def test_without_ray_the_engine_says_how_to_install_it(tmp_path):
    hide_ray = "import sys; sys.modules['ray'] = None; from newsdesk.bot.cli import main; sys.exit(main(sys.argv[1:]))"
    done = subprocess.run([sys.executable, "-c", hide_ray, "ingest", str(seed_paths()[0]), "--home", str(tmp_path / "home"),
                           "--engine", "ray"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert done.stderr == "newsdesk: the ray engine needs: pip install 'newsdesk[ray]'\n"


@needs_ray
@pytest.mark.slow
def test_the_cli_on_ray_with_the_real_encoder_matches_a_local_ingest(cluster, tmp_path):
    from newsdesk.embeddings.encoder import load_encoder
    from newsdesk.retrieval.answering.readers.choose import make_reader

    archive = tmp_path / "archive"
    archive.mkdir()
    for path in seed_paths():
        (archive / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    _write_archive(archive, 0, 20)
    done = _cli("ingest", str(archive), "--home", str(tmp_path / "remote"), "--engine", "ray",
                "--ray-address", cluster.address, "--ray-workers", "2", timeout=600)
    assert done.returncode == 1, done.stderr  # the two bad files of the archive are reported
    reader, encoder = make_reader("default"), load_encoder(None, "onnx")
    local = Newsdesk(Settings(home=tmp_path / "local"), encoder=encoder, reader=reader)
    local.ingest([archive])
    remote = Newsdesk(Settings(home=tmp_path / "remote"), encoder=encoder, reader=reader)
    # The int8 encoder quantises its activations per batch, so texts batched otherwise move a little
    # (0.993 here): within the cosine 0.99 that the two runtimes keep to each other (embeddings/encoder.py).
    _assert_same_index(local, remote, min_cosine=0.99)
    # The generated stories tie (many a mayor of Alder), and vectors that close may order ties
    # otherwise: the seeds' questions have one answer each.
    _assert_same_answers(local, remote, SEED_QUESTIONS)
