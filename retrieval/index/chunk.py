"""Sentence-aware chunking that fits the encoder window and keeps character offsets."""

from __future__ import annotations

import functools
import re
from dataclasses import asdict, dataclass
from typing import Callable, Sequence

TokenCounter = Callable[[Sequence[str]], list[int]]
Spans = list[tuple[int, int]]

# The splitter sees at most this many characters at a time: pysbd's time grows with the square
# of its input (a 250 KB paragraph took 16-240 s, by its text), and a splitter runs under the
# index write lock. 2,000 characters are several encoder windows, so a cut here (made at a
# sentence end where there is one) changes no chunk that could have fitted whole.
MAX_SPLIT_CHARS = 2000
SPLITTERS = ("rules", "pysbd")
# What an index whose manifest names no splitter was built with (newsdesk before "rules").
LEGACY_SPLITTER = "pysbd"


@dataclass(frozen=True)
class ChunkerSettings:
    """How articles are cut. Stored in the index manifest: changing it needs a rebuild.

    ``max_tokens`` leaves room in the 256-piece window for a question when the reader
    reads a chunk; ``overlap_sentences`` repeats the last sentences of a chunk at the start
    of the next so that an answer near a boundary is whole in one of them; ``splitter`` names
    the sentence splitter (``SPLITTERS``; see benchmarks/splitter_speed.py).
    """

    max_tokens: int = 200
    overlap_sentences: int = 1
    splitter: str = "rules"

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "ChunkerSettings":
        """Settings as a manifest recorded them; one written before ``splitter`` existed used pysbd."""
        return cls(**{"splitter": LEGACY_SPLITTER, **data})


# A sentence ends with a run of . ! ? or … and any closing quotes or brackets and footnote
# marks ("[1]", "[citation needed]", ":245"), before a space.
_END = re.compile(r"[.!?\u2026]+[\"'\u201d\u2019)\]]*(?:\[[^\]\n]{1,25}\]|:\d[\d,\u2013-]*)*(?=\s)")
_NON_SPACE = re.compile(r"\S")
_OPENERS = "\"'\u201c\u2018(["
# Words whose full stop rarely ends a sentence: titles before a name, "Jan. 5", "approx. 5".
_ABBREVIATIONS = frozenset(
    "mr mrs ms messrs dr prof st mt ft gen gov sen rep lt col capt cmdr sgt rev hon pres supt jr sr "
    "vs v ca cf approx al e.g i.e viz jan feb mar apr jun jul aug sep sept oct nov dec".split()
)
# Abbreviations only before a number ("No. 5", "Fig. 3", "c. 1547"): "he said no. Then" ends one.
_NUMBER_ABBREVIATIONS = frozenset("no nos fig figs vol vols op p pp c b d".split())
_ACRONYM = re.compile(r"(?:[A-Z]\.)+[A-Z]")


def _word_before(text: str, end: int, floor: int) -> str:
    """The word that ends at ``end`` (at most 12 characters back, never before ``floor``)."""
    start = end
    while start > max(floor, end - 12) and not text[start - 1].isspace():
        start -= 1
    return text[start:end].lstrip(_OPENERS)


def _keeps_going(word: str, following: str) -> bool:
    """Whether a full stop after ``word``, before the character ``following``, is an
    abbreviation's rather than a sentence's."""
    if word.lower() in _ABBREVIATIONS or (following.isdigit() and word.lower() in _NUMBER_ABBREVIATIONS):
        return True
    if len(word) == 1 and word.isupper():  # an initial: "J. Smith"
        return True
    return bool(_ACRONYM.fullmatch(word))  # "U.S.", "D.C." (but "p.m." and "X.25." can end one)


def rule_sentences(text: str, start: int, end: int) -> Spans:
    """Sentence offsets in ``text[start:end]`` by punctuation rules, in one linear pass.

    A sentence ends at a run of ``.!?…`` (and closing quotes) followed by a space and a
    capital letter, a digit or an opening quote, unless the full stop is an abbreviation's.
    """
    first = _NON_SPACE.search(text, start, end)
    if first is None:
        return []
    spans, begin = [], first.start()
    for stop in _END.finditer(text, begin, end):
        following = _NON_SPACE.search(text, stop.end(), end)
        if following is None:
            break
        nxt = text[following.start()]
        if not (nxt.isupper() or nxt.isdigit() or nxt in _OPENERS):
            continue
        # Only a bare full stop can be an abbreviation's: not "...", not "." before a closing quote.
        if stop.end() - stop.start() == 1 and text[stop.start()] == "." and (
                _keeps_going(_word_before(text, stop.start(), begin), nxt)):
            continue
        spans.append((begin, stop.end()))
        begin = following.start()
    last = len(text[begin:end].rstrip()) + begin
    if last > begin:
        spans.append((begin, last))
    return spans


@functools.lru_cache(maxsize=1)
def pysbd_segmenter():
    import pysbd

    return pysbd.Segmenter(language="en", clean=False)


def pysbd_sentences(text: str, start: int, end: int) -> Spans:
    """Sentence offsets in ``text[start:end]`` by pysbd (what newsdesk used first; slower)."""
    spans, cursor = [], start
    for sentence in pysbd_segmenter().segment(text[start:end]):
        sentence = sentence.strip()
        if not sentence:
            continue
        found = text.find(sentence, cursor, end)
        if found < 0:  # the segmenter altered the text; the rest is one sentence
            rest = text[cursor:end]
            spans.append((cursor + len(rest) - len(rest.lstrip()), cursor + len(rest.rstrip())))
            break
        spans.append((found, found + len(sentence)))
        cursor = found + len(sentence)
    return [(s, e) for s, e in spans if e > s]


_SPLITTERS = {"rules": rule_sentences, "pysbd": pysbd_sentences}
_SPACE = re.compile(r"\s")


def _cut_point(text: str, start: int, end: int) -> int:
    """Where to cut inside ``text[start:end]``: before its last sentence that begins there (by
    the rules), else after its last space, else (one endless word) at ``end``."""
    sentences = rule_sentences(text, start, end)
    if len(sentences) > 1:
        return sentences[-1][0]
    spaces = [m.end() for m in _SPACE.finditer(text, start, end)]
    return spaces[-1] if spaces else end


def bounded_pieces(text: str, start: int, end: int, limit: int = MAX_SPLIT_CHARS) -> Spans:
    """Cut ``text[start:end]`` into consecutive pieces of at most ``limit`` characters, each cut
    in the second half of its window (see ``_cut_point``); the pieces cover the range exactly."""
    pieces = []
    while end - start > limit:
        cut = _cut_point(text, start + limit // 2, start + limit)
        pieces.append((start, cut))
        start = cut
    pieces.append((start, end))
    return pieces


def split_sentences(text: str, splitter: str = "rules") -> Spans:
    """Sentence offsets ``(start, end)`` into ``text``; paragraphs never share a sentence.

    Args:
        splitter: one of ``SPLITTERS``. Long paragraphs reach it in bounded pieces, so the
            work grows linearly with the text whatever the splitter.
    """
    try:
        split = _SPLITTERS[splitter]
    except KeyError:
        raise ValueError(f"unknown sentence splitter {splitter!r}; expected one of {', '.join(SPLITTERS)}") from None
    spans: Spans = []
    for paragraph in re.finditer(r"[^\n]+", text):
        for start, end in bounded_pieces(text, paragraph.start(), paragraph.end()):
            spans.extend(split(text, start, end))
    return spans


@functools.lru_cache(maxsize=4096)
def _line_sentences(line: str) -> tuple[tuple[int, int], ...]:
    # Quoting splits the same paragraphs again and again (every answer, every outlet that says it).
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


def sentence_before(text: str, start: int) -> int:
    """Where the sentence before offset ``start`` of ``text`` begins (``start`` itself when
    nothing comes before): a sentence's context, where a pronoun's name or a question's words
    stand; across a paragraph break too (the blank line between is no sentence)."""
    end = len(text[:start].rstrip())
    return sentence_around(text, end - 1, end - 1)[0] if end > 0 else start


# A word piece is about 4 characters of prose. A tokenizer makes one [UNK] of a word of over
# 100 characters (a base64 blob, a run of symbols), which would let one "200-piece" chunk hold
# a megabyte; counting at least one piece per 10 characters keeps every chunk bounded.
CHARS_PER_TOKEN_AT_MOST = 10


def _sizes(text: str, spans: Spans, count_tokens: TokenCounter) -> list[int]:
    """Word pieces of each span, but at least one per ``CHARS_PER_TOKEN_AT_MOST`` characters."""
    counts = count_tokens([text[s:e] for s, e in spans])
    return [max(n, (e - s) // CHARS_PER_TOKEN_AT_MOST) for (s, e), n in zip(spans, counts)]


def _split_long(text: str, start: int, end: int, max_tokens: int, count_tokens: TokenCounter) -> list[tuple[int, int]]:
    """Cut an over-long sentence at word boundaries so no piece exceeds the window."""
    words = [(m.start() + start, m.end() + start) for m in re.finditer(r"\S+", text[start:end])]
    counts = _sizes(text, words, count_tokens)
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
    sentences = split_sentences(text, settings.splitter)
    if not sentences:
        return []
    units: list[tuple[int, int, int]] = []
    for (s, e), n in zip(sentences, _sizes(text, sentences, count_tokens)):
        if n <= settings.max_tokens:
            units.append((s, e, n))
        else:
            pieces = _split_long(text, s, e, settings.max_tokens, count_tokens)
            units.extend((ps, pe, n) for (ps, pe), n in zip(pieces, _sizes(text, pieces, count_tokens)))

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
