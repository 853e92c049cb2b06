"""Hybrid retrieval: dense (FAISS) and BM25 scores, normalised and fused, with filters."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Iterable, Literal, Sequence

import numpy as np

from newsdesk.types import Article, Hit

from ..index.build import Index

Mode = Literal["hybrid", "dense", "bm25"]
MODES: tuple[Mode, ...] = ("hybrid", "dense", "bm25")
# Weight of the dense ranking, chosen on the 20 training articles of SQuAD part A (recall@1
# 79.3 there; 0.3-0.5 are within 1.5 points), checked on the 4 held-out ones: docs/BENCHMARKS.md.
DENSE_WEIGHT = 0.4


def outlet_matches(wanted: str, outlet: str | None) -> bool:
    """Whether the outlet filter ``wanted`` names ``outlet``: case-insensitive, any part of the
    name ("brookmere" finds "The Brookmere Ledger"). An unknown outlet matches no filter."""
    return bool(outlet) and " ".join(wanted.split()).casefold() in " ".join(outlet.split()).casefold()


@dataclass(frozen=True)
class Filters:
    """Which articles may answer: by outlet (case-insensitive, part of the name) and ISO date
    range (inclusive).

    Articles without a date are left out when a date bound is set.
    """

    outlet: str | None = None
    since: str | None = None
    until: str | None = None

    def __bool__(self) -> bool:
        return any((self.outlet, self.since, self.until))

    def allows_outlet(self, article: Article) -> bool:
        # Outlets only: a file name is no outlet, so an article of unknown outlet matches no filter.
        return not self.outlet or outlet_matches(self.outlet, article.outlet)

    def allows_date(self, article: Article) -> bool:
        if not (self.since or self.until):
            return True
        if not article.date:
            return False
        return (not self.since or article.date >= self.since) and (not self.until or article.date <= self.until)

    def allows(self, article: Article) -> bool:
        return self.allows_outlet(article) and self.allows_date(article)


@dataclass(frozen=True)
class FilterCheck:
    """What ``filters`` leave of the indexed articles, for telling the user before asking."""

    allowed: int  # articles both filters let through
    by_outlet: int  # articles the outlet filter alone lets through
    by_date: int  # ... the date bounds alone
    undated_left_out: int  # undated articles of the outlet the date bounds left out
    outlets: tuple[str, ...]  # the known outlets, sorted
    first_date: str | None  # the earliest and latest dates of the indexed articles
    last_date: str | None


def check_filters(articles: Iterable[Article], filters: Filters) -> FilterCheck:
    """Count what each filter lets through (a pure function over the indexed articles)."""
    articles = list(articles)
    outlet_ok = [filters.allows_outlet(a) for a in articles]
    date_ok = [filters.allows_date(a) for a in articles]
    dated_bounds = bool(filters.since or filters.until)
    return FilterCheck(
        allowed=sum(o and d for o, d in zip(outlet_ok, date_ok)),
        by_outlet=sum(outlet_ok),
        by_date=sum(date_ok),
        undated_left_out=sum(1 for a, o in zip(articles, outlet_ok) if o and dated_bounds and not a.date),
        outlets=tuple(sorted({a.outlet for a in articles if a.outlet}, key=str.casefold)),
        first_date=min((a.date for a in articles if a.date), default=None),
        last_date=max((a.date for a in articles if a.date), default=None),
    )


def _min_max(scored: Sequence[tuple[int, float]]) -> dict[int, float]:
    """Scores rescaled to [0, 1] within one ranked list (1 for all when they are equal)."""
    if not scored:
        return {}
    values = np.array([score for _, score in scored], dtype=np.float64)
    low, high = values.min(), values.max()
    scaled = (values - low) / (high - low) if high > low else np.ones_like(values)
    return {item: float(x) for (item, _), x in zip(scored, scaled)}


def convex_fusion(dense: Sequence[tuple[int, float]], sparse: Sequence[tuple[int, float]], dense_weight: float = DENSE_WEIGHT) -> list[tuple[int, float]]:
    """Fuse two scored lists: ``w * minmax(dense) + (1 - w) * minmax(bm25)``.

    An item missing from a list scores 0 there. Min-max normalisation with a convex
    combination beat reciprocal rank fusion on our data, as Bruch et al. (2023, "An
    Analysis of Fusion Functions for Hybrid Retrieval") report on theirs.
    """
    fused: dict[int, float] = defaultdict(float)
    for scored, weight in ((dense, dense_weight), (sparse, 1.0 - dense_weight)):
        for item, score in _min_max(scored).items():
            fused[item] += weight * score
    return sorted(fused.items(), key=lambda pair: (-pair[1], pair[0]))


def allowed_chunk_ids(index: Index, filters: Filters) -> np.ndarray | None:
    if not filters:
        return None
    return index.chunk_ids_where(filters)


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
    dense = index.search_dense(query_vector, max(depth, k), allowed) if mode in ("hybrid", "dense") else []
    sparse = index.search_bm25(question, max(depth, k), allowed) if mode in ("hybrid", "bm25") else []
    weight = {"hybrid": DENSE_WEIGHT, "dense": 1.0, "bm25": 0.0}[mode]
    hits = [Hit(index.chunk(i), score) for i, score in convex_fusion(dense, sparse, weight)]
    # Ties break by position in the article, not by chunk id: ids depend on the update history.
    hits.sort(key=lambda h: (-h.score, h.chunk.article_id, h.chunk.start))
    return hits[:k]
