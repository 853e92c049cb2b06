"""SQuAD v1.1 data and metrics: loading the JSON format, EM and F1 (over the official
normalisation, ``answering.text.normalize_answer``)."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from ..answering.text import normalize_answer


@dataclass(frozen=True)
class SquadQuestion:
    id: str
    question: str
    answers: tuple[str, ...]
    answer_starts: tuple[int, ...]
    context: str
    title: str


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


def squad_problem(data) -> str | None:
    """What keeps ``data`` (parsed JSON) from being SQuAD v1.1, in words; None when it is."""
    if not isinstance(data, dict) or not isinstance(data.get("data"), list):
        return "no 'data' list at the top"
    for a, article in enumerate(data["data"]):
        where = f"data[{a}]"
        if not isinstance(article, dict) or not isinstance(article.get("paragraphs"), list):
            return f"{where} has no 'paragraphs' list"
        for p, paragraph in enumerate(article["paragraphs"]):
            where = f"data[{a}].paragraphs[{p}]"
            if not isinstance(paragraph, dict) or not isinstance(paragraph.get("context"), str):
                return f"{where} has no 'context' text"
            if not isinstance(paragraph.get("qas"), list):
                return f"{where} has no 'qas' list"
            for q, qa in enumerate(paragraph["qas"]):
                where = f"data[{a}].paragraphs[{p}].qas[{q}]"
                if not isinstance(qa, dict) or "id" not in qa or not isinstance(qa.get("question"), str):
                    return f"{where} needs an 'id' and a 'question'"
                answers = qa.get("answers", [])
                if not isinstance(answers, list) or not all(isinstance(x, dict) and isinstance(x.get("text"), str) for x in answers):
                    return f"{where}: 'answers' must be a list of {{\"text\", \"answer_start\"}}"
    return None


def load_squad(path: str | Path) -> list[SquadQuestion]:
    """Read a SQuAD v1.1-format file into a flat list of questions.

    Raises:
        InvalidInput: the file cannot be read, or is not SQuAD v1.1-shaped JSON (one line
            that says where).
    """
    from newsdesk.errors import InvalidInput

    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InvalidInput(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise InvalidInput(f"cannot read {path}: {getattr(error, 'strerror', None) or error}") from None
    except json.JSONDecodeError as error:
        raise InvalidInput(f"{path} is not JSON ({error.msg} at line {error.lineno})") from None
    problem = squad_problem(data)
    if problem:
        raise InvalidInput(f"{path} is not SQuAD v1.1 format: {problem}")
    return [
        SquadQuestion(
            id=str(qa["id"]),
            question=qa["question"],
            answers=tuple(a["text"] for a in qa.get("answers", [])),
            answer_starts=tuple(_int_or(a.get("answer_start"), -1) for a in qa.get("answers", [])),
            context=paragraph["context"],
            title=str(article.get("title") or ""),
        )
        for article in data["data"]
        for paragraph in article["paragraphs"]
        for qa in paragraph["qas"]
    ]


def _int_or(value, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default
