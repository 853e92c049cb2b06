"""Index types at scale: flat, ivf and ivf-sq8 on 1,000,000 synthetic embedding-like vectors.

    .venv/bin/python benchmarks/ann_scale.py --n 1000000
    .venv/bin/python benchmarks/ann_scale.py --n 20000 --sizes 5000,10000   # a quick smoke run

Every faiss index is made by ``train_vector_index`` in retrieval/index/vectors.py (what ``build_index``
ships: nlist, training sample, nprobe, direct map), updated by ``updated_vector_index``, loaded
as ``load_index`` loads it (``IO_FLAG_MMAP`` for IVF), and filtered search goes through
``Index.search_dense``. At 1M the vectors take 1.5 GB and up to four copies of an index are
alive at once: a machine with 16 GB is enough. About 20 minutes on 2 busy cores.

The vectors (384-d, unit length) are drawn from a mixture of Gaussian clusters that resembles
all-MiniLM-L6-v2 embeddings (see ``synthetic``); the queries are held-out points of the same
draw. Recall@k is the share of the exact top k (flat inner product over the same vectors)
that an index returns in its top k. Latency is one query at a time, after a warm-up.
Prints markdown tables; nothing is asserted.
"""

from __future__ import annotations

import argparse
import functools
import math
import os
import platform
import tempfile
import time
import types
from pathlib import Path

import faiss
import numpy as np
from newsdesk.retrieval.index.build import Index
from newsdesk.retrieval.index.store import read_vectors
from newsdesk.retrieval.index.vectors import IVF_FROM_CHUNKS, ivf_nlist, ivf_nprobe, train_vector_index, updated_vector_index

DIM = 384


def synthetic(n: int, clusters: int, seed: int = 0, alpha: float = 0.8, mean_weight: float = 0.2,
              spread: tuple[float, float] = (0.8, 1.2), size_sigma: float = 1.0) -> np.ndarray:
    """``n`` unit vectors from a mixture of ``clusters`` anisotropic Gaussians.

    Both the cluster centres and each cluster's points vary along a random orthonormal basis
    with variance ∝ 1/i^alpha on axis i (real sentence embeddings have such a decaying
    spectrum); the centres are normalised and shifted by ``mean_weight`` times one shared
    direction (real embeddings have a common component: random pairs have cosine > 0); a point
    is its centre plus ``s`` times such a Gaussian draw (expected norm 1), ``s`` uniform in
    ``spread`` per cluster, then normalised. Cluster sizes follow lognormal(0, size_sigma)
    weights. The defaults were chosen so that 1,300 points in 48 clusters match the statistics
    of the 1,300 all-MiniLM-L6-v2 chunk vectors of SQuAD part A (``--compare``).
    """
    rng = np.random.default_rng(seed)
    basis, _ = np.linalg.qr(rng.standard_normal((DIM, DIM)))
    axis_std = np.arange(1, DIM + 1) ** (-alpha / 2)
    axis_std /= np.sqrt((axis_std**2).sum())
    mix = (basis * axis_std).T.astype(np.float32)  # z @ mix for z ~ N(0, I): the anisotropic draw
    shared = rng.standard_normal(DIM).astype(np.float32)
    centres = rng.standard_normal((clusters, DIM), dtype=np.float32) @ mix
    centres = centres / np.linalg.norm(centres, axis=1, keepdims=True) + mean_weight * shared / np.linalg.norm(shared)
    spreads = rng.uniform(*spread, clusters).astype(np.float32)
    weights = rng.lognormal(0.0, size_sigma, clusters)
    labels = rng.choice(clusters, size=n, p=weights / weights.sum())
    out = np.empty((n, DIM), dtype=np.float32)
    for start in range(0, n, 100_000):
        part = labels[start : start + 100_000]
        x = centres[part] + spreads[part, None] * (rng.standard_normal((len(part), DIM), dtype=np.float32) @ mix)
        out[start : start + len(part)] = x / np.linalg.norm(x, axis=1, keepdims=True)
    return out


def shape_stats(x: np.ndarray) -> dict:
    """Median top-1/10/100 neighbour cosine, random-pair cosine, variance in the top principal axes."""
    sims = x @ x.T
    np.fill_diagonal(sims, -2)
    top = -np.sort(-sims, axis=1)
    pairs = sims[sims > -2]
    spectrum = np.linalg.svd(x - x.mean(0), compute_uv=False) ** 2
    spectrum /= spectrum.sum()
    return {"random pair cos mean": pairs.mean(), "random pair cos std": pairs.std(),
            "top-1 cos": np.median(top[:, 0]), "top-10 cos": np.median(top[:, 9]), "top-100 cos": np.median(top[:, 99]),
            "variance in top 10 axes": spectrum[:10].sum(), "top 50": spectrum[:50].sum(), "top 100": spectrum[:100].sum()}


def exact_top(base: np.ndarray, queries: np.ndarray, k: int) -> np.ndarray:
    flat = faiss.IndexFlatIP(DIM)
    flat.add(base)
    return flat.search(queries, k)[1]


def recall(found: np.ndarray, truth: np.ndarray, k: int) -> float:
    return float(np.mean([len(set(f[:k]) & set(t[:k])) / k for f, t in zip(found, truth)]))


def params_for(record: dict, nprobe: int | None = None):
    return None if record["type"] == "flat" else faiss.SearchParametersIVF(nprobe=nprobe or record["nprobe"])


def latency_ms(index, queries: np.ndarray, params, threads: int | None) -> tuple[float, float]:
    """p50, p95 of one query at a time (``threads``: faiss's OpenMP threads; None: the default)."""
    default = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(threads or default)
    try:
        for q in queries[:10]:
            index.search(q[None], 10, params=params)
        times = []
        for q in queries:
            started = time.perf_counter()
            index.search(q[None], 10, params=params)
            times.append((time.perf_counter() - started) * 1000)
    finally:
        faiss.omp_set_num_threads(default)
    return float(np.percentile(times, 50)), float(np.percentile(times, 95))


def build(kind: str, base: np.ndarray, nlist: int | None = None):
    started = time.perf_counter()
    index, record = train_vector_index(kind, base, nlist)
    trained = time.perf_counter()
    index.add_with_ids(base, np.arange(len(base), dtype=np.int64))
    return index, record, trained - started, time.perf_counter() - trained


def serialised_bytes(index, folder: Path) -> tuple[Path, int]:
    path = folder / "vectors.faiss"
    faiss.write_index(index, str(path))
    return path, path.stat().st_size


def shipped_search(index, record: dict, n: int):
    """``Index.search_dense`` over ``index`` without materialising a million Chunk objects."""
    fake = types.SimpleNamespace(chunks=range(n), manifest={"index": record}, vectors=index)
    fake._search_exactly = functools.partial(Index._search_exactly, fake)
    return functools.partial(Index.search_dense, fake)


def size_sweep(sizes: list[int], per_cluster: int, n_queries: int, latency_queries: int) -> None:
    """Flat latency and ivf recall/latency at smaller corpora (each its own draw, with one cluster
    per ``per_cluster`` vectors as at 1M): the evidence for the auto threshold."""
    print("\n## flat and ivf by corpus size (the `auto` threshold)\n")
    print("| chunks | flat p50 / p95 ms (1 thread) | ivf nlist / nprobe | ivf train + add s | ivf recall@10 | ivf p50 / p95 ms (1 thread) |")
    print("|---|---|---|---|---|---|")
    for size in sizes:
        data = synthetic(size + n_queries, max(1, size // per_cluster), seed=size)
        base, queries = data[:size], np.ascontiguousarray(data[size:])
        flat, _, _, _ = build("flat", base)
        flat_ms = latency_ms(flat, queries[:latency_queries], None, 1)
        del flat
        truth = exact_top(base, queries, 10)
        ivf, record, train_s, add_s = build("ivf", base)
        found = ivf.search(queries, 10, params=params_for(record))[1]
        ivf_ms = latency_ms(ivf, queries[:latency_queries], params_for(record), 1)
        print(f"| {size:,} | {flat_ms[0]:.2f} / {flat_ms[1]:.2f} | {record['nlist']} / {record['nprobe']} | "
              f"{train_s:.1f} + {add_s:.1f} | {recall(found, truth, 10):.3f} | {ivf_ms[0]:.2f} / {ivf_ms[1]:.2f} |", flush=True)
        del ivf, data, base


def leave_one_out_recall(vectors: np.ndarray, nlist: int, nprobes: tuple[int, ...], k: int = 10) -> list[float]:
    """IVF recall@k of every vector's k nearest others, with the shipped training."""
    sims = vectors @ vectors.T
    np.fill_diagonal(sims, -9)
    truth = np.argsort(-sims, axis=1)[:, :k]
    index, _ = train_vector_index("ivf", vectors, nlist)
    index.add_with_ids(vectors, np.arange(len(vectors), dtype=np.int64))
    out = []
    for nprobe in nprobes:
        found = index.search(vectors, k + 1, params=faiss.SearchParametersIVF(nprobe=nprobe))[1]
        out.append(recall([[j for j in row if j != i][:k] for i, row in enumerate(found)], truth, k))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=1_000_000, help="indexed vectors")
    parser.add_argument("--queries", type=int, default=1000, help="held-out queries for recall")
    parser.add_argument("--latency-queries", type=int, default=300, help="queries timed one at a time")
    parser.add_argument("--clusters", type=int, default=None, help="mixture components (default n/250: 4,000 at 1M)")
    parser.add_argument("--sizes", default="50000,100000,200000,500000", help="smaller corpora for the flat-vs-ivf sweep ('' to skip)")
    parser.add_argument("--types", default="flat,ivf,ivf-sq8")
    parser.add_argument("--compare", type=Path, help="a vectors.faiss of real embeddings to compare the generator with")
    args = parser.parse_args()
    clusters = args.clusters or max(1, args.n // 250)
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, faiss {faiss.__version__} "
          f"({faiss.get_compile_options().strip()}), {faiss.omp_get_max_threads()} OpenMP threads; "
          f"load average {os.getloadavg()[0]:.1f} at the start")
    print(f"data: {args.n:,} + {args.queries:,} held-out query vectors, {DIM}-d, from {clusters:,} clusters (see synthetic())")

    if args.compare:
        real = read_vectors(args.compare, "flat", False)
        real = real.reconstruct_batch(faiss.vector_to_array(real.id_map))
        fake = synthetic(len(real), clusters=48)
        print("\n| statistic | real vectors | synthetic, same count, 48 clusters |\n|---|---|---|")
        for (name, r), f in zip(shape_stats(real).items(), shape_stats(fake).values()):
            print(f"| {name} | {r:.3f} | {f:.3f} |")
        nlist, nprobes = 33, (1, 2, 4, 8)
        print(f"| ivf recall@10 of each vector's neighbours, nlist {nlist}, nprobe {'/'.join(map(str, nprobes))} | "
              + " | ".join("/".join(f"{r:.3f}" for r in leave_one_out_recall(v, nlist, nprobes)) for v in (real, fake)) + " |")

    started = time.perf_counter()
    everything = synthetic(args.n + args.queries, clusters)
    base, queries = everything[: args.n], np.ascontiguousarray(everything[args.n :])
    del everything
    print(f"generated in {time.perf_counter() - started:.1f}s")
    started = time.perf_counter()
    truth = exact_top(base, queries, 50)
    print(f"exact top-50 of {args.queries} queries in {time.perf_counter() - started:.1f}s (batched)")
    lat_queries = queries[: args.latency_queries]

    rows, flat_p50 = [], None
    with tempfile.TemporaryDirectory() as scratch:
        for kind in args.types.split(","):
            index, record, train_s, add_s = build(kind, base)
            found = index.search(queries, 50, params=params_for(record))[1]
            one = latency_ms(index, lat_queries, params_for(record), 1)
            many = latency_ms(index, lat_queries, params_for(record), None)
            path, size = serialised_bytes(index, Path(scratch))
            started = time.perf_counter()
            loaded = read_vectors(path, kind, False)
            read_s = time.perf_counter() - started
            del loaded
            mmap_note, filtered = "–", {}
            # Filtered search as shipped (Index.search_dense): 1% and 20% of the chunks allowed.
            search = shipped_search(index, record, args.n)
            for share in (0.01, 0.2):
                allowed = np.sort(np.random.default_rng(2).choice(args.n, int(args.n * share), replace=False))
                allowed_truth = exact_top(base[allowed], queries[:200], 10)
                got, times = [], []
                for q in queries[:200]:
                    t0 = time.perf_counter()
                    got.append([i for i, _ in search(q, 10, allowed)])
                    times.append((time.perf_counter() - t0) * 1000)
                want = [[allowed[j] for j in row] for row in allowed_truth]
                filtered[share] = f"{recall(got, want, 10):.3f} @ {np.median(times):.1f} ms"
            if kind != "flat":
                started = time.perf_counter()
                mapped = read_vectors(path, kind, True)
                mmap_s = time.perf_counter() - started
                mapped_ms = latency_ms(mapped, lat_queries, params_for(record), 1)
                mmap_note = f"{mmap_s * 1000:.0f} ms (then p50 {mapped_ms[0]:.2f} ms)"
                # An update: 1,000 chunks dropped, 1,000 added, from the memory-mapped version.
                drop = np.random.default_rng(1).choice(args.n, 1000, replace=False)
                started = time.perf_counter()
                updated = updated_vector_index(mapped, drop, base[drop], np.arange(args.n, args.n + 1000))
                update_s = time.perf_counter() - started
                assert updated.ntotal == args.n
                del updated, mapped
            else:
                update_s = float("nan")
            if kind == "flat":
                flat_p50 = one[0]
            rows.append((kind, record, train_s, add_s, recall(found, truth, 10), recall(found, truth, 50), one, many,
                         size / args.n, read_s, mmap_note, update_s, filtered))
            print(f"{kind}: done ({record})", flush=True)
            if kind == "ivf":  # nprobe sweep at this size
                print("\n| nprobe | recall@10 | recall@50 | p50 ms (1 thread) |\n|---|---|---|---|")
                for nprobe in (16, 32, 48, 64, 96, 128, 256):
                    found_p = index.search(queries, 50, params=params_for(record, nprobe))[1]
                    p50 = latency_ms(index, lat_queries[:100], params_for(record, nprobe), 1)[0]
                    print(f"| {nprobe} | {recall(found_p, truth, 10):.3f} | {recall(found_p, truth, 50):.3f} | {p50:.2f} |", flush=True)
                print()
            del index

    print(f"\n## {args.n:,} chunks\n")
    print("| type | nlist / nprobe | train + add s | recall@10 | recall@50 | p50 / p95 ms, 1 thread | p50 / p95 ms, "
          f"{faiss.omp_get_max_threads()} threads | vs flat p50 | bytes per chunk | read | mmap load | update ±1,000 s | filtered 1% | filtered 20% |")
    print("|" + "---|" * 14)
    for kind, record, train_s, add_s, r10, r50, one, many, per_chunk, read_s, mmap_note, update_s, filtered in rows:
        shape = f"{record['nlist']} / {record['nprobe']}" if "nlist" in record else "–"
        speedup = f"{flat_p50 / one[0]:.0f}×" if flat_p50 else "?"
        print(f"| {kind} | {shape} | {train_s:.1f} + {add_s:.1f} | {r10:.3f} | {r50:.3f} | {one[0]:.2f} / {one[1]:.2f} | "
              f"{many[0]:.2f} / {many[1]:.2f} | {speedup} | {per_chunk:.0f} | {read_s:.2f} s | {mmap_note} | "
              f"{'–' if math.isnan(update_s) else f'{update_s:.1f}'} | {filtered.get(0.01, '–')} | {filtered.get(0.2, '–')} |")
    print(f"\nnlist rule at this size: {ivf_nlist(args.n)}, nprobe {ivf_nprobe(ivf_nlist(args.n))}; auto threshold {IVF_FROM_CHUNKS:,}")
    print(f"load average {os.getloadavg()[0]:.1f} at the end", flush=True)

    del base
    sizes = [int(s) for s in args.sizes.split(",") if s and int(s) < args.n]
    if sizes:
        size_sweep(sizes, max(1, args.n // clusters), args.queries, args.latency_queries)


if __name__ == "__main__":
    main()
