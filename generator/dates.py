"""Days, in UTC as PyPI's are: the one place that says what a valid day is."""

from __future__ import annotations

import datetime as dt
import re

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}\Z")


def utc_today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def is_date(text: str) -> bool:
    """True for a real calendar day written YYYY-MM-DD."""
    if not _DATE.match(text):
        return False
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def last_complete_day(today: dt.date | None = None) -> dt.date:
    """Yesterday in UTC: PyPI's counts for today are still filling."""
    return (today or utc_today()) - dt.timedelta(days=1)


def days_in(first: dt.date, last: dt.date) -> list[dt.date]:
    """Every day from `first` to `last`, both included ([] when last is before first)."""
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
