"""A package's milestones, from its history alone (pure): the same data, the same list.

    milestones(package, daily, releases, python_months) -> [Milestone, ...]

What counts, each with an id made of what it is and never of when it was computed, so a
rebuild (or a second night) never gives the same milestone twice:

- **a first day, week or month above a threshold** (1k, 10k, 100k, 1M, ...): the first
  time the downloads of one day, or of the 7 or 30 days ending on a day (derive's
  RECENT_WINDOWS), reach it. Only a crossing the record shows counts: a window must be
  complete (inside the history), and an earlier complete window must have been below
  the threshold, so a history imported at 50k a day does not "reach 1k" on its first day.
  id `<package>/<window>-<threshold>`, e.g. `requests/week-10000`;
- **the total passing 1M, 10M, ...** (downloads since the history starts):
  `<package>/total-<threshold>`;
- **a new all-time peak day**, once the record is PEAK_WARMUP days long (before that
  nearly every day is a record), and at least PEAK_SPACING days after the last peak
  milestone (a growing package sets a record nearly every week; the day that breaks the
  record after a quiet spell is the one worth a line): `<package>/peak-<date>`;
- **a new release** (a final release: not a pre-release, not yanked; impact.classify):
  `<package>/release-<version>`;
- **a Python version passing PYTHON_SHARE of the package's downloads** in a complete
  calendar month (`python_months`: derive.monthly_counts of python_minor), with the same
  crossing rule (an earlier month of the record below it), dated the month's last day:
  `<package>/python-<version>`. The month so far never counts: its share moves daily.

Downloads are without mirrors, as everywhere else. A day with no row counts as 0. Each
rule looks only at the days before and on the day it dates, so appending new days never
changes an earlier milestone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from generator import impact
from generator.dates import month_last_day, month_name
from generator.derive import RECENT_WINDOWS
from generator.model import Release
from generator.units import compact

THRESHOLDS = tuple(10**n for n in range(3, 13))  # 1k ... 1T
TOTAL_THRESHOLDS = tuple(10**n for n in range(6, 13))  # 1M ... 1T
PEAK_WARMUP = 90  # days of record before a new peak day counts as a milestone
PEAK_SPACING = 30  # days from one peak milestone to the next, at least
PYTHON_SHARE = 0.10
WINDOW_NAMES = {"last_day": "day", "last_week": "week", "last_month": "month"}


@dataclass(frozen=True, order=True)
class Milestone:
    """One milestone: the day it happened, its stable id, its kind and a sentence."""

    date: str  # "YYYY-MM-DD", UTC
    id: str
    package: str
    kind: str  # "day", "week", "month", "total", "peak", "release" or "python"
    title: str
    value: int | None = None  # the downloads (or the threshold) it is about, if any


def milestones(
    package: str,
    daily: Mapping[str, int],
    releases: Sequence[Release] = (),
    python_months: Mapping[str, Mapping[str, int]] | None = None,
) -> list[Milestone]:
    """Every milestone of the package's record, oldest first (see the module doc)."""
    days = _days(daily)
    found = [
        *_windows(package, days),
        *_totals(package, days),
        *_peaks(package, days),
        *_releases(package, releases),
    ]
    if python_months and days:
        found += _pythons(package, python_months, days[-1][0])
    return sorted(found)


def _days(daily: Mapping[str, int]) -> list[tuple[str, int]]:
    """Every day from the first to the last date of `daily`, a day without a row as 0."""
    if not daily:
        return []
    first, last = dt.date.fromisoformat(min(daily)), dt.date.fromisoformat(max(daily))
    out = []
    day = first
    while day <= last:
        iso = day.isoformat()
        out.append((iso, daily.get(iso, 0)))
        day += dt.timedelta(days=1)
    return out


def _rolling(values: Sequence[int], width: int) -> Iterator[tuple[int, int]]:
    """(index of the window's last day, its sum) for every complete window of `width`."""
    total = sum(values[: width - 1])
    for end in range(width - 1, len(values)):
        total += values[end]
        yield end, total
        total -= values[end - width + 1]


def _crossings(sums: Iterator[tuple[int, int]], thresholds: Sequence[int]) -> dict[int, int]:
    """{threshold: index of the first window reaching it}, for thresholds some earlier
    window stayed below (the record shows the crossing)."""
    lowest: int | None = None
    pending = sorted(thresholds)  # not reached yet, smallest first
    out: dict[int, int] = {}
    for index, value in sums:
        if lowest is not None and pending and value >= pending[0]:
            for threshold in [t for t in pending if lowest < t <= value]:
                out[threshold] = index
                pending.remove(threshold)
        lowest = value if lowest is None or value < lowest else lowest
    return out


def _windows(package: str, days: Sequence[tuple[str, int]]) -> Iterator[Milestone]:
    values = [n for _, n in days]
    for name, width in RECENT_WINDOWS.items():
        kind = WINDOW_NAMES[name]
        for threshold, index in _crossings(_rolling(values, width), THRESHOLDS).items():
            span = "that day" if width == 1 else f"in the {width} days to then"
            yield Milestone(
                days[index][0],
                f"{package}/{kind}-{threshold}",
                package,
                kind,
                f"{package}: first {kind} with {compact(threshold)}+ downloads "
                f"({_sum(values, index, width):,} {span})",
                threshold,
            )


def _sum(values: Sequence[int], end: int, width: int) -> int:
    return sum(values[end - width + 1 : end + 1])


def _totals(package: str, days: Sequence[tuple[str, int]]) -> Iterator[Milestone]:
    running = 0
    pending = list(TOTAL_THRESHOLDS)
    for date, n in days:
        running += n
        while pending and running >= pending[0]:
            threshold = pending.pop(0)
            yield Milestone(
                date,
                f"{package}/total-{threshold}",
                package,
                "total",
                f"{package}: {compact(threshold)} downloads in all since tracking began",
                threshold,
            )


def _peaks(package: str, days: Sequence[tuple[str, int]]) -> Iterator[Milestone]:
    best = 0
    last = -PEAK_SPACING
    for index, (date, n) in enumerate(days):
        if n > best and index >= PEAK_WARMUP and index - last >= PEAK_SPACING:
            last = index
            yield Milestone(
                date,
                f"{package}/peak-{date}",
                package,
                "peak",
                f"{package}: a new all-time peak day, {n:,} downloads",
                n,
            )
        best = max(best, n)


def _releases(package: str, releases: Sequence[Release]) -> Iterator[Milestone]:
    for release in releases:
        if release.yanked or impact.classify(release.version).pre:
            continue
        yield Milestone(
            release.day,
            f"{package}/release-{release.version}",
            package,
            "release",
            f"{package} {release.version} released",
        )


def _pythons(package: str, months: Mapping[str, Mapping[str, int]], last: str) -> list[Milestone]:
    """The first complete month (its last day on or before `last`) in which each Python
    version had PYTHON_SHARE of the month's python_minor downloads, after an earlier month
    of the record in which it had less."""
    complete = [m for m in sorted(months) if month_last_day(m) <= last]
    versions = sorted({v for m in complete for v in months[m] if v != "null"})
    out = []
    for version in versions:
        shares = (
            (i, 1000 * months[m].get(version, 0) // (sum(months[m].values()) or 1))
            for i, m in enumerate(complete)
        )
        for index in _crossings(shares, [round(1000 * PYTHON_SHARE)]).values():
            month = complete[index]
            out.append(
                Milestone(
                    month_last_day(month),
                    f"{package}/python-{version}",
                    package,
                    "python",
                    f"{package}: Python {version} passes {PYTHON_SHARE:.0%} of downloads "
                    f"in {month_name(month)}",
                )
            )
    return out
