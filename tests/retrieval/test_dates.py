from datetime import date

import pytest
from newsdesk.retrieval.sources.dates import day_of

TODAY = date(2026, 3, 31)


@pytest.mark.parametrize("text, day", [
    ("2025-12-14", "2025-12-14"), ("today", "2026-03-31"), ("Yesterday", "2026-03-30"), ("7d", "2026-03-24"),
    ("10 days", "2026-03-21"), ("2w", "2026-03-17"), ("2 weeks ago", "2026-03-17"), ("1m", "2026-02-28"),
    ("3 months", "2025-12-31"), ("1y", "2025-03-31"), ("0d", "2026-03-31"),
])
def test_days_absolute_and_relative(text, day):
    assert day_of(text, TODAY) == day


@pytest.mark.parametrize("text", ["", "tomorrow", "7", "7h", "-3d", "2025-13-01", "last week"])
def test_what_names_no_day_is_refused_with_the_forms_taken(text):
    with pytest.raises(ValueError, match="yesterday, 7d, 2w"):
        day_of(text, TODAY)
