"""The small frozen dataclasses that every layer of newsdesk passes around."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Article:
    """A cleaned article; ``id`` is a hash of ``text`` so the same article twice is one."""

    id: str
    text: str
    title: str | None = None
    outlet: str | None = None
    date: str | None = None  # ISO date (YYYY-MM-DD) when the article states one
    url: str | None = None
    path: str | None = None

    @property
    def source_name(self) -> str:
        """What to call the source when showing it: outlet, else file name, else id."""
        if self.outlet:
            return self.outlet
        if self.path:
            return self.path.rsplit("/", 1)[-1]
        return self.id[:12]


@dataclass(frozen=True)
class Chunk:
    """A window of an article's cleaned text: ``text == article.text[start:end]``."""

    id: int
    article_id: str
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Hit:
    """A retrieved chunk with its fused retrieval score (higher is better)."""

    chunk: Chunk
    score: float


@dataclass(frozen=True)
class Span:
    """A candidate answer: characters ``start:end`` of an article, read from one chunk.

    ``score`` is the reader's confidence in [0, 1] (comparable across chunks of one question).
    """

    text: str
    article_id: str
    chunk_id: int
    start: int
    end: int
    score: float


@dataclass(frozen=True)
class Citation:
    """Where an answer is supported: an article and the exact quote (offsets into its text)."""

    article_id: str
    title: str | None
    outlet: str | None
    date: str | None
    url: str | None
    path: str | None
    quote: str
    start: int
    end: int
    answer_start: int
    answer_end: int


@dataclass(frozen=True)
class Alternative:
    """A competing answer that other sources give (shown when sources disagree)."""

    text: str
    score: float
    outlets: tuple[str, ...]


@dataclass(frozen=True)
class Answer:
    """The result of a question: a span copied from the articles, or an abstention."""

    question: str
    text: str | None
    score: float
    quote: str | None = None
    citations: tuple[Citation, ...] = ()
    alternatives: tuple[Alternative, ...] = ()
    passages: tuple[Hit, ...] = ()
    timings_ms: dict[str, float] = field(default_factory=dict)

    @property
    def abstained(self) -> bool:
        return self.text is None

    @property
    def outlets(self) -> tuple[str, ...]:
        """Distinct sources that support the answer, in citation order."""
        seen: dict[str, None] = {}
        for citation in self.citations:
            seen.setdefault(citation.outlet or (citation.path or citation.article_id).rsplit("/", 1)[-1], None)
        return tuple(seen)
