"""How likely an answer is to be right: a small logistic model over what answer assembly knows.

A reader's span score says how sure it is *within the window it read*; a distractor passage
can be read with confidence. Whether to answer at all is better judged on more evidence: the
reader's confidence, the same weighed by retrieval, how far ahead of the next answer it is and
of the best answer from another story (a question that fits two stories is a guess between
them), whether the sentence it sits in speaks of the question's words, how long it is, and
whether its article names what the question names (an answer from another story does not). A
logistic model over these, fitted on held-out questions of every source
(``training/calibrate_answers.py``), turns them into the probability that the answer is an
exact match, which is then what newsdesk reports as the answer's score and abstains on.

Weights on confidence, weighted score, sentence overlap, both margins and the share of the
question's names in the answer's article are never negative (the fit keeps them so): more support can then only raise the probability, which is what lets
answer assembly stop reading early (``answer.rest_cannot_matter``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np

FLOOR = 1e-4  # scores below this count as this (logs stay finite)
FEATURES = ("log_confidence", "log_weighted", "sentence_overlap", "log_margin", "log_answer_words", "sentence_answer",
            "names_in_article", "log_story_margin")
NON_NEGATIVE = frozenset({"log_confidence", "log_weighted", "sentence_overlap", "log_margin", "names_in_article",
                          "log_story_margin"})


@dataclass(frozen=True)
class AnswerEvidence:
    """What answer assembly knows about one candidate answer of a question."""

    confidence: float  # the reader's aggregated score for it, in [0, 1]
    weighted: float  # the same, each span weighed by its passage's retrieval rank
    runner_up: float  # the best weighted score of any other answer (0 when there is none)
    sentence_overlap: float  # share of the question's content words in its best sentence
    answer_words: int
    sentence_answer: bool = False  # the answer is a whole sentence (what was said, why, how)
    names_in_article: float = 1.0  # share of the question's names its article mentions (another story's answer lacks them)
    other_story: float = 0.0  # the best weighted score of an answer from another story (``stories.same_story``)

    def features(self) -> list[float]:
        """The model's inputs, in the order of ``FEATURES``."""
        weighted = math.log(max(self.weighted, FLOOR))
        return [
            math.log(max(self.confidence, FLOOR)),
            weighted,
            self.sentence_overlap,
            weighted - math.log(max(self.runner_up, FLOOR)),
            math.log(1 + self.answer_words),
            float(self.sentence_answer),
            self.names_in_article,
            weighted - math.log(max(self.other_story, FLOOR)),
        ]


@dataclass(frozen=True)
class AnswerCalibration:
    """``P(exact match) = sigmoid(bias + weights · features)``."""

    weights: tuple[float, ...]
    bias: float

    def __post_init__(self):
        if len(self.weights) != len(FEATURES):
            raise ValueError(f"an answer calibration needs {len(FEATURES)} weights, got {len(self.weights)}")
        negative = [name for name, w in zip(FEATURES, self.weights) if name in NON_NEGATIVE and w < 0]
        if negative:
            raise ValueError(f"answer calibration weights must not be negative: {', '.join(negative)}")

    def probability(self, evidence: AnswerEvidence) -> float:
        z = self.bias + sum(w * x for w, x in zip(self.weights, evidence.features()))
        return 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0

    @classmethod
    def from_config(cls, config: dict) -> AnswerCalibration:
        """From ``{"features": [...], "weights": [...], "bias": b}`` (a reader_config.json entry).
        A calibration fitted before a feature was added weighs that feature 0."""
        features = list(config.get("features", []))
        if not features or features != list(FEATURES[:len(features)]) or len(config.get("weights", [])) != len(features):
            raise ValueError(f"answer calibration features must be {list(FEATURES)} or the first of them")
        weights = [float(w) for w in config["weights"]] + [0.0] * (len(FEATURES) - len(features))
        return cls(tuple(weights), float(config["bias"]))

    def to_config(self) -> dict:
        return {"features": list(FEATURES), "weights": [round(w, 6) for w in self.weights], "bias": round(self.bias, 6)}


def fit_calibration(features: Sequence[Sequence[float]], right: Sequence[bool], l2: float = 1.0) -> AnswerCalibration:
    """Logistic regression by L-BFGS-B, L2 penalty ``l2`` on the weights (not the bias), the
    ``NON_NEGATIVE`` weights bounded below by 0."""
    from scipy.optimize import minimize

    x = np.asarray(features, dtype=np.float64)
    y = np.asarray(right, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] != len(FEATURES) or len(x) != len(y) or len(set(y.tolist())) < 2:
        raise ValueError("fitting a calibration needs feature rows of every FEATURES and both right and wrong answers")

    def loss(params):
        w, b = params[:-1], params[-1]
        z = x @ w + b
        # log(1 + e^z) - y z, written to stay finite for large |z|
        value = np.sum(np.logaddexp(0.0, z) - y * z) + 0.5 * l2 * w @ w
        p = 1.0 / (1.0 + np.exp(-z))
        return value, np.append(x.T @ (p - y) + l2 * w, np.sum(p - y))

    bounds = [(0.0, None) if name in NON_NEGATIVE else (None, None) for name in FEATURES] + [(None, None)]
    result = minimize(loss, np.zeros(len(FEATURES) + 1), jac=True, method="L-BFGS-B", bounds=bounds)
    return AnswerCalibration(tuple(float(w) for w in result.x[:-1]), float(result.x[-1]))
