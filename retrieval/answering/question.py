"""A question's bounds: its length limit (also a follow-up's combined question's) and the checks
every front end runs before any model loads."""

from __future__ import annotations

from newsdesk.errors import UsageError

MAX_QUESTION_CHARS = 1000  # a question's length limit (validate_question; a follow-up's combined question)


def validate_question(question: str) -> str:
    """The question, trimmed. Raises UsageError (a ValueError) for empty or over-long questions."""
    question = " ".join((question or "").split())
    if not question:
        raise UsageError("the question is empty; ask something like: newsdesk ask \"Who hosted the Berlin talks?\"")
    if len(question) > MAX_QUESTION_CHARS:
        raise UsageError(f"the question is too long ({len(question):,} characters; the limit is {MAX_QUESTION_CHARS:,})")
    return question
