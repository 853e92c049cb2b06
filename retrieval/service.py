"""``Newsdesk``: the one object front ends talk to: questions, search, the indexed articles, evaluation
and info here; the index's updates (ingest, add, remove, edit, rebuild, rollback) in updates.py."""

from __future__ import annotations

import functools
import logging
import threading
import time
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType
from typing import Iterable, Mapping, Sequence

import numpy as np

from newsdesk.errors import IndexDamaged, UsageError
from newsdesk.types import Answer, Article, Encoder, Hit, Reader, SourceRow, Span

from .answering.answer import admissible, assemble_answer, missing_names, rest_cannot_matter
from .answering.corroboration import each_outlets_best, other_outlets
from .answering.passages import Found, FoundArticle, by_article, found_passages, newest_first
from .answering.question import validate_query, validate_question
from .answering.readers.baseline import first_of_each_text, placed_in
from .answering.readers.choose import make_reader, make_verifier
from .answering.search import FilterCheck, Filters, Mode, check_filters, retrieve
from .desk_feeds import DeskFeeds
from .evaluation.squad import SquadQuestion
from .index.build import Index
from .index.changes import IngestReport, article_by_id
from .index.store import load_index
from .index.versions import current_version
from .question_log import LOG_FILE, QuestionLog
from .settings import Settings
from .sources.seeds import seed_paths
from .updates import IndexUpdates

log = logging.getLogger(__name__)

SUPPORT_DEPTH = 20  # chunks scanned for other outlets that state the same answer


class Newsdesk(IndexUpdates):
    """Answers questions over the index in ``settings.home``; heavy parts load on first use.

    Thread-safe for concurrent ``ask`` calls; one process writes at a time (a file lock).
    A newer index version written by another process is picked up on the next question.
    """

    def __init__(self, settings: Settings, encoder: Encoder | None = None, reader: Reader | None = None):
        self.settings = settings
        self._encoder = encoder
        self._reader = reader
        self._index: Index | None = None
        self._index_version: Path | None = None
        self._lock = threading.Lock()
        self.embed_question = functools.lru_cache(maxsize=256)(self._embed_question)

    @functools.cached_property
    def feeds(self) -> DeskFeeds:
        """The followed feeds of the home: ``add``, ``add_opml``, ``list``, ``remove``, ``poll``."""
        return DeskFeeds(self)

    @functools.cached_property
    def question_log(self) -> QuestionLog:
        """The home's log of questions and answers (``retrieval/question_log.py``): the front
        ends append to it unless the user opted out; ``newsdesk log`` reads it."""
        return QuestionLog(self.settings.home / LOG_FILE)

    # -------------------------------------------------------------- lazy parts
    @property
    def encoder(self):
        if self._encoder is None:
            from newsdesk.embeddings.encoder import load_encoder

            self._encoder = load_encoder(self.settings.model_path, self.settings.runtime)
        return self._encoder

    @property
    def reader(self):
        if self._reader is None:
            self._reader = make_reader(self.settings.reader, self.settings.runtime)
        return self._reader

    @functools.cached_property
    def verifier(self):
        """The answer verifier that reorders the reader's best candidates, or None (``make_verifier``)."""
        return make_verifier(self.settings.verifier, self.settings.reader, self.settings.runtime)

    @property
    def index(self) -> Index:
        """The current index version, reloaded when another process has switched it."""
        with self._lock:
            version = current_version(self.settings.home)
            if self._index is None or version != self._index_version:
                try:
                    self._index = load_index(self.settings.home, self.encoder.name, self.settings.chunker)
                except IndexDamaged:
                    # A writer may have switched versions and deleted ours while we read it.
                    if current_version(self.settings.home) == version:
                        raise
                    version = current_version(self.settings.home)
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

    def load_models(self, reader: bool = True) -> None:
        """Load the encoder (and the reader) now, so that a wrong ``--model`` or ``--reader``
        is reported before any other work."""
        _ = self.encoder
        if reader:
            _ = self.reader
            _ = self.verifier

    def warm_up(self) -> None:
        """Load the model, the reader and the index now instead of on the first question."""
        self.ensure_index()
        _ = self.index
        self.embed_question("warm up")
        self.reader.read("warm up", self.index.chunks[:1])
        if self.verifier is not None:
            self.verifier.scores("warm up", ["warm up"])

    # -------------------------------------------------------------- questions
    def _embed_question(self, question: str) -> np.ndarray:
        return self.encoder.embed([question])[0]

    def retrieve(self, question: str, k: int = 5, filters: Filters = Filters(), mode: Mode = "hybrid") -> list[Hit]:
        vector = None if mode == "bm25" else self.embed_question(question)
        return retrieve(self.index, question, vector, k=k, filters=filters, mode=mode)

    def search(self, query: str, k: int = 10, filters: Filters = Filters(), newest: bool = False,
               per_article: bool = False) -> list[Found] | list[FoundArticle]:
        """The ``k`` passages that best match ``query`` (the hybrid retrieval ``ask`` uses, no
        reader), with their articles and the query's words marked; ``per_article``: the ``k``
        best articles instead; ``newest``: those ordered by date, newest first.

        Raises:
            UsageError: the query is empty or too long, or ``k`` is not positive.
        """
        query = validate_query(query)
        if k < 1:
            raise UsageError("k must be at least 1")
        index = self.index
        # An article's passages are many: look deeper so that k articles are found.
        depth = max(5 * k, 50) if per_article else k
        hits = retrieve(index, query, self.embed_question(query), k=depth, filters=filters)
        found = found_passages(hits, index.articles, query)
        chosen = by_article(found)[:k] if per_article else found
        return newest_first(chosen) if newest else chosen

    def ask(self, question: str, k: int = 5, filters: Filters = Filters()) -> Answer:
        """Answer ``question`` from the ``k`` best chunks, or abstain.

        Raises:
            UsageError: the question is empty or too long, or ``k`` is not positive.
        """
        question = validate_question(question)
        if k < 1:
            raise UsageError("k must be at least 1")
        hits, spans, timings = self.gather(question, k, filters)
        started = time.perf_counter()
        answer = assemble_answer(
            question, spans, self.index, hits, min_score=self.reader.min_score,
            calibration=getattr(self.reader, "calibration", None),
            verify=self.verifier.scores if self.verifier is not None else None,
        )
        timings["answer"] = (time.perf_counter() - started) * 1000
        timings["total"] = sum(timings.values())
        answer.timings_ms.update({name: round(ms, 2) for name, ms in timings.items()})
        return answer

    def gather(self, question: str, k: int = 5, filters: Filters = Filters(),
               ) -> tuple[list[Hit], list[Span], dict[str, float]]:
        """The passages for ``question`` and the reader's spans in them, with the milliseconds
        each step took: what ``assemble_answer`` chooses and judges from."""
        started = time.perf_counter()
        index = self.index
        vector = self.embed_question(question)
        embedded = time.perf_counter()
        support = retrieve(index, question, vector, k=max(k, SUPPORT_DEPTH), filters=filters)
        # Outlets found only deeper get their best passage read too: each outlet's own answer
        # decides whether it corroborates the lead or differs from it.
        hits = support[:k] + other_outlets(support[:k], support[k:], index.articles)
        retrieved = time.perf_counter()
        # A name no passage mentions means abstaining whatever the reader finds: skip reading.
        spans = [] if missing_names(question, hits) else self.read(question, hits, each_outlets_best(hits, index.articles))
        read = time.perf_counter()
        return hits, spans, {"embed": (embedded - started) * 1000, "retrieve": (retrieved - embedded) * 1000,
                             "read": (read - retrieved) * 1000}

    def evaluate(self, questions: Sequence[SquadQuestion], corpus: Sequence[SquadQuestion], *, gold_context: bool = False,
                 k: int = 5, progress: bool = False) -> tuple[dict, dict[str, str]]:
        """SQuAD-style evaluation with this desk's encoder and reader (``retrieval/evaluation/evaluate.py``):
        over each question's own paragraph (``gold_context``), or open retrieval over every
        paragraph of ``corpus`` indexed in a scratch home. Returns the summary and the predictions."""
        from .evaluation.evaluate import evaluate_gold_context, evaluate_open

        if gold_context:
            return evaluate_gold_context(questions, self.encoder, self.reader, self.settings.chunker, progress)
        return evaluate_open(questions, corpus, self._scratch, k=k, progress=progress)

    def _scratch(self, home: Path) -> Newsdesk:
        """A desk on ``home`` that shares this one's loaded encoder, reader and verifier."""
        desk = Newsdesk(replace(self.settings, home=home), encoder=self.encoder, reader=self.reader)
        desk.verifier = self.verifier
        return desk

    def check_filters(self, filters: Filters) -> FilterCheck:
        """What ``filters`` leave of the indexed articles (see ``search.check_filters``)."""
        return check_filters(self.index.articles.values(), filters)

    def read(self, question: str, hits: Sequence[Hit], first: Sequence[Hit] = ()) -> list[Span]:
        """The reader's spans over ``hits``, best first.

        The ``first`` hits are read whatever they add (each outlet's best passage: every outlet
        needs an answer of its own); the rest best first, one at a time, while they could still
        change the answer (``rest_cannot_matter``). A chunk with the very text of a better-ranked
        one (a syndicated copy) is not read again: that chunk's spans are placed in it, so its
        outlet still counts.
        """
        originals, copies = first_of_each_text(hits)
        must = [h for h in first if h in originals]
        originals = must + [h for h in originals if h not in must]

        calibration = getattr(self.reader, "calibration", None)
        articles = self.index.articles if calibration is not None else None  # what the calibration weighs
        # ``allowed``: the spans that can be the answer (``admissible``). A confident span the
        # question's constraints rule out must not stop the reading of passages that may hold it.
        spans, allowed, done = [], [], set()
        for place, hit in enumerate(originals):
            read, unread = [h for h in hits if h.chunk.id in done], [h for h in hits if h.chunk.id not in done]
            if place >= len(must) and rest_cannot_matter(question, allowed, read, unread, self.reader.min_score,
                                                         calibration=calibration, articles=articles):
                break
            found = self.reader.read(question, [hit.chunk])
            found += [placed_in(span, hit.chunk, copy) for span in found for copy in copies.get(hit.chunk.id, ())]
            spans += found
            allowed += admissible(question, found, self.index, hits)
            done |= {hit.chunk.id} | {c.id for c in copies.get(hit.chunk.id, ())}
        return sorted(spans, key=lambda s: (-s.score, s.chunk_id, s.start))

    def sources(self) -> list[SourceRow]:
        """The indexed articles, newest first, with how many chunks each has."""
        index = self.index
        counts = self._chunk_counts(index)
        rows = [SourceRow(a.id, a.title, a.outlet, a.date, a.url, a.path, counts.get(a.id, 0))
                for a in index.articles.values()]
        return sorted(rows, key=lambda r: (r.date or "", r.title or ""), reverse=True)

    @staticmethod
    def _chunk_counts(index: Index) -> dict[str, int]:
        counts: dict[str, int] = {}
        for chunk in index.chunks:
            counts[chunk.article_id] = counts.get(chunk.article_id, 0) + 1
        return counts

    def chunk_counts(self, article_ids: Iterable[str]) -> dict[str, int]:
        """How many chunks each of ``article_ids`` has in the current index (0 when not indexed)."""
        counts = self._chunk_counts(self.index)
        return {article_id: counts.get(article_id, 0) for article_id in article_ids}

    def articles(self) -> Mapping[str, Article]:
        """The indexed articles by id (read-only)."""
        return MappingProxyType(self.index.articles)

    def article(self, article_id: str) -> tuple[Article, int]:
        """The indexed article whose id starts with ``article_id`` (the short id `sources` shows),
        and how many chunks it has.

        Raises:
            InvalidInput: no indexed article has that id, or a short prefix matches several.
        """
        article = article_by_id(article_id, list(self.index.articles.values()))
        return article, self.chunk_counts([article.id])[article.id]

    def info(self) -> dict:
        """Where things are, what the index holds and how the models run, without loading any
        model: the ``newsdesk info`` report (see ``retrieval/info.py``)."""
        from .info import info_report

        return info_report(self.settings)
