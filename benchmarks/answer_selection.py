"""How much retrieval rank should weigh in choosing the answer (issue 12), on every source.

The held-out questions of ``benchmarks/validate_sources.py`` are asked in one open index. Each
question's five passages are all read once (no early stopping), then the answer is chosen under
each ``--powers`` value of ``answer.RETRIEVAL_POWER`` (a span's score times its passage's
relative retrieval score to that power; 0 is the reader's scores alone), with the shipped
abstain threshold. EM per source and their mean.

    python benchmarks/answer_selection.py ../shared/data/squad-dev-v1.1-part-a.json \\
        ../shared/data/qa-train-extra.json [--questions 200] [--powers 0 1 2 3]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from validate_sources import held_out  # noqa: E402

from newsdesk.retrieval.answer import assemble_answer, missing_names  # noqa: E402
from newsdesk.retrieval.evaluate import paragraph_articles  # noqa: E402
from newsdesk.retrieval.search import retrieve  # noqa: E402
from newsdesk.retrieval.service import Newsdesk, Settings  # noqa: E402
from newsdesk.retrieval.squad import best_over_golds, exact_match, load_squad  # noqa: E402

SUPPORT_DEPTH = 20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", type=Path, nargs="+")
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--powers", type=float, nargs="+", default=[0.0, 1.0, 1.5, 2.0, 3.0])
    parser.add_argument("-k", type=int, default=5)
    args = parser.parse_args()
    split = held_out([q for path in args.files for q in load_squad(path)], args.questions)
    table: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as home:
        desk = Newsdesk(Settings(home=Path(home)))
        desk.add_articles(list(paragraph_articles([q for qs in split.values() for q in qs]).values()))
        index, reader = desk.index, desk.reader
        for source, questions in split.items():
            right = dict.fromkeys(map(str, args.powers), 0)
            for q in questions:
                support = retrieve(index, q.question, desk.embed_question(q.question), k=SUPPORT_DEPTH)
                hits = support[: args.k]
                spans = [] if missing_names(q.question, hits) else [s for h in hits for s in reader.read(q.question, [h.chunk])]
                for power in args.powers:
                    answer = assemble_answer(q.question, spans, index, hits, support[args.k:], reader.min_score, power)
                    right[str(power)] += bool(answer.text) and best_over_golds(exact_match, answer.text, q.answers) == 1.0
            table[source] = {p: round(100 * n / len(questions), 2) for p, n in right.items()}
    mean = {p: round(sum(row[p] for row in table.values()) / len(table), 2) for p in map(str, args.powers)}
    print(json.dumps({"exact_match_by_power": table, "mean": mean}, indent=2))


if __name__ == "__main__":
    main()
