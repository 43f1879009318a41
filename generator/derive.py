"""Series computed from other series (pure)."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict

from generator.model import WITHOUT_MIRRORS, Series

_MINOR = re.compile(r"^(\d+)\.")


def python_major_from_minor(python_minor: Series) -> Series:
    """python_major is the sum of python_minor by major version; "null" stays "null"."""
    major: dict[tuple[str, str], int] = defaultdict(int)
    for (date, category), downloads in python_minor.items():
        match = _MINOR.match(category)
        major[(date, match.group(1) if match else category)] += downloads
    return dict(major)


def last_date(series: Series, category: str | None = None) -> str | None:
    dates = [d for (d, c) in series if category is None or c == category]
    return max(dates) if dates else None


def window_sum(series: Series, category: str, end: str, days: int) -> int:
    """Downloads of `category` over the `days` days ending on `end` (inclusive)."""
    start = (dt.date.fromisoformat(end) - dt.timedelta(days=days - 1)).isoformat()
    return sum(n for (d, c), n in series.items() if c == category and start <= d <= end)


def recent(overall: Series, category: str = WITHOUT_MIRRORS) -> dict[str, int]:
    """pypistats.org's `recent`: the 1, 7 and 30 days ending on the last date in the history."""
    end = last_date(overall, category)
    if end is None:
        return {"last_day": 0, "last_week": 0, "last_month": 0}
    return {
        "last_day": window_sum(overall, category, end, 1),
        "last_week": window_sum(overall, category, end, 7),
        "last_month": window_sum(overall, category, end, 30),
    }
