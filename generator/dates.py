"""Days, in UTC as PyPI's are: the one place that says what a valid day is."""

from __future__ import annotations

import calendar
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


def month_shift(month: str, months: int) -> str:
    """The month `months` after "YYYY-MM" (before, when negative): ("2026-01", -1) → "2025-12"."""
    index = int(month[:4]) * 12 + int(month[5:7]) - 1 + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def month_days(month: str) -> int:
    """How many days "YYYY-MM" has."""
    return calendar.monthrange(int(month[:4]), int(month[5:7]))[1]


def month_last_day(month: str) -> str:
    """The last day of "YYYY-MM", "YYYY-MM-DD"."""
    return f"{month}-{month_days(month):02d}"


def month_name(month: str) -> str:
    """ "2026-10" → "October 2026"."""
    return dt.date.fromisoformat(f"{month}-01").strftime("%B %Y")
