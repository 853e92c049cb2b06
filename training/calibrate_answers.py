"""Fit the answer calibration of a reader (retrieval/answering/calibration.py) and choose its abstain threshold.

The held-out questions of every source (``benchmarks/validate_sources.py``) are asked in one
open index; each question's five passages are all read, and the answer newsdesk would give is
described by its evidence (``answer.answer_evidence``) and labelled right or wrong (exact match).
How well that generalises is measured leaving one source out: the model is fitted on four
sources and judges the fifth. The threshold is the one with the best mean utility over the
sources (+1 a right answer, -``--wrong-cost`` a wrong one, 0 an abstention) on those
left-out judgements; a calibrated probability would put it at cost / (1 + cost). The seed
questions (``--seeds``) are never fitted on and are reported with the final model, fitted on
all five sources. ``--write`` stores the calibration and threshold in the reader's
reader_config.json. The report's ``ceiling`` says what answering every question would score,
and what a perfect choice among the best-weighed candidates would.

    python -m newsdesk.training.calibrate_answers ../shared/data/squad-dev-v1.1-part-a.json \\
        ../shared/data/qa-train-extra.json --seeds ../shared/data/seed_questions.jsonl \\
        [--reader DIR] [--write retrieval/reader_model/reader_config.json]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from newsdesk.retrieval.answering.answer import answer_evidence, candidates, missing_names
from newsdesk.retrieval.answering.citations import citation_at
from newsdesk.retrieval.answering.calibration import AnswerCalibration, AnswerEvidence, fit_calibration
from newsdesk.retrieval.answering.readers.config import ReaderConfig, ReaderConfigError
from newsdesk.retrieval.answering.search import retrieve
from newsdesk.retrieval.answering.shaping import SENTENCE
from newsdesk.retrieval.evaluation.evaluate import paragraph_articles
from newsdesk.retrieval.evaluation.held_out import held_out
from newsdesk.retrieval.evaluation.news_scoring import contains, load_stories
from newsdesk.retrieval.evaluation.squad import best_over_golds, exact_match, load_squad
from newsdesk.retrieval.service import SUPPORT_DEPTH, Newsdesk
from newsdesk.retrieval.settings import Settings
from tqdm import tqdm

THRESHOLDS = [round(0.05 * i, 2) for i in range(1, 15)]


@dataclass(frozen=True)
class Judged:
    """One question: the evidence for the answer newsdesk would give (None: it has none), and
    whether that answer is right (for a question without answers: never)."""

    evidence: AnswerEvidence | None
    confidence: float
    right: bool
    answerable: bool
    first_right: int | None = None  # place of the first right answer among the ranked candidates


def is_right(answer: str, golds, sentence: bool, lenient: bool) -> bool:
    """An exact match; a sentence answer (what was said, why, how) and, with ``lenient`` (the
    news benchmark's rule), any answer is right when it holds an accepted answer as whole words."""
    if not golds:
        return False
    if best_over_golds(exact_match, answer, golds) == 1.0:
        return True
    return (sentence or lenient) and contains(answer, golds)


def judge_questions(desk: Newsdesk, questions, k: int = 5, lenient: bool = False) -> list[Judged]:
    rows = []
    for question, golds in tqdm(questions, desc="reading", unit="question", leave=False):
        # retrieved as `Newsdesk.ask` does (its fusion sees the same depth), then its k best read
        hits = retrieve(desk.index, question, desk.embed_question(question), k=max(k, SUPPORT_DEPTH))[:k]
        spans = [] if missing_names(question, hits) else [s for h in hits for s in desk.reader.read(question, [h.chunk])]
        kind, ranked, confidence = candidates(question, spans, desk.index, hits)
        if not ranked:
            rows.append(Judged(None, 0.0, False, bool(golds)))
            continue
        key = ranked[0].key  # the best-weighed answer (no newer report leads: judged as first read)
        sentence = kind == SENTENCE
        evidence = answer_evidence(question, ranked, confidence, hits, sentences=sentence, articles=desk.index.articles)[key]
        shown = [max(members, key=lambda s: s.score) for _, _, members in ranked]
        rights = [is_right(desk.index.articles[s.article_id].text[c.answer_start:c.answer_end], golds, sentence, lenient)
                  for s in shown for c in [citation_at(desk.index, s.article_id, s.start, s.end, kind)]]
        rows.append(Judged(evidence, confidence[key], rights[0], bool(golds), rights.index(True) if any(rights) else None))
    return rows


def news_questions(folder: Path, split: str = "train") -> tuple[list, list[tuple[str, list[str]]]]:
    """The news benchmark's article files (all stories: the rest are distractors) and the
    questions of ``split`` with their accepted answers."""
    stories, _ = load_stories(folder)
    files = [story.folder / name for story in stories for name in story.files]
    return files, [(q["question"], q["answers"]) for story in stories if story.split == split for q in story.questions]


def outcome(rows: list[Judged], scores: list[float], threshold: float, wrong_cost: float) -> dict:
    """EM, precision of the answers given, and utility when answering at ``scores >= threshold``."""
    given = [(r, s >= threshold and r.evidence is not None) for r, s in zip(rows, scores)]
    right = sum(r.right for r, answered in given if answered) + sum(not r.answerable for r, answered in given if not answered)
    answered = [r for r, a in given if a]
    good = sum(r.right for r in answered)
    n = len(rows) or 1
    return {"em": round(100 * right / n, 2), "precision": round(100 * good / max(1, len(answered)), 1),
            "answered": round(100 * len(answered) / n, 1), "utility": round((good - wrong_cost * (len(answered) - good)) / n, 4)}


def ceiling(rows: list[Judged], depths=(1, 2, 5)) -> dict:
    """EM if newsdesk answered every question, choosing among its candidates as it does (``best_of_1``)
    or, knowing the golds, the right one whenever it is among the ``n`` best-weighed (``best_of_n``):
    how much a better choice of answer, or of when to abstain, could still gain with this reader."""
    n = len(rows) or 1
    return {f"best_of_{d}": round(100 * sum(r.first_right is not None and r.first_right < d for r in rows) / n, 2)
            for d in depths}


def mean_of(table: dict[str, dict], name: str) -> float:
    return sum(row[name] for row in table.values()) / len(table)


def with_mean(table: dict[str, dict]) -> dict:
    """``table`` (by source) with the mean of each figure over the sources first."""
    return {"mean": {name: round(mean_of(table, name), 4 if name == "utility" else 2) for name in next(iter(table.values()))},
            **table}


def fit(rows: list[Judged], l2: float) -> AnswerCalibration:
    usable = [r for r in rows if r.evidence is not None]
    return fit_calibration([r.evidence.features() for r in usable], [r.right for r in usable], l2)


def probabilities(model: AnswerCalibration, rows: list[Judged]) -> list[float]:
    return [model.probability(r.evidence) if r.evidence is not None else 0.0 for r in rows]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", type=Path, nargs="+")
    parser.add_argument("--questions", type=int, default=200, help="held-out questions per source")
    parser.add_argument("--seeds", type=Path, help="also report the seed questions (JSON lines) over the seed articles")
    parser.add_argument("--reader", default="default")
    parser.add_argument("--news", type=Path, help="also fit on the news benchmark's train split (its stories folder), "
                                                  "a source of its own judged by its own rule (an answer holding an accepted one)")
    parser.add_argument("--wrong-cost", type=float, default=0.5, help="utility lost by a wrong answer (a right one: +1)")
    parser.add_argument("--l2", type=float, default=1.0, help="L2 penalty on the weights")
    parser.add_argument("--raw-threshold", type=float, default=0.3,
                        help="compare with abstaining below this reader confidence (the rule before calibration)")
    parser.add_argument("--write", type=Path, help="the reader_config.json to store the calibration and threshold in")
    parser.add_argument("--threshold", type=float, help="store this abstain threshold instead of the best utility's "
                                                        "(the report shows every threshold either way)")
    args = parser.parse_args()
    try:  # a file that cannot take the result is refused before the hour of judging, not after
        target = ReaderConfig.load(args.write) if args.write else None
    except ReaderConfigError as error:
        raise SystemExit(str(error)) from None

    split = held_out([q for path in args.files for q in load_squad(path)], args.questions)
    judged: dict[str, list[Judged]] = {}
    with tempfile.TemporaryDirectory() as home:
        desk = Newsdesk(Settings(home=Path(home) / "open", reader=args.reader))
        desk.add_articles(list(paragraph_articles([q for qs in split.values() for q in qs]).values()))
        for source, questions in split.items():
            judged[source] = judge_questions(desk, [(q.question, q.answers) for q in questions])
        if args.news:
            news_desk = Newsdesk(Settings(home=Path(home) / "news", reader=args.reader), encoder=desk.encoder,
                                 reader=desk.reader)
            files, questions = news_questions(args.news)
            news_desk.ingest(files)
            judged["news"] = judge_questions(news_desk, questions, lenient=True)
        seeds = None
        if args.seeds:
            seed_desk = Newsdesk(Settings(home=Path(home) / "seeds", reader=args.reader), encoder=desk.encoder,
                                 reader=desk.reader)
            seed_desk.ensure_index()
            items = [json.loads(line) for line in args.seeds.read_text(encoding="utf-8").splitlines() if line.strip()]
            seeds = judge_questions(seed_desk, [(i["question"], i["answers"]) for i in items])

    # Leave one source out: each source judged by a model that never saw it.
    left_out = {s: probabilities(fit([r for o, rows in judged.items() if o != s for r in rows], args.l2), rows)
                for s, rows in judged.items()}
    by_threshold = {t: {s: outcome(rows, left_out[s], t, args.wrong_cost) for s, rows in judged.items()} for t in THRESHOLDS}
    best = max(THRESHOLDS, key=lambda t: mean_of(by_threshold[t], "utility"))
    threshold = best if args.threshold is None else args.threshold
    report = {
        "reader": args.reader,
        "left_one_source_out": {f"{t:g}": with_mean(table) for t, table in by_threshold.items()},
        "best_utility_threshold": best,
        "threshold": threshold,
    }
    # The reader's own confidence at a fixed threshold (the rule before calibration), for comparison.
    raw = {s: outcome(rows, [r.confidence for r in rows], args.raw_threshold, args.wrong_cost) for s, rows in judged.items()}
    report["uncalibrated"] = {"threshold": args.raw_threshold, **with_mean(raw)}
    report["ceiling"] = with_mean({s: ceiling(rows) for s, rows in judged.items()})
    model = fit([r for rows in judged.values() for r in rows], args.l2)
    report["calibration"] = model.to_config()
    if seeds is not None:  # never fitted on: judged by the final model at every threshold
        judged_seeds = probabilities(model, seeds)
        report["seeds"] = {f"{t:g}": outcome(seeds, judged_seeds, t, args.wrong_cost) for t in THRESHOLDS}
        report["seeds_uncalibrated"] = outcome(seeds, [r.confidence for r in seeds], args.raw_threshold, args.wrong_cost)
    print(json.dumps(report, indent=2))
    if target is not None:
        target.with_calibration(model, threshold).save(args.write)
        print(f"wrote the calibration and threshold {threshold:g} to {args.write}", file=sys.stderr)


if __name__ == "__main__":
    main()
