"""Summaries of a package's history for the site's pages. Pure functions over plain data.

Everything counts downloads *without mirrors* unless a name says otherwise, the same
numbers pypistats.org, the JSON API and the badges show. Windows end on the last date in
the history (not on today), like pypistats.org's `recent`.

The rule for days without rows (written here once; `classify_days`): inside a package's
tracked range (its first to last date in overall.csv),

- a day with no row for this package while another tracked package has rows that day, or
  a day with a with_mirrors row but no without_mirrors row, is a *zero-download day*
  (pypistats.org leaves out rows whose count is 0): counted and drawn as 0;
- a day the source reported nothing for any tracked package, while another package's
  range covers it, is *missing* (an outage, like 2023-01-24): a gap, never a zero;
- a day with no rows at all that no other package's range covers is *no data*: nothing
  can tell an outage from a day without downloads, so it is shown apart, lightly.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
from collections import Counter
from collections.abc import Iterable, Mapping
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
    days: int  # days reported in that month, zero-download days included
    missing: int = 0  # outage days in that month
    nodata: int = 0  # days without rows that nothing else tracked covers


@dataclass(frozen=True)
class Coverage:
    """What the source reported across every tracked package: the union of the dates
    with a row in any overall.csv, and each package's range (first and last dates, each
    list sorted on its own). Dates only, so it stays small however many packages."""

    reported: frozenset[str] = frozenset()
    starts: tuple[str, ...] = ()
    ends: tuple[str, ...] = ()

    def ranges_covering(self, date: str) -> int:
        """How many packages' ranges include `date`."""
        return bisect.bisect_right(self.starts, date) - bisect.bisect_left(self.ends, date)

    @property
    def as_of(self) -> str | None:
        """The site's newest date (derive.as_of_date over every package)."""
        return derive.as_of_date(self.ends)


def coverage(packages_dates: Iterable[Iterable[str]]) -> Coverage:
    """The Coverage of packages given each as the dates of its overall rows."""
    reported: set[str] = set()
    starts: list[str] = []
    ends: list[str] = []
    for dates in packages_dates:
        own = set(dates)
        if own:
            reported |= own
            starts.append(min(own))
            ends.append(max(own))
    return Coverage(frozenset(reported), tuple(sorted(starts)), tuple(sorted(ends)))


@dataclass(frozen=True)
class Days:
    """A package's days without a count, told apart by the rule (see the module doc)."""

    zero: tuple[str, ...]  # zero-download days, in date order
    gaps: tuple[Gap, ...]  # outages: missing days
    nodata: tuple[Gap, ...]  # no rows, and nothing else tracked covers the day


def _runs(dates: list[str]) -> list[Gap]:
    """Consecutive runs of the sorted `dates`."""
    out: list[Gap] = []
    for d in dates:
        if out and _shift(out[-1].end, 1) == d:
            out[-1] = Gap(out[-1].start, d)
        else:
            out.append(Gap(d, d))
    return out


def classify_days(overall: Series, cover: Coverage | None = None) -> Days:
    """Zero-download, missing and no-data days of one package (`cover` None: it alone)."""
    rows = {d for (d, _c) in overall}
    with_count = {d for (d, c) in overall if c == WITHOUT_MIRRORS}
    if cover is None:
        cover = coverage([rows])
    zero = [d for d in rows if d not in with_count]
    missing: list[str] = []
    nodata: list[str] = []
    for gap in gaps(sorted(rows)):
        for i in range(gap.days):
            day = _shift(gap.start, i)
            if day in cover.reported:
                zero.append(day)
            elif cover.ranges_covering(day) > 1:
                missing.append(day)
            else:
                nodata.append(day)
    return Days(tuple(sorted(zero)), tuple(_runs(missing)), tuple(_runs(nodata)))


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
    days_reported: int  # days in the range the source reported, zero-download days included
    zero_days: int
    gaps: tuple[Gap, ...]  # outages (missing days)
    nodata: tuple[Gap, ...]  # days without rows that nothing else tracked covers
    monthly: tuple[MonthTotal, ...]
    age_days: int | None  # days between the last date and today

    @property
    def missing_days(self) -> int:
        return sum(g.days for g in self.gaps)

    @property
    def nodata_days(self) -> int:
        return sum(g.days for g in self.nodata)


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


def _days_by_month(runs: Iterable[Gap]) -> Counter[str]:
    return Counter(_shift(g.start, i)[:7] for g in runs for i in range(g.days))


def monthly_totals(overall: Series, days: Days | None = None) -> list[MonthTotal]:
    """Totals per calendar month, with and without mirrors, oldest first, with the days
    reported (zero-download days included), missing and without data in each month."""
    if days is None:
        days = classify_days(overall)
    without: dict[str, int] = {}
    with_: dict[str, int] = {}
    for (d, c), n in overall.items():
        if c == WITHOUT_MIRRORS:
            without[d[:7]] = without.get(d[:7], 0) + n
        elif c == WITH_MIRRORS:
            with_[d[:7]] = with_.get(d[:7], 0) + n
    reported = Counter(d[:7] for d in {d for (d, _c) in overall} | set(days.zero))
    missing, nodata = _days_by_month(days.gaps), _days_by_month(days.nodata)
    months = sorted(set(reported) | set(missing) | set(nodata))
    return [
        MonthTotal(m, without.get(m, 0), with_.get(m, 0), reported[m], missing[m], nodata[m])
        for m in months
    ]


def age_days(last_date: str | None, today: dt.date) -> int | None:
    """How many days old the newest data is (1 is normal: PyPI's counts lag a day)."""
    if last_date is None:
        return None
    return (today - dt.date.fromisoformat(last_date)).days


def summarize(
    overall: Series,
    today: dt.date,
    without: Daily | None = None,
    cover: Coverage | None = None,
) -> Summary:
    """Everything a package page's summary shows, from its `overall` history.

    `without` may pass in `daily(overall)` when the caller has it already; `cover` is
    what every tracked package reported (None: this package alone).
    """
    if without is None:
        without = daily(overall, WITHOUT_MIRRORS)
    rows = {d for (d, _c) in overall}
    first, last = (min(rows), max(rows)) if rows else (None, None)
    days = classify_days(overall, cover)
    peak_date, peak_downloads = peak(without)
    cumulative = _Cumulative(without)
    recent = derive.recent_of_daily(without)  # as the API and the badges count it
    return Summary(
        last_day=recent["last_day"],
        last_week=recent["last_week"],
        last_month=recent["last_month"],
        total=sum(without.values()),
        total_with_mirrors=sum(n for (_, c), n in overall.items() if c == WITH_MIRRORS),
        change_month=cumulative.change(max(without) if without else None, 30),
        peak_date=peak_date,
        peak_downloads=peak_downloads,
        first_date=first,
        last_date=last,
        days_reported=len(rows | set(days.zero)),
        zero_days=len(days.zero),
        gaps=days.gaps,
        nodata=days.nodata,
        monthly=tuple(monthly_totals(overall, days)),
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
