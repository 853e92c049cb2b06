"""Days as people give them: "2025-12-14", "today", "yesterday", "7d", "2w", "3 months ago"."""

from __future__ import annotations

import re
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

_AGO = re.compile(r"^(?P<n>\d{1,5})\s*(?P<unit>d|days?|w|weeks?|m|months?|y|years?)(?:\s+ago)?$", re.IGNORECASE)
_NAMED = {"today": 0, "yesterday": 1}
EXAMPLES = "2025-12-14, today, yesterday, 7d, 2w, 3m or 1y"


def _steps(n: int, unit: str) -> relativedelta:
    """The span of ``n`` units; a month or a year back from the 31st lands on the month's last day."""
    first = unit[0].lower()
    if first == "d":
        return relativedelta(days=n)
    if first == "w":
        return relativedelta(weeks=n)
    return relativedelta(months=n) if first == "m" else relativedelta(years=n)


def day_of(text: str, today: date) -> str:
    """The ISO day ``text`` names, counting back from ``today`` for a relative one.

    Args:
        text: "YYYY-MM-DD", "today", "yesterday", or N units ago: "7d", "2w", "3m", "1y",
            "10 days", "2 weeks ago" ("m" is months: a date option has no minutes).
        today: the day relative dates count from (the caller's clock, so that this stays pure).
    Raises:
        ValueError: ``text`` names no day (the message gives the forms taken).
    """
    cleaned = " ".join(text.split()).lower()
    if cleaned in _NAMED:
        return (today - timedelta(days=_NAMED[cleaned])).isoformat()
    match = _AGO.match(cleaned)
    if match:
        try:
            return (today - _steps(int(match["n"]), match["unit"])).isoformat()
        except (ValueError, OverflowError):  # before year 1
            raise ValueError(f"{text!r} is too far back") from None
    try:
        return date.fromisoformat(cleaned).isoformat()
    except ValueError:
        raise ValueError(f"{text!r} is not a date like {EXAMPLES}") from None
