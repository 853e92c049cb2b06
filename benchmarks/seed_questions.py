"""Accuracy, abstention and recall@k of newsdesk on the seed questions.

    python benchmarks/seed_questions.py ../shared/data/seed_questions.jsonl [--reader baseline] [--runtime onnx|torch] [-v]
"""

import argparse
import json
import tempfile
from pathlib import Path

from newsdesk.retrieval.evaluation.evaluate import evaluate_seed_questions
from newsdesk.retrieval.service import Newsdesk
from newsdesk.retrieval.settings import Settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("questions", type=Path)
    parser.add_argument("--reader", default="default")
    parser.add_argument("--verifier", default="default", help="'default', 'none' or a verifier directory")
    parser.add_argument("--runtime", default="onnx", choices=["onnx", "torch"])
    parser.add_argument("-k", type=int, default=5)
    parser.add_argument("-v", "--verbose", action="store_true", help="print every question")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        desk = Newsdesk(Settings(home=Path(home), reader=args.reader, verifier=args.verifier, runtime=args.runtime))
        desk.ensure_index()
        summary, rows = evaluate_seed_questions(desk, args.questions, k=args.k)
    if args.verbose:
        for row in rows:
            mark = "ok " if row["contained"] or (not row["answerable"] and row["abstained"]) else "BAD"
            print(f"{mark} {row['id']} {row['question']!r} -> {row['predicted']!r} (gold {row['golds'][:1]})")
    print(json.dumps({"reader": args.reader, "runtime": args.runtime, **summary}, indent=2))


if __name__ == "__main__":
    main()
