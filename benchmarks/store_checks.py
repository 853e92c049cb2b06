"""What the store's checks cost at 100,000 chunks (issue 14): a synthetic flat index (random unit
vectors, 50,000 short articles, real BM25) saved, then loaded three times; the load checks every
file's SHA-256 (docs/RELIABILITY.md), timed beside a check of all hashes alone and of sizes alone.

    python benchmarks/store_checks.py
"""

import time
import tempfile
import numpy as np
from pathlib import Path
from newsdesk.retrieval.index import Index, _build_bm25, new_manifest
from newsdesk.retrieval.vectors import train_vector_index
from newsdesk.retrieval.chunk import ChunkerSettings
from newsdesk.retrieval.store import save_index, load_index, check_version, current_version
from newsdesk.types import Article, Chunk


class Encoder:
    name, dim = "synthetic", 384


n=100_000
rng=np.random.default_rng(0)
arts={}; chunks=[]
words="harbour council budget ferry museum river festival election minister report".split()
for i in range(n//2):
    text=" ".join(rng.choice(words, 60)) + f" item{i}. " + " ".join(rng.choice(words, 60))
    a=Article(id=f"{i:016x}", text=text, title=f"Story {i}")
    arts[a.id]=a
    half=len(text)//2
    chunks += [Chunk(2*i, a.id, text[:half], 0, half), Chunk(2*i+1, a.id, text[half:], half, len(text))]
vec=rng.standard_normal((n,384)).astype(np.float32); vec/=np.linalg.norm(vec,axis=1,keepdims=True)
vi,rec=train_vector_index("flat", vec)
vi.add_with_ids(vec, np.arange(n, dtype=np.int64))
idx=Index(new_manifest(Encoder(), ChunkerSettings(), len(arts), n, {**rec,"requested":"auto"}), arts, chunks, vi, _build_bm25(chunks, arts))
with tempfile.TemporaryDirectory() as home:
    t=time.perf_counter(); save_index(idx, Path(home)); print("save", round(time.perf_counter()-t,2))
    v=current_version(Path(home))
    print("files MB", round(sum(p.stat().st_size for p in v.rglob('*') if p.is_file())/1e6,1))
    for _ in range(3):
        t=time.perf_counter(); load_index(Path(home)); print("load", round(time.perf_counter()-t,3))
        t=time.perf_counter(); check_version(v, deep=True); print("deep check (all hashes)", round(time.perf_counter()-t,3))
        t=time.perf_counter(); check_version(v, deep=False); print("size check", round(time.perf_counter()-t,4))
