"""How answer assembly's settings score on the news benchmark: each question of a split is
retrieved and read once (``Newsdesk.gather``), then answered under every combination of the
abstain threshold and the outlet rules (``answer.OutletRules``), and scored as
``news_benchmark.py`` scores. A row per combination: contains, confident wrong, refusals both
ways, newest report leads, other figure shown.

    python benchmarks/news_answer_grid.py --split validation [--reader DIR] [--home DIR] \\
        [--thresholds 0.3 0.35 0.4] [--verifier default none] [--rival 0.3 0.5] [--newer 0.3 0.5] [--ambiguous 0.25]
"""

from __future__ import annotations

import argparse
import itertools
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from news_benchmark import STORIES, ingest_stories, open_desk  # noqa: E402
from newsdesk.retrieval.answering.answer import OutletRules, assemble_answer  # noqa: E402
from newsdesk.retrieval.answering.readers.choose import make_verifier  # noqa: E402
from newsdesk.retrieval.evaluation.news_scoring import load_stories, score_answer  # noqa: E402


def gathered(desk, questions: list[dict], k: int = 5) -> list[tuple[dict, list, list]]:
    """Each question with its passages and the reader's spans (read once for the whole grid)."""
    from tqdm import tqdm

    rows = []
    for question in tqdm(questions, desc="reading", unit="q", disable=not sys.stderr.isatty()):
        hits, spans, _ = desk.gather(question["question"], k)
        rows.append((question, hits, spans))
    return rows


def memoised(verifier):
    """``verifier.scores`` remembered per question and candidates (the grid asks each many times), or None."""
    if verifier is None:
        return None
    seen: dict = {}

    def scores(question, texts):
        key = (question, tuple(texts))
        if key not in seen:
            seen[key] = verifier.scores(question, texts)
        return seen[key]
    return scores


def score(desk, rows, threshold: float, rules: OutletRules, verify=None) -> dict:
    """The benchmark's figures for one setting (counts over the split)."""
    calibration = getattr(desk.reader, "calibration", None)
    totals = dict.fromkeys(("answerable", "contains", "wrong", "refused", "unanswerable", "unanswerable_refused",
                            "changed", "newest_leads", "other_shown"), 0)
    for question, hits, spans in rows:
        answer = assemble_answer(question["question"], spans, desk.index, hits, min_score=threshold,
                                 calibration=calibration, rules=rules, verify=verify)
        scored = score_answer(question, answer.text, answer.quote, [a.text for a in answer.alternatives])
        if question["kind"] == "unanswerable" or not question["answers"]:
            totals["unanswerable"] += 1
            totals["unanswerable_refused"] += scored["refused"]
            totals["wrong"] += scored["confident_wrong"]
            continue
        totals["answerable"] += 1
        totals["contains"] += bool(scored["contains"])
        totals["wrong"] += scored["confident_wrong"]
        totals["refused"] += scored["refused"]
        if question.get("superseded"):
            totals["changed"] += 1
            totals["newest_leads"] += bool(scored["newest_leads"])
            totals["other_shown"] += bool(scored["other_shown"])
    return totals


def line(threshold: float, rules: OutletRules, t: dict, verifier: str) -> str:
    n = t["answerable"] + t["unanswerable"]
    return (f"{verifier[:8]:8s} {threshold:5.2f} {rules.rival_ratio:5.2f} {rules.newer_lead_ratio:5.2f} {rules.ambiguous_ratio:5.2f}  "
            f"{100 * t['contains'] / max(1, t['answerable']):5.1f}%  {100 * t['wrong'] / max(1, n):5.1f}%  "
            f"{t['refused']:3d}/{t['answerable']:<3d} {t['unanswerable_refused']:3d}/{t['unanswerable']:<3d} "
            f"{t['newest_leads']:3d}/{t['changed']:<3d} {t['other_shown']:3d}/{t['changed']:<3d}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--split", default="validation", choices=("train", "validation"))
    parser.add_argument("--reader", default="default")
    parser.add_argument("--home", type=Path, help="a home to index the stories in (reused when it holds them)")
    parser.add_argument("--thresholds", type=float, nargs="+", default=[0.3, 0.35, 0.4, 0.45, 0.5])
    parser.add_argument("--verifier", nargs="+", default=["default"], help="answer verifier settings: 'default', 'none', a folder")
    parser.add_argument("--rival", type=float, nargs="+", default=[OutletRules.rival_ratio])
    parser.add_argument("--newer", type=float, nargs="+", default=[OutletRules.newer_lead_ratio])
    parser.add_argument("--newer-read", type=float, nargs="+", default=[OutletRules.newer_read_ratio])
    parser.add_argument("--ambiguous", type=float, nargs="+", default=[OutletRules.ambiguous_ratio])
    args = parser.parse_args(argv)

    stories, _ = load_stories(STORIES)
    with tempfile.TemporaryDirectory() as scratch:
        desk = open_desk(args.home or Path(scratch) / "home", args.reader, "onnx", None)
        ingest_stories(desk, stories)
        rows = gathered(desk, [q for s in stories if s.split == args.split for q in s.questions])
        verifiers = {name: memoised(make_verifier(name, args.reader)) for name in args.verifier}
        print("verifier thres rival newer ambig  contains  wrong  refused unans-ref newest  other")
        for name, threshold, rival, newer, read, ambiguous in itertools.product(
                args.verifier, args.thresholds, args.rival, args.newer, args.newer_read, args.ambiguous):
            rules = OutletRules(rival_ratio=rival, newer_lead_ratio=newer, newer_read_ratio=read, ambiguous_ratio=ambiguous)
            print(line(threshold, rules, score(desk, rows, threshold, rules, verifiers[name]), name), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
