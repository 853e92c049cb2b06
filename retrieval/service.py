"""``Newsdesk``: the one object front ends talk to (ask, ingest, sources, rebuild)."""

from __future__ import annotations

import functools
import logging
import threading
import time
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from newsdesk.retrieval.answer import assemble_answer
from newsdesk.retrieval.chunk import ChunkerSettings
from newsdesk.retrieval.index import Index, IndexMissing, build_index, current_version, index_root, load_index, save_index
from newsdesk.retrieval.ingest import Rejected, load_articles
from newsdesk.retrieval.search import Filters, Mode, retrieve
from newsdesk.types import Answer, Article, Hit

log = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 1000
SUPPORT_DEPTH = 20  # chunks scanned for other outlets that state the same answer


@dataclass(frozen=True)
class Settings:
    """Everything configurable, read by the front ends and passed down as plain values."""

    home: Path
    model_path: str | None = None  # None: the bundled all-MiniLM-L6-v2
    reader: str = "default"  # "default" (the shipped trained reader), "baseline", or a model directory
    chunker: ChunkerSettings = ChunkerSettings()


@dataclass
class IngestReport:
    """What an ingest did, for the user: every file lands in exactly one list."""

    added: list[Article] = field(default_factory=list)
    replaced: list[Article] = field(default_factory=list)
    removed: list[Article] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (what, why)
    rejected: list[Rejected] = field(default_factory=list)
    chunks_embedded: int = 0
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.replaced or self.removed)


def seed_paths() -> list[Path]:
    """The bundled seed articles."""
    folder = resources.files("newsdesk.seeds")
    return sorted(Path(str(p)) for p in folder.iterdir() if p.name.endswith(".txt"))


def validate_question(question: str) -> str:
    """The question, trimmed. Raises ValueError for empty or over-long questions."""
    question = " ".join((question or "").split())
    if not question:
        raise ValueError("the question is empty; ask something like: newsdesk ask \"Who hosted the Berlin talks?\"")
    if len(question) > MAX_QUESTION_CHARS:
        raise ValueError(f"the question is too long ({len(question):,} characters; the limit is {MAX_QUESTION_CHARS:,})")
    return question


def make_reader(choice: str):
    """The reader named by ``choice``: "default", "baseline", or a local model directory."""
    from newsdesk.retrieval.reader import BaselineReader

    if choice == "baseline":
        return BaselineReader()
    from newsdesk.retrieval.neural_reader import SHIPPED_DIR, NeuralReader

    if choice == "default":
        if not (SHIPPED_DIR / "config.json").is_file():  # a checkout without trained weights
            log.warning("the trained reader is not installed; using the baseline reader")
            return BaselineReader()
        return NeuralReader(None)
    path = Path(choice).expanduser()
    if not path.is_dir():
        raise ValueError(f"reader {choice!r} is not a model directory (use 'default', 'baseline' or a path)")
    return NeuralReader(path)


class Newsdesk:
    """Answers questions over the index in ``settings.home``; heavy parts load on first use.

    Thread-safe for concurrent ``ask`` calls; one process writes at a time (a file lock).
    A newer index version written by another process is picked up on the next question.
    """

    def __init__(self, settings: Settings, encoder=None, reader=None):
        self.settings = settings
        self._encoder = encoder
        self._reader = reader
        self._index: Index | None = None
        self._index_version: Path | None = None
        self._lock = threading.Lock()
        self.embed_question = functools.lru_cache(maxsize=256)(self._embed_question)

    # -------------------------------------------------------------- lazy parts
    @property
    def encoder(self):
        if self._encoder is None:
            from newsdesk.embeddings.encoder import load_encoder

            self._encoder = load_encoder(self.settings.model_path)
        return self._encoder

    @property
    def reader(self):
        if self._reader is None:
            self._reader = make_reader(self.settings.reader)
        return self._reader

    @property
    def index(self) -> Index:
        """The current index version, reloaded when another process has switched it."""
        with self._lock:
            version = current_version(self.settings.home)
            if self._index is None or version != self._index_version:
                self._index = load_index(self.settings.home, self.encoder.name, self.settings.chunker)
                self._index_version = version
            return self._index

    def has_index(self) -> bool:
        return current_version(self.settings.home) is not None

    def ensure_index(self, progress: bool = False) -> IngestReport | None:
        """Build the index from the bundled seed articles when the home has none yet."""
        if self.has_index():
            return None
        log.info("no index in %s yet: indexing the bundled seed articles", self.settings.home)
        return self.ingest(seed_paths(), progress=progress)

    def warm_up(self) -> None:
        """Load the model, the reader and the index now instead of on the first question."""
        self.ensure_index()
        _ = self.index
        self.embed_question("warm up")
        self.reader.read("warm up", self.index.chunks[:1])

    # -------------------------------------------------------------- questions
    def _embed_question(self, question: str) -> np.ndarray:
        return self.encoder.embed([question])[0]

    def retrieve(self, question: str, k: int = 5, filters: Filters = Filters(), mode: Mode = "hybrid") -> list[Hit]:
        vector = None if mode == "bm25" else self.embed_question(question)
        return retrieve(self.index, question, vector, k=k, filters=filters, mode=mode)

    def ask(self, question: str, k: int = 5, filters: Filters = Filters()) -> Answer:
        """Answer ``question`` from the ``k`` best chunks, or abstain.

        Raises:
            ValueError: the question is empty or too long, or ``k`` is not positive.
        """
        question = validate_question(question)
        if k < 1:
            raise ValueError("k must be at least 1")
        started = time.perf_counter()
        index = self.index
        vector = self.embed_question(question)
        embedded = time.perf_counter()
        support = retrieve(index, question, vector, k=max(k, SUPPORT_DEPTH), filters=filters)
        hits = support[:k]
        retrieved = time.perf_counter()
        spans = self.reader.read(question, [h.chunk for h in hits])
        read = time.perf_counter()
        answer = assemble_answer(
            question, spans, index, hits, support_hits=support[k:], min_score=getattr(self.reader, "min_score", 0.5)
        )
        done = time.perf_counter()
        timings = {
            "embed": (embedded - started) * 1000,
            "retrieve": (retrieved - embedded) * 1000,
            "read": (read - retrieved) * 1000,
            "answer": (done - read) * 1000,
            "total": (done - started) * 1000,
        }
        answer.timings_ms.update({name: round(ms, 2) for name, ms in timings.items()})
        return answer

    # -------------------------------------------------------------- articles
    def _write_lock(self):
        from filelock import FileLock

        index_root(self.settings.home).mkdir(parents=True, exist_ok=True)
        return FileLock(str(index_root(self.settings.home) / ".write.lock"))

    def _current_or_none(self) -> Index | None:
        try:
            return load_index(self.settings.home, self.encoder.name, self.settings.chunker)
        except IndexMissing:
            return None

    def ingest(self, paths: Iterable[str | Path], progress: bool = False) -> IngestReport:
        """Add the articles under ``paths``: new ones are embedded, known ones skipped, and a
        file whose content changed replaces its earlier version."""
        articles, rejected = load_articles(paths)
        return self.add_articles(articles, rejected, progress=progress)

    def add_articles(self, articles: Sequence[Article], rejected: Sequence[Rejected] = (), progress: bool = False) -> IngestReport:
        """Index ``articles`` (already read and cleaned) incrementally; see ``ingest``."""
        started = time.perf_counter()
        report = IngestReport(rejected=list(rejected))
        with self._write_lock():
            previous = self._current_or_none()
            current: dict[str, Article] = dict(previous.articles) if previous else {}
            incoming_paths = {a.path for a in articles if a.path}
            incoming_ids = {a.id for a in articles}
            for old in list(current.values()):  # an edited file: its old version goes
                if old.path in incoming_paths and old.id not in incoming_ids:
                    del current[old.id]
                    report.removed.append(old)
            replaced_paths = {a.path for a in report.removed}
            for article in articles:
                if article.id in current:
                    known = current[article.id]
                    why = "already indexed" if known.path == article.path else f"same text as {known.path or known.id}"
                    report.skipped.append((article.path or article.id, why))
                    continue
                current[article.id] = article
                (report.replaced if article.path in replaced_paths else report.added).append(article)
            report.removed = [a for a in report.removed if a.path not in {r.path for r in report.replaced}]
            if report.changed or previous is None and current:
                index, counts = build_index(current.values(), self.encoder, self.settings.chunker, previous, progress)
                save_index(index, self.settings.home)
                report.chunks_embedded = counts["embedded"]
        report.seconds = time.perf_counter() - started
        return report

    def rebuild(self, progress: bool = False) -> IngestReport:
        """Re-chunk and re-embed every indexed article with the current model and settings."""
        from newsdesk.retrieval.index import read_articles

        started = time.perf_counter()
        with self._write_lock():
            articles = read_articles(self.settings.home)
            index, counts = build_index(articles, self.encoder, self.settings.chunker, None, progress)
            save_index(index, self.settings.home)
        return IngestReport(added=list(articles), chunks_embedded=counts["embedded"], seconds=time.perf_counter() - started)

    def sources(self) -> list[dict]:
        """The indexed articles, newest first, with how many chunks each has."""
        index = self.index
        counts: dict[str, int] = {}
        for chunk in index.chunks:
            counts[chunk.article_id] = counts.get(chunk.article_id, 0) + 1
        rows = [
            {"article_id": a.id, "title": a.title, "outlet": a.outlet, "date": a.date, "url": a.url, "path": a.path,
             "chunks": counts.get(a.id, 0)}
            for a in index.articles.values()
        ]
        return sorted(rows, key=lambda r: (r["date"] or "", r["title"] or ""), reverse=True)
