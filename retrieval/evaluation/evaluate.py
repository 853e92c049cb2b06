"""``newsdesk eval``: EM/F1, retrieval recall@k and latency on SQuAD v1.1-format data."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Sequence

from tqdm import tqdm

from newsdesk.types import Article, Chunk

from ..answering.ranking import rank_answers
from ..answering.search import MODES
from ..index.chunk import chunk_text
from ..sources.article import article_id
from .squad import SquadQuestion, best_over_golds, exact_match, f1_score

RECALL_AT = (1, 5, 20)


def paragraph_articles(questions: Sequence[SquadQuestion]) -> dict[str, Article]:
    """Every distinct paragraph as an article (open retrieval indexes them all)."""
    articles = {}
    for q in questions:
        aid = article_id(q.context)
        if aid not in articles:
            articles[aid] = Article(id=aid, text=q.context, title=q.title.replace("_", " ") or None)
    return articles


def _percentile(values: Sequence[float], fraction: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def _score(predictions: dict[str, str], questions: Sequence[SquadQuestion]) -> dict:
    n = len(questions) or 1
    em = sum(best_over_golds(exact_match, predictions[q.id], q.answers) for q in questions)
    f1 = sum(best_over_golds(f1_score, predictions[q.id], q.answers) for q in questions)
    return {"exact_match": round(100 * em / n, 2), "f1": round(100 * f1 / n, 2)}


def evaluate_gold_context(questions: Sequence[SquadQuestion], encoder, reader, settings, progress=True) -> tuple[dict, dict]:
    """Read each question's own paragraph (no retrieval): the reader's quality alone."""
    predictions, latencies = {}, []
    for q in tqdm(questions, desc="reading", unit="q", disable=not progress):
        aid = article_id(q.context)
        chunks = [Chunk(i, aid, q.context[s:e], s, e) for i, (s, e) in enumerate(chunk_text(q.context, encoder.count_tokens, settings))]
        started = time.perf_counter()
        ranked = rank_answers(reader.read(q.question, chunks))
        latencies.append((time.perf_counter() - started) * 1000)
        predictions[q.id] = max(ranked[0][2], key=lambda s: s.score).text if ranked else ""
    summary = {"mode": "gold-context", "questions": len(questions), **_score(predictions, questions),
               "abstentions": sum(1 for p in predictions.values() if not p),
               "latency_ms": {"p50": round(_percentile(latencies, 0.5), 1), "p95": round(_percentile(latencies, 0.95), 1)}}
    return summary, predictions


def evaluate_open(questions: Sequence[SquadQuestion], corpus: Sequence[SquadQuestion], make_desk: Callable[[Path], Any],
                  k=5, progress=True) -> tuple[dict, dict]:
    """Index every paragraph of ``corpus`` in a temporary home, then ask each of ``questions``
    against all of them. ``make_desk(home)`` gives the desk (a ``Newsdesk``: the service passes
    itself down this way, so this module never imports it)."""
    with tempfile.TemporaryDirectory(prefix="newsdesk-eval-") as scratch:
        desk = make_desk(Path(scratch))
        articles = paragraph_articles(corpus)
        started = time.perf_counter()
        desk.add_articles(list(articles.values()), progress=progress)
        index_seconds = time.perf_counter() - started
        n_chunks = sum(row.chunks for row in desk.sources())

        predictions, latencies = {}, []
        found = {mode: {at: 0 for at in RECALL_AT} for mode in MODES}
        for q in tqdm(questions, desc="asking", unit="q", disable=not progress):
            gold = article_id(q.context)
            for mode in MODES:
                ranked_articles = [h.chunk.article_id for h in desk.retrieve(q.question, k=max(RECALL_AT), mode=mode)]
                for at in RECALL_AT:
                    found[mode][at] += gold in ranked_articles[:at]
            started = time.perf_counter()
            answer = desk.ask(q.question, k=k)
            latencies.append((time.perf_counter() - started) * 1000)
            predictions[q.id] = answer.text or ""

    n = len(questions) or 1
    summary = {
        "mode": "open-retrieval", "questions": len(questions), "paragraphs": len(articles), "chunks": n_chunks, "k": k,
        **_score(predictions, questions),
        "abstentions": sum(1 for p in predictions.values() if not p),
        "recall": {mode: {f"@{at}": round(100 * found[mode][at] / n, 2) for at in RECALL_AT} for mode in MODES},
        "latency_ms": {"p50": round(_percentile(latencies, 0.5), 1), "p95": round(_percentile(latencies, 0.95), 1)},
        "index_seconds": round(index_seconds, 1),
        "chunks_per_second": round(n_chunks / index_seconds, 1) if index_seconds else None,
    }
    return summary, predictions


def evaluate_seed_questions(desk, path: Path, k: int = 5) -> tuple[dict, list[dict]]:
    """Accuracy, abstention and recall@k on newsdesk's own question file (JSON Lines of
    ``{"id", "question", "answers", "sources"}``; empty ``answers`` means "must abstain")."""
    import json

    from ..answering.text import normalize_answer

    rows = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        item = json.loads(line)
        answer = desk.ask(item["question"], k=k)
        predicted = answer.text or ""
        golds = item["answers"]
        hits = desk.retrieve(item["question"], k=max(RECALL_AT))
        files = [(desk.index.articles[h.chunk.article_id].path or "").rsplit("/", 1)[-1] for h in hits]
        rows.append({
            "id": item["id"], "question": item["question"], "predicted": answer.text, "golds": golds,
            "answerable": bool(golds),
            "exact": bool(golds) and best_over_golds(exact_match, predicted, golds) == 1.0,
            "contained": bool(golds) and bool(predicted) and any(normalize_answer(g) in normalize_answer(predicted) for g in golds),
            "abstained": answer.abstained,
            "recall": {at: bool(set(files[:at]) & set(item["sources"])) for at in RECALL_AT} if golds else None,
            "outlets": list(answer.outlets),
        })
    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"]]
    n = len(answerable) or 1
    summary = {
        "questions": len(rows),
        "answerable": len(answerable),
        "exact_match": round(100 * sum(r["exact"] for r in answerable) / n, 1),
        "gold_contained": round(100 * sum(r["contained"] for r in answerable) / n, 1),
        "wrongly_abstained": sum(r["abstained"] for r in answerable),
        "unanswerable": len(unanswerable),
        "correctly_abstained": sum(r["abstained"] for r in unanswerable),
        "recall": {f"@{at}": round(100 * sum(r["recall"][at] for r in answerable) / n, 1) for at in RECALL_AT},
    }
    return summary, rows
