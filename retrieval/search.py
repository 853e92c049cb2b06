"""Hybrid retrieval: dense (FAISS) and BM25 rankings fused by reciprocal rank, with filters."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Literal, Sequence

import numpy as np

from newsdesk.retrieval.index import Index
from newsdesk.types import Article, Hit

Mode = Literal["hybrid", "dense", "bm25"]
MODES: tuple[Mode, ...] = ("hybrid", "dense", "bm25")
RRF_K = 60  # the constant of Cormack et al. (2009); damps the weight of the very top ranks


@dataclass(frozen=True)
class Filters:
    """Which articles may answer: by outlet (case-insensitive) and ISO date range (inclusive).

    Articles without a date are left out when a date bound is set.
    """

    outlet: str | None = None
    since: str | None = None
    until: str | None = None

    def __bool__(self) -> bool:
        return any((self.outlet, self.since, self.until))

    def allows(self, article: Article) -> bool:
        if self.outlet and self.outlet.casefold() not in {article.source_name.casefold(), (article.outlet or "").casefold()}:
            return False
        if (self.since or self.until) and not article.date:
            return False
        if self.since and article.date < self.since:
            return False
        if self.until and article.date > self.until:
            return False
        return True


def reciprocal_rank_fusion(rankings: Sequence[Sequence[int]], k: int = RRF_K) -> list[tuple[int, float]]:
    """Fuse ranked id lists: each id scores the sum of 1 / (k + rank) over the lists."""
    scores: dict[int, float] = defaultdict(float)
    for ranking in rankings:
        for rank, item in enumerate(ranking, 1):
            scores[item] += 1.0 / (k + rank)
    return sorted(scores.items(), key=lambda pair: (-pair[1], pair[0]))


def allowed_chunk_ids(index: Index, filters: Filters) -> np.ndarray | None:
    if not filters:
        return None
    return np.array([c.id for c in index.chunks if filters.allows(index.articles[c.article_id])], dtype=np.int64)


def retrieve(
    index: Index,
    question: str,
    query_vector: np.ndarray | None,
    k: int = 5,
    filters: Filters = Filters(),
    mode: Mode = "hybrid",
    depth: int = 50,
) -> list[Hit]:
    """The ``k`` best chunks for ``question``.

    Args:
        query_vector: the question's embedding (needed unless ``mode == "bm25"``).
        depth: how many candidates each ranking contributes to the fusion.
    """
    allowed = allowed_chunk_ids(index, filters)
    rankings = []
    if mode in ("hybrid", "dense"):
        rankings.append([i for i, _ in index.search_dense(query_vector, max(depth, k), allowed)])
    if mode in ("hybrid", "bm25"):
        rankings.append([i for i, _ in index.search_bm25(question, max(depth, k), allowed)])
    hits = [Hit(index.chunk(i), score) for i, score in reciprocal_rank_fusion(rankings)]
    # Ties break by position in the article, not by chunk id: ids depend on the update history.
    hits.sort(key=lambda h: (-h.score, h.chunk.article_id, h.chunk.start))
    return hits[:k]
