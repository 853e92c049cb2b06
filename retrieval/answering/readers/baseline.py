"""The reader interface and the baseline reader (a rule-based span picker, no model).

A reader gets a question and retrieved chunks and returns candidate spans copied from
them, each with a confidence in [0, 1]. The trained neural reader lives in
``neural.py`` behind the same interface.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Sequence

from newsdesk.types import Chunk, Hit, Span

from ...index.chunk import split_sentences
from ..text import STOPWORDS, content_terms, words


def first_of_each_text(hits: Sequence[Hit]) -> tuple[list[Hit], dict[int, list[Chunk]]]:
    """The hits whose chunk text is new, in order; and, by chunk id, the later chunks that have
    exactly that text."""
    first_by_text: dict[str, Chunk] = {}
    originals, copies = [], {}
    for hit in hits:
        first = first_by_text.setdefault(hit.chunk.text, hit.chunk)
        if first is hit.chunk:
            originals.append(hit)
        else:
            copies.setdefault(first.id, []).append(hit.chunk)
    return originals, copies


def placed_in(span: Span, source: Chunk, copy: Chunk) -> Span:
    """``span``, read in ``source``, at the same place in ``copy`` (the same text elsewhere)."""
    shift = copy.start - source.start
    return replace(span, article_id=copy.article_id, chunk_id=copy.id, start=span.start + shift, end=span.end + shift)


_TITLES = {"president", "chancellor", "minister", "prime", "secretary", "general", "spokesman", "spokesperson",
           "envoy", "special", "mr", "mrs", "ms", "dr", "sir", "king", "queen", "pope", "senator", "governor", "mayor"}
_CAPITALISED = re.compile(r"\b(?:[A-Z][\w’'\-.]*|[A-Z]{2,})(?:\s+(?:of\s+|de\s+|von\s+)?(?:[A-Z][\w’'\-.]*))*")
_NUMBER = re.compile(r"\b\d[\d,.]*(?:\s?(?:%|per cent|percent|million|billion|thousand|hundred))?")
_DATE = re.compile(
    r"\b(?:\d{1,2}\s+)?(?:January|February|March|April|May|June|July|August|September|October|November|December)"
    r"(?:\s+\d{1,2})?(?:,?\s+\d{4})?|\b(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b|\b(?:1[5-9]|20)\d{2}\b"
)
_QUOTED = re.compile(r"[\"“]([^\"”]{1,60})[\"”]")


def answer_type(question: str) -> str:
    q = question.lower()
    if re.search(r"\bhow (many|much|long|old|far)\b", q):
        return "number"
    if re.search(r"\b(when|what year|what date|what day)\b", q):
        return "date"
    if re.search(r"\bwho(m|se)?\b", q):
        return "person"
    if re.search(r"\bwhere\b", q):
        return "place"
    return "thing"


def _candidates(sentence: str, kind: str) -> list[tuple[int, int, float]]:
    """Spans (start, end, prior) within a sentence that could answer a question of ``kind``."""
    found: list[tuple[int, int, float]] = []
    if kind == "number":
        found += [(m.start(), m.end(), 1.0) for m in _NUMBER.finditer(sentence)]
    if kind == "date":
        found += [(m.start(), m.end(), 1.0) for m in _DATE.finditer(sentence)]
    for m in _CAPITALISED.finditer(sentence):
        start, end = m.start(), m.end()
        tokens = m.group().split()
        titled = [i for i, t in enumerate(tokens[:-1]) if t.lower().strip(".") in _TITLES | STOPWORDS]
        if titled:  # "German Chancellor Friedrich Merz" -> "Friedrich Merz"
            cut = titled[-1] + 1
            start = sentence.index(tokens[cut], start + len(" ".join(tokens[:cut])))
            tokens = tokens[cut:]
        if end > start and (kind in ("person", "place", "thing") or not found):
            prior = 1.0 if kind in ("person", "place") and len(tokens) >= 2 else 0.8
            found.append((start, end - (1 if sentence[end - 1] == "." else 0), prior))
    if kind == "thing":
        found += [(m.start(1), m.end(1), 0.9) for m in _QUOTED.finditer(sentence)]
    return found


class BaselineReader:
    """Picks, in the sentences that share most words with the question, the nearest span
    of the expected kind (a name for "who", a number for "how many", ...) that the
    question does not already contain. Fast and transparent, but shallow."""

    min_score = 0.5  # below this the answer assembly abstains (share of question words matched, discounted)
    calibration = None  # its scores are judged as they are

    def read(self, question: str, chunks: Sequence[Chunk]) -> list[Span]:
        asked = content_terms(question)
        if not asked:
            return []
        kind = answer_type(question)
        spans: list[Span] = []
        for chunk in chunks:
            for s_start, s_end in split_sentences(chunk.text):
                sentence = chunk.text[s_start:s_end]
                overlap = len(asked & content_terms(sentence)) / len(asked)
                if overlap == 0:
                    continue
                anchors = [m.start() for m in re.finditer(r"[\w’']+", sentence) if content_terms(m.group()) & asked]
                for c_start, c_end, prior in _candidates(sentence, kind):
                    raw = sentence[c_start:c_end]
                    text = raw.strip(" ,;:")
                    terms = content_terms(text)
                    if not text or terms <= asked or all(w.lower() in STOPWORDS for w in words(text)):
                        continue
                    if terms & asked:  # an answer rarely repeats the question's words
                        prior *= 0.3
                    offset = chunk.start + s_start + c_start + len(raw) - len(raw.lstrip(" ,;:"))
                    # Answers sit near the words they share with the question.
                    gap = min(abs(len(words(sentence[min(a, c_start):max(a, c_start)])) - 1) for a in anchors)
                    score = overlap * prior / (1 + 0.15 * gap)
                    spans.append(Span(text, chunk.article_id, chunk.id, offset, offset + len(text), round(score, 4)))
        spans.sort(key=lambda s: -s.score)
        return spans[:20]
