"""Encoder runtimes side by side: throughput on the same chunks, and what each does to recall.

    python benchmarks/encoder_speed.py ../shared/data/squad-dev-v1.1-part-a.json [--sample 384] \\
        [--paragraphs 300] [--only-default]

Throughput: the first ``--sample`` chunks of the file's paragraphs (cut by newsdesk's chunker,
about 200 word pieces at most), embedded by each candidate; every candidate runs twice in turn
and its faster run counts, so a busy machine hurts all of them alike. "plain" is
sentence-transformers fp32 with its default batch size, the reference of issue 6.
Recall: every paragraph indexed once with the plain encoder and once with the default (fast)
one, then hybrid and dense recall@1/5/20 of each question's own paragraph (all questions, or
those of the first ``--paragraphs`` paragraphs, which are then all that is indexed).
Batch independence: the lowest and mean cosine between each timed chunk embedded alone and
embedded among the others, per ONNX precision (1.0 when a vector depends only on its text).
"""

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path

import numpy as np
from newsdesk.embeddings.encoder import OnnxEncoder, SentenceTransformerEncoder
from newsdesk.retrieval.evaluation.evaluate import paragraph_articles
from newsdesk.retrieval.evaluation.squad import load_squad
from newsdesk.retrieval.index.build import embedding_text
from newsdesk.retrieval.index.chunk import ChunkerSettings, chunk_text
from newsdesk.retrieval.service import Newsdesk
from newsdesk.retrieval.settings import Settings
from newsdesk.retrieval.sources.article import article_id

RECALL_AT = (1, 5, 20)


def padded_batches(encoder: OnnxEncoder, size: int = 8):
    """The int8 path before issue 35, for comparison: length-sorted padded batches of ``size``
    on one session using every core, whose rows shared one activation scale."""
    from newsdesk.embeddings import onnx_runtime

    encoder.load()
    session = onnx_runtime.open_session(encoder.onnx_file)

    def embed(texts):
        encodings = encoder.window_tokenizer.encode_batch(list(texts))
        vectors = np.zeros((len(texts), encoder.dim), dtype=np.float32)
        order = np.argsort([len(e.ids) for e in encodings], kind="stable")
        for batch in (order[i : i + size] for i in range(0, len(order), size)):
            ids = np.zeros((len(batch), max(len(encodings[i].ids) for i in batch)), dtype=np.int64)
            mask = np.zeros_like(ids)
            for row, i in enumerate(batch):
                ids[row, : len(encodings[i].ids)], mask[row, : len(encodings[i].ids)] = encodings[i].ids, 1
            (tokens,) = session.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)})
            pooled = (tokens * mask[..., None]).sum(1) / mask.sum(1, keepdims=True)
            vectors[batch] = pooled / np.linalg.norm(pooled, axis=1, keepdims=True)
        return vectors

    return embed


def candidates():
    """name -> a function embedding a list of texts (each model loaded before timing)."""
    import torch

    plain = SentenceTransformerEncoder()
    plain.model.encode(["warm up"])
    bf16 = SentenceTransformerEncoder()
    bf16.model.to(torch.bfloat16)
    dynamic_int8 = SentenceTransformerEncoder()
    dynamic_int8._model = torch.ao.quantization.quantize_dynamic(dynamic_int8.model, {torch.nn.Linear}, dtype=torch.qint8)
    onnx_fp32, onnx_int8 = OnnxEncoder(precision="fp32"), OnnxEncoder()
    return {
        "plain: sentence-transformers fp32 (batch 32)": lambda texts: plain.model.encode(texts, normalize_embeddings=True),
        "torch bf16": lambda texts: bf16.model.encode(texts, normalize_embeddings=True).astype(np.float32),
        "torch int8 dynamic quantisation": lambda texts: dynamic_int8.model.encode(texts, normalize_embeddings=True),
        "ONNX Runtime fp32 (one text per run)": onnx_fp32.embed,
        "ONNX Runtime int8 per channel (one text per run) = default": onnx_int8.embed,
        "ONNX Runtime int8, padded batches of 8 (before issue 35)": padded_batches(OnnxEncoder()),
    }


def throughput(texts: list[str], only_default: bool = False) -> list[dict]:
    runs = candidates()
    if only_default:  # the plain reference (for the speedup) and the ONNX runtimes
        runs = {name: embed for i, (name, embed) in enumerate(runs.items()) if i == 0 or "ONNX" in name}
    reference = None
    seconds = {name: [] for name in runs}
    cosine = {}
    for _ in range(2):
        for name, embed in runs.items():
            embed(texts[:8])
            started = time.perf_counter()
            vectors = np.asarray(embed(texts), dtype=np.float32)
            seconds[name].append(time.perf_counter() - started)
            if reference is None:
                reference = vectors
            cosine[name] = float((vectors * reference).sum(1).mean())
    plain = min(seconds[next(iter(runs))])
    return [{"runtime": name, "chunks_per_s": round(len(texts) / min(s), 1), "speedup": round(plain / min(s), 2),
             "mean_cosine_to_plain": round(cosine[name], 4)} for name, s in seconds.items()]


def batch_independence(texts: list[str]) -> dict:
    """Per ONNX precision: cosine of each text alone with the same text embedded among ``texts``."""
    result = {}
    for precision in ("int8", "fp32"):
        encoder = OnnxEncoder(precision=precision)
        together = encoder.embed(texts)
        alone = np.vstack([encoder.embed([text]) for text in texts])
        cosine = (together * alone).sum(1)
        result[precision] = {"min_cosine": round(float(cosine.min()), 6), "mean_cosine": round(float(cosine.mean()), 6),
                             "identical_rows": int((together == alone).all(1).sum()), "rows": len(texts)}
    return result


def first_paragraphs(questions, count: int | None):
    """The questions whose paragraph is among the file's first ``count`` (all when None)."""
    if count is None:
        return questions
    kept = set(list(dict.fromkeys(q.context for q in questions))[:count])
    return [q for q in questions if q.context in kept]


def recall(questions, encoder) -> dict:
    with tempfile.TemporaryDirectory() as home:
        desk = Newsdesk(Settings(home=Path(home), reader="baseline"), encoder=encoder)
        desk.add_articles(list(paragraph_articles(questions).values()))
        found = {mode: {at: 0 for at in RECALL_AT} for mode in ("hybrid", "dense")}
        for q in questions:
            for mode in found:
                ranked = [h.chunk.article_id for h in desk.retrieve(q.question, k=max(RECALL_AT), mode=mode)]
                for at in RECALL_AT:
                    found[mode][at] += article_id(q.context) in ranked[:at]
    return {mode: {f"@{at}": round(100 * n / len(questions), 2) for at, n in counts.items()} for mode, counts in found.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("squad", type=Path)
    parser.add_argument("--sample", type=int, default=384, help="chunks timed per runtime")
    parser.add_argument("--no-recall", action="store_true", help="only the throughput table")
    parser.add_argument("--paragraphs", type=int, help="index only the first N paragraphs (and ask their questions)")
    parser.add_argument("--only-default", action="store_true", help="time only plain and the ONNX runtimes")
    args = parser.parse_args()
    questions = first_paragraphs(load_squad(args.squad), args.paragraphs)
    articles = list(paragraph_articles(questions).values())
    counter = OnnxEncoder()
    texts = []
    for article in articles:
        for start, end in chunk_text(article.text, counter.count_tokens, ChunkerSettings()):
            texts.append(embedding_text(article, article.text[start:end]))
    texts = texts[: args.sample]
    result = {
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
        "chunks_timed": len(texts),
        "mean_tokens": round(float(np.mean(counter.count_tokens(texts))), 1),
        "throughput": throughput(texts, args.only_default),
        "batch_independence": batch_independence(texts[:64]),
    }
    print(json.dumps(result, indent=2), flush=True)
    if not args.no_recall:
        result["recall"] = {"plain (torch fp32)": recall(questions, SentenceTransformerEncoder()),
                            "default (ONNX int8)": recall(questions, OnnxEncoder())}
        result["questions"] = len(questions)
        print(json.dumps({k: result[k] for k in ("questions", "recall")}, indent=2))


if __name__ == "__main__":
    main()
