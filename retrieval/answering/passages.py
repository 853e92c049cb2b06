"""``newsdesk search``: retrieved passages with their articles and the query's words marked (pure)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping, Sequence

from newsdesk.types import Article, Chunk, Hit

from .text import content_terms, stemmer

_WORD = re.compile(r"[\w’']+", re.UNICODE)


@dataclass(frozen=True)
class Found:
    """A passage that a search found: the chunk, its article, its fused retrieval score, and
    where the query's words are in the chunk's text (``(start, end)`` offsets into it)."""

    chunk: Chunk
    article: Article
    score: float
    marks: tuple[tuple[int, int], ...]

    def to_json(self) -> dict:
        a = self.article
        return {"article_id": a.id, "title": a.title, "outlet": a.outlet, "date": a.date, "url": a.url,
                "path": a.path, "score": round(self.score, 4), "text": self.chunk.text, "start": self.chunk.start,
                "end": self.chunk.end, "marks": [list(m) for m in self.marks]}


@dataclass(frozen=True)
class FoundArticle:
    """An article that a search found: its best passage's score and how many passages matched."""

    article: Article
    score: float
    passages: int

    def to_json(self) -> dict:
        a = self.article
        return {"article_id": a.id, "title": a.title, "outlet": a.outlet, "date": a.date, "url": a.url,
                "path": a.path, "score": round(self.score, 4), "passages": self.passages}


def marked_ranges(text: str, query: str) -> tuple[tuple[int, int], ...]:
    """Where ``text`` has a word of ``query`` that carries meaning, compared by stem
    ("talks" marks "talk" and "talks"; "the" marks nothing)."""
    wanted = content_terms(query)
    if not wanted:
        return ()
    found = [(m.start(), m.end(), m.group()) for m in _WORD.finditer(text)]
    stems = stemmer().stemWords([_bare(word).lower() for _, _, word in found])
    return tuple((start + _lead(word), start + _lead(word) + len(_bare(word)))
                 for (start, _, word), stem in zip(found, stems) if stem in wanted and _bare(word))


def _bare(word: str) -> str:
    """A word without its quotes and possessive 's, as ``terms.words`` reads it."""
    core = word.replace("’", "'").strip("'")
    return core[:-2] if core.lower().endswith("'s") else core


def _lead(word: str) -> int:
    """How many quote characters open ``word`` (a mark starts after them)."""
    return len(word) - len(word.lstrip("'’"))


def found_passages(hits: Sequence[Hit], articles: Mapping[str, Article], query: str) -> list[Found]:
    """``hits`` (best first) with their articles and the query's words marked."""
    found = []
    for hit in hits:
        article = articles[hit.chunk.article_id]
        found.append(Found(hit.chunk, article, hit.score, marked_ranges(hit.chunk.text, query)))
    return found


def newest_first(found: Sequence[Found | FoundArticle]) -> list:
    """``found`` by date, newest first; undated last; equal dates keep their relevance order."""
    dated = sorted((f for f in found if f.article.date), key=lambda f: f.article.date, reverse=True)
    return dated + [f for f in found if not f.article.date]


def by_article(found: Sequence[Found]) -> list[FoundArticle]:
    """One entry per article, in the order of each article's best passage."""
    best: dict[str, FoundArticle] = {}
    for passage in found:
        seen = best.get(passage.article.id)
        best[passage.article.id] = FoundArticle(passage.article, seen.score if seen else passage.score,
                                                (seen.passages if seen else 0) + 1)
    return list(best.values())


def excerpt(text: str, marks: Sequence[tuple[int, int]], chars: int = 320) -> tuple[str, tuple[tuple[int, int], ...], bool, bool]:
    """At most about ``chars`` characters of ``text`` around its first mark, cut at spaces.

    Returns:
        The excerpt, the marks inside it (offsets into the excerpt), and whether text was cut
        before and after it.
    """
    if len(text) <= chars:
        return text, tuple(marks), False, False
    first = marks[0][0] if marks else 0
    start = max(0, min(first - chars // 4, len(text) - chars))
    if start:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < first else start
    end = min(len(text), start + chars)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start + chars // 2 else end
    kept = tuple((s - start, e - start) for s, e in marks if s >= start and e <= end)
    return text[start:end], kept, start > 0, end < len(text)
