"""Citations: where an answer stands in its article (its sentence as the quote, its bounds
shaped for the question), and the passages shown beside a refusal."""

from __future__ import annotations

from typing import Sequence

from newsdesk.types import Chunk, Citation, Hit

from ..index.build import Index
from ..index.chunk import sentence_around, split_sentences
from .shaping import SENTENCE, SPAN, shaped_bounds
from .text import content_terms, names_asked

RELATED_MIN_SHARE = 0.6  # a passage shown beside a refusal holds this share of the question's words


def citation_at(index: Index, article_id: str, start: int, end: int, kind: str = SPAN) -> Citation:
    """Where an answer stands: its sentence as the quote, and the answer's bounds shaped for ``kind``."""
    article = index.articles[article_id]
    first_end = sentence_around(article.text, start, start + 1)[1]
    if kind != SENTENCE and end > first_end:  # a name, figure or list ends with its sentence ("… and Haldrik. Skellmark")
        end = max(start + 1, len(article.text[:first_end].rstrip(" .!?\n")))
    sentence = sentence_around(article.text, start, end)
    start, end = shaped_bounds(kind, article.text, start, end, sentence)
    q_start, q_end = min(sentence[0], start), max(sentence[1], end)
    return Citation(
        article_id=article.id, title=article.title, outlet=article.outlet, date=article.date, url=article.url,
        path=article.path, quote=article.text[q_start:q_end], start=q_start, end=q_end, answer_start=start, answer_end=end,
    )


def related_passages(question: str, index: Index, hits: Sequence[Hit], limit: int = 2,
                     min_share: float = RELATED_MIN_SHARE) -> tuple[Citation, ...]:
    """When no answer is trustworthy: the best passages whose best sentence holds at least
    ``min_share`` of the question's content words, each as a citation of that sentence. A
    question of one such word qualifies only when the word is a name ("what did the Kremlin
    say"): one common word matches too much."""
    asked = content_terms(question)
    if not asked or (len(asked) < 2 and not asked & content_terms(" ".join(names_asked(question, [h.chunk.text for h in hits])))):
        return ()
    found, seen = [], set()
    for hit in hits:
        if hit.chunk.article_id in seen or hit.chunk.article_id not in index.articles:
            continue
        best = max(_sentences(hit.chunk), key=lambda b: len(asked & content_terms(hit.chunk.text[b[0]:b[1]])))
        if len(asked & content_terms(hit.chunk.text[best[0]:best[1]])) >= min_share * len(asked):
            start, end = hit.chunk.start + best[0], hit.chunk.start + best[1]
            found.append(citation_at(index, hit.chunk.article_id, start, end, SENTENCE))
            seen.add(hit.chunk.article_id)
        if len(found) == limit:
            break
    return tuple(found)


def _sentences(chunk: Chunk) -> list[tuple[int, int]]:
    """The sentences of a chunk, as bounds in its text."""
    return list(split_sentences(chunk.text)) or [(0, len(chunk.text))]
