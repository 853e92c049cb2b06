#!/usr/bin/env python
"""Retrieve, for every training question, the passages newsdesk's own retriever returns.

The open-setting reader (issue 12) trains on what it reads at run time: the gold paragraph plus
the other passages hybrid search ranks highest for the question. This script indexes every
training paragraph of the given SQuAD-format files in one newsdesk home, leaving out the
held-out split of ``benchmarks/validate_sources.py`` (its questions and paragraphs are never
indexed, so they cannot leak in as distractors), asks each remaining question with ``-k``
passages, and writes them as JSON lines ``{"id", "passages": [[article_id, text, score], ...]}``.

    python -m newsdesk.training.retrieve_passages ../shared/data/squad-dev-v1.1-part-a.json \\
        ../shared/data/qa-train-extra.json --out runs/open-train/passages.jsonl [-k 5]

About 15,000 paragraphs and 40,000 questions take 15-20 minutes on two cores.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from newsdesk.retrieval.evaluation.evaluate import paragraph_articles
from newsdesk.retrieval.evaluation.held_out import PART_A_VALIDATION, held_out
from newsdesk.retrieval.evaluation.squad import SquadQuestion, load_squad
from newsdesk.retrieval.service import Newsdesk
from newsdesk.retrieval.settings import Settings
from tqdm import tqdm


def training_questions(questions: list[SquadQuestion], per_source: int) -> list[SquadQuestion]:
    """Every question outside the validation split, and outside any paragraph that holds one of it."""
    split = held_out(questions, per_source)
    held_contexts = {q.context for qs in split.values() for q in qs}
    return [q for q in questions if q.context not in held_contexts and q.title not in PART_A_VALIDATION]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", type=Path, nargs="+", help="SQuAD-format training files")
    parser.add_argument("--out", type=Path, required=True, help="JSON lines to write")
    parser.add_argument("-k", type=int, default=5, help="passages per question")
    parser.add_argument("--questions", type=int, default=200, help="held-out questions per source (as validate_sources)")
    args = parser.parse_args()
    questions = training_questions([q for path in args.files for q in load_squad(path)], args.questions)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as home:
        desk = Newsdesk(Settings(home=Path(home)))
        desk.add_articles(list(paragraph_articles(questions).values()), progress=True)
        with args.out.open("w", encoding="utf-8") as out:
            for q in tqdm(questions, desc="retrieving", unit="q", mininterval=10):
                hits = desk.retrieve(q.question, k=args.k)
                passages = [[h.chunk.article_id, h.chunk.text, round(float(h.score), 4)] for h in hits]
                out.write(json.dumps({"id": q.id, "passages": passages}, ensure_ascii=False) + "\n")
    print(f"wrote passages for {len(questions)} questions to {args.out}")


if __name__ == "__main__":
    main()
