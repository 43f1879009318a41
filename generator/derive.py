"""Numbers computed from other numbers (pure). Each rule is written here once.

- `python_major_from_minor` / `with_python_major`: every source and `import` derive the
  python_major file from python_minor the same way.
- `recent` / `recent_of_daily`: pypistats.org's "last day / week / month", the 1, 7 and 30
  days ending on the last date in the history. The JSON API, the badges, the page
  summaries and the tests all use these.
- `as_of_date` / `recent_ending` / `is_stale`: the site's one "as of" date is the newest
  last date over every package; the home totals and the top list use the same windows
  ending on it for every package (a package whose data ends earlier is *stale* and
  counts what it has in those windows, possibly nothing).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping

from generator.model import WITHOUT_MIRRORS, Series

_MINOR = re.compile(r"^(\d+)\.")

RECENT_WINDOWS: dict[str, int] = {"last_day": 1, "last_week": 7, "last_month": 30}
"""pypistats.org's `recent` windows, in days, ending on the last date in the history."""


def python_major_from_minor(python_minor: Mapping[tuple[str, str], int]) -> Series:
    """python_major is the sum of python_minor by major version; "null" stays "null"."""
    major: dict[tuple[str, str], int] = defaultdict(int)
    for (date, category), downloads in python_minor.items():
        match = _MINOR.match(category)
        major[(date, match.group(1) if match else category)] += downloads
    return dict(major)


def with_python_major(kinds: Mapping[str, Series]) -> dict[str, Series]:
    """`kinds` plus python_major derived from python_minor, when a source has python_minor.

    A python_major the caller already has (an imported pypistats.org response) is kept.
    """
    out = dict(kinds)
    if "python_minor" in out and "python_major" not in out:
        out["python_major"] = python_major_from_minor(out["python_minor"])
    return out


def monthly_counts(series: Mapping[tuple[str, str], int]) -> dict[str, dict[str, int]]:
    """{month "YYYY-MM": {category: downloads}}: a kind's rows summed by calendar month."""
    out: dict[str, dict[str, int]] = defaultdict(dict)
    for (date, category), downloads in series.items():
        month = out[date[:7]]
        month[category] = month.get(category, 0) + downloads
    return {m: out[m] for m in sorted(out)}


def last_date(series: Series, category: str | None = None) -> str | None:
    dates = [d for (d, c) in series if category is None or c == category]
    return max(dates) if dates else None


def window_start(end: str, days: int) -> str:
    """The first day of the `days`-day window ending on `end` (inclusive)."""
    return (dt.date.fromisoformat(end) - dt.timedelta(days=days - 1)).isoformat()


def as_of_date(last_dates: Iterable[str | None]) -> str | None:
    """The site's "as of" date: the newest of the packages' last dates."""
    return max((d for d in last_dates if d), default=None)


def is_stale(last_date: str | None, as_of: str | None) -> bool:
    """A package whose data ends before the site's as-of date."""
    return bool(last_date and as_of and last_date < as_of)


def recent_of_daily(daily: Mapping[str, int]) -> dict[str, int]:
    """The RECENT_WINDOWS sums of a {date: downloads} series, ending on its last date."""
    return recent_ending(daily, max(daily) if daily else None)


def recent_ending(daily: Mapping[str, int], end: str | None) -> dict[str, int]:
    """The RECENT_WINDOWS sums of a {date: downloads} series for the windows ending on
    `end`: its own last date (pypistats.org's `recent`) or the site's as-of date."""
    if not daily or end is None:
        return dict.fromkeys(RECENT_WINDOWS, 0)
    starts = {name: window_start(end, days) for name, days in RECENT_WINDOWS.items()}
    out = dict.fromkeys(RECENT_WINDOWS, 0)
    for date, downloads in daily.items():
        for name, start in starts.items():
            if start <= date <= end:
                out[name] += downloads
    return out


def recent(overall: Series, category: str = WITHOUT_MIRRORS) -> dict[str, int]:
    """pypistats.org's `recent` for one category of `overall` (without mirrors by default)."""
    return recent_of_daily({d: n for (d, c), n in overall.items() if c == category})
