"""A package's chart data, one JSON document per calendar year (pure).

The package page's script fetches `site/data/<name>/chart-<YYYY>.json` for the years the
range shown needs, so a page's weight follows the range, not the length of the history:

    {"year":2024,"start":"2024-01-01","kinds":{
      "overall":{"cats":["with_mirrors","without_mirrors"],"values":[[12,15,null,9],[10,11,null,7]]},
      ...}}

`values[j][i]` is category `cats[j]`'s downloads on day `start + i`, or null where the
history has no row for it that day (0 is a row: null and 0 mean different things to the
charts). Each array ends at its last non-null value; a category (or a kind) with no row in
the year is left out; `cats` are in `charts.category_key` order. Every year from the first
row of any kind to the last is written, an empty one as `"kinds":{}`.

    grid = chart_data.grid({kind: series})   # every row on one day grid, built once
    chart_data.chunks(grid)                  # {year: text}
    grid.bounds[kind]                        # the kind's first and last day
    chart_data.window(grid, kind, a, b)      # the kind's rows dated a..b, as the store reads them
    chart_data.window_totals(grid, kind, a, b)   # and their totals per category
    chart_data.years_for(grid, a, b)         # the chunks a range a..b loads

(tests/test_chart_data.py decodes the chunks as the page's script does.)
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from operator import itemgetter

from generator.model import Row, Series
from generator.site.charts import WARMUP_DAYS, category_key

Values = list[int | None]


@dataclass(frozen=True)
class Grid:
    """Every row of a package's kinds on one grid of days from January 1 of `first_year`
    through December 31 of `last_year` (no rows at all: `first_year` 0, nothing else)."""

    first_year: int = 0
    last_year: int = -1
    values: dict[str, dict[str, Values]] = field(default_factory=dict)  # kind → cat → days
    bounds: dict[str, tuple[str, str]] = field(default_factory=dict)  # kind → first, last day

    @property
    def years(self) -> range:
        return range(self.first_year, self.last_year + 1)

    def offset(self, day: str) -> int:
        """The index of `day` ("YYYY-MM-DD") in the grid's arrays."""
        return dt.date.fromisoformat(day).toordinal() - _jan1(self.first_year)


def _jan1(year: int) -> int:
    return dt.date(year, 1, 1).toordinal()


def _sort_key(category: str) -> tuple[tuple[int, tuple[int, ...], str], str]:
    return category_key(category), category  # ties (case) broken by the exact string


def grid(kinds: Mapping[str, Series]) -> Grid:
    """Lay every row of `kinds` ({kind: series}, kinds in publishing order) on one grid.

    A 10-year package has ~100,000 rows and a 1,000-package build lays out every one, so
    this is two passes over the rows: their days (a set, in C), then one store each."""
    days = {kind: set(map(_day, series)) for kind, series in kinds.items() if series}
    if not days:
        return Grid()
    bounds = {kind: (min(found), max(found)) for kind, found in days.items()}
    first_year = int(min(first for first, _ in bounds.values())[:4])
    last_year = int(max(last for _, last in bounds.values())[:4])
    base = _jan1(first_year)
    length = _jan1(last_year + 1) - base
    offsets = {day: _ordinal(day) - base for day in set().union(*days.values())}
    values: dict[str, dict[str, Values]] = {}
    for kind in days:
        arrays: dict[str, Values] = {}
        for (day, category), count in kinds[kind].items():
            try:
                arrays[category][offsets[day]] = count
            except KeyError:  # the category's first row
                arrays[category] = [None] * length
                arrays[category][offsets[day]] = count
        values[kind] = {c: arrays[c] for c in sorted(arrays, key=_sort_key)}
    return Grid(first_year, last_year, values, bounds)


_day = itemgetter(0)
# A build's packages share their days: each is parsed (and written) once per process.
_ORDINALS: dict[str, int] = {}


_DAYS: dict[int, str] = {}


def _ordinal(day: str) -> int:
    ordinal = _ORDINALS.get(day)
    if ordinal is None:
        ordinal = _ORDINALS[day] = dt.date.fromisoformat(day).toordinal()
    return ordinal


def _iso(ordinal: int) -> str:
    day = _DAYS.get(ordinal)
    if day is None:
        day = _DAYS[ordinal] = dt.date.fromordinal(ordinal).isoformat()
    return day


def chunks(data: Grid) -> dict[int, str]:
    """{year: the year's JSON text} for every year of the grid (compact, as published)."""
    out = {}
    for year in data.years:
        lo, hi = _jan1(year) - _jan1(data.first_year), _jan1(year + 1) - _jan1(data.first_year)
        kinds = {}
        for kind, arrays in data.values.items():
            cats, rows = [], []
            for cat, array in arrays.items():
                days = _trimmed(array[lo:hi])
                if days:
                    cats.append(cat)
                    rows.append(days)
            if cats:
                kinds[kind] = {"cats": cats, "values": rows}
        document = {"year": year, "start": f"{year:04d}-01-01", "kinds": kinds}
        out[year] = json.dumps(document, separators=(",", ":"))
    return out


def _trimmed(days: Values) -> Values:
    """`days` without its trailing nulls ([] when all are null)."""
    if days.count(None) == len(days):
        return []
    end = len(days)
    while days[end - 1] is None:
        end -= 1
    return days[:end] if end < len(days) else days


def _span(data: Grid, since: str, last: str) -> tuple[int, int]:
    """The grid's indexes of the days `since`..`last`, clipped to the grid (lo ≥ hi: none)."""
    lo = max(data.offset(since), 0)
    return lo, min(data.offset(last) + 1, _jan1(data.last_year + 1) - _jan1(data.first_year))


def window(data: Grid, kind: str, since: str, last: str) -> list[Row]:
    """The rows of `kind` dated `since`..`last` (inclusive), sorted by date then category,
    as the store reads them from a file it wrote (store.read_tail)."""
    arrays = data.values.get(kind)
    if not arrays:
        return []
    lo, hi = _span(data, since, last)
    base = _jan1(data.first_year)
    days = [_iso(ordinal) for ordinal in range(base + lo, base + hi)]
    rows: list[Row] = []
    for category in sorted(arrays):  # then a stable sort by day: (day, category) order
        column = arrays[category][lo:hi]
        rows += [(days[i], category, n) for i, n in enumerate(column) if n is not None]
    rows.sort(key=_day)
    return rows


def window_totals(data: Grid, kind: str, since: str, last: str) -> dict[str, int]:
    """{category: downloads} over the rows `window` returns (a category with rows of 0
    only is there, with 0), in the grid's category order."""
    lo, hi = _span(data, since, last)
    totals = {}
    for category, array in data.values.get(kind, {}).items():
        column = array[lo:hi]
        if column.count(None) < len(column):
            totals[category] = sum(filter(None, column))
    return totals


def month_totals(data: Grid, kind: str, first_days: int = 0) -> dict[str, dict[str, int]]:
    """{month "YYYY-MM": {category: downloads}} of `kind`, as derive.monthly_counts gives
    from its rows (a category whose rows that month are all 0 is there, with 0); with
    `first_days`, over each month's first `first_days` days only. From the grid's arrays,
    a slice a month and category, so the build never walks the rows again."""
    arrays = data.values.get(kind)
    if not arrays:
        return {}
    base = _jan1(data.first_year)
    out: dict[str, dict[str, int]] = {}
    for year in range(data.first_year, data.last_year + 1):
        for number in range(1, 13):
            lo = dt.date(year, number, 1).toordinal() - base
            length = calendar.monthrange(year, number)[1]
            hi = lo + (min(first_days, length) if first_days else length)
            counts = {}
            for category, array in arrays.items():
                column = array[lo:hi]
                if column and column.count(None) < len(column):
                    counts[category] = sum(filter(None, column))
            if counts:
                out[f"{year:04d}-{number:02d}"] = counts
    return out


def chunk_name(year: int) -> str:
    """The file name of a year's chunk, in site/data/<name>/ (the page's script appends
    "YYYY.json" to the address up to CHUNK_PREFIX)."""
    return f"{CHUNK_PREFIX}{year:04d}.json"


CHUNK_PREFIX = "chart-"


def years_for(data: Grid, start: str, end: str) -> list[int]:
    """The years whose chunks the range `start`..`end` loads: those it covers, with the
    WARMUP_DAYS before it (the 28-day average's), within the grid's years. The rule the
    page's script follows (charts-page.js loadRange); the page preloads its default's."""
    first = (dt.date.fromisoformat(start) - dt.timedelta(days=WARMUP_DAYS)).year
    last = dt.date.fromisoformat(end).year
    return [y for y in data.years if first <= y <= last]
