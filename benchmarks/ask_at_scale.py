"""End-to-end warm ``ask`` latency over a large index (default 100,000 chunks).

    python benchmarks/ask_at_scale.py ../shared/data/squad-dev-v1.1-part-a.json \\
        ../shared/data/qa-train-extra.json --chunks 100000 --questions 300

How the index is made (embedding 100,000 chunks here would take half an hour, and chunking
them with the sentence splitter another twenty minutes, neither of which is what is measured):
every distinct paragraph of the given SQuAD-format files (about 15,000) is cut by newsdesk's
chunker and embedded once by the default encoder; the index is then filled up to ``--chunks``
with numbered copies ("Dispatch 7. " + the paragraph, so that texts differ for BM25) whose
vectors are the original's plus Gaussian noise (cosine about 0.93 to it), renormalised.  The
index is assembled with the same functions ``build_index`` uses, written with ``save_index``,
then loaded and asked through ``Newsdesk`` as ``newsdesk ask`` does, with the shipped reader.
Questions are part A's, whose paragraphs are in the index.
"""

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
from newsdesk.embeddings.encoder import load_encoder
from newsdesk.retrieval.evaluation.squad import load_squad
from newsdesk.retrieval.index.build import Index, build_bm25, embedding_text, new_manifest
from newsdesk.retrieval.index.chunk import ChunkerSettings, chunk_text
from newsdesk.retrieval.index.store import save_index
from newsdesk.retrieval.index.vectors import choose_index_type, train_vector_index
from newsdesk.retrieval.service import Newsdesk
from newsdesk.retrieval.settings import Settings
from newsdesk.retrieval.sources.article import article_id

from newsdesk.types import Article, Chunk

NOISE = 0.02  # per dimension: |noise| ≈ 0.02·√384 ≈ 0.39, cosine to the original ≈ 0.93


def paragraphs(paths: list[Path]) -> list[tuple[str, str]]:
    """Distinct (title, paragraph) pairs of the SQuAD-format files, in file order."""
    seen, out = set(), []
    for path in paths:
        for article in json.loads(path.read_text(encoding="utf-8"))["data"]:
            for paragraph in article["paragraphs"]:
                if paragraph["context"] not in seen:
                    seen.add(paragraph["context"])
                    out.append((article.get("title", ""), paragraph["context"]))
    return out


def base_chunks(pairs, encoder, settings: ChunkerSettings):
    """(title, text, [(start, end)]) per paragraph; one chunk when it fits (the chunker's answer
    too, without running the sentence splitter)."""
    counts = encoder.count_tokens([text for _, text in pairs])
    return [(title, text, [(0, len(text))] if n <= settings.max_tokens else chunk_text(text, encoder.count_tokens, settings))
            for (title, text), n in zip(pairs, counts)]


def assemble(bases, base_vectors: np.ndarray, n_chunks: int, encoder, settings: ChunkerSettings) -> Index:
    rng = np.random.default_rng(0)
    articles, chunks, vectors = {}, [], []
    copy, position = 0, 0
    while len(chunks) < n_chunks:
        for title, text, spans in bases:
            if len(chunks) >= n_chunks:
                break
            prefix = f"Dispatch {copy}. " if copy else ""
            body = prefix + text
            article = Article(id=article_id(body), text=body, title=title, outlet=f"Wire {copy % 7}", path=f"copy-{copy}.txt")
            articles[article.id] = article
            for i, (start, end) in enumerate(spans):
                start, end = (0 if i == 0 else start + len(prefix)), end + len(prefix)
                chunks.append(Chunk(len(chunks), article.id, body[start:end], start, end))
                vector = base_vectors[position + i]
                if copy:
                    vector = vector + rng.normal(0, NOISE, vector.shape).astype(np.float32)
                    vector /= np.linalg.norm(vector)
                vectors.append(vector)
            position += len(spans)
        copy, position = copy + 1, 0
    matrix = np.vstack(vectors).astype(np.float32)
    kind = choose_index_type("auto", len(chunks))
    vector_index, record = train_vector_index(kind, matrix)
    vector_index.add_with_ids(matrix, np.arange(len(chunks), dtype=np.int64))
    manifest = new_manifest(encoder, settings, len(articles), len(chunks), {**record, "requested": "auto"})
    return Index(manifest, articles, chunks, vector_index, build_bm25(chunks, articles))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("squad", type=Path, nargs="+", help="SQuAD-format files; questions come from the first")
    parser.add_argument("--chunks", type=int, default=100_000)
    parser.add_argument("--questions", type=int, default=300)
    parser.add_argument("--vectors-cache", type=Path, help="keep the embedded paragraphs here (.npy) between runs")
    args = parser.parse_args()
    settings = ChunkerSettings()
    encoder = load_encoder(None)
    bases = base_chunks(paragraphs(args.squad), encoder, settings)
    texts = [embedding_text(Article(id="", title=title, text=text), text[s:e]) for title, text, spans in bases for s, e in spans]
    if args.vectors_cache and args.vectors_cache.is_file() and len(np.load(args.vectors_cache)) == len(texts):
        base_vectors = np.load(args.vectors_cache)
    else:
        started = time.perf_counter()
        base_vectors = encoder.embed(texts, progress=True)
        print(f"embedded {len(texts)} distinct chunks in {time.perf_counter() - started:.0f}s", flush=True)
        if args.vectors_cache:
            np.save(args.vectors_cache, base_vectors)
    questions = load_squad(args.squad[0])[: args.questions]
    with tempfile.TemporaryDirectory() as home:
        started = time.perf_counter()
        index = assemble(bases, base_vectors, args.chunks, encoder, settings)
        save_index(index, Path(home))
        built = time.perf_counter() - started
        desk = Newsdesk(Settings(home=Path(home)))
        started = time.perf_counter()
        desk.warm_up()
        loaded = time.perf_counter() - started
        latencies, stages = [], {}
        for q in questions:
            started = time.perf_counter()
            answer = desk.ask(q.question, k=5)
            latencies.append(time.perf_counter() - started)
            for stage in ("embed", "retrieve", "read", "answer"):
                stages.setdefault(stage, []).append(answer.timings_ms[stage] / 1000)
        record = desk.index.manifest["index"]
    def ms(values, q):
        return round(1000 * float(np.percentile(values, q)), 1)

    print(json.dumps({
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
        "chunks": args.chunks, "distinct_chunks": len(texts), "articles": len(index.articles),
        "index": record, "assemble_and_save_s": round(built, 1), "load_and_warm_up_s": round(loaded, 1),
        "questions": len(questions),
        "ask_ms": {"p50": ms(latencies, 50), "p95": ms(latencies, 95), "mean": round(1000 * statistics.mean(latencies), 1)},
        "ask_stage_p50_ms": {stage: ms(stages[stage], 50) for stage in ("embed", "retrieve", "read", "answer")},
    }, indent=2))


if __name__ == "__main__":
    main()
