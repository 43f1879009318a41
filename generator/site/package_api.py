"""One package's JSON API files: pypistats.org's shapes, provenance and summary.json,
under the normalised name and, where packages.yaml spells it otherwise, the lowercased
spelling the pypistats client asks for."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from generator import derive, stats, store
from generator.config import Package
from generator.model import Release, Series
from generator.site import api, chart_data, summary_api
from generator.site import provenance as origin
from generator.site.render import Context


def write_api(
    ctx: Context,
    pkg: Package,
    overall: Series,
    tails: dict[str, store.Tail],
    since: str,
    summary: stats.Summary,
    sources: dict[str, list[origin.Segment]],
) -> None:
    normalized = pkg.normalized
    series = derive.with_python_major(
        {k: {(d, c): n for d, c, n in tails[k].rows} for k in api.SERIES_KINDS[1:] if k in tails}
    )
    series["overall"] = {(d, c): n for (d, c), n in overall.items() if d >= since}
    rows = {kind: [(d, c, n) for (d, c), n in s.items()] for kind, s in series.items()}
    recent = {name: getattr(summary, name) for name in derive.RECENT_WINDOWS}
    files = {
        "recent": api.recent_json(normalized, recent),
        "provenance": api.provenance_json(normalized, origin.api_rows(sources)),
    }
    files.update(
        {kind: api.series_json(normalized, kind, kind_rows) for kind, kind_rows in rows.items()}
    )
    for kind, text in files.items():
        write_api_file(ctx, pkg, kind, text)


def api_dirs(ctx: Context, pkg: Package) -> list[Path]:
    """Where the package's API is published: under its normalised name, and under the
    lowercased spelling of packages.yaml where that differs (`Beta_Tool`: beta_tool), the
    folder the pypistats client asks for, since it lowercases a name but does not
    normalise it (pypistats.org normalises on its server; a static host cannot)."""
    names = dict.fromkeys((pkg.normalized, pkg.name.lower()))
    return [ctx.out_dir / "api" / "packages" / name for name in names]


def write_api_file(ctx: Context, pkg: Package, kind: str, text: str) -> None:
    """`<kind>.json` in each of the package's API folders, and the same without the
    extension, the URL the pypistats client requests (copies, no links)."""
    for target in api_dirs(ctx, pkg):
        target.mkdir(parents=True, exist_ok=True)
        (target / f"{kind}.json").write_text(text, encoding="utf-8")
        (target / kind).write_text(text, encoding="utf-8")


def summary_of(
    ctx: Context,
    pkg: Package,
    summary: stats.Summary,
    without: stats.Daily,
    grid: chart_data.Grid,
    releases: Sequence[Release],
) -> dict[str, Any]:
    """summary.json's document (summary_api), over its window of the package's history."""
    assert summary.last_date is not None
    window = summary_api.window_of(summary.last_date, summary.first_date)
    totals: dict[str, dict[str, int]] = {
        kind: chart_data.window_totals(grid, kind, window["start"], window["end"])
        for kind in ("python_minor", "system", "version")
        if kind in grid.values
    }
    return summary_api.summary_document(
        pkg.normalized, ctx.built_at, summary, without, totals, releases
    )
