"""Fixtures for the Telegram bot tests: a fast deterministic encoder and a small real index."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import numpy as np
import pytest

from newsdesk.retrieval.service import Newsdesk, Settings, seed_paths

_WORD = re.compile(r"\w+", re.UNICODE)


class FakeEncoder:
    """Hashing-trick bag of words: deterministic, instant, and good enough for retrieval tests."""

    name = "fake-hashing-encoder"
    dim = 256
    max_tokens = 256

    def count_tokens(self, texts):
        return [int(len(text.split()) * 1.3) + 1 for text in texts]

    def embed(self, texts, progress=False):
        vectors = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in _WORD.findall(text.lower()):
                bucket = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=4).digest(), "little")
                vectors[row, bucket % self.dim] += 1.0
            norm = np.linalg.norm(vectors[row])
            vectors[row] = vectors[row] / norm if norm else vectors[row]
        return vectors


def make_desk(home: Path) -> Newsdesk:
    """A real ``Newsdesk`` over the seed articles, with the fake encoder and the baseline reader."""
    desk = Newsdesk(Settings(home=home, reader="baseline"), encoder=FakeEncoder())
    desk.ingest(seed_paths())
    return desk


@pytest.fixture
def desk(tmp_path) -> Newsdesk:
    return make_desk(tmp_path / "home")
