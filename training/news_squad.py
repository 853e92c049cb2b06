#!/usr/bin/env python
"""The news benchmark's questions of one split as SQuAD v1.1 JSON, for training the reader.

Each article file of a story is read as newsdesk reads it (``ingest.read_file``: cleaned, its
furniture dropped) and becomes one paragraph; each answerable question is attached to every
article of its story that states one of its accepted answers (for a figure a later report
changed, only the articles stating the newest), with the first accepted answer found there
as its span. Titles are ``news:STORY``, so ``train_reader.py --extra-sources news=1.0`` picks
them. Questions the articles answer nowhere verbatim (after cleaning) are counted and left out.
With ``--unanswerable`` the split's unanswerable questions are written too, on every article of
their story and marked ``"is_impossible": true``: near misses the reader learns to leave unanswered
(``training/data.py``). ``--only`` takes some of the split's stories.

    python -m newsdesk.training.news_squad benchmarks/news/stories --split train --out runs/news-train.json \\
        [--only s01 s02 ...] [--unanswerable]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from newsdesk.retrieval.answering.text import content_terms
from newsdesk.retrieval.evaluation.news_scoring import load_stories
from newsdesk.retrieval.index.chunk import sentence_around
from newsdesk.retrieval.sources.files import read_file


def _overlap(asked: set[str], text: str, at: int, size: int) -> int:
    """How many of the question's words the sentence around ``text[at:at + size]`` shares."""
    s, e = sentence_around(text, at, at + size)
    return len(asked & content_terms(text[s:e]))


def first_stated(question: str, answers: list[str], text: str) -> tuple[str, int] | None:
    """The first of ``answers`` that ``text`` states, where it stands in the sentence sharing
    most words with the question (a short answer such as "two" may occur elsewhere too)."""
    asked = content_terms(question)
    for answer in answers:
        places = [(_overlap(asked, text, m.start(), len(answer)), -m.start()) for m in re.finditer(re.escape(answer), text)]
        if answer.strip() and places:
            return answer, -max(places)[1]
    return None


def story_articles(story, unanswerable: bool = False) -> list[dict]:
    """The story's articles as SQuAD paragraphs with the questions each one answers; with
    ``unanswerable`` also the story's questions no article answers, on every article, marked
    ``"is_impossible": true`` (a near miss: its story, not its answer)."""
    paragraphs = []
    for name in story.files:
        articles, _ = read_file(story.folder / name)
        for number, article in enumerate(articles):
            qas = []
            for question in story.questions:
                qid = f"{question['id']}-{name}-{number}"
                if not question["answers"]:
                    if unanswerable:
                        qas.append({"id": qid, "question": question["question"], "answers": [], "is_impossible": True})
                    continue
                found = first_stated(question["question"], question["answers"], article.text)
                if found:
                    answer, start = found
                    qas.append({"id": qid, "question": question["question"], "answers": [{"text": answer, "answer_start": start}]})
            paragraphs.append({"context": article.text, "qas": qas})
    return paragraphs


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("stories", type=Path, help="the benchmark's stories folder")
    parser.add_argument("--split", default="train", choices=("train", "validation"))
    parser.add_argument("--only", nargs="+", metavar="ID", help="only these stories of the split (s01 s02 ...)")
    parser.add_argument("--unanswerable", action="store_true",
                        help="also the questions no article answers, as answerless (SQuAD 2.0 is_impossible)")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    stories, warnings = load_stories(args.stories)
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    chosen = [s for s in stories if s.split == args.split and (not args.only or s.id in args.only)]
    unknown = sorted(set(args.only or ()) - {s.id for s in chosen})
    if unknown:
        parser.error(f"no {args.split} story is called {', '.join(unknown)}")
    data = [{"title": f"news:{s.id}", "paragraphs": story_articles(s, args.unanswerable)} for s in chosen]
    answered = {qa["question"] + story["title"] for story in data for p in story["paragraphs"] for qa in p["qas"]
                if qa["answers"]}
    impossible = sum(1 for s in chosen for q in s.questions if not q["answers"]) if args.unanswerable else 0
    answerable = sum(1 for s in chosen for q in s.questions if q["answers"])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"version": "1.1", "data": data}, ensure_ascii=False), encoding="utf-8")
    pairs = sum(len(p["qas"]) for story in data for p in story["paragraphs"])
    print(f"{args.out}: {len(chosen)} stories, {len(answered)} of {answerable} answerable questions"
          + (f" and {impossible} unanswerable" if args.unanswerable else "")
          + f" ({pairs} question-article pairs)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
