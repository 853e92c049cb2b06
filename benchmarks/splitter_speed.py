"""Sentence splitters side by side: speed, agreement with pysbd, and the chunks they lead to.

    python benchmarks/splitter_speed.py ../shared/data/squad-dev-v1.1-part-a.json [--long-kb 16 64 250]

Splitters: newsdesk's "rules" and "pysbd" (both fed bounded pieces by split_sentences), and
blingfire and syntok when they are installed (pip install blingfire syntok; not dependencies).
For each: seconds to split every distinct SQuAD paragraph, sentences found, sentence-end
agreement with pysbd (precision/recall/F1), and through chunk_text with the bundled tokenizer
at 200 and 64 word pieces: chunks, and the share of questions whose answer, and whose answer
sentence (as each splitter sees it: every splitter scores best against its own sentences),
lies wholly inside one chunk. Then one long paragraph (SQuAD text joined by
spaces) of each --long-kb size: pysbd on the whole paragraph (the old behaviour; skipped above
--unbounded-max-kb), and each splitter through split_sentences.
"""

from __future__ import annotations

import argparse
import json
import re
import time
from pathlib import Path

from newsdesk.embeddings.encoder import bundled_model_path, plain_tokenizer
from newsdesk.retrieval.evaluation.squad import load_squad
from newsdesk.retrieval.index import chunk


def _blingfire(text, start, end):
    import blingfire

    _, offsets = blingfire.text_to_sentences_and_offsets(text[start:end])
    return [(start + s, start + e) for s, e in offsets if e > s]


def _syntok(text, start, end):
    from syntok import segmenter

    spans = []
    for paragraph in segmenter.analyze(text[start:end]):
        for sentence in paragraph:
            tokens = list(sentence)
            spans.append((start + tokens[0].offset, start + tokens[-1].offset + len(tokens[-1].value)))
    return spans


def available_splitters() -> list[str]:
    names = list(chunk.SPLITTERS)
    for name, function in (("blingfire", _blingfire), ("syntok", _syntok)):
        try:
            __import__(name)
        except ImportError:
            continue
        chunk._SPLITTERS[name] = function  # the benchmark only: let chunk_text use it by name
        names.append(name)
    return names


def _timed(function, *args):
    started = time.perf_counter()
    result = function(*args)
    return result, time.perf_counter() - started


# pysbd ends a sentence before its footnote mark ("him.[citation needed] Tesla" -> "him." and
# "[citation needed] Tesla"); an end is compared after any marks that follow it.
_NOTES = re.compile(r"(?:\[[^\]\n]{1,25}\]|:\d[\d,\u2013-]*)*")


def _ends(text: str, spans: list) -> set[int]:
    last = len(text.rstrip())
    return {end for end in (_NOTES.match(text, e).end() for _, e in spans) if end < last}


def _agreement(spans: dict[str, list], reference: dict[str, list]) -> dict:
    """Precision/recall of sentence ends inside paragraphs (the paragraph's own end excluded)."""
    both = found = expected = 0
    for text, ref in reference.items():
        ends, ref_ends = _ends(text, spans[text]), _ends(text, ref)
        both, found, expected = both + len(ends & ref_ends), found + len(ends), expected + len(ref_ends)
    precision, recall = both / max(found, 1), both / max(expected, 1)
    return {"precision": round(precision, 4), "recall": round(recall, 4),
            "f1": round(2 * precision * recall / max(precision + recall, 1e-9), 4)}


def _within(chunks, start, end) -> bool:
    return any(s <= start and end <= e for s, e in chunks)


def _chunk_quality(questions, references: dict[str, dict], splitter, count, max_tokens) -> dict:
    """Chunks made with ``splitter``, and the share of questions whose answer, and whose answer
    sentence by each reference splitter, lies wholly inside one of them."""
    settings = chunk.ChunkerSettings(max_tokens=max_tokens, splitter=splitter)
    by_text, seconds = {}, 0.0
    for text in next(iter(references.values())):
        by_text[text], spent = _timed(chunk.chunk_text, text, count, settings)
        seconds += spent
    answers, sentences = 0, dict.fromkeys(references, 0)
    for q in questions:
        start = q.answer_starts[0]
        end = start + len(q.answers[0])
        chunks = by_text[q.context]
        answers += _within(chunks, start, end)
        for name, spans in references.items():
            sentence = next(((s, e) for s, e in spans[q.context] if s <= start < e), (start, end))
            sentences[name] += _within(chunks, sentence[0], max(sentence[1], end))
    n = max(len(questions), 1)
    return {"chunks": sum(map(len, by_text.values())), "answer_in_one_chunk": round(answers / n, 4),
            "answer_sentence_in_one_chunk": {name: round(k / n, 4) for name, k in sentences.items()},
            "chunk_seconds": round(seconds, 2)}


def squad_comparison(path: Path, names: list[str], count) -> dict:
    questions = [q for q in load_squad(path) if q.answers and q.answer_starts[0] >= 0]
    paragraphs = list(dict.fromkeys(q.context for q in questions))
    megabytes = sum(len(p.encode()) for p in paragraphs) / 2**20
    spans, results = {}, {}
    for name in names:
        split, seconds = _timed(lambda name=name: {p: chunk.split_sentences(p, name) for p in paragraphs})
        spans[name] = split
        results[name] = {"split_seconds": round(seconds, 3), "mb_per_second": round(megabytes / seconds, 2),
                         "sentences": sum(map(len, split.values()))}
    for name in names:
        results[name]["agreement_with_pysbd"] = _agreement(spans[name], spans["pysbd"])
        for max_tokens in (200, 64):
            results[name][f"chunks_at_{max_tokens}"] = _chunk_quality(questions, spans, name, count, max_tokens)
    return {"paragraphs": len(paragraphs), "questions": len(questions), "megabytes": round(megabytes, 3), "splitters": results}


def long_paragraphs(path: Path, names: list[str], sizes_kb: list[int], unbounded_max_kb: int) -> list[dict]:
    """Seconds to split one paragraph of SQuAD prose, and of one short sentence repeated."""
    pools = {"squad": " ".join(dict.fromkeys(q.context.replace("\n", " ") for q in load_squad(path))),
             "repeated": "Mr. Smith met Dr. Jones in the U.S. on Jan. 5 and opened the bridge. "}
    rows = []
    for kind, pool in pools.items():
        for kb in sizes_kb:
            text = (pool * (1 + kb * 1024 // len(pool)))[: kb * 1024]
            row = {"text": kind, "kb": kb}
            if kb <= unbounded_max_kb:
                row["pysbd_whole_paragraph_s"] = round(_timed(chunk.pysbd_segmenter().segment, text)[1], 2)
            for name in names:
                row[f"{name}_s"] = round(_timed(chunk.split_sentences, text, name)[1], 3)
            rows.append(row)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("squad", type=Path)
    parser.add_argument("--long-kb", type=int, nargs="*", default=[16, 64, 250, 1024])
    parser.add_argument("--unbounded-max-kb", type=int, default=64, help="pysbd on a whole paragraph only up to this size")
    args = parser.parse_args()
    tokenizer = plain_tokenizer(bundled_model_path() / "tokenizer.json")

    def count(texts):
        return [len(e.ids) for e in tokenizer.encode_batch(list(texts), add_special_tokens=False)]

    names = available_splitters()
    chunk.pysbd_segmenter().segment("Warm up. Done.")  # loading pysbd is not splitting time
    report = {"squad": squad_comparison(args.squad, names, count),
              "long_paragraph": long_paragraphs(args.squad, names, args.long_kb, args.unbounded_max_kb)}
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
