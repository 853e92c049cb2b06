"""Calibrate the abstain threshold: open retrieval on validation questions, every threshold at once.

    python benchmarks/abstain_threshold.py ../shared/data/squad-dev-v1.1-part-a.json \\
        --titles Warsaw,Oxygen,Apollo_program,Victoria_and_Albert_Museum [--runtime onnx] [--reader DIR]

All paragraphs of the file are indexed; each validation question is asked once with the reader
never abstaining, and the answer's confidence is kept. For each threshold the table gives the
EM and F1 over all questions (an abstention scores 0), the precision of the answers given, and the
utility +1 per right answer, -0.5 per wrong one (newsdesk prefers silence to a wrong answer).
"""

import argparse
import tempfile
from pathlib import Path

from newsdesk.retrieval.evaluation.evaluate import paragraph_articles
from newsdesk.retrieval.evaluation.squad import best_over_golds, exact_match, f1_score, load_squad
from newsdesk.retrieval.service import Newsdesk
from newsdesk.retrieval.settings import Settings

THRESHOLDS = (0.0, 0.1, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("squad", type=Path)
    parser.add_argument("--titles", required=True, type=lambda text: [t.strip() for t in text.split(",") if t.strip()])
    parser.add_argument("--runtime", default="onnx", choices=["onnx", "torch"])
    parser.add_argument("--reader", default="default", help="'default' or a reader directory")
    args = parser.parse_args()
    corpus = load_squad(args.squad)
    questions = [q for q in corpus if q.title in args.titles]
    with tempfile.TemporaryDirectory() as home:
        desk = Newsdesk(Settings(home=Path(home), runtime=args.runtime, reader=args.reader))
        desk.add_articles(list(paragraph_articles(corpus).values()))
        desk.reader.min_score = 0.0
        results = []
        for q in questions:
            answer = desk.ask(q.question)
            right = bool(answer.text) and best_over_golds(exact_match, answer.text, q.answers) == 1.0
            overlap = best_over_golds(f1_score, answer.text, q.answers) if answer.text else 0.0
            results.append((answer.score if answer.text else -1.0, right, overlap))
    print(f"{len(questions)} questions, runtime {args.runtime}, reader {args.reader}")
    print("| threshold | answered | EM (all questions) | F1 (all questions) | precision | utility |\n|---|---|---|---|---|---|")
    for threshold in THRESHOLDS:
        given = [(right, overlap) for score, right, overlap in results if score >= threshold]
        right = sum(r for r, _ in given)
        print(f"| {threshold} | {len(given)} | {100 * right / len(results):.2f} | "
              f"{100 * sum(o for _, o in given) / len(results):.2f} | "
              f"{100 * right / max(1, len(given)):.1f}% | {right - 0.5 * (len(given) - right):.1f} |")


if __name__ == "__main__":
    main()
