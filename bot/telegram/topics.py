"""Topic alerts, the pure parts: a term (words, "a phrase"), whether an article matches it, and
which new articles each chat is to be told about."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

from newsdesk.types import Article

MAX_TERM_CHARS = 100
_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "«": '"', "»": '"'})  # phones type curly quotes


@dataclass(frozen=True)
class Alert:
    """A chat's alert: the term as shown, and who set it (checked against the allowlist when it fires)."""

    term: str
    by: int


def parse_term(text: str) -> tuple[tuple[str, ...], ...]:
    """The parts of a term, each a run of words that must appear together: a quoted phrase is
    one part, every other word a part of its own (``flood "river park"`` -> (flood), (river, park)).

    Raises:
        ValueError: the term is empty, has no word, or is too long.
    """
    text = " ".join((text or "").translate(_QUOTES).split())
    if len(text) > MAX_TERM_CHARS:
        raise ValueError(f"the term is too long ({len(text)} characters; the limit is {MAX_TERM_CHARS})")
    parts = []
    for phrase, word in re.findall(r'"([^"]*)"?|(\S+)', text):
        words = tuple(re.findall(r"\w+", phrase or word))
        if words:
            parts.append(words)
    if not parts:
        raise ValueError('give a word or a "phrase in quotes", e.g. /alert flood or /alert "river park"')
    return tuple(parts)


def show_term(parts: Sequence[Sequence[str]]) -> str:
    """The term as the bot shows it and compares it: ``flood "river park"``."""
    return " ".join(f'"{" ".join(p)}"' if len(p) > 1 else p[0] for p in parts)


def same_term(a: str, b: str) -> bool:
    """Whether two shown terms are one (case aside)."""
    return a.casefold() == b.casefold()


def _pattern(words: Sequence[str]) -> re.Pattern:
    # Whole words: no word character may touch either end; between the words any non-word run.
    return re.compile(r"(?<!\w)" + r"\W+".join(map(re.escape, words)) + r"(?!\w)", re.IGNORECASE)


def find_term(term: str, text: str) -> re.Match | None:
    """Where ``text`` first holds the term's first part, if it holds every part (None: not all)."""
    found = [_pattern(words).search(text) for words in parse_term(term)]
    return found[0] if all(found) else None


def article_text(article: Article) -> str:
    """What an alert looks in: the title, then the text."""
    return f"{article.title or ''}\n{article.text}"


def due_alerts(alerts: Mapping[int, Sequence[Alert]], sent: Mapping[int, Iterable[str]],
               new: Sequence[Article]) -> dict[int, list[tuple[Article, list[str]]]]:
    """For each chat, the new articles that match its alerts and it was not yet told of, each
    with the terms it matched (one message per article, however many terms match)."""
    due: dict[int, list[tuple[Article, list[str]]]] = {}
    for chat_id, chat_alerts in alerts.items():
        told = set(sent.get(chat_id, ()))
        for article in new:
            if article.id in told:
                continue
            text = article_text(article)
            terms = [a.term for a in chat_alerts if find_term(a.term, text)]
            if terms:
                due.setdefault(chat_id, []).append((article, terms))
    return due


def snippet(text: str, match: re.Match | None, chars: int = 240) -> tuple[str, bool, bool]:
    """About ``chars`` characters of ``text`` around ``match`` (from the start without one),
    cut at spaces; and whether text was left out before and after."""
    middle = match.start() if match else 0
    start = max(0, middle - chars // 3)
    if start:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < middle else start
    end = min(len(text), start + chars)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > (match.end() if match else start) else end
    return " ".join(text[start:end].split()), start > 0, end < len(text)
