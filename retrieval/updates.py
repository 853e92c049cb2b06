"""The index-writing half of ``Newsdesk``: ingest, add (files, pages, URLs, articles), remove, edit,
rebuild, the versions and rollback. One writer at a time (the write lock); each change is one
new version, switched atomically."""

from __future__ import annotations

import contextlib
import logging
import time
from collections import defaultdict
from dataclasses import replace
from datetime import date as Day
from pathlib import Path
from typing import Iterable, Sequence

from newsdesk.errors import IndexDamaged, IndexMissing, InvalidInput
from newsdesk.types import Article

from .index.build import Index, build_index
from .index.changes import IngestReport, file_gone_under, matching_articles, skip_line
from .index.lock import write_lock
from .index.store import load_index, read_articles, read_manifest, rollback, save_index
from .index.versions import Version, current_version, list_versions
from .answering.stories import same_story, story_names
from .settings import UrlOptions
from .sources.dates import dateline_days, nearest_day
from .sources.files import Rejected, load_articles, read_file
from .sources.outlets import HEAD_LINES
from .sources.seeds import is_seed, seed_folder
from .sources.watch import settled_files, watched_folder
from .sources.web.fetch import Fetched, fetch_url_sync
from .sources.web.kinds import Fetch, kind_of
from .sources.web.pages import PAGE_TYPES, fetched_article

log = logging.getLogger(__name__)


class IndexUpdates:
    """``Newsdesk``'s updates of the index in ``settings.home`` (mixed into ``Newsdesk``, whose
    ``settings``, ``encoder`` and ``feeds`` they use)."""

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

    def ingest(self, paths: Iterable[str | Path], progress: bool = False, prune: bool = False, engine=None,
               url_options: UrlOptions | None = None) -> IngestReport:
        """Add the articles under ``paths``: new ones are embedded, known ones skipped, and a
        file whose content changed replaces its earlier version. With ``prune``, indexed
        articles whose file under one of the given folders is gone are removed. ``engine`` (a
        ``RayEngine``; default: the one ``settings.engine`` asks for, if any) reads, chunks and
        embeds on a Ray cluster; the index is written here either way. A location a kind of
        ``sources/web/kinds.py`` claims is read by it, fetching with ``url_options``."""
        located = [(p, kind_of(str(p))) for p in paths]
        paths = [p for p, kind in located if kind is None]
        engine = engine or self._ray_engine()  # a RayEngine (retrieval/index/ray_engine.py) reads on its cluster
        with engine or contextlib.nullcontext():
            articles, rejected = engine.load_articles(paths, progress) if engine else load_articles(paths)
            fetch = _fetcher(url_options or UrlOptions())
            for location, kind in located:
                if kind is not None:
                    found, bad = kind.read(str(location), fetch)
                    articles, rejected = [*articles, *found], [*rejected, *bad]
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
            for article in dated_by_their_story(articles, current.values(), Day.today()):
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
            article = fetched_article(url, page)
        except ValueError as error:
            return IngestReport(rejected=[Rejected(url, str(error))])
        return self.add_articles([article])

    def add_url(self, url: str, options: UrlOptions) -> IngestReport:
        """Fetch ``url`` (through the address guard of ``retrieval/sources/web/fetch.py``) and add the page.

        Raises:
            FetchError: the page could not be fetched (unreachable, refused, too large, not a page).
        """
        return self.add_page(url, _fetcher(options)(url, PAGE_TYPES))

    def watch(self, folder: Path, interval: float = 2.0, report=print, on_cycle=None, cycles: int | None = None) -> None:
        """Keep ``folder`` indexed until interrupted (or for ``cycles`` polls): the files
        ``sources/watch.py`` finds settled are ingested here, each change ``report``-ed;
        ``on_cycle`` runs after each poll (``newsdesk watch`` polls the due feeds there)."""
        folder = watched_folder(folder)
        for ready, gone in settled_files(folder, interval, cycles):
            if ready:
                report(self.ingest(ready))
            if gone:
                pruned = self.add_articles([], prune_under=[folder])
                if pruned.changed:
                    report(pruned)
            if on_cycle is not None:
                on_cycle()

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
            kept = manifest.index.requested if manifest and manifest.index else None
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


def _fetcher(options: UrlOptions) -> Fetch:
    """Fetching through the URL guard with ``options``' limits and address policy."""
    return lambda url, content_types: fetch_url_sync(url, timeout=options.timeout_s, max_bytes=options.max_bytes,
                                                     allow_private=options.allow_private,
                                                     user_agent=options.user_agent, content_types=content_types)


def _yearless_days(article: Article, today: Day) -> list[Day]:
    """The days of any year the wire dateline at the head of ``article`` may be, when it gives no
    year and its date is the one reading it guessed (``dates.dateline_days``); else none."""
    for line in [line for line in article.text.split("\n") if line.strip()][:HEAD_LINES]:
        if guessed := dateline_days(line, today):
            return dateline_days(line, today, weekdays=False) if article.date == guessed[0].isoformat() else []
    return []


def dated_by_their_story(articles: Sequence[Article], known: Iterable[Article], today: Day) -> list[Article]:
    """``articles``, a wire dateline without a year ("WENDLE, Oct 8 (Heritage Wire) —") placed in
    the year nearest the dates of other reports of its story (``same_story``) among ``articles``
    and the ``known`` articles of its folder: a story's first report is often wire copy, and
    the latest year it could be may make it look newer than the updates that followed it. The
    weekday its paragraph names is left aside here: it is often the day before the report."""
    guessed = {a.id: days for a in articles if a.date and len(days := _yearless_days(a, today)) > 1}
    if not guessed:
        return list(articles)
    folders = {Path(a.path).parent for a in articles if a.id in guessed and a.path}
    others = [*articles, *(a for a in known if a.path and Path(a.path).parent in folders)]
    # Only reports sharing a name can tell the same story: compare with those, not with the whole folder.
    sharing: dict[str, list[Article]] = defaultdict(list)
    for other in others:
        if other.date and other.id not in guessed and _iso_day(other.date) and not _yearless_days(other, today):
            for name in story_names(other.text):
                sharing[name].append(other)
    settled = []
    for article in articles:
        candidates = {a.id: a for name in story_names(article.text) for a in sharing[name]} if article.id in guessed else {}
        anchors = [_iso_day(a.date) for a in candidates.values() if a.id != article.id and same_story(article.text, a.text)]
        settled.append(replace(article, date=nearest_day(guessed[article.id], anchors).isoformat()) if anchors else article)
    return settled


def _iso_day(text: str) -> Day | None:
    """The day of an ISO date, or None for anything else (an index written by hand may hold one)."""
    try:
        return Day.fromisoformat(text)
    except ValueError:
        return None
