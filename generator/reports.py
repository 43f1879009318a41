"""The monthly reports' figures, for the whole site and for each package (pure).

    package_months(without, categories, impacts, part_month, part_days) -> PackageMonths
    package_report(month, months, partial, milestones) -> Report
    site_report(month, entries, partial, floor) -> SiteReport

`package_months` keeps, at build time, what a package's reports need and nothing more:
its downloads without mirrors and its Python-version (python_minor) and system counts per
calendar month (months × categories), its releases with their impact (`impact.impacts`),
and, when the site's newest month is partial ("so far": report_links.is_complete), the
first `part_days` days of the months it is compared with. A report then holds:

- the month's downloads, against the previous month and the same month a year earlier
  (stats.Change: no percentage against nothing). A partial month of D days is compared
  like for like: with the first D days of those months. A month the package's record
  does not cover from its first day (the history starts in it, as a pypistats.org history
  of 180 days does), or a month it ends in (a stale package), is no comparison: the
  change is n/a, and the site's change counts only the packages whose record covers both
  months;
- the Python-version and system shares of the month, in percent of the kind's downloads,
  and their shifts in percentage points against the previous month (the same days of it,
  for a partial month); a category under SHARE_FLOOR percent in the month is summed into
  REST;
- the new all-time peaks: the month's `peak` milestones (generator.milestones);
- the releases of the month (first upload in it, yanked ones left out) with their 7- and
  28-day impact;
- for the site: the sums of every package's figures, the top TOP packages by the month's
  downloads, and the movers: packages with at least `floor` downloads in the month they
  are compared with (the top list's rule, listing.MOVERS_FLOOR), the MOVERS fastest
  growing and the MOVERS fastest falling.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from generator import impact
from generator.dates import month_days, month_shift
from generator.milestones import Milestone
from generator.stats import Change

SHARE_KINDS = ("python_minor", "system")
SHARE_FLOOR = 1.0  # percent of the month's downloads of the kind
REST = "the rest"
TOP = 10
MOVERS = 5

Counts = dict[str, int]  # category → downloads


@dataclass(frozen=True)
class Figures:
    """One month (or its first days) of a package or of the site."""

    downloads: int = 0  # without mirrors
    categories: Mapping[str, Counts] = field(default_factory=dict)  # kind → counts


@dataclass(frozen=True)
class ReleaseImpact:
    version: str
    day: str  # the UTC day of its first upload
    pre: bool
    effects: tuple[float | None, ...]  # percent, one per impact.SPANS; None: n/a
    reasons: tuple[str | None, ...]  # why n/a (impact.INCOMPLETE, ...)


@dataclass(frozen=True)
class PackageMonths:
    """What a package's reports need (small: it is pickled from the build's workers)."""

    months: Mapping[str, Figures] = field(default_factory=dict)  # "YYYY-MM" → figures
    part_days: int = 0  # the partial month's days so far; 0: no partial month
    parts: Mapping[str, Figures] = field(default_factory=dict)  # their first part_days days
    releases: tuple[ReleaseImpact, ...] = ()
    start: str = ""  # the first and last day of the record, "YYYY-MM-DD"
    end: str = ""


@dataclass(frozen=True)
class ShareRow:
    category: str
    share: float  # percent of the kind's downloads in the month
    shift: float | None  # percentage points against the month compared; None: no data then


@dataclass(frozen=True)
class Report:
    """One month of one package, or of the site (SiteReport adds the rankings)."""

    month: str
    partial: bool
    days: int  # the days reported: the month's length, or its days so far
    downloads: int
    previous: Change  # against the previous month (its first `days` days when partial)
    year_ago: Change  # against the same month a year earlier (likewise)
    shares: Mapping[str, list[ShareRow]]  # kind → rows, biggest first, REST last
    peaks: tuple[Milestone, ...] = ()
    releases: tuple[tuple[str, ReleaseImpact], ...] = ()  # (package, release), by day
    has_data: bool = True


@dataclass(frozen=True)
class Line:
    """A package in the site's report."""

    name: str
    normalized: str
    downloads: int
    previous: Change
    year_ago: Change
    share: float | None  # percent of the site's downloads in the month


@dataclass(frozen=True)
class SiteReport(Report):
    packages: tuple[Line, ...] = ()  # every package with data that month, biggest first
    top: tuple[Line, ...] = ()
    growing: tuple[Line, ...] = ()
    falling: tuple[Line, ...] = ()


@dataclass(frozen=True)
class Entry:
    """A package as the site's report reads it."""

    name: str
    normalized: str
    months: PackageMonths
    milestones: tuple[Milestone, ...] = ()


def previous_month(month: str) -> str:
    return month_shift(month, -1)


def year_before(month: str) -> str:
    return month_shift(month, -12)


# ---------------------------------------------------------------- per package, at build time


def package_months(
    without: Mapping[str, int],
    categories: Mapping[str, Mapping[str, Counts]],
    impacts: Sequence[impact.Impact] = (),
    part_month: str | None = None,
    part_days: int = 0,
    first_days: Mapping[str, Mapping[str, Counts]] | None = None,
) -> PackageMonths:
    """The package's PackageMonths (see the module doc): `without` its daily downloads
    without mirrors; `categories` {kind: {month: counts}} of SHARE_KINDS (derive.
    monthly_counts, or chart_data.month_totals at build time), and `first_days` the same
    over each month's first `part_days` days; `part_month` the site's partial month, of
    `part_days` days so far (0: none)."""
    months = _figures(_by_month(without, 31), categories)
    parts: dict[str, Figures] = {}
    if part_month and part_days:
        wanted = {previous_month(part_month), year_before(part_month)}
        counted = _by_month(without, part_days)
        parts = {m: f for m, f in _figures(counted, first_days or {}).items() if m in wanted}
    releases = tuple(
        ReleaseImpact(
            i.release.version,
            i.release.day,
            i.pre,
            tuple(i.effects[n].percent for n in impact.SPANS),
            tuple(i.effects[n].reason for n in impact.SPANS),
        )
        for i in sorted(impacts, key=lambda i: (i.release.day, i.release.version))
        if not i.release.yanked
    )
    start, end = min(without, default=""), max(without, default="")
    days = part_days if parts or part_month else 0
    return PackageMonths(months, days, parts, releases, start, end)


def _by_month(without: Mapping[str, int], first_days: int) -> Counts:
    """{month: downloads} over each month's first `first_days` days."""
    out: Counts = {}
    for day, n in without.items():
        if int(day[8:10]) <= first_days:
            out[day[:7]] = out.get(day[:7], 0) + n
    return out


def _figures(
    downloads: Counts, categories: Mapping[str, Mapping[str, Counts]]
) -> dict[str, Figures]:
    """{month: Figures} for every month with downloads or category counts."""
    months = set(downloads)
    for kind in SHARE_KINDS:
        months |= set(categories.get(kind) or {})
    return {
        m: Figures(
            downloads.get(m, 0),
            {k: dict(categories[k][m]) for k in SHARE_KINDS if m in (categories.get(k) or {})},
        )
        for m in sorted(months)
    }


# ---------------------------------------------------------------- reports


def compared(
    months: PackageMonths, month: str, partial: bool
) -> tuple[Figures | None, Figures | None]:
    """The figures `month` is compared with: the previous month's and the same month's a
    year earlier (their first part_days days when `month` is partial); None when the
    record does not cover both: it starts after the compared month's first day, or ends
    before `month`'s last day (its days so far when partial): no comparison."""
    source = months.parts if partial and months.part_days else months.months
    days = days_of(month, months, partial)
    needed = f"{month}-{days:02d}"

    def of(other: str) -> Figures | None:
        if not months.start or f"{other}-01" < months.start or months.end < needed:
            return None
        return source.get(other, Figures())

    return of(previous_month(month)), of(year_before(month))


def change_of(pairs: Sequence[tuple[Figures, Figures | None]]) -> Change:
    """The change of the sum of (now, compared) pairs, over the pairs with a comparison;
    Change(0, 0) (n/a) when none has one."""
    kept = [(now, then) for now, then in pairs if then is not None]
    return Change(sum(n.downloads for n, _ in kept), sum(t.downloads for _, t in kept))


def shares(now: Mapping[str, int], before: Mapping[str, int] | None) -> list[ShareRow]:
    """Each category's share of `now` in percent and its shift in points against
    `before`, biggest first; categories under SHARE_FLOOR summed into REST, last."""
    total = sum(now.values())
    if not total:
        return []
    prior = sum(before.values()) if before else 0
    rows: list[ShareRow] = []
    rest = 0
    for category, n in sorted(now.items(), key=lambda item: (-item[1], item[0])):
        if 100.0 * n / total < SHARE_FLOOR:
            rest += n
            continue
        then = (before or {}).get(category, 0)
        rows.append(ShareRow(category, 100.0 * n / total, _shift(n, total, then, prior)))
    if rest:
        shown_before = sum((before or {}).get(r.category, 0) for r in rows)
        rows.append(
            ShareRow(REST, 100.0 * rest / total, _shift(rest, total, prior - shown_before, prior))
        )
    return rows


def _shift(n: int, total: int, then: int, prior: int) -> float | None:
    return 100.0 * n / total - 100.0 * then / prior if prior else None


def _report_of(
    month: str,
    partial: bool,
    days: int,
    now: Figures,
    before: Figures | None,
    changes: tuple[Change, Change],
) -> dict[str, Any]:
    """The fields every Report has (`changes`: against the previous month and a year ago)."""
    prior = before or Figures()
    return {
        "month": month,
        "partial": partial,
        "days": days,
        "downloads": now.downloads,
        "previous": changes[0],
        "year_ago": changes[1],
        "shares": {
            kind: shares(now.categories[kind], prior.categories.get(kind))
            for kind in SHARE_KINDS
            if kind in now.categories
        },
    }


def days_of(month: str, months: PackageMonths, partial: bool) -> int:
    return months.part_days if partial and months.part_days else month_days(month)


def package_report(
    month: str, months: PackageMonths, partial: bool, found: Sequence[Milestone] = ()
) -> Report:
    """One package's report for `month` (`found`: its milestones)."""
    now = months.months.get(month, Figures())
    before, year = compared(months, month, partial)
    changes = (change_of([(now, before)]), change_of([(now, year)]))
    return Report(
        **_report_of(month, partial, days_of(month, months, partial), now, before, changes),
        peaks=_peaks(found, month),
        releases=tuple(("", r) for r in months.releases if r.day[:7] == month),
        has_data=month in months.months,
    )


def _peaks(found: Sequence[Milestone], month: str) -> tuple[Milestone, ...]:
    return tuple(m for m in found if m.kind == "peak" and m.date[:7] == month)


def added(figures: Sequence[Figures]) -> Figures:
    """The sum of several packages' figures."""
    downloads = 0
    counts: dict[str, Counts] = {}
    for f in figures:
        downloads += f.downloads
        for kind, per in f.categories.items():
            into = counts.setdefault(kind, {})
            for category, n in per.items():
                into[category] = into.get(category, 0) + n
    return Figures(downloads, counts)


def site_report(month: str, entries: Sequence[Entry], partial: bool, floor: int) -> SiteReport:
    """The whole site's report for `month`, from every package's Entry."""
    nows, befores, years, lines = [], [], [], []
    for e in entries:
        now = e.months.months.get(month)
        before, year = compared(e.months, month, partial)
        here = now or Figures()
        befores.append((here, before))
        years.append((here, year))
        if now is not None:
            nows.append(now)
            lines.append(
                Line(
                    e.name,
                    e.normalized,
                    now.downloads,
                    change_of([(now, before)]),
                    change_of([(now, year)]),
                    None,
                )
            )
    now = added(nows)
    days = next((days_of(month, e.months, partial) for e in entries), month_days(month))
    ranked = _ranked(lines, now.downloads)
    growing, falling = movers(ranked, floor)
    changes = (change_of(befores), change_of(years))
    return SiteReport(
        **_report_of(month, partial, days, now, added([b for _, b in befores if b]), changes),
        peaks=tuple(p for e in entries for p in _peaks(e.milestones, month)),
        releases=tuple(
            sorted(
                ((e.name, r) for e in entries for r in e.months.releases if r.day[:7] == month),
                key=lambda item: (item[1].day, item[0].lower(), item[1].version),
            )
        ),
        has_data=bool(nows),
        packages=ranked,
        top=tuple(line for line in ranked if line.downloads)[:TOP],
        growing=growing,
        falling=falling,
    )


def _ranked(lines: Sequence[Line], total: int) -> tuple[Line, ...]:
    ordered = sorted(lines, key=lambda line: (-line.downloads, line.name.lower()))
    return tuple(
        Line(
            line.name,
            line.normalized,
            line.downloads,
            line.previous,
            line.year_ago,
            100.0 * line.downloads / total if total else None,
        )
        for line in ordered
    )


def movers(lines: Sequence[Line], floor: int) -> tuple[tuple[Line, ...], tuple[Line, ...]]:
    """(growing, falling): the MOVERS fastest of each, among packages with
    at least `floor` downloads in the month compared with (the top list's rule)."""
    eligible = [
        line
        for line in lines
        if line.previous.previous >= floor and line.previous.percent is not None
    ]

    def percent(line: Line) -> float:
        return line.previous.percent or 0.0

    growing = sorted(eligible, key=lambda line: (-percent(line), line.name.lower()))
    falling = sorted(eligible, key=lambda line: (percent(line), line.name.lower()))
    return (
        tuple(line for line in growing if percent(line) > 0)[:MOVERS],
        tuple(line for line in falling if percent(line) < 0)[:MOVERS],
    )
