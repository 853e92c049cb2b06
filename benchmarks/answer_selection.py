"""How much retrieval rank should weigh in choosing the answer (issue 12), on every source.

The held-out questions of ``benchmarks/validate_sources.py`` are asked in one open index (and,
with ``--seeds``, the seed questions over the seed articles). Each question's five passages are
all read once (no early stopping), then the answer is chosen under every pair of ``--powers`` and
``--floors``: a span's score times ``(floor + (1 - floor) * relative) ** power``, where
``relative`` is its passage's retrieval score over the best one's (``answer.weigh_by_retrieval``;
power 0 is the reader's scores alone, floor 0 is the shipped rule), with the shipped abstaining
(the reader's calibrated answer score, fitted at power 2 and floor 0, and its threshold). EM
per source and the mean over the sources (the seeds, when asked, are one more). The figures in
docs/benchmark-history.md were measured before calibration, abstaining below a span score of 0.3.

    python benchmarks/answer_selection.py ../shared/data/squad-dev-v1.1-part-a.json \\
        ../shared/data/qa-train-extra.json [--questions 200] [--powers 0 1 2 3] [--floors 0 0.5] \\
        [--seeds ../shared/data/seed_questions.jsonl] [--reader DIR]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from newsdesk.retrieval.answering.answer import assemble_answer, missing_names  # noqa: E402
from newsdesk.retrieval.answering.search import retrieve  # noqa: E402
from newsdesk.retrieval.evaluation.evaluate import paragraph_articles  # noqa: E402
from newsdesk.retrieval.evaluation.held_out import held_out  # noqa: E402
from newsdesk.retrieval.evaluation.squad import best_over_golds, exact_match, load_squad  # noqa: E402
from newsdesk.retrieval.service import Newsdesk  # noqa: E402
from newsdesk.retrieval.settings import Settings  # noqa: E402

SUPPORT_DEPTH = 20


def with_floor(hits, floor: float):
    """The hits with relative scores lifted to ``floor + (1 - floor) * relative`` (same best)."""
    top = max((h.score for h in hits), default=0.0) or 1.0
    return [replace(h, score=top * (floor + (1 - floor) * h.score / top)) for h in hits]


def exact_by_setting(desk: Newsdesk, questions, settings, k: int) -> dict[str, float]:
    """EM (an empty gold list is right only when newsdesk abstains) under each (power, floor)."""
    index, reader = desk.index, desk.reader
    right = dict.fromkeys(settings, 0)
    for question, golds in questions:
        support = retrieve(index, question, desk.embed_question(question), k=SUPPORT_DEPTH)
        hits = support[:k]
        spans = [] if missing_names(question, hits) else [s for h in hits for s in reader.read(question, [h.chunk])]
        for power, floor in settings:
            answer = assemble_answer(question, spans, index, with_floor(hits, floor), reader.min_score, power,
                                     calibration=getattr(reader, "calibration", None))
            if golds:
                right[(power, floor)] += bool(answer.text) and best_over_golds(exact_match, answer.text, golds) == 1.0
            else:
                right[(power, floor)] += answer.abstained
    return {f"power {p:g} floor {f:g}": round(100 * n / len(questions), 2) for (p, f), n in right.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", type=Path, nargs="+")
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--powers", type=float, nargs="+", default=[0.0, 1.0, 1.5, 2.0, 3.0])
    parser.add_argument("--floors", type=float, nargs="+", default=[0.0])
    parser.add_argument("--seeds", type=Path, help="also the seed questions (JSON lines) over the seed articles")
    parser.add_argument("--reader", default="default")
    parser.add_argument("-k", type=int, default=5)
    args = parser.parse_args()
    settings = [(p, f) for p in args.powers for f in args.floors]
    split = held_out([q for path in args.files for q in load_squad(path)], args.questions)
    table: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as home:
        desk = Newsdesk(Settings(home=Path(home) / "open", reader=args.reader))
        desk.add_articles(list(paragraph_articles([q for qs in split.values() for q in qs]).values()))
        for source, questions in split.items():
            table[source] = exact_by_setting(desk, [(q.question, q.answers) for q in questions], settings, args.k)
        if args.seeds:
            seeds = Newsdesk(Settings(home=Path(home) / "seeds", reader=args.reader), encoder=desk.encoder, reader=desk.reader)
            seeds.ensure_index()
            items = [json.loads(line) for line in args.seeds.read_text(encoding="utf-8").splitlines() if line.strip()]
            table["seeds"] = exact_by_setting(seeds, [(i["question"], i["answers"]) for i in items], settings, args.k)
    names = next(iter(table.values())).keys()
    mean = {name: round(sum(row[name] for row in table.values()) / len(table), 2) for name in names}
    print(json.dumps({"reader": args.reader, "exact_match": table, "mean": mean}, indent=2))


if __name__ == "__main__":
    main()
