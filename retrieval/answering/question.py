"""A question's bounds (and a search's): the length limit (also a follow-up's combined question's)
and the checks every front end runs before any model loads."""

from __future__ import annotations

from newsdesk.errors import UsageError

MAX_QUESTION_CHARS = 1000  # a question's length limit (validate_question; a follow-up's combined question)


def _checked(text: str, what: str, hint: str) -> str:
    """``text`` trimmed, or UsageError (a ValueError) naming ``what`` when it is empty or over-long."""
    text = " ".join((text or "").split())
    if not text:
        raise UsageError(f"the {what} is empty; {hint}")
    if len(text) > MAX_QUESTION_CHARS:
        raise UsageError(f"the {what} is too long ({len(text):,} characters; the limit is {MAX_QUESTION_CHARS:,})")
    return text


def validate_question(question: str) -> str:
    """The question, trimmed. Raises UsageError (a ValueError) for empty or over-long questions."""
    return _checked(question, "question", 'ask something like: newsdesk ask "Who hosted the Berlin talks?"')


def validate_query(query: str) -> str:
    """The search words (``newsdesk search``), trimmed. Raises UsageError (a ValueError) when empty or over-long."""
    return _checked(query, "search", 'search for some words, like: newsdesk search "Berlin talks"')
