"""The answer verifier: a second look at the reader's best few candidates.

The reader scores spans window by window; it never sets one candidate beside another. The
verifier reads the question with each candidate in its sentence and the sentence before it
(``answering.verification.candidate_text``) and scores how well that candidate answers it;
trained on the news benchmark's train stories to rank the right candidate of each question
first (``newsdesk.training.train_verifier``). Its encoder starts from the reader's, so it knows
extractive QA before it learns to compare.

Shipped in ``retrieval/verifier_model/``: ``verifier.safetensors`` (the encoder's trained layers
and the score head, fp16; the embeddings are the bundled encoder's) and ``verifier_config.json``.
Answering runs it through ONNX (int8, cached as the reader is); torch only where onnxruntime is
missing.
"""
from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

log = logging.getLogger(__name__)

SHIPPED_DIR = Path(__file__).resolve().parents[2] / "verifier_model"
CONFIG_FILE = "verifier_config.json"
WEIGHTS_FILE = "verifier.safetensors"
KIND = "newsdesk-answer-verifier"


@dataclass(frozen=True)
class VerifierConfig:
    """What ``verifier_config.json`` holds: the encoder's depth and how a candidate is read."""

    num_layers: int
    max_len: int = 160
    precision: str = "int8"

    @classmethod
    def load(cls, path: Path) -> VerifierConfig:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("kind") != KIND:
                raise ValueError(f"not a {KIND} config")
            return cls(num_layers=int(data["num_layers"]), max_len=int(data.get("max_len", 160)),
                       precision=str(data.get("precision", "int8")))
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise ValueError(f"{path}: unreadable verifier config ({error})") from None

    def save(self, path: Path, **extra) -> None:
        data = {"kind": KIND, "num_layers": self.num_layers, "max_len": self.max_len, "precision": self.precision, **extra}
        path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def build_model(num_layers: int, encoder=None):
    """The verifier's network: a BERT encoder (``encoder``, or the bundled one's lowest
    ``num_layers`` layers) and a linear score on its first token."""
    import torch
    from newsdesk.embeddings.encoder import bundled_model_path
    from transformers import AutoConfig, BertModel

    class Verifier(torch.nn.Module):
        def __init__(self, bert):
            super().__init__()
            self.bert = bert
            self.dropout = torch.nn.Dropout(0.1)
            self.score = torch.nn.Linear(bert.config.hidden_size, 1)

        def forward(self, input_ids, attention_mask, token_type_ids):
            hidden = self.bert(input_ids=input_ids, attention_mask=attention_mask,
                               token_type_ids=token_type_ids).last_hidden_state[:, 0]
            return self.score(self.dropout(hidden)).squeeze(-1)

    if encoder is None:
        architecture = AutoConfig.from_pretrained(bundled_model_path(), attn_implementation="eager")
        architecture.num_hidden_layers = num_layers
        encoder = BertModel(architecture, add_pooling_layer=False)
    return Verifier(encoder)


def load_model(directory: Path):
    """The shipped verifier as a torch module (eval mode): the bundled encoder's word embeddings
    and the trained layers and head."""
    import torch
    from newsdesk.embeddings.encoder import bundled_model_path
    from safetensors.torch import load_file

    config = VerifierConfig.load(directory / CONFIG_FILE)
    model = build_model(config.num_layers)
    bundled = load_file(str(bundled_model_path() / "model.safetensors"))
    state = {f"bert.{name}" if not name.startswith("bert.") else name: tensor for name, tensor in bundled.items()
             if "embeddings." in name and not name.endswith("position_ids")}
    state.update({name: tensor.to(torch.float32) for name, tensor in load_file(str(directory / WEIGHTS_FILE)).items()})
    missing, unexpected = model.load_state_dict(state, strict=False)
    missing = [name for name in missing if not name.endswith("position_ids")]
    if missing or unexpected:
        raise ValueError(f"{directory}: verifier weights do not fit (missing {missing[:5]}, unexpected {unexpected[:5]})")
    return model.eval()


def _export(directory: Path, target: Path) -> None:
    import torch
    from newsdesk.embeddings.onnx_runtime import export_to_onnx

    example = torch.ones(2, 8, dtype=torch.long)
    export_to_onnx(load_model(directory), {"input_ids": example, "attention_mask": example,
                                           "token_type_ids": torch.zeros_like(example)}, ["scores"], target)


class AnswerVerifier:
    """Scores candidate answers to a question (higher: likelier right). Loaded on first use."""

    def __init__(self, model_dir: Path = SHIPPED_DIR, runtime: str = "onnx"):
        self.model_dir = Path(model_dir)
        self.runtime = runtime
        self._run = None
        self._tokenizer = None
        self._lock = threading.Lock()

    @staticmethod
    def available(model_dir: Path = SHIPPED_DIR) -> bool:
        return (Path(model_dir) / CONFIG_FILE).is_file() and (Path(model_dir) / WEIGHTS_FILE).is_file()

    def _load(self) -> None:
        with self._lock:
            if self._run is not None:
                return
            from newsdesk.embeddings import onnx_runtime
            from newsdesk.embeddings.encoder import bundled_model_path, plain_tokenizer

            config = VerifierConfig.load(self.model_dir / CONFIG_FILE)
            tokenizer = plain_tokenizer(bundled_model_path() / "tokenizer.json")
            tokenizer.enable_truncation(max_length=config.max_len, strategy="only_second")
            tokenizer.enable_padding()
            self._tokenizer = tokenizer
            if self.runtime == "onnx" and onnx_runtime.onnxruntime_available():
                try:
                    self._run = self._onnx(config)
                    return
                except onnx_runtime.RuntimeUnavailable as error:
                    log.warning("%s; verifying with torch", error)
            self._run = self._torch()

    def _onnx(self, config: VerifierConfig):
        from newsdesk.embeddings import onnx_runtime
        from newsdesk.embeddings.encoder import bundled_model_path

        bert = json.loads((bundled_model_path() / "config.json").read_text())
        path = onnx_runtime.compiled_model("verifier", [bundled_model_path() / "model.safetensors", self.model_dir / WEIGHTS_FILE],
                                           {"verifier": str(self.model_dir)},
                                           lambda target: _export(self.model_dir, target), config.precision,
                                           bert["num_attention_heads"], bert["hidden_size"])
        session = onnx_runtime.open_session(path)
        return lambda inputs: session.run(["scores"], inputs)[0]

    def _torch(self):
        import torch

        model = load_model(self.model_dir)

        def run(inputs: dict[str, np.ndarray]) -> np.ndarray:
            with torch.inference_mode():
                return model(**{name: torch.from_numpy(value) for name, value in inputs.items()}).numpy()
        return run

    def scores(self, question: str, candidates: Sequence[str]) -> list[float]:
        """One score per candidate (``candidate_text``) for ``question``."""
        if not candidates:
            return []
        self._load()
        encodings = self._tokenizer.encode_batch([(question, text) for text in candidates])
        inputs = {"input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
                  "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
                  "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64)}
        return [float(v) for v in np.asarray(self._run(inputs)).reshape(-1)]
