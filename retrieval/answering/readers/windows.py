"""A reader's windows and spans, in numpy: the question and a passage cut into overlapping windows
of word pieces, run without padding, and the best-scoring spans of a window (both runtimes)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

# Takes the windows' input arrays, returns float32 (start logits, end logits), each (windows, tokens).
Runner = Callable[[dict[str, np.ndarray]], tuple[np.ndarray, np.ndarray]]


@dataclass
class Windows:
    """Question + chunk windows, padded into arrays, with what maps tokens back to characters."""

    input_ids: np.ndarray  # (windows, tokens) int64
    token_type_ids: np.ndarray
    attention_mask: np.ndarray
    is_context: np.ndarray  # bool: the token belongs to the chunk text
    offsets: list[list[tuple[int, int]]]  # character offsets of each token in its chunk
    chunk_of: list[int]  # window -> index of its chunk


def cut_windows(tokenizer, question: str, texts: Sequence[str], max_len: int, stride: int) -> Windows:
    """Tokenize (question, text) pairs into windows of ``max_len`` tokens that overlap by
    ``stride`` tokens when a text does not fit, as the reader was trained."""
    tokenizer.enable_truncation(max_len, stride=stride, strategy="only_second")
    tokenizer.no_padding()
    windows, chunk_of = [], []
    for index, encoding in enumerate(tokenizer.encode_batch([(question, text) for text in texts])):
        for window in [encoding, *encoding.overflowing]:
            windows.append(window)
            chunk_of.append(index)
    length = max(len(w.ids) for w in windows)
    shape = (len(windows), length)
    arrays = {name: np.zeros(shape, dtype=np.int64) for name in ("input_ids", "token_type_ids", "attention_mask")}
    is_context = np.zeros(shape, dtype=bool)
    for row, window in enumerate(windows):
        n = len(window.ids)
        arrays["input_ids"][row, :n] = window.ids
        arrays["token_type_ids"][row, :n] = window.type_ids
        arrays["attention_mask"][row, :n] = window.attention_mask
        is_context[row, :n] = [sequence == 1 for sequence in window.sequence_ids]
    return Windows(**arrays, is_context=is_context, offsets=[w.offsets for w in windows], chunk_of=chunk_of)


def run_unpadded(run: Runner, inputs: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """``run`` on one window at a time, each cut to its own length; padding positions get -1e4.

    On ONNX Runtime int8, five windows of SQuAD paragraphs read in 62 ms this way against 95 ms
    as one padded batch (2-core EPYC); two windows at a time on one thread each were no faster
    than one at a time on both. Torch in bf16 is the other way round (124 vs 210 ms on the
    seeds), so its runner takes the batch.
    """
    lengths = inputs["attention_mask"].sum(axis=1)
    start = np.full(inputs["input_ids"].shape, -1e4, dtype=np.float32)
    end = start.copy()
    for row, n in enumerate(lengths):
        start[row, :n], end[row, :n] = (logits[0] for logits in run({k: v[row : row + 1, :n] for k, v in inputs.items()}))
    return start, end


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max())
    return shifted / shifted.sum()


def trim_whitespace(text: str, start: int, end: int) -> tuple[int, int]:
    """The character span ``text[start:end]`` without its leading and trailing whitespace.

    Sentencepiece tokenizers (e5's "▁President") count the space before a word as part of the
    token, and an answer should not start with it. A span of spaces alone becomes the empty span
    where it ends (for cross-tokenizer distillation: its start then goes to the next word, its end
    to the one before).
    """
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else (end, end)


def best_spans_in_window(start_logits: np.ndarray, end_logits: np.ndarray, is_context: np.ndarray,
                         cls_position: int | None, max_answer_tokens: int, candidates: int, keep: int):
    """The ``keep`` best (score, start token, end token) of one window, best first.

    Start and end are soft-maxed over the context tokens plus [CLS] (the "no answer here"
    option), so a score is P(start)·P(end) of a span, comparable across windows.
    """
    allowed = is_context.copy()
    if cls_position is not None:
        allowed[cls_position] = True
    p_start = np.where(is_context, _softmax(np.where(allowed, start_logits, -np.inf)), 0.0)
    p_end = np.where(is_context, _softmax(np.where(allowed, end_logits, -np.inf)), 0.0)
    k = min(candidates, int(is_context.sum()))
    starts = np.argsort(-p_start, kind="stable")[:k]
    ends = np.argsort(-p_end, kind="stable")[:k]
    pair = p_start[starts][:, None] * p_end[ends][None, :]
    length = ends[None, :] - starts[:, None]
    pair = np.where((length >= 0) & (length < max_answer_tokens), pair, -1.0)
    flat = np.argsort(-pair, axis=None, kind="stable")[:keep]
    return [(float(pair.flat[f]), int(starts[f // k]), int(ends[f % k])) for f in flat if pair.flat[f] >= 0]
