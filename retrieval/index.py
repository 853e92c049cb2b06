"""The on-disk index: FAISS vectors, BM25 terms, the chunk and article stores, and a manifest.

An index home holds versions (``index/v-...``) and a ``CURRENT`` file naming the live one.
A new version is written completely and fsynced before ``CURRENT`` is switched with an
atomic rename, so readers always see a whole version and a crash leaves the old one.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from newsdesk import __version__
from newsdesk.errors import NewsdeskError
from newsdesk.retrieval.chunk import ChunkerSettings, chunk_text
from newsdesk.types import Article, Chunk

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
CURRENT_FILE = "CURRENT"


class IndexProblem(NewsdeskError):
    """An index the user must act on; the message says what to run."""


class IndexMissing(IndexProblem):
    pass


class IndexDamaged(IndexProblem):
    pass


class IndexMismatch(IndexProblem):
    pass


def crash_point(name: str) -> None:
    """Fault-injection hook for the crash-safety tests: ``NEWSDESK_CRASH_AT=name`` kills the
    process here with SIGKILL, as a power cut would. Does nothing otherwise."""
    if os.environ.get("NEWSDESK_CRASH_AT") == name:
        import signal

        os.kill(os.getpid(), signal.SIGKILL)


EMBED_BATCH = 256


def embed_in_batches(encoder, texts: Sequence[str], progress: bool = False) -> np.ndarray:
    """Embed with a progress bar over batches (the model's own bar restarts per call)."""
    from tqdm import tqdm

    parts = []
    with tqdm(total=len(texts), desc="embedding", unit="chunk", disable=not progress or not texts) as bar:
        for start in range(0, len(texts), EMBED_BATCH):
            batch = texts[start : start + EMBED_BATCH]
            parts.append(encoder.embed(batch))
            bar.update(len(batch))
            crash_point("mid-embed")
    return np.vstack(parts) if parts else np.zeros((0, encoder.dim), dtype=np.float32)


def embedding_text(article: Article, chunk_text_: str) -> str:
    """What the encoder and BM25 see: the title gives every chunk its article's topic."""
    if article.title and not chunk_text_.startswith(article.title):
        return f"{article.title}\n{chunk_text_}"
    return chunk_text_


def _tokenize(texts: Sequence[str]):
    import bm25s
    import Stemmer

    return bm25s.tokenize(list(texts), stopwords="en", stemmer=Stemmer.Stemmer("english"), show_progress=False, return_ids=False)


@dataclass
class Index:
    """An index loaded in memory. Build with ``build_index``; persist with ``save_index``."""

    manifest: dict
    articles: dict[str, Article]
    chunks: list[Chunk]  # position i is BM25 document i
    vectors: object  # faiss.IndexIDMap2 over inner product
    bm25: object | None  # bm25s.BM25, None when there are no chunks
    _chunk_by_id: dict[int, Chunk] = field(default_factory=dict, repr=False)
    _position_by_id: dict[int, int] = field(default_factory=dict, repr=False)

    def __post_init__(self):
        self._chunk_by_id = {c.id: c for c in self.chunks}
        self._position_by_id = {c.id: i for i, c in enumerate(self.chunks)}

    def chunk(self, chunk_id: int) -> Chunk:
        return self._chunk_by_id[chunk_id]

    def article_of(self, chunk: Chunk) -> Article:
        return self.articles[chunk.article_id]

    def search_dense(self, query_vector: np.ndarray, n: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        """Top ``n`` chunk ids by cosine similarity, only among ``allowed`` ids when given."""
        import faiss

        n = min(n, len(self.chunks))
        if n == 0:
            return []
        params = None
        if allowed is not None:
            if len(allowed) == 0:
                return []
            params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(allowed.astype(np.int64)))
        scores, ids = self.vectors.search(query_vector.reshape(1, -1).astype(np.float32), n, params=params)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i >= 0]

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
            documents, scores = self.bm25.retrieve(tokens, k=n, show_progress=False, weight_mask=mask, n_threads=1)
        except (ValueError, KeyError):  # no query term is in the vocabulary
            return []
        return [(self.chunks[int(d)].id, float(s)) for d, s in zip(documents[0], scores[0]) if s > 0]


def _settings_in(manifest: dict) -> ChunkerSettings:
    return ChunkerSettings(**manifest["chunker"])


def build_index(
    articles: Iterable[Article],
    encoder,
    settings: ChunkerSettings = ChunkerSettings(),
    previous: Index | None = None,
    progress: bool = False,
) -> tuple[Index, dict]:
    """Index ``articles``; vectors of chunks already in ``previous`` are reused, not re-embedded.

    Returns:
        The new index and counts: ``{"embedded": chunks embedded now, "reused": ...}``.
    """
    import faiss

    articles = {a.id: a for a in articles}
    reuse = previous is not None and _settings_in(previous.manifest) == settings and previous.manifest["model"] == encoder.name
    next_id = 0
    chunks: list[Chunk] = []
    vectors = np.zeros((0, encoder.dim), dtype=np.float32)
    kept_vectors: list[np.ndarray] = []
    new_chunks: list[tuple[Article, int, int]] = []
    previous_chunks: dict[str, list[Chunk]] = {}
    if previous is not None:
        next_id = max((c.id for c in previous.chunks), default=-1) + 1
        for chunk in previous.chunks:
            previous_chunks.setdefault(chunk.article_id, []).append(chunk)
    for article in articles.values():
        if reuse and article.id in previous.articles:
            old = previous_chunks.get(article.id, [])
            chunks.extend(old)
            if old:
                kept_vectors.append(np.vstack([previous.vectors.reconstruct(c.id) for c in old]))
        else:
            new_chunks.extend((article, s, e) for s, e in chunk_text(article.text, encoder.count_tokens, settings))

    fresh = [Chunk(next_id + i, a.id, a.text[s:e], s, e) for i, (a, s, e) in enumerate(new_chunks)]
    crash_point("before-embed")
    fresh_vectors = embed_in_batches(encoder, [embedding_text(articles[c.article_id], c.text) for c in fresh], progress)
    chunks.extend(fresh)
    vectors = np.vstack(kept_vectors + [fresh_vectors]) if kept_vectors else fresh_vectors
    # One canonical order, whatever the update history: equal scores then rank alike.
    order = sorted(range(len(chunks)), key=lambda i: (chunks[i].article_id, chunks[i].start))
    chunks, vectors = [chunks[i] for i in order], vectors[order] if len(order) else vectors

    flat = faiss.IndexIDMap2(faiss.IndexFlatIP(encoder.dim))
    if len(chunks):
        flat.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), np.array([c.id for c in chunks], dtype=np.int64))
    manifest = new_manifest(encoder, settings, len(articles), len(chunks))
    index = Index(manifest, articles, chunks, flat, _build_bm25(chunks, articles))
    return index, {"embedded": len(fresh), "reused": len(chunks) - len(fresh)}


def _build_bm25(chunks: Sequence[Chunk], articles: dict[str, Article]):
    import bm25s

    if not chunks:
        return None
    retriever = bm25s.BM25()
    retriever.index(_tokenize([embedding_text(articles[c.article_id], c.text) for c in chunks]), show_progress=False)
    return retriever


def new_manifest(encoder, settings: ChunkerSettings, n_articles: int, n_chunks: int) -> dict:
    import bm25s
    import faiss

    return {
        "format": FORMAT_VERSION,
        "model": encoder.name,
        "dim": encoder.dim,
        "chunker": settings.as_dict(),
        "index_type": "flat-ip",
        "counts": {"articles": n_articles, "chunks": n_chunks},
        "versions": {"newsdesk": __version__, "faiss": faiss.__version__, "bm25s": bm25s.__version__},
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }


# ---------------------------------------------------------------- persistence


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_file(path: Path, data: bytes) -> None:
    with open(path, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _jsonl(records: Iterable[dict]) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode("utf-8")


def index_root(home: Path) -> Path:
    return Path(home) / "index"


def current_version(home: Path) -> Path | None:
    pointer = index_root(home) / CURRENT_FILE
    try:
        name = pointer.read_text().strip()
    except (FileNotFoundError, NotADirectoryError):
        return None
    return index_root(home) / name if name else None


def save_index(index: Index, home: Path) -> Path:
    """Write ``index`` as a new version under ``home`` and make it current, atomically."""
    import faiss

    root = index_root(home)
    root.mkdir(parents=True, exist_ok=True)
    name = f"v-{time.strftime('%Y%m%d-%H%M%S')}-{time.time_ns() % 10**9:09d}"
    staging = root / f".{name}.tmp"
    staging.mkdir()
    faiss.write_index(index.vectors, str(staging / "vectors.faiss"))
    with open(staging / "vectors.faiss", "rb+") as handle:
        os.fsync(handle.fileno())
    _write_file(staging / "chunks.jsonl", _jsonl({"id": c.id, "article_id": c.article_id, "start": c.start, "end": c.end} for c in index.chunks))
    crash_point("mid-write")
    _write_file(staging / "articles.jsonl", _jsonl(asdict(a) for a in index.articles.values()))
    if index.bm25 is not None:
        index.bm25.save(str(staging / "bm25"))
        for part in (staging / "bm25").iterdir():
            with open(part, "rb+") as handle:
                os.fsync(handle.fileno())
    # The manifest is written last: a version without one is incomplete by definition.
    _write_file(staging / "manifest.json", json.dumps(index.manifest, indent=2).encode())
    _fsync_dir(staging)
    final = root / name
    os.rename(staging, final)
    _fsync_dir(root)
    crash_point("before-switch")
    previous = current_version(home)
    pointer_tmp = root / f".{CURRENT_FILE}.tmp"
    _write_file(pointer_tmp, name.encode())
    os.replace(pointer_tmp, root / CURRENT_FILE)
    _fsync_dir(root)
    _remove_old_versions(root, keep={final, previous})
    return final


def _remove_old_versions(root: Path, keep: set) -> None:
    """Delete every version but the new and the previous one (a reader may still be loading
    it), and whatever a crashed writer left behind."""
    for path in root.iterdir():
        stale_version = path.is_dir() and path.name.startswith("v-") and path not in keep
        if stale_version or (path.name.startswith(".v-") and path.name.endswith(".tmp")):
            shutil.rmtree(path, ignore_errors=True)


def read_articles(home: Path) -> list[Article]:
    """The articles of the current version, whatever model or settings built it."""
    version = current_version(home)
    if version is None:
        raise IndexMissing(f"no index in {home}; run `newsdesk ingest PATH` first")
    try:
        lines = (version / "articles.jsonl").read_text(encoding="utf-8").splitlines()
        return [Article(**json.loads(line)) for line in lines]
    except (OSError, ValueError, TypeError) as error:
        raise IndexDamaged(f"cannot read the articles of {version} ({error}); ingest the article files again") from None


def load_index(home: Path, model_name: str | None = None, settings: ChunkerSettings | None = None) -> Index:
    """Load the current index version of ``home``.

    Raises:
        IndexMissing: no index has been built in ``home``.
        IndexDamaged: files are missing or unreadable.
        IndexMismatch: it was built with another model or chunker settings than asked for.
    """
    import bm25s
    import faiss

    version = current_version(home)
    if version is None:
        raise IndexMissing(f"no index in {home}; run `newsdesk ingest PATH` (or `newsdesk ask` to start from the seed articles)")
    try:
        manifest = json.loads((version / "manifest.json").read_text())
        if manifest.get("format") != FORMAT_VERSION:
            raise IndexMismatch(f"the index in {home} has format {manifest.get('format')}, this newsdesk reads {FORMAT_VERSION}; run `newsdesk rebuild`")
        articles = {a.id: a for a in read_articles(home)}
        chunks = []
        for line in (version / "chunks.jsonl").read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            text = articles[record["article_id"]].text[record["start"] : record["end"]]
            chunks.append(Chunk(record["id"], record["article_id"], text, record["start"], record["end"]))
        vectors = faiss.read_index(str(version / "vectors.faiss"))
        bm25 = bm25s.BM25.load(str(version / "bm25")) if chunks else None
        if vectors.ntotal != len(chunks) or manifest["counts"]["chunks"] != len(chunks):
            raise ValueError(f"{vectors.ntotal} vectors for {len(chunks)} chunks")
    except (IndexMismatch, IndexDamaged):
        raise
    except (OSError, ValueError, KeyError, TypeError, RuntimeError) as error:
        raise IndexDamaged(f"the index in {version} is damaged ({type(error).__name__}: {error}); run `newsdesk rebuild`") from None
    if model_name is not None and manifest["model"] != model_name:
        raise IndexMismatch(
            f"the index in {home} was built with the model {manifest['model']!r}, not {model_name!r}; "
            "run `newsdesk rebuild` to re-embed it with this model"
        )
    if settings is not None and _settings_in(manifest) != settings:
        raise IndexMismatch(
            f"the index in {home} was built with chunker settings {manifest['chunker']}, not {settings.as_dict()}; "
            "run `newsdesk rebuild` to re-chunk it"
        )
    return Index(manifest, articles, chunks, vectors, bm25)
