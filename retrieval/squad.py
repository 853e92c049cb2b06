"""SQuAD v1.1 data and metrics: loading the JSON format and the official EM/F1 normalisation."""

from __future__ import annotations

import json
import re
import string
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCTUATION = set(string.punctuation)


@dataclass(frozen=True)
class SquadQuestion:
    id: str
    question: str
    answers: tuple[str, ...]
    answer_starts: tuple[int, ...]
    context: str
    title: str


def normalize_answer(text: str) -> str:
    """Lower-case, drop punctuation, articles and extra whitespace (the official SQuAD rule)."""
    text = "".join(ch for ch in text.lower() if ch not in _PUNCTUATION)
    return " ".join(_ARTICLES.sub(" ", text).split())


def exact_match(prediction: str, gold: str) -> float:
    return float(normalize_answer(prediction) == normalize_answer(gold))


def f1_score(prediction: str, gold: str) -> float:
    predicted, expected = normalize_answer(prediction).split(), normalize_answer(gold).split()
    common = Counter(predicted) & Counter(expected)
    overlap = sum(common.values())
    if overlap == 0:
        return 0.0
    precision, recall = overlap / len(predicted), overlap / len(expected)
    return 2 * precision * recall / (precision + recall)


def best_over_golds(metric, prediction: str, golds) -> float:
    """The official script scores a prediction against its closest gold answer."""
    return max((metric(prediction, gold) for gold in golds), default=0.0)


def load_squad(path: str | Path) -> list[SquadQuestion]:
    """Read a SQuAD v1.1-format file into a flat list of questions.

    Raises:
        ValueError: when the file is not SQuAD v1.1-shaped JSON.
    """
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        questions = [
            SquadQuestion(
                id=str(qa["id"]),
                question=qa["question"],
                answers=tuple(a["text"] for a in qa.get("answers", [])),
                answer_starts=tuple(int(a.get("answer_start", -1)) for a in qa.get("answers", [])),
                context=paragraph["context"],
                title=article.get("title", ""),
            )
            for article in data["data"]
            for paragraph in article["paragraphs"]
            for qa in paragraph["qas"]
        ]
    except (OSError, UnicodeDecodeError) as error:
        raise ValueError(f"cannot read {path}: {error}") from None
    except (json.JSONDecodeError, KeyError, TypeError) as error:
        raise ValueError(f"{path} is not SQuAD v1.1 JSON ({type(error).__name__}: {error})") from None
    return questions
