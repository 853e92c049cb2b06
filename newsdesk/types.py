"""The small frozen dataclasses that every layer of newsdesk passes around."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Protocol, Sequence

if TYPE_CHECKING:
    import numpy as np

SHORT_ID = 12  # characters of an article id shown to people; `newsdesk remove` takes such a prefix


class UnknownOutlet(str):
    """A source's name where its outlet is unknown (its title or short id, marked so). A str,
    so that it shows like any name, but never counted or listed as an outlet."""


def source_name(outlet: str | None, title: str | None, article_id: str) -> str:
    """The one way to name a source: its outlet; else ``“title” (outlet unknown)``, else
    ``article <short id> (outlet unknown)``. Never a file name: that is no outlet."""
    if outlet:
        return outlet
    return UnknownOutlet(f"“{title}” (outlet unknown)" if title else f"article {article_id[:SHORT_ID]} (outlet unknown)")


def known_outlets(names) -> tuple[str, ...]:
    """The distinct real outlets among source ``names``, in order."""
    return tuple(dict.fromkeys(n for n in names if not isinstance(n, UnknownOutlet)))


@dataclass(frozen=True)
class Article:
    """A cleaned article; ``id`` is a hash of ``text`` so the same article twice is one."""

    id: str
    text: str
    title: str | None = None
    outlet: str | None = None
    date: str | None = None  # ISO date (YYYY-MM-DD) when the article states one
    url: str | None = None
    path: str | None = None  # the file it was read from (edits, prune and remove go by it)
    record: str | None = None  # which record of a .json/.jsonl file: ``feed.json#3``, ``feed.jsonl:3``

    @property
    def source_name(self) -> str:
        """What to call the source when showing it (see ``source_name``)."""
        return source_name(self.outlet, self.title, self.id)


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

    @property
    def source_name(self) -> str:
        """What to call the source when showing it (see ``source_name``)."""
        return source_name(self.outlet, self.title, self.article_id)


@dataclass(frozen=True)
class Alternative:
    """A competing answer that other sources give (shown when sources disagree)."""

    text: str
    score: float
    outlets: tuple[str, ...]  # source names (``source_name``): a name may be an ``UnknownOutlet``
    dates: tuple[str | None, ...] = ()  # each source's publication date (ISO), where it states one

    @property
    def known_outlets(self) -> tuple[str, ...]:
        return known_outlets(self.outlets)

    @property
    def unknown_outlets(self) -> int:
        """How many of the sources have no known outlet."""
        return sum(isinstance(name, UnknownOutlet) for name in self.outlets)


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
    kind: str = "span"  # "span" (a factoid), "sentence" (what was said, why, how) or "list"
    related: tuple[Citation, ...] = ()  # with an abstention: passages that match the question closely
    several_stories: bool = False  # ... and they come from different stories: the question fits more than one

    @property
    def abstained(self) -> bool:
        return self.text is None

    @property
    def outlets(self) -> tuple[str, ...]:
        """The distinct known outlets that support the answer, in citation order."""
        return known_outlets(c.outlet for c in self.citations if c.outlet)

    @property
    def unknown_outlets(self) -> int:
        """How many cited articles have no known outlet (each may be a source of its own)."""
        return len({c.article_id for c in self.citations if not c.outlet})

    @property
    def source_count(self) -> int:
        """How many sources support the answer: the known outlets plus the articles of unknown outlet."""
        return len(self.outlets) + self.unknown_outlets


@dataclass(frozen=True)
class SourceRow:
    """One indexed article as ``sources`` lists it (``newsdesk sources --json`` prints these fields)."""

    article_id: str
    title: str | None
    outlet: str | None
    date: str | None
    url: str | None
    path: str | None
    chunks: int

    def to_json(self) -> dict:
        return asdict(self)


# ------------------------------------------------------------------ the seams: what Newsdesk is given


class Encoder(Protocol):
    """Turns texts into normalised float32 vectors; counts word pieces for chunking
    (embeddings/encoder.py's encoders; tests' fake encoder)."""

    name: str
    dim: int
    max_tokens: int  # content word pieces that fit the window, special tokens excluded

    def embed(self, texts: Sequence[str], *, progress: bool = False) -> "np.ndarray": ...

    def count_tokens(self, texts: Sequence[str]) -> list[int]: ...


class Reader(Protocol):
    """Finds answer spans in chunks (retrieval/answering/readers/baseline.py's baseline, retrieval/answering/readers/neural.py's)."""

    min_score: float  # the confidence below which newsdesk abstains
    # Optional: an AnswerCalibration (retrieval/answering/calibration.py) that turns the evidence for an
    # answer into the probability that it is right; then min_score applies to that probability.
    calibration: object | None

    def read(self, question: str, chunks: Sequence[Chunk]) -> list[Span]: ...
