"""The index in memory and how it is built: FAISS vectors, BM25 terms, chunks, a manifest.

``build_index`` chunks and embeds articles (reusing a previous version's vectors); the
versions on disk are ``retrieval/index/store.py``'s.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable, Iterable, Sequence

import numpy as np

from newsdesk import __version__
from newsdesk.config import crash_point
from newsdesk.types import Article, Chunk

from .chunk import ChunkerSettings, Spans, chunk_text
from .manifest import Manifest
from .vectors import (
    IVF_FROM_CHUNKS,
    RETRAIN_GROWTH,
    TRAIN_PER_LIST,
    VectorRecord,
    check_index_type,
    choose_index_type,
    ivf_nlist,
    train_vector_index,
    updated_vector_index,
    vector_backend,
)

log = logging.getLogger(__name__)

EXACT_FILTER_SHARE = 0.02  # filtered IVF search scores the allowed chunks exactly up to this share


# Chunks per encoder call: small enough that the bar moves about once a second on two cores
# (80 chunks/s), large enough that length-sorted batching inside the encoder still pays.
EMBED_BATCH = 64
# The bar's share for chunking (sentence splitting, counting word pieces): a tenth of the
# seeds' update here with the ONNX encoder, a fifth on a busy 2-core machine (issue 13).
CHUNKING_SHARE = 0.2


class UpdateProgress:
    """One progress bar over an update: chunking the new articles (by characters, the first
    fifth), then embedding their chunks (by characters, the rest). Does nothing when off."""

    STEPS = 1000

    def __init__(self, articles: Sequence[Article], enabled: bool):
        from tqdm import tqdm

        self._article_chars = sum(len(a.text) for a in articles) or 1
        self._articles, self._done_articles = len(articles), 0
        self._bar = tqdm(total=self.STEPS, desc="chunking", disable=not enabled or not articles, leave=False,
                         bar_format="{desc}: {percentage:3.0f}%|{bar}| [{elapsed}<{remaining}]")
        self._chunk_chars, self._chunks, self._done_chunks = 1, 0, 0

    def chunked(self, article: Article) -> None:
        self._done_articles += 1
        self._advance(CHUNKING_SHARE * len(article.text) / self._article_chars,
                      f"chunking {self._done_articles:,}/{self._articles:,} articles")

    def embedding(self, texts: Sequence[str]) -> None:
        """The chunking is done; ``texts`` are about to be embedded."""
        self._bar.set_description_str(f"embedding 0/{len(texts):,} chunks", refresh=False)
        self._chunk_chars, self._chunks = sum(map(len, texts)) or 1, len(texts)

    def embedded(self, texts: Sequence[str]) -> None:
        self._done_chunks += len(texts)
        self._advance((1 - CHUNKING_SHARE) * sum(map(len, texts)) / self._chunk_chars,
                      f"embedding {self._done_chunks:,}/{self._chunks:,} chunks")

    def _advance(self, share: float, what: str) -> None:
        self._bar.set_description_str(what, refresh=False)
        self._bar.update(min(share * self.STEPS, self.STEPS - self._bar.n))

    def close(self) -> None:
        self._bar.close()


def embed_in_batches(encoder, texts: Sequence[str], progress: bool | UpdateProgress = False) -> np.ndarray:
    """Embed ``EMBED_BATCH`` texts at a time, reporting each batch to ``progress``."""
    bar = progress if isinstance(progress, UpdateProgress) else None
    parts = []
    if bar:
        bar.embedding(texts)
    for start in range(0, len(texts), EMBED_BATCH):
        batch = texts[start : start + EMBED_BATCH]
        parts.append(encoder.embed(batch))
        if bar:
            bar.embedded(batch)
        crash_point("mid-embed")
    return np.vstack(parts) if parts else np.zeros((0, encoder.dim), dtype=np.float32)


# What chunks and embeds articles for ``build_index``: their chunk spans, one list per article,
# and the vectors of all those chunks in that order (articles, then spans).
ChunkAndEmbed = Callable[[Sequence[Article]], tuple[list[Spans], np.ndarray]]


def chunk_and_embed_articles(articles: Sequence[Article], encoder, settings: ChunkerSettings,
                             progress: bool | UpdateProgress = False) -> tuple[list[Spans], np.ndarray]:
    """Chunk ``articles`` and embed their chunks (a ``ChunkAndEmbed`` once given an encoder):
    what every update does to its new articles, here or on a Ray worker."""
    bar = progress if isinstance(progress, UpdateProgress) else None
    spans = []
    for article in articles:
        spans.append(chunk_text(article.text, encoder.count_tokens, settings))
        if bar:
            bar.chunked(article)
    crash_point("before-embed")
    texts = [embedding_text(a, a.text[s:e]) for a, article_spans in zip(articles, spans) for s, e in article_spans]
    return spans, embed_in_batches(encoder, texts, progress)


def embedding_text(article: Article, chunk_text_: str) -> str:
    """What the encoder and BM25 see: the title gives every chunk its article's topic."""
    if article.title and not chunk_text_.startswith(article.title):
        return f"{article.title}\n{chunk_text_}"
    return chunk_text_


def _tokenize(texts: Sequence[str]):
    import bm25s
    import Stemmer

    return bm25s.tokenize(list(texts), stopwords="en", stemmer=Stemmer.Stemmer("english"), show_progress=False, return_ids=False)


@dataclass(frozen=True)
class BuildCounts:
    """What ``build_index`` did: chunks embedded now, and chunks whose vectors came from ``previous``."""

    embedded: int
    reused: int


@dataclass
class Index:
    """An index loaded in memory. Build with ``build_index``; persist with ``save_index``."""

    manifest: dict  # the JSON object of manifest.json (``Manifest.from_dict`` reads it)
    articles: dict[str, Article]
    chunks: list[Chunk]  # position i is BM25 document i
    vectors: object  # inner product: faiss.IndexIDMap2 (flat), IndexIVFFlat or IndexIVFScalarQuantizer (ids = chunk ids)
    bm25: object | None  # bm25s.BM25, None when there are no chunks
    _chunk_by_id: dict[int, Chunk] = field(default_factory=dict, repr=False)
    _position_by_id: dict[int, int] = field(default_factory=dict, repr=False)
    _chunk_ids_by_article: dict[str, list[int]] = field(default_factory=dict, repr=False)
    _allowed_by_filter: dict = field(default_factory=dict, repr=False)

    def __post_init__(self):
        self._chunk_by_id = {c.id: c for c in self.chunks}
        self._position_by_id = {c.id: i for i, c in enumerate(self.chunks)}
        for c in self.chunks:
            self._chunk_ids_by_article.setdefault(c.article_id, []).append(c.id)

    def chunk_ids_where(self, filters) -> np.ndarray:
        """Ids of the chunks of the articles that ``filters.allows`` (a hashable ``Filters``),
        remembered for this version: a bot's users repeat their filters, and an archive of a
        million chunks takes most of a second to walk."""
        if filters not in self._allowed_by_filter:
            ids = [i for article in self.articles.values() if filters.allows(article)
                   for i in self._chunk_ids_by_article.get(article.id, ())]
            self._allowed_by_filter[filters] = np.array(sorted(ids), dtype=np.int64)
        return self._allowed_by_filter[filters]

    def chunk(self, chunk_id: int) -> Chunk:
        return self._chunk_by_id[chunk_id]

    def article_of(self, chunk: Chunk) -> Article:
        return self.articles[chunk.article_id]

    @property
    def index_type(self) -> str:
        """"flat", "ivf" or "ivf-sq8" (a key of ``BACKENDS``)."""
        return VectorRecord.from_manifest(self.manifest).type

    def search_dense(self, query_vector: np.ndarray, n: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        """Top ``n`` chunk ids by cosine similarity, only among ``allowed`` ids when given."""
        import faiss

        n = min(n, len(self.chunks))
        if n == 0:
            return []
        query = query_vector.reshape(1, -1).astype(np.float32)
        record = VectorRecord.from_manifest(self.manifest)
        backend = vector_backend(record.type)
        if allowed is not None:
            if len(allowed) == 0:
                return []
            allowed = allowed.astype(np.int64)
            if backend.trained and len(allowed) <= EXACT_FILTER_SHARE * self.vectors.ntotal:
                # The probed lists may hold none of a strict filter's chunks: score them all exactly
                # (reconstructing one costs about as much as scanning 50 in the lists).
                return self._search_exactly(query[0], n, allowed)
        selector = None if allowed is None else faiss.IDSelectorBatch(allowed)
        params = backend.search_params(record, selector, None if allowed is None else len(allowed), self.vectors.ntotal)
        # One query scans faster on one OpenMP thread: at 100,000 chunks (flat) 7.7 ms against
        # 18.5 ms on two, whose start-up costs more than they share (far more on a busy machine).
        # The setting is the calling thread's own (libgomp keeps it per thread; measured), so it
        # is set here, in the thread that searches: set once at load it would not reach the bot's
        # question threads, and it never races with another thread's k-means training.
        faiss.omp_set_num_threads(1)
        scores, ids = self.vectors.search(query, n, params=params)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i >= 0]

    def _search_exactly(self, query: np.ndarray, n: int, allowed: np.ndarray) -> list[tuple[int, float]]:
        scores = self.vectors.reconstruct_batch(allowed) @ query
        top = np.argsort(-scores, kind="stable")[:n]
        return [(int(allowed[i]), float(scores[i])) for i in top]

    def search_bm25(self, query: str, n: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        """Top ``n`` chunk ids by BM25, only among ``allowed`` ids when given."""
        n = min(n, len(self.chunks))
        if n == 0 or self.bm25 is None:
            return []
        mask = None
        if allowed is not None:
            mask = np.zeros(len(self.chunks), dtype=np.float32)
            mask[[self._position_by_id[i] for i in allowed if i in self._position_by_id]] = 1
        tokens = _tokenize([query])
        if not tokens[0]:
            return []
        try:
            scores = self.bm25.get_scores(tokens[0], weight_mask=mask)
        except (ValueError, KeyError):  # no query term is in the vocabulary
            return []
        # The top n among the documents that match at all: numpy's partition is slow on the
        # long run of zeros a large index gives (9 ms at 100,000 chunks, inside bm25s.retrieve).
        matching = np.flatnonzero(scores > 0)
        if len(matching) > n:
            matching = matching[np.argpartition(-scores[matching], n - 1)[:n]]
        best = matching[np.lexsort((matching, -scores[matching]))]  # ties: in index order
        return [(self.chunks[int(d)].id, float(scores[d])) for d in best]


def build_index(
    articles: Iterable[Article],
    encoder,
    settings: ChunkerSettings = ChunkerSettings(),
    previous: Index | None = None,
    progress: bool = False,
    index_type: str | None = None,
    nlist: int | None = None,
    ivf_from: int = IVF_FROM_CHUNKS,
    chunk_and_embed: ChunkAndEmbed | None = None,
) -> tuple[Index, BuildCounts]:
    """Index ``articles``; vectors of chunks already in ``previous`` are reused, not re-embedded.

    Args:
        index_type: one of ``INDEX_TYPES``; None keeps what ``previous`` was asked for ("auto"
            for a new index), so a choice made once holds for later updates.
        nlist: IVF lists (default ``ivf_nlist``); ``ivf_from``: the "auto" threshold.
        chunk_and_embed: what chunks and embeds the articles that need it (see ``ChunkAndEmbed``;
            e.g. a Ray cluster's, retrieval/index/ray_engine.py); default: ``chunk_and_embed_articles``
            with ``encoder``, here. Chunk ids are given here, in the articles' order, either way.

    An IVF index of the same type as ``previous`` is updated, not retrained: its lists are
    copied, dropped chunks removed and new ones added. It is retrained when the type or
    ``nlist`` changes, or the corpus has grown past ``RETRAIN_GROWTH`` times what it was
    trained at. A flat index is rebuilt in canonical order every time.

    Returns:
        The new index and counts: ``{"embedded": chunks embedded now, "reused": ...}``.
    """
    articles = {a.id: a for a in articles}
    made = Manifest.from_dict(previous.manifest) if previous is not None else None
    reuse = made is not None and made.chunker == settings and made.model == encoder.name
    before = made.index if made is not None else None
    requested = check_index_type(index_type or (before and before.requested) or "auto")
    next_id = 0
    chunks: list[Chunk] = []
    previous_chunks: dict[str, list[Chunk]] = {}
    if previous is not None:
        next_id = max((c.id for c in previous.chunks), default=-1) + 1
        for chunk in previous.chunks:
            previous_chunks.setdefault(chunk.article_id, []).append(chunk)
    to_chunk = [a for a in articles.values() if not (reuse and a.id in previous.articles)]
    if to_chunk and chunk_and_embed is None and hasattr(encoder, "load"):
        encoder.load()  # before the bar: a first use may export the model, with a line of its own
    for article in articles.values():
        if reuse and article.id in previous.articles:
            chunks.extend(previous_chunks.get(article.id, []))
    kept = len(chunks)
    if chunk_and_embed is None:
        bar = UpdateProgress(to_chunk, progress)
        try:
            spans, fresh_vectors = chunk_and_embed_articles(to_chunk, encoder, settings, bar)
        finally:
            bar.close()
    else:
        spans, fresh_vectors = chunk_and_embed(to_chunk)
    new_chunks = [(a, s, e) for a, article_spans in zip(to_chunk, spans, strict=True) for s, e in article_spans]
    if len(fresh_vectors) != len(new_chunks):
        raise RuntimeError(f"{len(fresh_vectors)} vectors came back for {len(new_chunks)} chunks")

    fresh = [Chunk(next_id + i, a.id, a.text[s:e], s, e) for i, (a, s, e) in enumerate(new_chunks)]
    n_chunks = kept + len(fresh)
    kind = choose_index_type(requested, n_chunks, before and before.type, ivf_from)
    backend = vector_backend(kind)
    update_in_place = reuse and backend.trained and before.type == kind and nlist in (None, before.nlist) and (
        n_chunks <= RETRAIN_GROWTH * before.trained_at_chunks)
    fresh_ids = np.array([c.id for c in fresh], dtype=np.int64)
    if update_in_place:
        kept_ids = {c.id for c in chunks}
        dropped = [c.id for c in previous.chunks if c.id not in kept_ids]
        vectors = updated_vector_index(previous.vectors, dropped, fresh_vectors, fresh_ids)
        record = before.to_dict()
        log.info("%s index: updated with its training at %d chunks kept: %d chunks removed, %d added",
                 kind, before.trained_at_chunks, len(dropped), len(fresh))
    chunks.extend(fresh)
    # One canonical order, whatever the update history: equal scores then rank alike.
    order = sorted(range(len(chunks)), key=lambda i: (chunks[i].article_id, chunks[i].start))
    if not update_in_place:
        kept_vectors = np.zeros((0, encoder.dim), dtype=np.float32)
        if kept:
            if vector_backend(before.type).lossy:
                log.warning("the previous index keeps 8-bit vectors: the new %s index is built from those "
                            "approximations; `newsdesk rebuild` re-embeds the exact ones", kind)
            kept_vectors = previous.vectors.reconstruct_batch(np.array([c.id for c in chunks[:kept]], dtype=np.int64))
        all_vectors = np.vstack([kept_vectors, fresh_vectors])[order]
        if backend.trained:
            why = ("no previous index" if previous is None else "the model or chunker changed" if not reuse
                   else f"the type changed from {before.type}" if before.type != kind
                   else f"nlist changed from {before.nlist}" if nlist not in (None, before.nlist)
                   else f"the corpus grew past {RETRAIN_GROWTH}× the {before.trained_at_chunks} chunks it was trained at")
            lists = max(1, min(nlist or ivf_nlist(n_chunks), n_chunks))
            log.info("%s index: training %d lists on %d of %d chunks (%s)", kind, lists, min(n_chunks, TRAIN_PER_LIST * lists), n_chunks, why)
        vectors, record = train_vector_index(kind, all_vectors, nlist)
        if len(chunks):
            vectors.add_with_ids(np.ascontiguousarray(all_vectors, dtype=np.float32), np.array([chunks[i].id for i in order], dtype=np.int64))
    chunks = [chunks[i] for i in order]
    manifest = new_manifest(encoder, settings, len(articles), len(chunks), {**record, "requested": requested})
    index = Index(manifest, articles, chunks, vectors, build_bm25(chunks, articles))
    return index, BuildCounts(embedded=len(fresh), reused=len(chunks) - len(fresh))


def build_bm25(chunks: Sequence[Chunk], articles: dict[str, Article]):
    import bm25s

    if not chunks:
        return None
    retriever = bm25s.BM25()
    retriever.index(_tokenize([embedding_text(articles[c.article_id], c.text) for c in chunks]), show_progress=False)
    return retriever


def new_manifest(encoder, settings: ChunkerSettings, n_articles: int, n_chunks: int, index: dict | None = None) -> dict:
    """The manifest's JSON object of a new index (``index``: its vector index record as JSON)."""
    import bm25s
    import faiss

    record = VectorRecord.from_manifest({"index": index or {"type": "flat", "requested": "auto"}})
    return Manifest(
        format=vector_backend(record.type).format, model=encoder.name, dim=encoder.dim, chunker=settings,
        index=record, articles=n_articles, chunks=n_chunks,
        versions={"newsdesk": __version__, "faiss": faiss.__version__, "bm25s": bm25s.__version__},
        created=datetime.now(timezone.utc).isoformat(timespec="seconds"),
    ).to_dict()
