"""The news benchmark's pure parts: reading the stories, scoring one answer, summing up, comparing.

Nothing here loads a model; ``benchmarks/news_benchmark.py`` asks the questions and hands each
answer to ``score_answer``. The rules, in SQuAD's normalisation (answering/text.py) with "%" and
"per cent" read as "percent":

- EM: the answer equals an accepted answer.
- contains: the answer contains an accepted answer as whole words (or equals one).
- quote holds: the supporting quote contains an accepted answer.
- shown: refused, but a passage shown beside the refusal contains an accepted answer.
- confident wrong: answered (not abstained) and neither EM nor contains; an unanswerable
  question answered at all.
- newest leads (questions with ``superseded``): the lead answer contains an accepted (newest)
  answer; other figure shown: some alternative's text contains a superseded answer.
- stray alternatives: differing outlets shown whose text neither holds an accepted or superseded
  answer nor lies inside one: words put in an outlet's mouth that answer nothing asked.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

from ..answering.text import normalize_answer

KINDS = ("who", "what", "when", "where", "how_many", "said", "why", "how", "list", "unanswerable")
SPLITS = ("train", "validation")
# A question's outcome: answerable ones are exact, contains, wrong or refused; unanswerable ones
# are refused (right) or answered (wrong).
ANSWERABLE_OUTCOMES = ("exact", "contains", "wrong", "refused")
UNANSWERABLE_OUTCOMES = ("refused", "answered")


# ------------------------------------------------------------------ matching


# "4.9%", "4.9 per cent" and "4.9 percent" are one figure, however an outlet writes it.
_PERCENT = re.compile(r"(?<=\d)\s*%|\bper\s+cent\b", re.IGNORECASE)


def _normal(text: str) -> str:
    """SQuAD's normalisation, with the percent sign written out."""
    return normalize_answer(_PERCENT.sub(" percent", text))


def _normalised(answers: Iterable[str]) -> list[str]:
    return [n for n in (_normal(a) for a in answers) if n]


def exact(text: str | None, answers: Sequence[str]) -> bool:
    """``text`` equals one of ``answers`` after normalisation."""
    if not text:
        return False
    mine = _normal(text)
    return bool(mine) and mine in _normalised(answers)


def contains(text: str | None, answers: Sequence[str]) -> bool:
    """``text`` contains one of ``answers`` as whole words after normalisation (equal counts):
    "11 workers" contains "11"; "110 workers" does not."""
    if not text:
        return False
    padded = f" {_normal(text)} "
    return any(f" {gold} " in padded for gold in _normalised(answers))


def outlet_matches(truth: str, read: str | None) -> bool:
    """The outlet newsdesk read is the true one, in any case (None is a miss)."""
    return read is not None and " ".join(read.split()).casefold() == " ".join(truth.split()).casefold()


def date_matches(truth: str, read: str | None) -> bool:
    """The date newsdesk read (ISO) is the true one (None is a miss)."""
    return read is not None and read.strip().casefold() == truth.strip().casefold()


# ------------------------------------------------------------------ one question


def score_answer(question: dict, text: str | None, quote: str | None = None,
                 alternatives: Sequence[str] = (), shown: Sequence[str] = ()) -> dict:
    """Score one answer to one benchmark question (``question`` as in questions.jsonl).

    Args:
        text: the answer, None when newsdesk abstained.
        quote: the supporting quote.
        alternatives: the alternatives' texts.
        shown: with a refusal, the passages shown beside it (``Answer.related``' quotes).
    Returns:
        ``{"em", "contains", "quote_holds", "refused", "shown_holds", "confident_wrong",
        "newest_leads", "other_shown", "alternatives_shown", "alternatives_stray", "outcome"}``;
        ``newest_leads``/``other_shown`` are None for a question without ``superseded``, and the
        answer metrics are None for unanswerable questions. ``shown_holds``: refused, but a
        passage shown holds an accepted answer. ``alternatives_stray``: alternatives that hold
        neither an accepted nor a replaced answer, nor lie inside one ("14" of "14 cases"): an
        outlet shown as differing with words that answer nothing asked.
    """
    answers = list(question.get("answers") or [])
    superseded = list(question.get("superseded") or [])
    refused = text is None
    stray = sum(not (contains(alt, answers + superseded) or any(contains(gold, [alt]) for gold in answers + superseded))
                for alt in alternatives)
    shown_alternatives = {"alternatives_shown": len(alternatives), "alternatives_stray": stray}
    if question["kind"] == "unanswerable" or not answers:
        return {"em": None, "contains": None, "quote_holds": None, "refused": refused, "shown_holds": None,
                "confident_wrong": not refused, "newest_leads": None, "other_shown": None, **shown_alternatives,
                "outcome": "refused" if refused else "answered"}
    em = exact(text, answers)
    held = em or contains(text, answers)
    outcome = "refused" if refused else "exact" if em else "contains" if held else "wrong"
    return {
        "em": em,
        "contains": held,
        "quote_holds": contains(quote, answers),
        "refused": refused,
        "shown_holds": refused and any(contains(passage, answers) for passage in shown),
        "confident_wrong": outcome == "wrong",
        "newest_leads": held if superseded else None,
        "other_shown": any(contains(alt, superseded) for alt in alternatives) if superseded else None,
        **shown_alternatives,
        "outcome": outcome,
    }


# ------------------------------------------------------------------ summing up


def percentile(values: Sequence[float], q: float) -> float | None:
    """The ``q`` quantile (0..1) of ``values``, interpolated linearly between ranks; None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = q * (len(ordered) - 1)
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def _share(count: int, of: int) -> float | None:
    return round(100 * count / of, 1) if of else None


def summarize(records: Sequence[dict]) -> dict:
    """The figures of a group of scored records (each has ``kind``, ``ms`` and ``score_answer``'s keys).

    Percentages are of the answerable questions (EM, contains, quote holds, answerable refused),
    of the unanswerable ones (unanswerable refused) or of the superseded ones.
    """
    answerable = [r for r in records if r["em"] is not None]
    unanswerable = [r for r in records if r["em"] is None]
    superseded = [r for r in records if r["newest_leads"] is not None]
    count = {key: sum(bool(r[key]) for r in answerable) for key in ("em", "contains", "quote_holds", "refused")}
    latencies = [r["ms"] for r in records if r.get("ms") is not None]
    p50, p90 = percentile(latencies, 0.5), percentile(latencies, 0.9)
    return {
        "questions": len(records),
        "answerable": len(answerable),
        "unanswerable": len(unanswerable),
        "em": count["em"], "em_pct": _share(count["em"], len(answerable)),
        "contains": count["contains"], "contains_pct": _share(count["contains"], len(answerable)),
        "quote_holds": count["quote_holds"], "quote_holds_pct": _share(count["quote_holds"], len(answerable)),
        "answerable_refused": count["refused"], "answerable_refused_pct": _share(count["refused"], len(answerable)),
        "refused_shown_holds": sum(bool(r.get("shown_holds")) for r in answerable),
        "unanswerable_refused": sum(r["refused"] for r in unanswerable),
        "unanswerable_refused_pct": _share(sum(r["refused"] for r in unanswerable), len(unanswerable)),
        "confident_wrong": sum(r["confident_wrong"] for r in records),
        "confident_wrong_pct": _share(sum(r["confident_wrong"] for r in records), len(records)),
        "superseded": len(superseded),
        "newest_leads": sum(r["newest_leads"] for r in superseded),
        "other_shown": sum(r["other_shown"] for r in superseded),
        "alternatives_shown": sum(r.get("alternatives_shown", 0) for r in records),
        "alternatives_stray": sum(r.get("alternatives_stray", 0) for r in records),
        "latency_ms": {"p50": None if p50 is None else round(p50, 1), "p90": None if p90 is None else round(p90, 1)},
    }


def kinds_in(records: Sequence[dict]) -> list[str]:
    """The kinds to report: the known ones present, in KINDS order, then any others."""
    present = {r["kind"] for r in records}
    return [k for k in KINDS if k in present] + sorted(present - set(KINDS))


def summarize_by_kind(records: Sequence[dict]) -> dict:
    """``{"overall": summarize(all), "kinds": {kind: summarize(kind's records)}}``."""
    return {"overall": summarize(records),
            "kinds": {kind: summarize([r for r in records if r["kind"] == kind]) for kind in kinds_in(records)}}


def metadata_summary(files: Sequence[dict]) -> dict:
    """How many files' outlet and date newsdesk read right (each file ``{"outlet_ok", "date_ok"}``)."""
    outlets, dates = sum(f["outlet_ok"] for f in files), sum(f["date_ok"] for f in files)
    return {"files": len(files), "outlet_right": outlets, "outlet_pct": _share(outlets, len(files)),
            "date_right": dates, "date_pct": _share(dates, len(files))}


# ------------------------------------------------------------------ comparing two runs


@dataclass(frozen=True)
class Change:
    id: str
    kind: str
    question: str
    before: dict | None  # the record in A (None: only in B)
    after: dict | None


def changed_questions(a: Sequence[dict], b: Sequence[dict]) -> tuple[list[Change], list[Change]]:
    """The questions whose outcome differs between runs ``a`` and ``b`` (or that only one has),
    and those with the same outcome but another answer text; each in ``a``'s order, then ``b``'s."""
    before, after = {r["id"]: r for r in a}, {r["id"]: r for r in b}
    outcome, text = [], []
    for qid in list(before) + [q for q in after if q not in before]:
        x, y = before.get(qid), after.get(qid)
        some = x or y
        change = Change(qid, some["kind"], some["question"], x, y)
        if x is None or y is None or x["outcome"] != y["outcome"]:
            outcome.append(change)
        elif normalize_answer(x["answer"] or "") != normalize_answer(y["answer"] or ""):
            text.append(change)
    return outcome, text


# ------------------------------------------------------------------ the stories


@dataclass
class Story:
    id: str
    split: str
    folder: Path
    files: dict[str, dict]  # file name -> {"outlet", "date"} (the truth), only files that exist
    questions: list[dict] = field(default_factory=list)


def _checked_question(raw: object, where: str) -> tuple[dict | None, str | None]:
    """A question of questions.jsonl, or None and why it cannot be scored."""
    if not isinstance(raw, dict):
        return None, f"{where}: not a JSON object"
    for key, kind in (("id", str), ("question", str), ("kind", str)):
        if not isinstance(raw.get(key), kind) or not raw[key].strip():
            return None, f"{where}: no {key!r}"
    answers, superseded = raw.get("answers", []), raw.get("superseded", [])
    if not isinstance(answers, list) or not all(isinstance(a, str) for a in answers):
        return None, f"{where}: 'answers' is not a list of strings"
    if not isinstance(superseded, list) or not all(isinstance(a, str) for a in superseded):
        return None, f"{where}: 'superseded' is not a list of strings"
    if raw["kind"] != "unanswerable" and not any(a.strip() for a in answers):
        return None, f"{where}: a {raw['kind']} question without answers"
    return raw, None


def load_stories(folder: Path) -> tuple[list[Story], list[str]]:
    """Every story under ``folder`` (``sNN-*/story.json``) and what was wrong (stories may be
    half written: a story without a readable story.json is left out, a listed file that does
    not exist yet is left out, a bad line of questions.jsonl is left out; each is one warning)."""
    stories, warnings, seen = [], [], set()
    for story_file in sorted(Path(folder).glob("*/story.json")):
        where = story_file.parent.name
        try:
            meta = json.loads(story_file.read_text(encoding="utf-8"))
            files, split, sid = meta["files"], meta["split"], meta["id"]
            if not isinstance(files, dict) or split not in SPLITS or not isinstance(sid, str):
                raise ValueError("expected 'id', 'split' (train or validation) and 'files'")
        except (OSError, ValueError, KeyError, TypeError) as error:
            warnings.append(f"{where}: story.json left out ({error})")
            continue
        present = {}
        for name, truth in files.items():
            if not (story_file.parent / name).is_file():
                warnings.append(f"{where}: {name} is listed in story.json but does not exist")
            elif not isinstance(truth, dict) or not isinstance(truth.get("outlet"), str) or not isinstance(truth.get("date"), str):
                warnings.append(f"{where}: {name} has no outlet and date in story.json; left out")
            else:
                present[name] = truth
        story = Story(sid, split, story_file.parent, present)
        questions_file = story_file.parent / "questions.jsonl"
        lines = questions_file.read_text(encoding="utf-8").split("\n") if questions_file.is_file() else []
        for n, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                raw = json.loads(line)
            except ValueError:
                warnings.append(f"{where}/questions.jsonl:{n}: not JSON; left out")
                continue
            question, why = _checked_question(raw, f"{where}/questions.jsonl:{n}")
            if question is None:
                warnings.append(f"{why}; left out")
            elif question["id"] in seen:
                warnings.append(f"{where}/questions.jsonl:{n}: id {question['id']} seen before; left out")
            else:
                seen.add(question["id"])
                if question["kind"] not in KINDS:
                    warnings.append(f"{where}/questions.jsonl:{n}: unknown kind {question['kind']!r}")
                story.questions.append(question)
        stories.append(story)
    return stories, warnings
