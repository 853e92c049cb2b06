"""Sentence-aware chunking that fits the encoder window and keeps character offsets."""

from __future__ import annotations

import functools
import re
from dataclasses import asdict, dataclass
from typing import Callable, Sequence

TokenCounter = Callable[[Sequence[str]], list[int]]


@dataclass(frozen=True)
class ChunkerSettings:
    """How articles are cut. Stored in the index manifest: changing it needs a rebuild.

    ``max_tokens`` leaves room in the 256-piece window for a question when the reader
    reads a chunk; ``overlap_sentences`` repeats the last sentences of a chunk at the start
    of the next so that an answer near a boundary is whole in one of them.
    """

    max_tokens: int = 200
    overlap_sentences: int = 1

    def as_dict(self) -> dict:
        return asdict(self)


@functools.lru_cache(maxsize=1)
def _segmenter():
    import pysbd

    return pysbd.Segmenter(language="en", clean=False)


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence offsets ``(start, end)`` into ``text``; paragraphs never share a sentence."""
    spans: list[tuple[int, int]] = []
    for paragraph in re.finditer(r"[^\n]+", text):
        cursor = paragraph.start()
        for sentence in _segmenter().segment(paragraph.group()):
            sentence = sentence.strip()
            if not sentence:
                continue
            start = text.find(sentence, cursor, paragraph.end())
            if start < 0:  # the segmenter altered the text; fall back to the whole paragraph rest
                spans.append((cursor, paragraph.end()))
                break
            spans.append((start, start + len(sentence)))
            cursor = start + len(sentence)
    return spans


@functools.lru_cache(maxsize=4096)
def _line_sentences(line: str) -> tuple[tuple[int, int], ...]:
    # Quoting splits the same paragraphs again and again (every answer, every outlet that says
    # it); the segmenter costs about 10 ms a paragraph.
    return tuple(split_sentences(line))


def sentence_around(text: str, start: int, end: int) -> tuple[int, int]:
    """The sentence (or sentences) of ``text`` that contain characters ``start:end``."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_end = len(text) if line_end < 0 else line_end
    first, last = line_start, line_end
    for s, e in _line_sentences(text[line_start:line_end]):
        s, e = s + line_start, e + line_start
        if s <= start < e or (start >= e and s <= start):
            first = s
        if s < end <= e:
            last = e
            break
    return first, max(last, end)


def _split_long(text: str, start: int, end: int, max_tokens: int, count_tokens: TokenCounter) -> list[tuple[int, int]]:
    """Cut an over-long sentence at word boundaries so no piece exceeds the window."""
    words = [(m.start() + start, m.end() + start) for m in re.finditer(r"\S+", text[start:end])]
    counts = count_tokens([text[s:e] for s, e in words])
    pieces, piece_start, used, prev_end = [], None, 0, start
    for (s, e), n in zip(words, counts):
        if n > max_tokens:  # a single "word" longer than the window (a URL, a table row): cut by characters
            if piece_start is not None:
                pieces.append((piece_start, prev_end))
                piece_start, used = None, 0
            step = max(1, (e - s) * max_tokens // (n + 1))
            pieces.extend((p, min(p + step, e)) for p in range(s, e, step))
            continue
        if piece_start is not None and used + n > max_tokens:
            pieces.append((piece_start, prev_end))
            piece_start, used = None, 0
        if piece_start is None:
            piece_start = s
        used += n
        prev_end = e
    if piece_start is not None:
        pieces.append((piece_start, prev_end))
    return pieces


def chunk_text(text: str, count_tokens: TokenCounter, settings: ChunkerSettings = ChunkerSettings()) -> list[tuple[int, int]]:
    """Chunk offsets ``(start, end)`` for one article's cleaned text.

    Sentences are packed greedily up to ``settings.max_tokens`` word pieces; a sentence
    longer than that is cut at word boundaries, so nothing is ever truncated by the encoder.
    """
    sentences = split_sentences(text)
    if not sentences:
        return []
    counts = count_tokens([text[s:e] for s, e in sentences])
    units: list[tuple[int, int, int]] = []
    for (s, e), n in zip(sentences, counts):
        if n <= settings.max_tokens:
            units.append((s, e, n))
        else:
            pieces = _split_long(text, s, e, settings.max_tokens, count_tokens)
            units.extend((ps, pe, n) for (ps, pe), n in zip(pieces, count_tokens([text[a:b] for a, b in pieces])))

    chunks: list[tuple[int, int]] = []
    current: list[tuple[int, int, int]] = []
    for unit in units:
        if current and sum(n for _, _, n in current) + unit[2] > settings.max_tokens:
            chunks.append((current[0][0], current[-1][1]))
            overlap = current[-settings.overlap_sentences:] if settings.overlap_sentences else []
            # Keep the overlap only if the next unit still fits beside it.
            current = overlap if sum(n for _, _, n in overlap) + unit[2] <= settings.max_tokens else []
        current.append(unit)
    chunks.append((current[0][0], current[-1][1]))
    return chunks
