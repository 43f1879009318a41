"""Chart choices that do not need altair: colours, category order, the counting-change date.

The Vega-Lite templates themselves are built with altair in `chart_specs` (only when the
cached `charts.js` is missing). How the browser uses them (static/charts-page.js):

Every package page uses the same few templates. The page fetches each of its CSVs once
(a cache keyed by URL, shared by every chart and every click), computes what the range,
the aggregation (day, ISO week, month) and the mode ask for, and hands the template its
values as named datasets: no template loads data by URL, so a click never refetches.
Per chart, the script fills in:

- the named datasets (`lines`, `points`, `wide`, `long`, `bars`, `gaps`, `nodata`,
  `partial`, `change`), dropping every layer whose dataset would be empty;
- the placeholders `["__XDOMAIN__"]` (the range shown, epoch ms at local midnight),
  `["__DOMAIN__"]` and `["__RANGE__"]` (the categories shown, chosen from the range shown,
  and their colours). Tooltips show `tt`, {title: text} per period, strings the script
  wrote ("0", "no data (outage)"), so a tooltip never says NaN.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

COUNTING_CHANGE_DATE = "2026-08-24"
COUNTING_CHANGE_LABEL = "PyPI counting change"


# Paul Tol's "muted" scheme (colour-blind safe), then Okabe-Ito for more categories.
PALETTE = (
    "#332288",
    "#88CCEE",
    "#44AA99",
    "#117733",
    "#999933",
    "#DDCC77",
    "#CC6677",
    "#882255",
    "#AA4499",
    "#E69F00",
    "#0072B2",
    "#D55E00",
)
NEUTRAL = {"null": "#BBBBBB", "other": "#888888", "unknown": "#BBBBBB"}
OVERALL_SERIES = {
    "with_mirrors": ("With mirrors", "#88CCEE", 1.0),
    "without_mirrors": ("Without mirrors", "#332288", 1.0),
    "ma7": ("7-day average", "#CC6677", 2.2),
    "ma28": ("28-day average", "#117733", 2.2),
}
MAX_CATEGORIES = 10
# The 28-day average's first point needs the 27 days before a range: a range loads the
# chart chunks of those days too (charts-page.js, chart_data.years_for).
WARMUP_DAYS = 27

# Axis numbers as people write them: 0, 200, 1.5k, 2M (never "0k", "0M" or "0.2k").
# A Vega expression (the axes' labelExpr); static/charts-page.js uses the same rule.
NUMBER_EXPR = (
    "abs(datum.value) >= 1e9 ? format(datum.value / 1e9, '.2~f') + 'B' : "
    "abs(datum.value) >= 1e6 ? format(datum.value / 1e6, '.2~f') + 'M' : "
    "abs(datum.value) >= 1e3 ? format(datum.value / 1e3, '.2~f') + 'k' : "
    "format(datum.value, '.2~f')"
)


# ---------------------------------------------------------------- category order (pure)

_VERSION = re.compile(r"^(\d+)(?:\.(\d+))?(?:\.(\d+))?")


def category_key(category: str) -> tuple[int, tuple[int, ...], str]:
    """Sort key: numbers numerically (3.9 < 3.10 < 3.14), then names, "null"/"other" last."""
    lowered = category.lower()
    if lowered in NEUTRAL:
        return (2, (), lowered)
    match = _VERSION.match(category)
    if match:
        return (0, tuple(int(g) for g in match.groups() if g is not None), category)
    return (1, (), lowered)


def choose_categories(
    totals: Mapping[str, int], limit: int = MAX_CATEGORIES, numeric: bool = True
) -> list[str]:
    """The categories a chart shows, in legend order; the rest become "other".

    The `limit` biggest by downloads are kept. Versions sort numerically; other kinds sort
    by size. "null" and "other" always come last.
    """
    named = [c for c in totals if c.lower() not in NEUTRAL]
    named.sort(key=lambda c: (-totals[c], c))
    kept = named[:limit]
    kept.sort(key=category_key if numeric else (lambda c: (-totals[c], c)))
    folded = len(named) > limit
    tail = [c for c in ("null", "unknown") if c in totals]
    if folded or "other" in totals:
        tail.append("other")
    return kept + tail


def colours(categories: Iterable[str]) -> list[str]:
    out = []
    i = 0
    for c in categories:
        if c.lower() in NEUTRAL:
            out.append(NEUTRAL[c.lower()])
        else:
            out.append(PALETTE[i % len(PALETTE)])
            i += 1
    return out
