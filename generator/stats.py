"""Summaries of a package's history for the site's pages. Pure functions over plain data.

Everything counts downloads *without mirrors* unless a name says otherwise, the same
numbers pypistats.org, the JSON API and the badges show. Windows end on the last date in
the history (not on today), like pypistats.org's `recent`.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from generator import derive
from generator.model import WITH_MIRRORS, WITHOUT_MIRRORS, Series

Daily = dict[str, int]
"""{date: downloads} for one category."""

PERIODS: dict[str, int] = {"day": 1, "week": 7, "month": 30}


@dataclass(frozen=True)
class Change:
    """Downloads in a window against the window of the same length just before it."""

    current: int
    previous: int

    @property
    def percent(self) -> float | None:
        """Relative change in percent; None when there is nothing to compare against."""
        if self.previous == 0:
            return None
        return 100.0 * (self.current - self.previous) / self.previous


@dataclass(frozen=True)
class Gap:
    """A run of days inside the covered range that the source did not report."""

    start: str
    end: str

    @property
    def days(self) -> int:
        return (dt.date.fromisoformat(self.end) - dt.date.fromisoformat(self.start)).days + 1


@dataclass(frozen=True)
class MonthTotal:
    month: str  # "YYYY-MM"
    without_mirrors: int
    with_mirrors: int
    days: int  # days with data in that month


@dataclass(frozen=True)
class Summary:
    last_day: int
    last_week: int
    last_month: int
    total: int
    total_with_mirrors: int
    change_month: Change
    peak_date: str | None
    peak_downloads: int
    first_date: str | None
    last_date: str | None
    days_with_data: int
    gaps: tuple[Gap, ...]
    monthly: tuple[MonthTotal, ...]
    age_days: int | None  # days between the last date and today

    @property
    def missing_days(self) -> int:
        return sum(g.days for g in self.gaps)


def daily(series: Series, category: str = WITHOUT_MIRRORS) -> Daily:
    """One category of a series as {date: downloads}, in date order."""
    return dict(sorted((d, n) for (d, c), n in series.items() if c == category))


def _shift(date: str, days: int) -> str:
    return (dt.date.fromisoformat(date) + dt.timedelta(days=days)).isoformat()


class _Cumulative:
    """Prefix sums over a date-sorted daily series: any window's sum in O(log n)."""

    def __init__(self, days_data: Mapping[str, int]) -> None:
        items = sorted(days_data.items())
        self.dates = [d for d, _ in items]
        self.sums = [0, *itertools.accumulate(n for _, n in items)]

    def window(self, end: str, days: int) -> int:
        start = _shift(end, -(days - 1))
        lo = bisect.bisect_left(self.dates, start)
        hi = bisect.bisect_right(self.dates, end)
        return self.sums[hi] - self.sums[lo]

    def change(self, end: str | None, days: int) -> Change:
        if end is None:
            return Change(0, 0)
        return Change(self.window(end, days), self.window(_shift(end, -days), days))


def window(days_data: Mapping[str, int], end: str, days: int) -> int:
    """Downloads over the `days` days ending on `end` (inclusive)."""
    return _Cumulative(days_data).window(end, days)


def change(days_data: Mapping[str, int], end: str | None, days: int) -> Change:
    """The `days` days ending on `end` against the `days` days before them."""
    return _Cumulative(days_data).change(end, days)


def peak(days_data: Mapping[str, int]) -> tuple[str | None, int]:
    """The day with the most downloads (the earliest such day on a tie)."""
    best: tuple[str | None, int] = (None, 0)
    for d, n in days_data.items():
        if best[0] is None or n > best[1] or (n == best[1] and d < best[0]):
            best = (d, n)
    return best


def gaps(dates: list[str]) -> list[Gap]:
    """Runs of missing days between the first and the last of `dates` (sorted)."""
    days = [dt.date.fromisoformat(d).toordinal() for d in dates]
    return [
        Gap(_shift(dates[i], 1), _shift(dates[i + 1], -1))
        for i in range(len(days) - 1)
        if days[i + 1] - days[i] > 1
    ]


def monthly_totals(overall: Series) -> list[MonthTotal]:
    """Totals per calendar month, with and without mirrors, oldest first."""
    without: dict[str, int] = {}
    with_: dict[str, int] = {}
    for (d, c), n in overall.items():
        if c == WITHOUT_MIRRORS:
            without[d[:7]] = without.get(d[:7], 0) + n
        elif c == WITH_MIRRORS:
            with_[d[:7]] = with_.get(d[:7], 0) + n
    days = Counter(d[:7] for d in {d for (d, c) in overall if c in (WITH_MIRRORS, WITHOUT_MIRRORS)})
    return [MonthTotal(m, without.get(m, 0), with_.get(m, 0), days[m]) for m in sorted(days)]


def age_days(last_date: str | None, today: dt.date) -> int | None:
    """How many days old the newest data is (1 is normal: PyPI's counts lag a day)."""
    if last_date is None:
        return None
    return (today - dt.date.fromisoformat(last_date)).days


def summarize(overall: Series, today: dt.date, without: Daily | None = None) -> Summary:
    """Everything a package page's summary shows, from its `overall` history.

    `without` may pass in `daily(overall)` when the caller has it already.
    """
    if without is None:
        without = daily(overall, WITHOUT_MIRRORS)
    dates = list(without)
    last = dates[-1] if dates else None
    peak_date, peak_downloads = peak(without)
    cumulative = _Cumulative(without)
    recent = derive.recent_of_daily(without)
    return Summary(
        last_day=recent["last_day"],
        last_week=recent["last_week"],
        last_month=recent["last_month"],
        total=sum(without.values()),
        total_with_mirrors=sum(n for (_, c), n in overall.items() if c == WITH_MIRRORS),
        change_month=cumulative.change(last, 30),
        peak_date=peak_date,
        peak_downloads=peak_downloads,
        first_date=dates[0] if dates else None,
        last_date=last,
        days_with_data=len(dates),
        gaps=tuple(gaps(dates)),
        monthly=tuple(monthly_totals(overall)),
        age_days=age_days(last, today),
    )


def period_changes(days_data: Mapping[str, int], end: str | None) -> dict[str, Change]:
    """Change against the previous period for the last day, week and month."""
    cumulative = _Cumulative(days_data)
    return {name: cumulative.change(end, days) for name, days in PERIODS.items()}


def trend(days_data: Mapping[str, int], end: str | None, weeks: int = 12) -> list[int]:
    """Weekly totals for the last `weeks` weeks ending on `end`, oldest first (sparklines)."""
    if end is None:
        return []
    cumulative = _Cumulative(days_data)
    return [cumulative.window(_shift(end, -7 * k), 7) for k in range(weeks - 1, -1, -1)]
