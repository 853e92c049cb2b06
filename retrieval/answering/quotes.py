"""What a question quotes ("Who said \u201ca lot of progress\u201d?"): only a passage holding the
quoted words can answer it. Pure functions."""

from __future__ import annotations

import re
from typing import Sequence

from newsdesk.types import Hit, Span


def quoted_phrases(question: str) -> list[str]:
    """Phrases the question quotes ("Who said \u201ca lot of progress\u201d?"): only a passage
    holding one can answer it."""
    return [p.strip() for p in re.findall(r'["\u201c\u201d\u201e]([^"\u201c\u201d\u201e]{3,})["\u201c\u201d\u201e]', question) if p.strip()]


def quoted_only(question: str, spans: Sequence[Span], hits: Sequence[Hit]) -> list[Span]:
    """The spans in passages that hold every phrase the question quotes."""
    phrases = [p.casefold() for p in quoted_phrases(question)]
    if not phrases:
        return list(spans)
    holding = {h.chunk.id for h in hits if all(p in h.chunk.text.casefold() for p in phrases)}
    return [s for s in spans if s.chunk_id in holding]
