"""What the store's checks cost at 100,000 chunks (issue 14): a synthetic flat index (random unit
vectors, 50,000 short articles, real BM25) is saved, then loaded three times. A load checks every
file's SHA-256 (docs/RELIABILITY.md); it is timed beside a check of all hashes alone and of the
sizes alone.

    python benchmarks/store_checks.py [--chunks 100000]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
from newsdesk.retrieval.index.build import Index, build_bm25, new_manifest
from newsdesk.retrieval.index.chunk import ChunkerSettings
from newsdesk.retrieval.index.store import load_index, save_index
from newsdesk.retrieval.index.vectors import train_vector_index
from newsdesk.retrieval.index.versions import check_version, current_version

from newsdesk.types import Article, Chunk

WORDS = "harbour council budget ferry museum river festival election minister report".split()


class Encoder:
    name, dim = "synthetic", 384


def synthetic_index(n_chunks: int, seed: int = 0) -> Index:
    """Articles of two chunks each, random words, random unit vectors."""
    rng = np.random.default_rng(seed)
    articles, chunks = {}, []
    for i in range(n_chunks // 2):
        text = " ".join(rng.choice(WORDS, 60)) + f" item{i}. " + " ".join(rng.choice(WORDS, 60))
        article = Article(id=f"{i:016x}", text=text, title=f"Story {i}")
        articles[article.id] = article
        half = len(text) // 2
        chunks += [Chunk(2 * i, article.id, text[:half], 0, half), Chunk(2 * i + 1, article.id, text[half:], half, len(text))]
    vectors = rng.standard_normal((len(chunks), Encoder.dim)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    faiss_index, record = train_vector_index("flat", vectors)
    faiss_index.add_with_ids(vectors, np.arange(len(chunks), dtype=np.int64))
    manifest = new_manifest(Encoder(), ChunkerSettings(), len(articles), len(chunks), {**record, "requested": "auto"})
    return Index(manifest, articles, chunks, faiss_index, build_bm25(chunks, articles))


def _seconds(action) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chunks", type=int, default=100_000)
    args = parser.parse_args()
    index = synthetic_index(args.chunks)
    with tempfile.TemporaryDirectory() as scratch:
        home = Path(scratch)
        print(f"save: {_seconds(lambda: save_index(index, home)):.2f} s")
        version = current_version(home)
        size = sum(p.stat().st_size for p in version.rglob("*") if p.is_file())
        print(f"version: {size / 1e6:.1f} MB")
        for _ in range(3):
            print(f"load {_seconds(lambda: load_index(home)):.3f} s, "
                  f"all hashes {_seconds(lambda: check_version(version, deep=True)):.3f} s, "
                  f"sizes {_seconds(lambda: check_version(version, deep=False)) * 1000:.2f} ms")


if __name__ == "__main__":
    main()
