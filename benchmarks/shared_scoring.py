"""Choosing among passages by one softmax over all of them (issue 12's inference question).

A reader trained with shared normalisation (training/open_setting.py) has span logits that
compare across the windows of a question. This asks the held-out questions of
``benchmarks/validate_sources.py`` in one open index two ways, from the same readings of the
five passages: as shipped (each window's P(start)·P(end) with its own [CLS]), and with the
answer chosen by P(start)·P(end) under one softmax over the context tokens of all five passages
(Clark & Gardner 2018), while abstaining still goes by the per-window confidence of the chosen
answer. Both times retrieval weighs in at each ``--powers`` value, and both abstain below
``RAW_THRESHOLD`` of the reader's own confidence (the rule before calibrated answer scores, under
which this was measured). EM per source, mean.

    python benchmarks/shared_scoring.py ../shared/data/squad-dev-v1.1-part-a.json \\
        ../shared/data/qa-train-extra.json [--questions 200] [--reader DIR] [--powers 0 1 2]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from answer_selection import SUPPORT_DEPTH  # noqa: E402

RAW_THRESHOLD = 0.3
from newsdesk.retrieval.answering.answer import assemble_answer, missing_names  # noqa: E402
from newsdesk.retrieval.answering.ranking import rank_answers  # noqa: E402
from newsdesk.retrieval.answering.readers.windows import cut_windows  # noqa: E402
from newsdesk.retrieval.answering.search import retrieve  # noqa: E402
from newsdesk.retrieval.answering.text import normalize_answer  # noqa: E402
from newsdesk.retrieval.evaluation.evaluate import paragraph_articles  # noqa: E402
from newsdesk.retrieval.evaluation.held_out import held_out  # noqa: E402
from newsdesk.retrieval.evaluation.squad import best_over_golds, exact_match, load_squad  # noqa: E402
from newsdesk.retrieval.service import Newsdesk  # noqa: E402
from newsdesk.retrieval.settings import Settings  # noqa: E402

from newsdesk.types import Span  # noqa: E402


def shared_spans(reader, question: str, chunks, candidates: int = 20, per_chunk: int = 3) -> list[Span]:
    """The best spans of ``chunks`` scored by P(start)·P(end) under one softmax over all their windows.

    It reaches into the NeuralReader for its windows and logits: a measurement, not an API (the
    Reader protocol gives spans only); should the scoring win, it belongs in the reader.
    """
    if reader._run is None:
        reader._load()
    windows = cut_windows(reader._tokenizer, reader._clipped_question(question.strip()), [c.text for c in chunks],
                          reader._max_len, reader._stride)
    start, end = reader._run({"input_ids": windows.input_ids, "attention_mask": windows.attention_mask,
                              "token_type_ids": windows.token_type_ids})
    context = windows.is_context
    log_zs = np.logaddexp.reduce(start[context])
    log_ze = np.logaddexp.reduce(end[context])
    best: dict[tuple[int, int, int], float] = {}
    for w, ci in enumerate(windows.chunk_of):
        positions = np.flatnonzero(context[w])
        if not len(positions):
            continue
        starts = positions[np.argsort(-start[w, positions])[:candidates]]
        ends = positions[np.argsort(-end[w, positions])[:candidates]]
        for s in starts:
            for e in ends:
                if not 0 <= e - s < reader.max_answer_tokens:
                    continue
                text = chunks[ci].text
                cs, ce = windows.offsets[w][s][0], windows.offsets[w][e][1]
                if "\n" in text[cs:ce] or not text[cs:ce].strip():
                    continue
                score = float(np.exp(start[w, s] - log_zs + end[w, e] - log_ze))
                key = (ci, cs, ce)
                best[key] = max(best.get(key, 0.0), score)
    spans = []
    for ci, chunk in enumerate(chunks):
        mine = sorted(((score, cs, ce) for (c, cs, ce), score in best.items() if c == ci), reverse=True)[:per_chunk]
        spans += [Span(chunk.text[cs:ce], chunk.article_id, chunk.id, chunk.start + cs, chunk.start + ce, score)
                  for score, cs, ce in mine]
    return spans


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", type=Path, nargs="+")
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--powers", type=float, nargs="+", default=[0.0, 1.0, 2.0])
    parser.add_argument("--reader", default="default")
    parser.add_argument("-k", type=int, default=5)
    args = parser.parse_args()
    split = held_out([q for path in args.files for q in load_squad(path)], args.questions)
    table: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as home:
        desk = Newsdesk(Settings(home=Path(home), reader=args.reader))
        desk.add_articles(list(paragraph_articles([q for qs in split.values() for q in qs]).values()))
        index, reader = desk.index, desk.reader
        for source, questions in split.items():
            right: dict[str, int] = {}
            for q in questions:
                support = retrieve(index, q.question, desk.embed_question(q.question), k=SUPPORT_DEPTH)
                hits = support[: args.k]
                absent = missing_names(q.question, hits)
                window = [] if absent else [s for h in hits for s in reader.read(q.question, [h.chunk])]
                shared = [] if absent else shared_spans(reader, q.question, [h.chunk for h in hits])
                confidence = {key: score for key, score, _ in rank_answers(window)}
                for power in args.powers:
                    shipped = assemble_answer(q.question, window, index, hits, RAW_THRESHOLD, power)
                    chosen = assemble_answer(q.question, shared, index, hits, 0.0, power)
                    text = chosen.text if chosen.text and confidence.get(normalize_answer(chosen.text), 0.0) >= RAW_THRESHOLD else None
                    for name, predicted in ((f"window power {power:g}", shipped.text), (f"shared power {power:g}", text)):
                        ok = bool(predicted) and best_over_golds(exact_match, predicted, q.answers) == 1.0
                        right[name] = right.get(name, 0) + ok
            table[source] = {name: round(100 * n / len(questions), 2) for name, n in right.items()}
    names = next(iter(table.values())).keys()
    mean = {name: round(sum(row[name] for row in table.values()) / len(table), 2) for name in names}
    print(json.dumps({"reader": args.reader, "exact_match": table, "mean": mean}, indent=2))


if __name__ == "__main__":
    main()
