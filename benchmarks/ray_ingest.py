"""Ingest throughput here and on a local Ray cluster with 1 and 2 workers, and where the time goes.

Every paragraph of a SQuAD file is an article, written as JSON Lines files (one per SQuAD
title) and ingested the way `newsdesk ingest` does it, step by step: read, chunk + embed, the
writer's merge (canonical order, FAISS, BM25), the write of the version. Then the writer's
merge alone at ``--writer-chunks`` chunks (random vectors: no encoder), the part that does not
scale with workers.

    nice python benchmarks/ray_ingest.py ../shared/data/squad-dev-v1.1-part-a.json [--limit 300]
"""

import argparse
import functools
import json
import os
import platform
import secrets
import tempfile
import time
from pathlib import Path

import numpy as np
from newsdesk.embeddings.encoder import load_encoder
from newsdesk.retrieval.evaluation.evaluate import paragraph_articles
from newsdesk.retrieval.evaluation.squad import load_squad
from newsdesk.retrieval.index.build import build_index, chunk_and_embed_articles
from newsdesk.retrieval.index.chunk import ChunkerSettings
from newsdesk.retrieval.index.store import save_index
from newsdesk.retrieval.sources.files import load_articles

from newsdesk.types import Article


def write_archive(articles, folder: Path) -> None:
    """One .jsonl file per SQuAD title, a record per paragraph."""
    by_title = {}
    for article in articles:
        by_title.setdefault(article.title or "untitled", []).append({"title": article.title, "text": article.text})
    for n, (_, records) in enumerate(sorted(by_title.items())):
        (folder / f"{n:03d}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")


def timed(function):
    """``function`` that adds its wall time to ``.seconds``."""
    def run(*args):
        started = time.perf_counter()
        try:
            return function(*args)
        finally:
            run.seconds += time.perf_counter() - started
    run.seconds = 0.0
    return run


def one_ingest(name: str, read, chunk_and_embed, encoder, home: Path, start_seconds: float = 0.0) -> dict:
    """Read, build and write one index from nothing; the seconds of each step."""
    started = time.perf_counter()
    articles, rejected = read()  # a paragraph or two is nothing but what the cleaner drops: rejected
    read_s = time.perf_counter() - started
    embed = timed(chunk_and_embed)
    built = time.perf_counter()
    index, counts = build_index(articles, encoder, ChunkerSettings(), chunk_and_embed=embed)
    merge_s = time.perf_counter() - built - embed.seconds
    written = time.perf_counter()
    save_index(index, home)
    write_s = time.perf_counter() - written
    total = time.perf_counter() - started
    chunks = counts.embedded
    steady = embed.seconds - start_seconds
    return {"engine": name, "articles": len(articles), "rejected": len(rejected), "chunks": chunks, "read_s": round(read_s, 2),
            "chunk_embed_s": round(embed.seconds, 2), "of_which_worker_start_s": round(start_seconds, 2),
            "merge_faiss_bm25_s": round(merge_s, 2), "write_s": round(write_s, 2), "total_s": round(total, 2),
            "chunks_per_s": round(chunks / total, 1), "chunk_embed_chunks_per_s": round(chunks / steady, 1),
            "_chunks": index.chunks}


def writer_merge(paragraphs, n_chunks: int, home: Path) -> dict:
    """The writer's merge and write at ``n_chunks`` one-chunk articles, vectors given (random)."""
    rng = np.random.default_rng(0)
    articles = [Article(id=f"{i:016x}", text=f"{paragraphs[i % len(paragraphs)].text[:900]} ({i})",
                        title=paragraphs[i % len(paragraphs)].title) for i in range(n_chunks)]

    def given_vectors(fresh):
        vectors = rng.standard_normal((len(fresh), 384)).astype(np.float32)
        return [[(0, len(a.text))] for a in fresh], vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

    class Named:  # the writer asks the encoder only for its name and dimensions
        name, dim = "random", 384

    started = time.perf_counter()
    index, _ = build_index(articles, Named(), ChunkerSettings(), chunk_and_embed=given_vectors, index_type="flat")
    merged = time.perf_counter()
    save_index(index, home)
    return {"chunks": n_chunks, "merge_s": round(merged - started, 2), "write_s": round(time.perf_counter() - merged, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("squad", type=Path)
    parser.add_argument("--limit", type=int, help="only the first N paragraphs")
    parser.add_argument("--workers", default="1,2", help="Ray worker counts to run, comma-separated")
    parser.add_argument("--writer-chunks", type=int, default=50_000, help="chunks for the writer-only measurement (0: skip)")
    args = parser.parse_args()
    # A private local cluster: on loopback, a token of its own (nothing written to ~/.ray), no statistics.
    os.environ.update({"RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0", "RAY_USAGE_STATS_ENABLED": "0",
                       "RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": secrets.token_hex(32)})
    from newsdesk.retrieval.index.ray_engine import RayEngine, worker_encoder

    paragraphs = list(paragraph_articles(load_squad(args.squad)).values())[: args.limit]
    encoder = load_encoder(None, "onnx")
    encoder.embed(["warm up"])  # the model's load is not ingest time
    results = []
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        archive = scratch / "archive"
        archive.mkdir()
        write_archive(paragraphs, archive)
        local = functools.partial(chunk_and_embed_articles, encoder=encoder, settings=ChunkerSettings())
        results.append(one_ingest("local", lambda: load_articles([archive]), local, encoder, scratch / "local"))
        engine = RayEngine(None, functools.partial(worker_encoder, None, "onnx", 1))
        with engine:
            for count in [int(n) for n in args.workers.split(",")]:
                engine.workers = count
                embedder = engine.embedder(ChunkerSettings(), encoder)
                start = time.perf_counter()
                embedder(paragraphs[:1])  # workers start and load the encoder: a fixed cost per job
                start_seconds = time.perf_counter() - start
                results.append(one_ingest(f"ray, {count} worker{'s' if count > 1 else ''}", lambda: engine.load_articles([archive]),
                                          embedder, encoder, scratch / f"ray-{count}", start_seconds))
        for result in results[1:]:
            assert result.pop("_chunks") == results[0]["_chunks"], "another index than the local one"
        results[0].pop("_chunks")
        writer = writer_merge(paragraphs, args.writer_chunks, scratch / "writer") if args.writer_chunks else None
    print(json.dumps({"machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
                      "load_average": [round(x, 2) for x in os.getloadavg()], "ingests": results,
                      "writer_only": writer}, indent=2))


if __name__ == "__main__":
    main()
