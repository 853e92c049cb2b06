"""The vector index types, one ``VectorBackend`` class each (flat, ivf, ivf-sq8) picked by
``vector_backend(name)``: making, reading, updating and searching one. Also which to build
(``choose_index_type``), the IVF sizes (``ivf_nlist``, ``ivf_nprobe``) and the manifest's record
of it (``VectorRecord``). retrieval/index/build.py builds and searches with these;
benchmarks/ann_scale.py measures them.
"""

from __future__ import annotations

import logging
import math
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

log = logging.getLogger(__name__)

# ---------------------------------------------------------------- vector index types
# "flat" searches exactly; "ivf" (IndexIVFFlat) and "ivf-sq8" (IndexIVFScalarQuantizer, 8 bits per
# dimension: a quarter of the memory) search the nprobe nearest of nlist k-means lists.
# The numbers below come from benchmarks/ann_scale.py (docs/BENCHMARKS.md, "Index types at 1,000,000
# chunks"; how they were chosen: docs/benchmark-history.md).
IVF_FROM_CHUNKS = 200_000  # "auto": flat below this many chunks, ivf from here on
NLIST_PER_SQRT = 4  # nlist ≈ 4·√chunks ...
NLIST_MAX = 65_536
MIN_TRAIN_PER_LIST = 39  # ... but at least this many chunks per list (faiss warns below it)
TRAIN_PER_LIST = 64  # k-means trains on a sample of at most this many chunks per list
NPROBE_MIN = 64  # lists searched per query: at least this many ...
NPROBE_SHARE = 1 / 64  # ... or this share of the lists, whichever is more
RETRAIN_GROWTH = 4  # an IVF index is retrained when the corpus grows past 4× what it was trained at


@dataclass(frozen=True)
class VectorRecord:
    """The manifest's record of its vector index (``"index"``), e.g. type "ivf", nlist 4000,
    nprobe 64, trained_on 256000, trained_at_chunks 1000000, requested "auto". The IVF sizes are
    None for a flat index; ``requested`` is what was asked for ("auto" or a type)."""

    type: str
    nlist: int | None = None
    nprobe: int | None = None
    trained_on: int | None = None  # chunks k-means trained on
    trained_at_chunks: int | None = None  # the corpus size then (retrained past RETRAIN_GROWTH times it)
    requested: str | None = None

    @classmethod
    def from_manifest(cls, manifest: dict) -> VectorRecord:
        """The record of a manifest's JSON object. Manifests from before index types
        (``"index_type": "flat-ip"`` only) are flat; keys this version does not know are ignored."""
        record = manifest.get("index")
        if record is None:
            if manifest.get("index_type", "flat-ip") != "flat-ip":
                raise ValueError(f"unknown index type {manifest.get('index_type')!r}")
            return cls("flat", requested="auto")
        if not isinstance(record, dict) or record.get("type") not in BACKENDS:
            raise ValueError(f"unknown index type {record.get('type') if isinstance(record, dict) else record!r}")
        values = {name: record.get(name) for name in ("nlist", "nprobe", "trained_on", "trained_at_chunks")}
        wrong = [name for name, value in values.items() if value is not None and (type(value) is not int or value < 0)]
        if wrong or not isinstance(record.get("requested", ""), str):
            raise ValueError(f"the index record's {(wrong or ['requested'])[0]} is not valid: {record}")
        return cls(record["type"], **values, requested=record.get("requested"))

    def to_dict(self) -> dict:
        """The JSON object, in the order newsdesk has always written it; None fields left out."""
        return {key: value for key, value in asdict(self).items() if value is not None}


def index_record(manifest: dict) -> dict:
    """The manifest's record of the vector index as JSON, e.g. ``{"type": "ivf", "nlist": 4000,
    "nprobe": 64, "trained_on": 256000, "trained_at_chunks": 1000000, "requested": "auto"}``."""
    return VectorRecord.from_manifest(manifest).to_dict()


def check_index_type(name: str) -> str:
    if name not in INDEX_TYPES:
        raise ValueError(f"unknown index type {name!r}; use one of {', '.join(INDEX_TYPES)}")
    return name


def choose_index_type(requested: str, n_chunks: int, previous_type: str | None = None, ivf_from: int = IVF_FROM_CHUNKS) -> str:
    """The type to build for ``n_chunks``: ``requested``, unless it is "auto": then flat below
    ``ivf_from`` chunks and ivf from there on; an ivf index stays ivf until the corpus falls
    below half of ``ivf_from``, so that a corpus near the threshold is not retrained back and
    forth. An empty corpus is flat whatever was asked (IVF needs vectors to train on)."""
    check_index_type(requested)
    if n_chunks == 0:
        return "flat"
    if requested != "auto":
        return requested
    if previous_type == "ivf" and n_chunks >= ivf_from / 2:
        return "ivf"
    return "ivf" if n_chunks >= ivf_from else "flat"


def ivf_nlist(n_chunks: int) -> int:
    """≈ 4·√n lists (faiss's guideline is 4 to 16·√n; fewer lists train faster), at most
    ``NLIST_MAX``, and at least ``MIN_TRAIN_PER_LIST`` chunks per list."""
    by_size = round(NLIST_PER_SQRT * math.sqrt(n_chunks))
    return int(max(1, min(NLIST_MAX, by_size, n_chunks // MIN_TRAIN_PER_LIST)))


def ivf_nprobe(nlist: int) -> int:
    return int(min(nlist, max(NPROBE_MIN, math.ceil(nlist * NPROBE_SHARE))))


class VectorBackend:
    """One vector index type (inner product, ids = chunk ids): how an index of it is made, read
    from a version's ``vectors.faiss``, updated and searched. One instance per type, in
    ``BACKENDS``; ``vector_backend(name)`` picks it."""

    name: str
    legacy_name: str  # the manifest's "index_type", what newsdesk before index types wrote
    format = 1  # the manifest format it is written in (older newsdesks read 1)
    trained = False  # k-means lists: updated in proportion, memory-mapped on load, searched approximately
    lossy = False  # keeps approximations of the vectors, not the vectors

    def faiss_class(self) -> type:
        raise NotImplementedError

    def make(self, vectors: np.ndarray, nlist: int | None = None, seed: int = 0) -> tuple[object, VectorRecord]:
        """An empty index for ``vectors`` (trained on them where the type is), ready for ``add_with_ids``."""
        raise NotImplementedError

    def update(self, previous, drop_ids: Sequence[int], vectors: np.ndarray, ids: Sequence[int]):
        """``previous`` without ``drop_ids`` and with ``vectors`` under ``ids``, keeping its training."""
        raise TypeError(f"a {self.name} index is rebuilt, not updated: {type(previous).__name__}")

    def search_params(self, record: VectorRecord, selector, allowed: int | None, total: int):
        """faiss's search parameters: only the ``selector``'s ids (None: all), ``allowed`` of ``total``."""
        raise NotImplementedError

    def read(self, path: Path, mmap: bool):
        """The index in ``path``, checked to be of this type. ``mmap``: memory-map what can be
        (faiss's IO_FLAG_MMAP: the load is near-instant and processes share the pages)."""
        vectors = self.open(path, mmap)
        if not isinstance(vectors, self.faiss_class()):
            raise TypeError(f"the manifest says {self.name}, the vectors are a {type(vectors).__name__}")
        return vectors

    def open(self, path: Path, mmap: bool):
        import faiss

        return faiss.read_index(str(path))


class FlatBackend(VectorBackend):
    """Exact search over every vector (``IndexIDMap2`` over ``IndexFlatIP``), rebuilt on every update."""

    name, legacy_name = "flat", "flat-ip"

    def faiss_class(self) -> type:
        import faiss

        return faiss.IndexIDMap2

    def make(self, vectors, nlist=None, seed=0):
        import faiss

        return faiss.IndexIDMap2(faiss.IndexFlatIP(vectors.shape[1])), VectorRecord("flat")

    def search_params(self, record, selector, allowed, total):
        import faiss

        return None if selector is None else faiss.SearchParameters(sel=selector)


class IVFBackend(VectorBackend):
    """The ``nprobe`` nearest of ``nlist`` k-means lists, vectors kept whole (``IndexIVFFlat``)."""

    name, legacy_name, format, trained = "ivf", "ivf-flat-ip", 2, True

    def faiss_class(self) -> type:
        import faiss

        return faiss.IndexIVFFlat

    def lists(self, quantizer, dim: int, nlist: int):
        import faiss

        return faiss.IndexIVFFlat(quantizer, dim, nlist, faiss.METRIC_INNER_PRODUCT)

    def copy(self, previous, quantizer):
        """An empty, trained index with ``previous``'s training (its lists are copied by ``update``)."""
        import faiss

        return faiss.IndexIVFFlat(quantizer, previous.d, previous.nlist, previous.metric_type)

    def make(self, vectors, nlist=None, seed=0):
        """IVF indexes are trained here (k-means, spherical for inner product) on a sample of at
        most ``TRAIN_PER_LIST`` vectors per list; ``nlist`` defaults to ``ivf_nlist``."""
        import faiss

        n, dim = vectors.shape
        nlist = max(1, min(nlist or ivf_nlist(n), n))
        ivf = self.lists(faiss.IndexFlatIP(dim), dim, nlist)  # the list centroids; the index keeps a reference
        sample = vectors
        if n > TRAIN_PER_LIST * nlist:
            sample = vectors[np.sort(np.random.default_rng(seed).choice(n, TRAIN_PER_LIST * nlist, replace=False))]
        faiss.omp_set_num_threads(os.cpu_count() or 1)  # k-means uses every core: this thread's setting only (searches set one)
        if len(sample) < MIN_TRAIN_PER_LIST * nlist:
            # A small corpus forced to IVF: faiss would print its own k-means warning to stderr,
            # past logging; we know, and say it in the log instead (shown with -v).
            log.info("training %d lists on %d vectors: fewer than the %d per list k-means wants", nlist, len(sample), MIN_TRAIN_PER_LIST)
            ivf.cp.min_points_per_centroid = 1
        ivf.train(np.ascontiguousarray(sample, dtype=np.float32))
        ivf.set_direct_map_type(faiss.DirectMap.Hashtable)  # reconstruct and remove by chunk id
        ivf.nprobe = ivf_nprobe(nlist)  # search_dense passes it per query; stored for other readers
        return ivf, VectorRecord(self.name, nlist, ivf.nprobe, len(sample), n)

    def update(self, previous, drop_ids, vectors, ids):
        """Work in proportion to the change, plus one copy of the lists in memory (made with
        ``copy_subset_to``, which also reads memory-mapped lists)."""
        import faiss

        copy = self.copy(previous, faiss.clone_index(previous.quantizer))
        copy.is_trained, copy.nprobe = True, previous.nprobe
        previous.copy_subset_to(copy, faiss.InvertedLists.SUBSET_TYPE_ID_RANGE, 0, 2**62)  # every id
        copy.set_direct_map_type(faiss.DirectMap.Hashtable)
        if len(drop_ids):
            dropped = np.asarray(drop_ids, dtype=np.int64)
            copy.remove_ids(faiss.IDSelectorArray(dropped))  # a hashtable direct map removes only by an array
        if len(ids):
            copy.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), np.asarray(ids, dtype=np.int64))
        return copy

    def search_params(self, record, selector, allowed, total):
        import faiss

        nprobe = record.nprobe
        if allowed is not None:  # probe more lists, to scan as many allowed chunks as without a filter
            nprobe = min(record.nlist, math.ceil(nprobe * total / allowed))
        return faiss.SearchParametersIVF(sel=selector, nprobe=nprobe)

    def open(self, path, mmap):
        """The lists memory-mapped when ``mmap`` (read whole when they cannot be)."""
        import faiss

        if mmap:
            try:
                vectors = faiss.read_index(str(path), faiss.IO_FLAG_MMAP)
                lists = faiss.downcast_InvertedLists(vectors.invlists)
                if hasattr(lists, "prefetch_nthread"):  # else 32 prefetch threads per query: 10× slower
                    lists.prefetch_nthread = 0
                return vectors
            except RuntimeError as error:
                log.debug("cannot memory-map %s (%s); reading it", path, error)
        return super().open(path, mmap)


class IVFSQ8Backend(IVFBackend):
    """IVF lists of 8-bit vectors (``IndexIVFScalarQuantizer``): a quarter of the memory."""

    name, legacy_name, lossy = "ivf-sq8", "ivf-sq8-ip", True

    def faiss_class(self) -> type:
        import faiss

        return faiss.IndexIVFScalarQuantizer

    def lists(self, quantizer, dim, nlist):
        import faiss

        return faiss.IndexIVFScalarQuantizer(quantizer, dim, nlist, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT)

    def copy(self, previous, quantizer):
        import faiss

        copy = faiss.IndexIVFScalarQuantizer(quantizer, previous.d, previous.nlist, previous.sq.qtype,
                                             previous.metric_type, previous.by_residual)
        copy.sq = previous.sq  # the trained 8-bit ranges
        return copy


# A new type is a class above and its instance here; --index-type, the manifest and loading follow.
BACKENDS: dict[str, VectorBackend] = {b.name: b for b in (FlatBackend(), IVFBackend(), IVFSQ8Backend())}
INDEX_TYPES = ("auto", *BACKENDS)  # what may be asked for


def vector_backend(name: str) -> VectorBackend:
    """The backend of the index type ``name`` (a key of ``BACKENDS``)."""
    try:
        return BACKENDS[name]
    except KeyError:
        raise ValueError(f"cannot build an index of type {name!r}") from None


def train_vector_index(kind: str, vectors: np.ndarray, nlist: int | None = None, seed: int = 0) -> tuple[object, dict]:
    """An empty faiss index of type ``kind``, ready for ``add_with_ids``, and its manifest record
    as JSON. ``build_index`` and benchmarks/ann_scale.py both make their indexes with this function."""
    index, record = vector_backend(kind).make(vectors, nlist, seed)
    return index, record.to_dict()


def updated_vector_index(previous, drop_ids: Sequence[int], vectors: np.ndarray, ids: Sequence[int]):
    """A copy of the IVF index ``previous`` with its training, without ``drop_ids`` and with
    ``vectors`` added under ``ids`` (``IVFBackend.update``)."""
    for backend in BACKENDS.values():
        if backend.trained and isinstance(previous, backend.faiss_class()):
            return backend.update(previous, drop_ids, vectors, ids)
    raise TypeError(f"not an IVF index: {type(previous).__name__}")
