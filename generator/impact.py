"""Releases and their impact on downloads: version classes and before/after figures (pure).

Versions are read with `packaging` (PEP 440). A *pre-release* is an alpha, beta, release
candidate or development release (`1.0b1`, `2.2a1`, `1.0.dev3`); a *significant* release
is a final major or minor release: not pre, not post, and every part of the release after
the minor is 0 (`2.0`, `1.26.0`, `1!2.0.0`; not `1.26.1`, `2023.3.5.1` or `1.2.0.post1`).
A legacy version that PEP 440 cannot parse is neither. Versions are *ordered* by PEP 440
(`version_key`: cabinet's `1!0.8.1` outranks its CalVer `2024.7.20.1`), but everything
placed in time (chart markers, the table) goes by the UTC day of the first upload.

Impact, per release, over the package's daily downloads without mirrors (`Record`):
the mean of the N days after the release day against the mean of the N days before it,
as a percentage change, for N in SPANS. The release day itself counts in neither span: it
is partly before the release and partly after. A figure is None, with its reason, when

- a day of either span is not known: before the history starts, after its last date, or
  missing by the coverage rule of `stats` (an outage, or a day without data); a
  zero-download day is known, and counts as 0;
- the before-mean is 0 (no percentage of nothing);
- the spans lie on both sides of PyPI's counting change (the caller passes its date):
  the step it made in the totals is not the release's doing.

Days to half (with version data): the days from the release day to the first day on which
that version had at least half of the package's downloads that day (summed over every
version category of version.csv), or "not yet" (None) when no day so far has it.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from packaging.utils import canonicalize_version
from packaging.version import InvalidVersion, Version

from generator import stats
from generator.model import Release, Series

SPANS = (7, 28)
INCOMPLETE, ZERO_BEFORE, COUNTING_CHANGE = "incomplete", "zero before", "counting change"


# ---------------------------------------------------------------- versions


@dataclass(frozen=True)
class VersionClass:
    pre: bool
    significant: bool


@lru_cache(maxsize=4096)
def _parsed(version: str) -> Version | None:
    try:
        return Version(version)
    except InvalidVersion:
        return None


def classify(version: str) -> VersionClass:
    """Pre-release or significant (major or minor), by the rules of the module doc."""
    parsed = _parsed(version)
    if parsed is None:
        return VersionClass(pre=False, significant=False)
    pre = parsed.is_prerelease
    rest = parsed.release[2:]
    significant = not pre and not parsed.is_postrelease and not any(rest)
    return VersionClass(pre=pre, significant=significant)


def version_key(version: str) -> tuple[int, Version | str]:
    """PEP 440 order; versions it cannot parse sort first, by their text."""
    parsed = _parsed(version)
    return (0, version) if parsed is None else (1, parsed)


def _match_key(version: str) -> str:
    """One spelling per PEP 440 version (`1.0B1` is `1.0b1`, `1.1.0` is `1.1`: PyPI
    refuses a second spelling of a version), to match version.csv's categories."""
    return version if _parsed(version) is None else canonicalize_version(version)


# ---------------------------------------------------------------- the daily record


@dataclass(frozen=True)
class Record:
    """A package's downloads without mirrors per day, on days first..last, with the days
    that are not known (outages, days without data): prefix sums over the day ordinals."""

    first: int = 0
    sums: tuple[int, ...] = (0,)  # sums[i]: downloads of the days before first + i
    unknown: tuple[int, ...] = (0,)  # unknown[i]: unknown days before first + i

    @property
    def days(self) -> int:
        return len(self.sums) - 1

    def span(self, start: int, days: int) -> int | None:
        """Downloads over `days` days from the ordinal `start`; None if one is not known."""
        lo, hi = start - self.first, start - self.first + days
        if lo < 0 or hi > self.days or self.unknown[hi] != self.unknown[lo]:
            return None
        return self.sums[hi] - self.sums[lo]


def record(without: Mapping[str, int], summary: stats.Summary) -> Record:
    """The Record of a package from its daily downloads (`stats.daily`) and its summary
    (`stats.summarize`, which told zero days from outages by the coverage rule)."""
    if not summary.first_date or not summary.last_date:
        return Record()
    first = dt.date.fromisoformat(summary.first_date).toordinal()
    length = dt.date.fromisoformat(summary.last_date).toordinal() - first + 1
    counts = [0] * length
    for day, n in without.items():
        counts[dt.date.fromisoformat(day).toordinal() - first] = n
    missing = [0] * length
    for gap in (*summary.gaps, *summary.nodata):
        start = dt.date.fromisoformat(gap.start).toordinal() - first
        for i in range(start, start + gap.days):
            missing[i] = 1
    return Record(first, _prefix(counts), _prefix(missing))


def _prefix(values: Sequence[int]) -> tuple[int, ...]:
    out = [0]
    for v in values:
        out.append(out[-1] + v)
    return tuple(out)


# ---------------------------------------------------------------- impact


@dataclass(frozen=True)
class Effect:
    """The after-span's mean against the before-span's, in percent; or None and why."""

    percent: float | None
    reason: str | None = None


@dataclass(frozen=True)
class Impact:
    release: Release
    pre: bool
    significant: bool
    effects: dict[int, Effect]  # {N: Effect} for N in SPANS
    days_to_half: int | None = None  # None: not yet (or no version data: see `half_known`)
    half_known: bool = False  # the version data covers the release day


def effect(rec: Record, day: str, n: int, counting_change: str | None = None) -> Effect:
    """The N days after `day` against the N days before it (`day` itself in neither)."""
    release = dt.date.fromisoformat(day).toordinal()
    if counting_change is not None:
        change = dt.date.fromisoformat(counting_change).toordinal()
        if release - n < change <= release + n:
            return Effect(None, COUNTING_CHANGE)
    before = rec.span(release - n, n)
    after = rec.span(release + 1, n)
    if before is None or after is None:
        return Effect(None, INCOMPLETE)
    if before == 0:
        return Effect(None, ZERO_BEFORE)
    return Effect(100.0 * (after - before) / before)  # equal spans: the means' ratio


class Halves:
    """For each version, the days on which it had at least half of the day's downloads."""

    def __init__(self, versions: Series) -> None:
        totals: dict[str, int] = {}
        for (day, _cat), n in versions.items():
            totals[day] = totals.get(day, 0) + n
        self.first = min(totals) if totals else None
        self.days: dict[str, list[str]] = {}
        for (day, cat), n in versions.items():
            if n > 0 and 2 * n >= totals[day]:
                self.days.setdefault(_match_key(cat), []).append(day)
        for found in self.days.values():
            found.sort()

    def covers(self, day: str) -> bool:
        return self.first is not None and day >= self.first

    def days_to_half(self, version: str, day: str) -> int | None:
        """Days from `day` to the version's first day at half or more; None: not yet."""
        found = self.days.get(_match_key(version), [])
        i = bisect.bisect_left(found, day)
        if i == len(found):
            return None
        return (dt.date.fromisoformat(found[i]) - dt.date.fromisoformat(day)).days


def impacts(
    releases: Iterable[Release],
    rec: Record,
    versions: Series | None = None,
    counting_change: str | None = None,
) -> list[Impact]:
    """Every release's Impact, in the order given. `versions`: version.csv's series, when
    stored; `counting_change`: the day PyPI changed what it counts (charts.py has it)."""
    halves = Halves(versions) if versions else None
    out = []
    for release in releases:
        kind = classify(release.version)
        effects = {n: effect(rec, release.day, n, counting_change) for n in SPANS}
        known = halves is not None and halves.covers(release.day)
        half = halves.days_to_half(release.version, release.day) if halves and known else None
        out.append(Impact(release, kind.pre, kind.significant, effects, half, known))
    return out
