"""Training the reader for the open setting (issue 12): retrieved distractors and shared normalisation.

At run time the reader reads the five passages hybrid search returns and one answer is picked
among them, so a span score must mean the same in every passage. Training therefore groups each
question's windows (its gold paragraph plus passages newsdesk's retriever ranked high that do not
hold the answer) and adds a loss whose softmax runs over the context tokens of all windows of the
group at once (shared normalisation: Clark & Gardner (2018), *Simple and Effective Multi-Paragraph
Reading Comprehension*, ACL). The per-window loss stays, with distractor windows targeting [CLS],
so a window that does not answer says so.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Iterable, Sequence

import torch


def load_passages(path: Path) -> dict[str, list[tuple[str, str, float]]]:
    """``training/retrieve_passages.py`` output: question id -> [(article id, text, score), ...]."""
    out = {}
    with Path(path).open(encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            out[record["id"]] = [tuple(p) for p in record["passages"]]
    return out


def distractors(passages: Sequence[tuple[str, str, float]], gold_article: str, golds: Iterable[str],
                limit: int, normalize) -> list[str]:
    """The best-ranked retrieved passages that are neither the gold paragraph nor hold an answer.

    A passage that contains an accepted answer (normalised) is not a distractor: the reader
    would be taught to refuse a right answer.
    """
    answers = [normalize(g) for g in golds if normalize(g)]
    picked = []
    for article_id, text, _score in passages:
        if len(picked) >= limit:
            break
        if article_id == gold_article:
            continue
        normalized = f" {normalize(text)} "
        if any(f" {a} " in normalized for a in answers):
            continue
        picked.append(text)
    return picked


def pack_groups(groups: Sequence[Sequence], batch_size: int, rng: random.Random) -> list[list]:
    """Shuffle whole groups and pack them into batches of at most ``batch_size`` windows.

    A group (one question's windows) is never split, so its shared softmax sees all of it; a group
    larger than a batch is cut to its first ``batch_size`` windows (the gold ones come first).
    """
    order = list(range(len(groups)))
    rng.shuffle(order)
    batches, current = [], []
    for gi in order:
        group = list(groups[gi])[:batch_size]
        if current and len(current) + len(group) > batch_size:
            batches.append(current)
            current = []
        current += group
    if current:
        batches.append(current)
    return batches


def shared_norm_loss(logits: torch.Tensor, context: torch.Tensor, group: torch.Tensor,
                     target: torch.Tensor) -> torch.Tensor:
    """Cross-entropy of the answer position under one softmax over every window of a question.

    logits, context: [windows, tokens] (context marks the tokens a span may use); group: [windows],
    the question each window belongs to; target: [windows], the answer's token in that window or 0
    where the window has none. An answer seen in several windows (overlapping strides) counts once,
    by the sum of its probabilities. Groups without any answer add nothing; mean over the rest.
    """
    masked = logits.float().masked_fill(~context, float("-inf"))
    rows = torch.arange(logits.shape[0])
    losses = []
    for g in torch.unique(group):
        members = group == g
        answered = members & (target > 0)
        if not answered.any():
            continue
        everything = torch.logsumexp(masked[members].reshape(-1), 0)
        right = torch.logsumexp(masked[rows[answered], target[answered]], 0)
        losses.append(everything - right)
    if not losses:
        return logits.sum() * 0.0
    return torch.stack(losses).mean()
