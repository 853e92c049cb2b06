"""``Newsdesk``: the one object front ends talk to (ask, ingest, sources, rebuild)."""

from __future__ import annotations

import contextlib
import functools
import logging
import threading
import time
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType
from typing import Iterable, Mapping, Sequence

import numpy as np

from newsdesk.errors import IndexDamaged, IndexMissing, InvalidInput, UsageError
from newsdesk.types import Answer, Article, Encoder, Hit, Reader, SourceRow, Span

from .answering.answer import assemble_answer, missing_names, rest_cannot_matter
from .answering.corroboration import each_outlets_best, other_outlets
from .answering.passages import Found, FoundArticle, by_article, found_passages, newest_first, validate_query
from .answering.question import validate_question
from .answering.readers.baseline import first_of_each_text, placed_in
from .answering.readers.choose import make_reader
from .answering.search import FilterCheck, Filters, Mode, check_filters, retrieve
from .desk_feeds import DeskFeeds
from .evaluation.squad import SquadQuestion
from .index.build import Index, build_index
from .index.changes import IngestReport, article_by_id, file_gone_under, matching_articles, skip_line
from .index.lock import write_lock
from .index.store import (
    Version,
    current_version,
    list_versions,
    load_index,
    read_articles,
    read_manifest,
    rollback,
    save_index,
)
from .question_log import LOG_FILE, QuestionLog
from .settings import Settings, UrlOptions
from .sources.files import Rejected, html_article, load_articles, make_article, read_file
from .sources.seeds import is_seed, seed_folder, seed_paths
from .sources.web.fetch import Fetched, fetch_url_sync

log = logging.getLogger(__name__)

SUPPORT_DEPTH = 20  # chunks scanned for other outlets that state the same answer


HTML_TYPES = ("text/html", "application/xhtml+xml")
PAGE_TYPES = (*HTML_TYPES, "text/plain", "text/markdown")  # what ``add_url`` accepts


class Newsdesk:
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

    def watch(self, folder: Path, interval: float = 2.0, report=print, on_cycle=None) -> None:
        """Keep ``folder`` indexed until interrupted (retrieval/watch.py); ``on_cycle`` runs after each poll."""
        from .sources import watch as watching

        watching.watch(self, folder, interval=interval, report=report, on_cycle=on_cycle)

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
        """SQuAD-style evaluation with this desk's encoder and reader (``retrieval/evaluate.py``):
        over each question's own paragraph (``gold_context``), or open retrieval over every
        paragraph of ``corpus`` indexed in a scratch home. Returns the summary and the predictions."""
        from .evaluation.evaluate import evaluate_gold_context, evaluate_open

        if gold_context:
            return evaluate_gold_context(questions, self.encoder, self.reader, self.settings.chunker, progress)
        return evaluate_open(questions, corpus, self._scratch, k=k, progress=progress)

    def _scratch(self, home: Path) -> Newsdesk:
        """A desk on ``home`` that shares this one's loaded encoder and reader."""
        return Newsdesk(replace(self.settings, home=home), encoder=self.encoder, reader=self.reader)

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

        spans, done = [], set()
        for place, hit in enumerate(originals):
            read, unread = [h for h in hits if h.chunk.id in done], [h for h in hits if h.chunk.id not in done]
            if place >= len(must) and rest_cannot_matter(question, spans, read, unread, self.reader.min_score,
                                                         calibration=getattr(self.reader, "calibration", None)):
                break
            found = self.reader.read(question, [hit.chunk])
            spans += found + [placed_in(span, hit.chunk, copy) for span in found for copy in copies.get(hit.chunk.id, ())]
            done |= {hit.chunk.id} | {c.id for c in copies.get(hit.chunk.id, ())}
        return sorted(spans, key=lambda s: (-s.score, s.chunk_id, s.start))

    # -------------------------------------------------------------- articles
    def _writer(self, what: str):
        """Hold the index's write lock (one writer at a time, across processes)."""
        return write_lock(self.settings.home, what)

    def _current_or_none(self) -> Index | None:
        try:
            return load_index(self.settings.home, self.encoder.name, self.settings.chunker)
        except IndexMissing:
            return None

    def _commit(self, articles: Iterable[Article], previous: Index | None, progress: bool, report: IngestReport,
                index_type: str | None = None, engine=None) -> None:
        """Write ``articles`` as the next index version; the report gets the chunks embedded.
        With a Ray ``engine``, its workers chunk and embed the new articles."""
        remote = engine.embedder(self.settings.chunker, self.encoder, progress) if engine else None
        index, counts = build_index(articles, self.encoder, self.settings.chunker, previous, progress,
                                    index_type=index_type or self.settings.index_type, chunk_and_embed=remote)
        save_index(index, self.settings.home)
        report.chunks_embedded, report.index_type = counts.embedded, index.index_type

    def _ray_engine(self):
        """The Ray engine ``settings.engine`` asks for (not yet connected), else None."""
        if self.settings.engine != "ray":
            return None
        from .index.ray_engine import engine_for

        return engine_for(self.settings)

    def ingest(self, paths: Iterable[str | Path], progress: bool = False, prune: bool = False, engine=None) -> IngestReport:
        """Add the articles under ``paths``: new ones are embedded, known ones skipped, and a
        file whose content changed replaces its earlier version. With ``prune``, indexed
        articles whose file under one of the given folders is gone are removed. ``engine`` (a
        ``RayEngine``; default: the one ``settings.engine`` asks for, if any) reads, chunks and
        embeds on a Ray cluster; the index is written here either way."""
        paths = list(paths)
        engine = engine or self._ray_engine()  # a RayEngine (retrieval/ray_engine.py) reads on its cluster
        with engine or contextlib.nullcontext():
            articles, rejected = engine.load_articles(paths, progress) if engine else load_articles(paths)
            gone_under = [Path(p).expanduser().resolve() for p in paths if Path(p).is_dir()] if prune else []
            return self.add_articles(articles, rejected, progress=progress, prune_under=gone_under, engine=engine)

    def add_articles(self, articles: Sequence[Article], rejected: Sequence[Rejected] = (), progress: bool = False,
                     prune_under: Sequence[Path] = (), engine=None) -> IngestReport:
        """Index ``articles`` (already read and cleaned) incrementally; see ``ingest``."""
        started = time.perf_counter()
        report = IngestReport(rejected=list(rejected))
        with self._writer("ingest") as waited:
            report.waited_s, started = waited, started + waited  # the wait is reported apart from the work
            previous = self._current_or_none()
            current: dict[str, Article] = dict(previous.articles) if previous else {}
            incoming_paths = {a.path for a in articles if a.path}
            incoming_ids = {a.id for a in articles}
            for old in list(current.values()):
                edited = old.path in incoming_paths and old.id not in incoming_ids
                if edited or file_gone_under(old.path, prune_under):
                    del current[old.id]
                    report.removed.append(old)
            replaced_paths = {a.path for a in report.removed}
            for article in articles:
                if article.id in current:
                    report.skipped.append(skip_line(article, current[article.id]))
                    continue
                current[article.id] = article
                (report.replaced if article.path in replaced_paths else report.added).append(article)
            report.removed = [a for a in report.removed if a.path not in {r.path for r in report.replaced}]
            seeds = seed_folder()
            if previous and all(is_seed(a, seeds) for a in previous.articles.values()) and any(
                    not is_seed(a, seeds) for a in report.added):
                report.seeds_kept = sum(is_seed(a, seeds) for a in current.values())
            if report.changed or previous is None and current:
                self._commit(current.values(), previous, progress, report, engine=engine)
        report.seconds = time.perf_counter() - started
        return report

    def add_file(self, path: Path, data: bytes | None = None) -> IngestReport:
        """Add the articles of one file (e.g. an upload, written to ``path`` first when ``data``
        is given); a file that cannot be read is a rejection in the report, not an error."""
        if data is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        try:
            articles, rejected = read_file(path)
        except ValueError as error:
            articles, rejected = [], [Rejected(path.name, str(error))]
        return self.add_articles(articles, rejected) if articles else IngestReport(rejected=list(rejected))

    def add_page(self, url: str, page: Fetched) -> IngestReport:
        """Add a fetched web page (HTML, or plain text/Markdown) as an article from ``url``."""
        try:
            if page.content_type in HTML_TYPES:
                article = html_article(page.text, None, url=url)
            else:
                article = make_article(page.text, url=url)
        except ValueError as error:
            return IngestReport(rejected=[Rejected(url, str(error))])
        return self.add_articles([article])

    def add_url(self, url: str, options: UrlOptions) -> IngestReport:
        """Fetch ``url`` (through the address guard of ``retrieval/fetch.py``) and add the page.

        Raises:
            FetchError: the page could not be fetched (unreachable, refused, too large, not a page).
        """
        page = fetch_url_sync(url, timeout=options.timeout_s, max_bytes=options.max_bytes,
                              allow_private=options.allow_private, user_agent=options.user_agent,
                              content_types=PAGE_TYPES)
        return self.add_page(url, page)

    def remove(self, targets: Sequence[str], seeds: bool = False) -> IngestReport:
        """Remove articles by id (or a unique id prefix), file path or folder (see
        ``matching_articles``); with ``seeds``, also the bundled seed articles.

        Raises:
            InvalidInput: a target matches no indexed article, or ``seeds`` and none is
                indexed (nothing is removed then).
        """
        started = time.perf_counter()
        report = IngestReport()
        with self._writer("remove") as waited:
            report.waited_s, started = waited, started + waited
            previous = self.index_for_writing()
            current = dict(previous.articles)
            doomed = {a.id: a for target in targets for a in matching_articles(target, list(previous.articles.values()))}
            if seeds:
                found = {a.id: a for a in previous.articles.values() if is_seed(a)}
                if not found:
                    raise InvalidInput("no bundled seed article is indexed in this home")
                doomed |= found
            for article_id in doomed:
                report.removed.append(current.pop(article_id))
            self._commit(current.values(), previous, False, report)
            self.feeds.forget(doomed)  # removed on purpose: no feed poll brings them back
        report.seconds = time.perf_counter() - started
        return report

    def edit(self, target: str, **changes: str | None) -> tuple[Article, Article]:
        """Correct one article's ``title``, ``outlet``, ``date`` or ``url`` (an empty string
        clears it) without re-embedding it: the next index version keeps its chunks and vectors.
        ``target`` is an id, a unique id prefix or a file of one article (as ``remove`` takes).

        Returns:
            The article before and after.
        Raises:
            InvalidInput: ``target`` names no article or several; a field that cannot be edited.
        """
        unknown = set(changes) - {"title", "outlet", "date", "url"}
        if unknown:
            raise InvalidInput(f"cannot edit {', '.join(sorted(unknown))}; only title, outlet, date and url")
        with self._writer("edit"):
            previous = self.index_for_writing()
            found = matching_articles(target, list(previous.articles.values()))
            if len(found) != 1:
                raise InvalidInput(f"{target!r} names {len(found)} articles; give one article's id (see `newsdesk sources`)")
            before = found[0]
            after = replace(before, **{name: value or None for name, value in changes.items() if value is not None})
            if after != before:
                self._commit({**previous.articles, after.id: after}.values(), previous, False, IngestReport())
        return before, after

    def index_for_writing(self) -> Index:
        index = self._current_or_none()
        if index is None:
            raise IndexMissing(f"no index in {self.settings.home} yet; add articles with `newsdesk ingest PATH`")
        return index

    def rebuild(self, progress: bool = False, engine=None) -> IngestReport:
        """Re-chunk and re-embed every indexed article with the current model and settings."""
        started = time.perf_counter()
        engine = engine or self._ray_engine()
        with engine or contextlib.nullcontext(), self._writer("rebuild") as waited:
            started += waited
            articles = read_articles(self.settings.home)
            report = IngestReport(added=list(articles), waited_s=waited)
            manifest = read_manifest(self.settings.home)  # a type chosen earlier holds unless another is given
            kept = (manifest or {}).get("index", {}).get("requested")
            self._commit(articles, None, progress, report, self.settings.index_type or kept, engine)
        report.seconds = time.perf_counter() - started
        return report

    def versions(self) -> list[Version]:
        """The index versions kept in the home, newest first, each checked against its checksums."""
        return list_versions(self.settings.home)

    def live_version(self) -> str | None:
        """The name of the live index version; None when there is none (or none is complete)."""
        try:
            live = current_version(self.settings.home)
        except IndexDamaged:
            return None
        return live.name if live else None

    def rollback(self, to: str | None = None) -> tuple[Version | None, Version]:
        """Make an earlier intact version live (default: the newest one before the live one);
        see ``store.rollback``. Nothing is deleted."""
        with self._writer("rollback"):
            try:
                return rollback(self.settings.home, to)
            except ValueError as error:  # store.rollback's "no such version" and the like
                raise InvalidInput(str(error)) from None

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
