"""A package page's chart grid: its charts (`CHART_KINDS`, `chart_entries`), laid out
with no holes, and a one-line note for each dimension that has no data, saying which
and why."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from generator import store
from generator.site import charts

PYPISTATS_DIMENSIONS = (("python_minor", "Python-version"), ("system", "operating-system"))
BIGQUERY_KINDS = ("version", "country", "installer", "ci")


@dataclass(frozen=True)
class ChartKind:
    kind: str
    title: str
    subtitle: str
    template: str  # key in charts.all_templates(), without the _pct suffix
    toggle: bool = True
    mode: str = "abs"
    limit: int = charts.MAX_CATEGORIES
    numeric: bool = True
    wide: bool = False


CHART_KINDS = (
    ChartKind(
        "overall",
        "Downloads",
        "With and without mirrors, per day, week or month; on the daily view, 7- and 28-day"
        " averages (without mirrors).",
        "overall",
        toggle=False,
        wide=True,
    ),
    ChartKind(
        "python_minor", "Python versions", "Minor versions, numerically.", "category", limit=12
    ),
    ChartKind("python_major", "Python major versions", "Python 2 vs 3 (and unknown).", "category"),
    ChartKind(
        "system", "Operating systems", "As reported by the installer.", "category", numeric=False
    ),
    ChartKind(
        "version",
        "Package versions",
        "The most downloaded releases in the range; over many releases, release series (1.2.x).",
        "category",
        limit=8,
    ),
    ChartKind(
        "country", "Top countries", "Downloads in the selected range.", "bars", numeric=False
    ),
    ChartKind(
        "installer",
        "Installers",
        "pip, uv, poetry and friends.",
        "category",
        mode="pct",
        numeric=False,
    ),
    ChartKind(
        "ci",
        "CI share",
        "Downloads from continuous integration (true) or not (false).",
        "category",
        mode="pct",
        numeric=False,
    ),
)


def chart_entries(
    present: Sequence[str],
    tails: dict[str, store.Tail],
    csv_urls: Mapping[str, str],
    bounds: Mapping[str, tuple[str, str]],
    gaps: Sequence[tuple[str, str]] = (),
    nodata: Sequence[tuple[str, str]] = (),
) -> list[dict[str, Any]]:
    """What each chart's markup carries for charts-page.js: its kind's history file
    (`csv_urls`, the "CSV" link) and its first and last day (`bounds`), the categories and
    colours for the page's default range (the script chooses them again for the range
    shown, with `limit` and `numeric`), and, on the overall chart, the missing days:
    `gaps` (outages) and `nodata` (a single-package site's days without rows)."""
    entries = []
    for ck in CHART_KINDS:
        if ck.kind not in present:
            continue
        cats: list[str] = []
        if ck.kind != "overall":
            tail = tails.get(ck.kind)
            if tail is None or not tail.rows:
                continue
            cats = charts.choose_categories(tail.totals, ck.limit, ck.numeric)
        entries.append(
            {
                "id": f"chart-{ck.kind.replace('_', '-')}",
                "kind": ck.kind,
                "title": ck.title,
                "subtitle": ck.subtitle,
                "template": ck.template,
                "toggle": ck.toggle,
                "mode": ck.mode,
                "wide": ck.wide,
                "csv": csv_urls[ck.kind],
                "first": bounds.get(ck.kind, ("", ""))[0],
                "last": bounds.get(ck.kind, ("", ""))[1],
                "cats": cats,
                "colors": charts.colours(cats),
                "limit": ck.limit,
                "numeric": ck.numeric,
                "scale": ck.kind == "overall",
                "gaps": gaps if ck.kind == "overall" else [],
                "nodata": nodata if ck.kind == "overall" else [],
            }
        )
    return entries


def without_holes(entries: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The chart entries laid out on a two-column grid with no empty cell: a half-width
    chart left alone in its row (before a wide chart, or last) spans both columns."""
    out = [dict(e) for e in entries]
    alone: dict[str, Any] | None = None  # a half-width chart waiting for a neighbour
    for entry in out:
        if entry.get("wide"):
            if alone is not None:
                alone["wide"] = True
            alone = None
        elif alone is None:
            alone = entry
        else:
            alone = None
    if alone is not None:
        alone["wide"] = True
    return out


def dimension_notes(
    present: Collection[str],
    charted: Collection[str],
    window_days: int,
    ci_from_clickhouse: bool = False,
) -> list[dict[str, str]]:
    """One line for each dimension this package has no chart of, and why.

    `ci_from_clickhouse`: its versions, countries and installers came from ClickHouse,
    which has no CI flag (provenance.ci_missing_from_clickhouse)."""
    notes = []
    absent = [(k, label) for k, label in PYPISTATS_DIMENSIONS if k not in present]
    if absent:
        labels = " or ".join(label for _k, label in absent)
        files = " or ".join(k for k, _label in absent)
        notes.append(
            {
                "kind": " ".join(k for k, _label in absent),
                "text": f"No {labels} data: this package's history came from an import"
                f" without {files}.",
            }
        )
    for kind, label in PYPISTATS_DIMENSIONS:
        if kind in present and kind not in charted:
            text = f"No {label} data in the last {window_days} days of this package's history."
            notes.append({"kind": kind, "text": text})
    if not any(kind in present for kind in BIGQUERY_KINDS):
        notes.append(
            {
                "kind": "bigquery",
                "text": "No versions, countries or installers: they come from BigQuery or"
                " ClickHouse, and none are stored for this package (pypistats.org does not"
                " report them).",
            }
        )
    elif ci_from_clickhouse:
        notes.append(
            {
                "kind": "ci",
                "text": "CI share: ClickHouse's public dataset has no CI flag; only the"
                " BigQuery source records it.",
            }
        )
    return notes
