"""Shared test helpers: a small deterministic fake encoder, and paths to ../shared data."""

from __future__ import annotations

import contextlib
import hashlib
import re
import threading
from http.server import ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SHARED_DATA = SHARED / "data"
needs_shared = pytest.mark.skipif(not SHARED_DATA.is_dir(), reason="../shared/data is absent (it is beside the repo only in development and CI)")


class FakeEncoder:
    """Hashing-trick bag of words: deterministic, instant, and similar texts get similar vectors."""

    name = "fake-hashing-encoder"
    dim = 64
    max_tokens = 254

    def count_tokens(self, texts):
        return [len(re.findall(r"\w+|[^\w\s]", t)) for t in texts]

    def embed(self, texts, progress=False):
        vectors = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                vectors[row, int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dim] += 1.0
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.where(norms == 0, 1, norms)


@contextlib.contextmanager
def local_http_server(handler):
    """A threaded HTTP server on 127.0.0.1 (a free port) answering with ``handler``; yields its
    base URL and stops it afterwards."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def fake_encoder():
    return FakeEncoder()


@pytest.fixture
def seed_desk(tmp_path, fake_encoder):
    """A Newsdesk over the seed articles with the fake encoder and the baseline reader."""
    from newsdesk.retrieval.service import Newsdesk
    from newsdesk.retrieval.settings import Settings
    from newsdesk.retrieval.sources.seeds import seed_paths

    desk = Newsdesk(Settings(home=tmp_path / "home", reader="baseline"), encoder=fake_encoder)
    desk.ingest(seed_paths())
    return desk
