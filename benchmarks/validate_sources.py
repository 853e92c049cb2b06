"""Per-source validation of the reader (issue 12): whole held-out articles of every source,
read with the gold paragraph and asked in one open index, and where the open points go.

The held-out articles of each source are chosen by a hash of their titles (stable across runs
and machines) until ``--questions`` questions are reached; part A keeps its four validation
articles (the shipped readers never trained on them). Caution: readers up to v3 trained on
every article of qa-train-extra.json, so their figures on those sources are on seen text;
``--write-split`` writes the held-out question ids so that the next training run can leave
them out (with their paragraphs).

    python benchmarks/validate_sources.py ../shared/data/squad-dev-v1.1-part-a.json \\
        ../shared/data/qa-train-extra.json [--questions 200] [--reader DIR] [--write-split split.json]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from newsdesk.retrieval.evaluation.evaluate import evaluate_gold_context, paragraph_articles  # noqa: E402
from newsdesk.retrieval.evaluation.held_out import held_out  # noqa: E402
from newsdesk.retrieval.evaluation.squad import SquadQuestion, best_over_golds, exact_match, f1_score, load_squad  # noqa: E402
from newsdesk.retrieval.service import Newsdesk  # noqa: E402
from newsdesk.retrieval.settings import Settings  # noqa: E402
from newsdesk.retrieval.sources.article import article_id  # noqa: E402


def _scores(predictions: dict[str, str], questions: list[SquadQuestion]) -> dict:
    n = len(questions) or 1
    given = [q for q in questions if predictions[q.id]]
    exact = sum(best_over_golds(exact_match, predictions[q.id], q.answers) for q in questions)
    return {"questions": len(questions), "exact_match": round(100 * exact / n, 2),
            "f1": round(100 * sum(best_over_golds(f1_score, predictions[q.id], q.answers) for q in questions) / n, 2),
            "abstentions": len(questions) - len(given),
            "precision_of_answers_given": round(100 * exact / len(given), 1) if given else None}


THRESHOLDS = (0.1, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5)


def by_threshold(scored: list[tuple[float, bool]]) -> dict[str, dict]:
    """For each abstain threshold: answers given, precision, and the utility per question
    (+1 a right answer, -0.5 a wrong one: newsdesk prefers silence to a wrong answer)."""
    table = {}
    for threshold in THRESHOLDS:
        given = [right for score, right in scored if score >= threshold]
        right = sum(given)
        table[str(threshold)] = {"answered": len(given), "precision": round(100 * right / len(given), 1) if given else None,
                                 "utility": round((right - 0.5 * (len(given) - right)) / max(1, len(scored)), 3)}
    return table


def scores_unthresholded(desk: Newsdesk, questions: list[SquadQuestion], k: int) -> list[tuple[float, bool]]:
    """Each question's answer confidence with the reader never abstaining, and whether it is right."""
    shipped, desk.reader.min_score = desk.reader.min_score, 0.0
    try:
        scored = []
        for q in questions:
            answer = desk.ask(q.question, k=k)
            right = bool(answer.text) and best_over_golds(exact_match, answer.text, q.answers) == 1.0
            scored.append((answer.score if answer.text else -1.0, right))
        return scored
    finally:
        desk.reader.min_score = shipped


def open_setting(desk: Newsdesk, questions: list[SquadQuestion], k: int) -> tuple[dict[str, str], Counter]:
    """Ask every question against one index of all held-out paragraphs; count where each miss
    goes: the gold paragraph not retrieved, retrieved but the answer taken from another
    passage, a wrong span in the gold passage, or an abstention although it was retrieved."""
    predictions, misses = {}, Counter()
    for q in questions:
        answer = desk.ask(q.question, k=k)
        predictions[q.id] = answer.text or ""
        if best_over_golds(exact_match, predictions[q.id], q.answers):
            misses["right"] += 1
            continue
        gold = article_id(q.context)
        if gold not in {h.chunk.article_id for h in answer.passages}:
            misses["gold paragraph not retrieved"] += 1
        elif answer.abstained:
            misses["abstained, gold retrieved"] += 1
        elif answer.citations[0].article_id != gold:
            misses["answer from another passage"] += 1
        else:
            misses["wrong span in the gold passage"] += 1
    return predictions, misses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", type=Path, nargs="+", help="SQuAD-format files (part A, the extra file)")
    parser.add_argument("--questions", type=int, default=200, help="held-out questions per source")
    parser.add_argument("--reader", default="default")
    parser.add_argument("--verifier", default="default", help="'default', 'none' or a verifier directory")
    parser.add_argument("-k", type=int, default=5)
    parser.add_argument("--write-split", type=Path, help="write the held-out question ids per source here")
    parser.add_argument("--thresholds", action="store_true", help="also the open setting at every abstain threshold")
    args = parser.parse_args()
    questions = [q for path in args.files for q in load_squad(path)]
    split = held_out(questions, args.questions)
    if args.write_split:  # question ids: exact whatever the unit
        args.write_split.write_text(json.dumps({s: sorted(q.id for q in qs) for s, qs in split.items()}, indent=1))
    with tempfile.TemporaryDirectory() as home:
        desk = Newsdesk(Settings(home=Path(home), reader=args.reader, verifier=args.verifier))
        report = {"reader": args.reader, "verifier": args.verifier, "k": args.k, "sources": {}}
        for source, qs in split.items():
            gold, _ = evaluate_gold_context(qs, desk.encoder, desk.reader, desk.settings.chunker, progress=False)
            report["sources"][source] = {"articles": len({q.title for q in qs}), "paragraphs": len({q.context for q in qs}),
                                         "gold": {key: gold[key] for key in ("questions", "exact_match", "f1")}}
        everything = [q for qs in split.values() for q in qs]
        started = time.perf_counter()
        desk.add_articles(list(paragraph_articles(everything).values()))
        report["open_index"] = {"paragraphs": len(desk.index.articles), "chunks": len(desk.index.chunks),
                                "seconds": round(time.perf_counter() - started, 1)}
        for source, qs in split.items():
            predictions, misses = open_setting(desk, qs, args.k)
            report["sources"][source]["open"] = {**_scores(predictions, qs), "where": dict(misses)}
            if args.thresholds:
                report["sources"][source]["thresholds"] = by_threshold(scores_unthresholded(desk, qs, args.k))
    for setting in ("gold", "open"):
        values = [r[setting]["exact_match"] for r in report["sources"].values()]
        report[f"mean_{setting}_exact_match"] = round(sum(values) / len(values), 2)
    precisions = [r["open"]["precision_of_answers_given"] for r in report["sources"].values() if r["open"]["precision_of_answers_given"]]
    report["mean_open_precision"] = round(sum(precisions) / len(precisions), 1) if precisions else None
    if args.thresholds:
        rows = [r["thresholds"] for r in report["sources"].values()]
        report["mean_utility_by_threshold"] = {t: round(sum(row[t]["utility"] for row in rows) / len(rows), 3) for t in rows[0]}
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
