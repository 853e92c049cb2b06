"""The vector index types as backends behind one base class and a factory (retrieval/index/vectors.py)."""

import faiss
import numpy as np
import pytest
from newsdesk.retrieval.index.vectors import (
    BACKENDS,
    INDEX_TYPES,
    VectorRecord,
    train_vector_index,
    updated_vector_index,
    vector_backend,
)


def _vectors(n=200, dim=16, seed=1):
    vectors = np.random.default_rng(seed).normal(size=(n, dim)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_each_type_is_one_backend_and_keeps_its_names_and_format_on_disk():
    assert INDEX_TYPES == ("auto", *BACKENDS) and list(BACKENDS) == ["flat", "ivf", "ivf-sq8"]
    assert {name: (b.legacy_name, b.format, b.trained, b.lossy) for name, b in BACKENDS.items()} == {
        "flat": ("flat-ip", 1, False, False), "ivf": ("ivf-flat-ip", 2, True, False), "ivf-sq8": ("ivf-sq8-ip", 2, True, True)}
    with pytest.raises(ValueError, match="cannot build an index of type 'hnsw'"):
        vector_backend("hnsw")


@pytest.mark.parametrize("kind", list(BACKENDS))
def test_a_made_index_is_of_its_class_and_reads_back_from_disk(tmp_path, kind):
    vectors = _vectors()
    index, record = vector_backend(kind).make(vectors, nlist=4)
    assert isinstance(index, vector_backend(kind).faiss_class()) and record.type == kind
    assert train_vector_index(kind, vectors, 4)[1] == record.to_dict()
    index.add_with_ids(vectors, np.arange(len(vectors), dtype=np.int64))
    faiss.write_index(index, str(tmp_path / "vectors.faiss"))
    for mmap in (False, True):
        again = vector_backend(kind).read(tmp_path / "vectors.faiss", mmap)
        assert again.ntotal == len(vectors) and type(again) is type(index)
    other = next(name for name in BACKENDS if name != kind)
    with pytest.raises(TypeError, match=f"the manifest says {other}, the vectors are a {type(index).__name__}"):
        vector_backend(other).read(tmp_path / "vectors.faiss", False)


def test_only_trained_types_update_in_place():
    vectors = _vectors()
    flat, _ = vector_backend("flat").make(vectors)
    with pytest.raises(TypeError, match="not an IVF index: IndexIDMap2"):
        updated_vector_index(flat, [], vectors[:0], [])
    ivf, _ = vector_backend("ivf-sq8").make(vectors, nlist=4)
    ivf.add_with_ids(vectors[:150], np.arange(150, dtype=np.int64))
    updated = updated_vector_index(ivf, [0, 1], vectors[150:], np.arange(150, 200))
    assert type(updated) is faiss.IndexIVFScalarQuantizer and updated.ntotal == 198 and ivf.ntotal == 150


def test_search_parameters_probe_more_lists_for_a_filter():
    record = VectorRecord("ivf", nlist=100, nprobe=10, trained_on=200, trained_at_chunks=200)
    assert vector_backend("ivf").search_params(record, None, None, 1000).nprobe == 10
    assert vector_backend("ivf").search_params(record, None, 250, 1000).nprobe == 40
    assert vector_backend("ivf").search_params(record, None, 10, 1000).nprobe == 100
    assert vector_backend("flat").search_params(VectorRecord("flat"), None, None, 1000) is None
