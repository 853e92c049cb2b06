"""The Ray engine (``--engine ray``): files are read, cleaned, chunked and embedded by Ray tasks
and actors on a cluster; the articles, chunks and vectors come back to the one writer.

The writer keeps every decision: which articles are new (content-hash ids, the previous
version's vectors), the chunk ids, the lock and the atomic switch (``build_index`` receives
this engine's ``ChunkAndEmbed``). Ray is an optional extra, imported only here and only when
used; docs/scaling.md says how to run it on several machines.
"""

from __future__ import annotations

import functools
import logging
import os
import socket
from pathlib import Path
from typing import Callable, Iterable, Sequence

import numpy as np

from newsdesk import __version__
from newsdesk.config import quiet_ray_messages, ray_environment
from newsdesk.errors import NewsdeskError
from newsdesk.types import Article

from ..sources.files import Rejected, expand_paths, read_file
from .build import ChunkAndEmbed, chunk_and_embed_articles
from .chunk import ChunkerSettings, Spans

log = logging.getLogger(__name__)

INSTALL_HINT = "the ray engine needs: pip install 'newsdesk[ray]'"
# A read task takes this many files (or bytes): enough to hide a task's round trip (about a
# millisecond), few enough that every worker gets some.
READ_BATCH_FILES = 32
READ_BATCH_BYTES = 8 * 1024 * 1024
# An embedding call takes articles up to this many characters: about 40 chunks, a second or
# two of one core's work (benchmarks/ray_ingest.py), against a few milliseconds per call.
EMBED_BATCH_CHARS = 40_000
IN_FLIGHT = 2  # calls queued per worker: one running, the next waiting, so none idles for a round trip
RETRIES = 3  # a worker killed mid-call is restarted and the call run again, this many times
WAIT_SECONDS = 0.5  # ray.wait returns this often, so that Ctrl-C is seen between two waits
CONNECT_SECONDS = 5.0


class RayEngineError(NewsdeskError):
    """The cluster cannot be reached, or lost a worker for good: one line for the user."""


def import_ray():
    """The ``ray`` module, or a one-line error saying how to install it."""
    try:
        import ray
    except ImportError:
        raise RayEngineError(INSTALL_HINT) from None
    return ray


def _host_and_port(address: str) -> tuple[str, int] | None:
    """``(host, port)`` of ``host:port`` or ``ray://host:port``; None for "auto" and the like."""
    host, _, port = address.removeprefix("ray://").rpartition(":")
    return (host.strip("[]"), int(port)) if host and port.isdigit() else None


def check_reachable(address: str, timeout: float = CONNECT_SECONDS) -> None:
    """Raises RayEngineError unless something listens at ``address``. Ray itself retries an
    unreachable head for minutes, printing a line each time."""
    target = _host_and_port(address)
    if target is None:
        return
    try:
        socket.create_connection(target, timeout=timeout).close()
    except OSError as error:
        why = error.strerror or str(error) or type(error).__name__
        raise RayEngineError(f"cannot reach the Ray cluster at {address} ({why.lower()}); is `ray start --head` "
                             "running there, and is the address the head's (--ray-address or RAY_ADDRESS)?") from None


# ---------------------------------------------------------------- work done on the workers


def worker_encoder(model_path: str | None, runtime: str, threads: int = 1):
    """The encoder a Ray worker loads: what ``load_encoder`` would choose, on ``threads`` cores
    (a worker holds that many of its node's CPUs)."""
    from newsdesk.embeddings.encoder import OnnxEncoder, SentenceTransformerEncoder, encoder_plan

    if encoder_plan(model_path, runtime)["runtime"] == "onnx":
        return OnnxEncoder(model_path, threads=threads)
    import torch

    torch.set_num_threads(threads)
    return SentenceTransformerEncoder(model_path)


def read_one(path: str) -> tuple[list[Article], list[Rejected]]:
    """One file's articles and rejections, as ``load_articles`` reads them."""
    try:
        return read_file(Path(path))
    except ValueError as error:
        return [], [Rejected(path, str(error))]


def read_files(paths: Sequence[str]) -> list[tuple[list[Article], list[Rejected]]]:
    """A read task: each file's ``read_one``, in order."""
    return [read_one(path) for path in paths]


class ChunkEmbedWorker:
    """A Ray actor: loads its encoder once, then chunks and embeds batches of articles."""

    def __init__(self, encoder_factory: Callable[[], object], settings: ChunkerSettings):
        self.encoder = encoder_factory()
        if hasattr(self.encoder, "load"):
            self.encoder.load()
        self.settings = settings

    def describe(self) -> dict:
        return {"model": self.encoder.name, "dim": self.encoder.dim, "newsdesk": __version__, "pid": os.getpid()}

    def chunk_and_embed(self, articles: Sequence[Article]) -> tuple[list[Spans], np.ndarray]:
        return chunk_and_embed_articles(articles, self.encoder, self.settings)


# ---------------------------------------------------------------- splitting the work


def file_batches(files: Sequence[Path], max_files: int = READ_BATCH_FILES, max_bytes: int = READ_BATCH_BYTES) -> list[list[Path]]:
    """``files`` in consecutive groups of at most ``max_files`` files or ``max_bytes`` bytes
    (a larger file is a group of its own)."""
    groups, group, size = [], [], 0
    for path in files:
        try:
            length = path.stat().st_size
        except OSError:
            length = 0  # the read task will say what is wrong with it
        if group and (len(group) == max_files or size + length > max_bytes):
            groups.append(group)
            group, size = [], 0
        group.append(path)
        size += length
    return groups + [group] if group else groups


def article_batches(articles: Sequence[Article], max_chars: int = EMBED_BATCH_CHARS) -> list[list[Article]]:
    """``articles`` in consecutive groups of at most ``max_chars`` characters (a longer article
    is a group of its own); the order is kept, so chunk ids come out as a local update's."""
    groups, group, size = [], [], 0
    for article in articles:
        if group and size + len(article.text) > max_chars:
            groups.append(group)
            group, size = [], 0
        group.append(article)
        size += len(article.text)
    return groups + [group] if group else groups


def _bar(total: int, desc: str, enabled: bool):
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, disable=not enabled or not total, leave=False,
                bar_format="{desc}: {percentage:3.0f}%|{bar}| [{elapsed}<{remaining}]")


def _wants_token(error: BaseException | None) -> bool:
    """Whether ``error`` (or what caused it) is the cluster refusing a missing or wrong token."""
    while error is not None:
        if "InvalidAuthToken" in str(error):
            return True
        error = error.__cause__ or error.__context__
    return False


def _first_line(error: BaseException) -> str:
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return lines[-1] if lines else type(error).__name__


# ---------------------------------------------------------------- the engine


class RayEngine:
    """A connection to a Ray cluster, for one ``ingest`` or ``rebuild`` (a context manager).

    Args:
        address: the head's ``host:port`` (or ``ray://host:port``, or "auto"); None starts a
            local cluster, on loopback, that ends with the connection.
        encoder_factory: what each worker calls, once, for its encoder; picklable (a module-level
            class or function, or a ``functools.partial`` of one). See ``engine_for``.
        workers: how many embedding workers (default: one per CPU of the cluster).
        runtime_env: Ray's runtime environment for this job (e.g. ``{"env_vars": {...}}``).
    """

    def __init__(self, address: str | None = None, encoder_factory: Callable[[], object] | None = None,
                 workers: int | None = None, runtime_env: dict | None = None):
        if encoder_factory is None:
            raise ValueError("RayEngine needs an encoder_factory (engine_for(settings) makes the default one)")
        self.address, self.encoder_factory, self.workers, self.runtime_env = address, encoder_factory, workers, runtime_env
        self._ray = None
        self._owns_connection = False

    # -------------------------------------------------------------- connection
    def __enter__(self) -> "RayEngine":
        self.connect()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def connect(self) -> None:
        """Connect to the cluster (or start a local one). Raises RayEngineError when it cannot."""
        # No usage statistics; a local cluster on loopback with a token of its own (newsdesk/config.py).
        ray_environment(local_cluster=self.address is None)
        ray = import_ray()
        self._ray = ray
        if ray.is_initialized():  # a caller's own connection: use it, leave it open
            return
        if self.address:
            check_reachable(self.address)
        # Ray's own lines (its start, its warnings) only with -v, and no worker output at all.
        level = logging.getLogger("newsdesk").getEffectiveLevel()
        options = {"log_to_driver": False, "logging_level": logging.ERROR if level >= logging.WARNING else level,
                   "runtime_env": self.runtime_env}
        if self.address is None:
            options |= {"include_dashboard": False, "_node_ip_address": "127.0.0.1"}
        try:
            ray.init(address=self.address or "local", **options)
        except Exception as error:  # Ray raises ConnectionError, RuntimeError, ValueError, ...
            where = f"the Ray cluster at {self.address}" if self.address else "a local Ray cluster"
            if _wants_token(error):
                raise RayEngineError(f"{where} wants its token: set RAY_AUTH_MODE=token and RAY_AUTH_TOKEN (or "
                                     "~/.ray/auth_token) as on the head (docs/scaling.md)") from None
            raise RayEngineError(f"cannot connect to {where}: {_first_line(error)}") from None
        self._owns_connection = True
        if level >= logging.WARNING:
            quiet_ray_messages()
        log.info("connected to Ray %s: %s CPUs", self.address or "(local)", self.cpus())

    def close(self) -> None:
        """Disconnect (a local cluster started here stops with it)."""
        if self._owns_connection and self._ray is not None:
            self._ray.shutdown()
        self._owns_connection = False

    def cpus(self) -> int:
        return max(1, int(self._ray.cluster_resources().get("CPU", 1)))

    # -------------------------------------------------------------- running calls
    def _map(self, submit, items: Sequence, slots: Sequence, on_done, cancel) -> list:
        """``submit(slot, item)`` for every item, one pending call per slot at a time (a slot
        that returns gets the next item); the results in the order of ``items``. On any
        exception, Ctrl-C included, ``cancel(pending refs)`` runs before it goes on."""
        ray = self._ray
        results: list = [None] * len(items)
        pending: dict = {}
        queue = iter(enumerate(items))

        def feed(slot) -> None:
            for i, item in queue:  # takes the next item, if any
                pending[submit(slot, item)] = (i, slot)
                return

        try:
            for slot in slots:
                feed(slot)
            while pending:
                done, _ = ray.wait(list(pending), num_returns=1, timeout=WAIT_SECONDS)
                for ref in done:
                    i, slot = pending.pop(ref)
                    results[i] = ray.get(ref)
                    on_done(items[i], results[i])
                    feed(slot)
        except BaseException as error:
            cancel(list(pending))
            if isinstance(error, ray.exceptions.RayError) and not isinstance(error, ray.exceptions.RayTaskError):
                raise RayEngineError(f"the Ray cluster lost a worker for good ({type(error).__name__}: "
                                     f"{_first_line(error)}); the index is unchanged") from None
            raise
        return results

    # -------------------------------------------------------------- reading
    def load_articles(self, paths: Iterable[str | Path], progress: bool = False) -> tuple[list[Article], list[Rejected]]:
        """``ingest.load_articles`` with the files read by Ray tasks: the same articles and
        rejections in the same order. The folders are walked here (the writer records the
        paths), so every worker must see the files at the same paths."""
        items = list(expand_paths(paths))
        files = [item for item in items if not isinstance(item, Rejected)]
        batches = file_batches(files)
        task = self._ray.remote(max_retries=RETRIES)(read_files)
        bar = _bar(len(files), "reading files on the Ray cluster", progress)
        try:
            results = self._map(lambda _, batch: task.remote([str(p) for p in batch]), batches,
                                range(2 * self.cpus()), lambda batch, _: bar.update(len(batch)),
                                lambda refs: self._abandon(refs=refs))
        finally:
            bar.close()
        by_file = dict(zip(files, (one for batch in results for one in batch)))
        articles, rejected = [], []
        for item in items:
            if isinstance(item, Rejected):
                rejected.append(item)
            else:
                found, bad = by_file[item]
                articles += found
                rejected += bad
        return articles, rejected

    # -------------------------------------------------------------- chunking and embedding
    def embedder(self, settings: ChunkerSettings, encoder, progress: bool = False) -> ChunkAndEmbed:
        """The ``ChunkAndEmbed`` for ``build_index``: batches of articles chunked and embedded by
        the cluster's workers. ``encoder`` is the writer's, whose model the workers must have."""
        return functools.partial(self._chunk_and_embed, settings=settings, expected=(encoder.name, encoder.dim), progress=progress)

    def _start_workers(self, count: int, settings: ChunkerSettings, expected: tuple[str, int]) -> list:
        ray = self._ray
        actor = ray.remote(ChunkEmbedWorker).options(
            num_cpus=1, max_restarts=RETRIES, max_task_retries=RETRIES, scheduling_strategy="SPREAD")
        workers = [actor.remote(self.encoder_factory, settings) for _ in range(count)]
        try:
            described = ray.get([w.describe.remote() for w in workers])
        except ray.exceptions.RayError as error:
            self._kill(workers)
            raise RayEngineError(f"a Ray worker could not start: {_first_line(error)}") from None
        except BaseException:
            self._kill(workers)
            raise
        for about in described:
            if (about["model"], about["dim"]) != expected or about["newsdesk"] != __version__:
                self._kill(workers)
                raise RayEngineError(
                    f"a Ray worker (pid {about['pid']}) runs newsdesk {about['newsdesk']} with {about['model']} "
                    f"({about['dim']} dimensions); the writer runs newsdesk {__version__} with {expected[0]} "
                    f"({expected[1]} dimensions): install the same newsdesk and model on every machine")
        return workers

    def _abandon(self, workers=(), refs=()) -> None:
        """Stop a job midway (Ctrl-C, a lost worker). Our own connection is closed: Ray then ends
        the job's workers and calls itself, where killing each worker with calls pending would
        print a "will be retried" line per call on stdout. A caller's connection stays open."""
        if self._owns_connection:
            self.close()
            return
        for ref in refs:
            try:
                self._ray.cancel(ref, force=True)
            except Exception:  # already finished or gone: nothing to stop
                pass
        self._kill(workers)

    def _kill(self, workers) -> None:
        for worker in workers:
            try:
                self._ray.kill(worker, no_restart=True)
            except Exception:  # already gone
                pass

    def _chunk_and_embed(self, articles: Sequence[Article], *, settings: ChunkerSettings, expected: tuple[str, int],
                         progress: bool) -> tuple[list[Spans], np.ndarray]:
        batches = article_batches(articles)
        if not batches:
            return [], np.zeros((0, expected[1]), dtype=np.float32)
        count = min(self.workers or self.cpus(), len(batches))
        if count > self.cpus():
            log.warning("%d workers asked for, but the cluster has %d CPUs: using %d", count, self.cpus(), self.cpus())
            count = self.cpus()
        workers = self._start_workers(count, settings, expected)
        total = sum(len(a.text) for a in articles)
        on = f"embedding on {count} Ray worker{'s' if count > 1 else ''}"
        bar = _bar(total, on, progress)
        embedded = 0

        def done(batch, result) -> None:
            nonlocal embedded
            embedded += len(result[1])
            bar.update(sum(len(a.text) for a in batch))
            bar.set_description_str(f"{on}: {embedded:,} chunks")  # drawn now: a batch takes a second or more

        try:
            results = self._map(lambda worker, batch: worker.chunk_and_embed.remote(batch), batches,
                                [w for w in workers for _ in range(IN_FLIGHT)], done, lambda _: self._abandon(workers))
        finally:
            bar.close()
            if self._ray.is_initialized():
                self._kill(workers)  # their encoders hold memory and CPUs; the next job starts its own
        spans = [one for batch_spans, _ in results for one in batch_spans]
        vectors = [v for _, v in results if len(v)]
        return spans, (np.vstack(vectors) if vectors else np.zeros((0, expected[1]), dtype=np.float32))


def engine_for(settings) -> RayEngine:
    """The engine a ``Settings`` asks for: its cluster address and workers, and workers that load
    the settings' model on its runtime, on one core each."""
    factory = functools.partial(worker_encoder, settings.model_path, settings.runtime, 1)
    return RayEngine(settings.ray_address, factory, settings.ray_workers)
