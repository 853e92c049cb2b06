"""The answer verifier's part in choosing the answer: how a candidate is written for it, and how
its scores reorder the reader's best candidates (``verified``). The model itself is
``readers/verifier.py``; ``answer.assemble_answer`` calls it through a plain function."""

from __future__ import annotations

import math
from typing import Callable, Sequence

from .ranking import RankedAnswer

# The verifier reorders only the reader's best few: further down, the right answer is rare and a
# confident verifier would mostly promote noise. Chosen on the news benchmark's validation split and
# its train stories the verifier never saw (s115-s134): 3 beat 6 on both.
VERIFIED_DEPTH = 3
# A candidate too unsure to be given that the verifier prefers to the answer by more than this (in
# the sum of ``verified``) leaves the answer in doubt: refused. On both held-out news sets 1.5 refuses
# about 10 wrong answers for no right one; 0 (always) also refuses 2-4 right answers, 3 half the wrong.
VERIFIER_DOUBT = 1.5
# ... if the calibration gives it at least this: a candidate almost surely wrong casts no doubt (the seed
# question "which US envoys were in Berlin" has "U.S. envoys and European allies" at 0.08). On both
# held-out news sets it changes one answer at most.
DOUBT_MIN_PROBABILITY = 0.1

# Scores candidate texts (``answer.verifier_texts``) for a question: ``readers.verifier.AnswerVerifier.scores``.
Verify = Callable[[str, Sequence[str]], Sequence[float]]


def candidate_text(answer: str, sentence: str, previous: str) -> str:
    """How the verifier reads a candidate: the answer, then its sentence after the one before it."""
    return f"{answer} [SEP] {previous} {sentence}".strip()


def verified(ranked: Sequence[RankedAnswer], scores: Sequence[float], probabilities: Sequence[float], min_score: float,
             depth: int = VERIFIED_DEPTH) -> tuple[list[RankedAnswer], bool]:
    """``ranked`` with the best of its first ``depth`` candidates put first, and whether that answer
    is in doubt. Each is judged by its weighed score's log plus the verifier's score (``scores``, one
    per candidate from the first): the reader's weight and the verifier's judgement count alike. Only
    a candidate whose calibrated probability (``probabilities``) is at ``min_score`` can be put first;
    one under it (but at ``DOUBT_MIN_PROBABILITY``) judged better than the answer by more than
    ``VERIFIER_DOUBT`` puts the answer in doubt."""
    judged = [(r, math.log(max(r.score, 1e-9)) + score, p) for r, score, p in zip(ranked[:depth], scores, probabilities)]
    givable = [(r, j) for r, j, p in judged if p >= min_score]
    if not givable:
        return list(ranked), False
    best, best_judged = max(givable, key=lambda pair: pair[1])
    doubted = any(j - best_judged > VERIFIER_DOUBT for _, j, p in judged if DOUBT_MIN_PROBABILITY <= p < min_score)
    return [best] + [r for r in ranked if r is not best], doubted
