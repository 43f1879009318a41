"""One package: its page, its published history, its JSON API files and its badges."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator import badges, derive, stats, store
from generator.config import Package
from generator.model import ALL_KINDS, Series
from generator.site import api, charts, content
from generator.site.render import Context, PackageResult, common, render

RANGES = (("30", "30d"), ("90", "90d"), ("180", "180d"), ("365", "1y"), ("all", "All"))
DEFAULT_RANGE = "365"
GAPS_SHOWN = 20
GAPS_CHARTED = 150  # the most recent gaps shaded on the daily chart (bounds page weight)


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
        "Downloads per day",
        "With and without mirrors, plus 7- and 28-day averages (without mirrors).",
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
        "The most downloaded releases; the rest are grouped as other.",
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


def build_package(ctx: Context, pkg: Package) -> PackageResult:
    src = store.package_dir(ctx.data_dir, pkg.normalized)
    overall = store.read_series_fast(src / "overall.csv")
    without = stats.daily(overall)
    summary = stats.summarize(overall, ctx.today, without)
    present = publish_csvs(ctx, src, pkg.normalized)
    tails: dict[str, store.Tail] = {}
    if summary.last_date:
        since = (
            dt.date.fromisoformat(summary.last_date) - dt.timedelta(days=api.API_WINDOW_DAYS)
        ).isoformat()
        tails = {
            kind: store.read_tail(src / f"{kind}.csv", since, summary.last_date)
            for kind in present
            if kind != "overall"
        }
        write_api(ctx, pkg.normalized, overall, tails, since, summary)
    badges.write_badges(ctx.out_dir, pkg.normalized, overall)
    render_package_page(ctx, pkg, summary, present, tails)
    return PackageResult(
        name=pkg.name,
        normalized=pkg.normalized,
        group=pkg.group,
        note=pkg.note,
        last_day=summary.last_day,
        last_week=summary.last_week,
        last_month=summary.last_month,
        total=summary.total,
        last_date=summary.last_date,
        changes=stats.period_changes(without, summary.last_date),
        trend=stats.trend(without, summary.last_date),
    )


def publish_csvs(ctx: Context, src: Path, normalized: str) -> list[str]:
    """Publish the package's history files in site/data/<name>/; return the kinds present."""
    target = ctx.out_dir / "data" / normalized
    present = [kind for kind in ALL_KINDS if (src / f"{kind}.csv").is_file()]
    if present:
        target.mkdir(parents=True, exist_ok=True)
    for kind in present:
        publish_file(src / f"{kind}.csv", target / f"{kind}.csv")
    return present


def publish_file(src: Path, target: Path) -> None:
    """Put `src` at `target`: a hard link when both are on one file system, else a copy.

    A 1,000-package site would otherwise copy ~0.5 GB of history on every build. The link is
    safe: the store replaces a history file atomically (a new inode), so a later fetch never
    changes a published file, and the build writes nothing into site/data/ after this.
    """
    try:
        os.link(src, target)
    except OSError:  # another file system, or links not allowed: copy
        shutil.copyfile(src, target)


def write_api(
    ctx: Context,
    normalized: str,
    overall: Series,
    tails: dict[str, store.Tail],
    since: str,
    summary: stats.Summary,
) -> None:
    target = ctx.out_dir / "api" / "packages" / normalized
    target.mkdir(parents=True, exist_ok=True)
    series = derive.with_python_major(
        {k: {(d, c): n for d, c, n in tails[k].rows} for k in api.SERIES_KINDS[1:] if k in tails}
    )
    series["overall"] = {(d, c): n for (d, c), n in overall.items() if d >= since}
    rows = {kind: [(d, c, n) for (d, c), n in s.items()] for kind, s in series.items()}
    recent = {name: getattr(summary, name) for name in derive.RECENT_WINDOWS}
    files = {"recent": api.recent_json(normalized, recent)}
    files.update(
        {kind: api.series_json(normalized, kind, kind_rows) for kind, kind_rows in rows.items()}
    )
    for kind, text in files.items():
        path = target / f"{kind}.json"
        path.write_text(text, encoding="utf-8")
        publish_file(path, target / kind)  # what the pypistats client requests (no extension)


def badge_snippets(normalized: str, base_url: str, root: str) -> list[dict[str, str]]:
    """Snippets with the site's public URLs (a placeholder until base_url is configured)."""
    out = []
    for snippet in badges.snippets(normalized, base_url or content.PLACEHOLDER_BASE_URL):
        name = snippet.get("name") or snippet["svg_url"].rsplit("/", 1)[-1].removesuffix(".svg")
        out.append({**snippet, "img_src": f"{root}badges/{normalized}/{name}.svg"})
    return out


def chart_entries(
    root: str,
    normalized: str,
    present: Sequence[str],
    tails: dict[str, store.Tail],
    gaps: Sequence[tuple[str, str]] = (),
) -> list[dict[str, Any]]:
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
                "csv": f"{root}data/{normalized}/{ck.kind}.csv",
                "cats": cats,
                "colors": charts.colours(cats),
                "gaps": gaps if ck.kind == "overall" else [],
            }
        )
    return entries


KIND_TITLES = {
    "overall": "Daily downloads, with and without mirrors",
    "python_major": "Python major versions",
    "python_minor": "Python minor versions",
    "system": "Operating systems",
    "version": "Package versions",
    "country": "Countries",
    "installer": "Installers",
    "ci": "CI",
    "recent": "Last day, week and month",
}


def render_package_page(
    ctx: Context,
    pkg: Package,
    summary: stats.Summary,
    present: Sequence[str],
    tails: dict[str, store.Tail],
) -> None:
    root = "../../"
    n = pkg.normalized
    api_kinds = [
        "recent",
        *[
            k
            for k in api.SERIES_KINDS
            if k in present or (k == "python_major" and "python_minor" in present)
        ],
    ]
    variables = common(ctx, root, data_through=summary.last_date)
    variables.update(
        pkg=pkg,
        s=summary,
        gaps_shown=list(reversed(summary.gaps))[:GAPS_SHOWN],
        ranges=RANGES,
        default_range=DEFAULT_RANGE,
        charts=chart_entries(
            root, n, present, tails, [(g.start, g.end) for g in summary.gaps[-GAPS_CHARTED:]]
        ),
        csv_links=[(KIND_TITLES[k], f"{root}data/{n}/{k}.csv") for k in present],
        api_links=[(KIND_TITLES[k], f"{root}api/packages/{n}/{k}.json") for k in api_kinds]
        if summary.last_date
        else [],
        badges=badge_snippets(n, ctx.base_url, root),
        placeholder_url=None if ctx.base_url else content.PLACEHOLDER_BASE_URL,
        canonical=f"{ctx.base_url}packages/{n}/" if ctx.base_url else None,
    )
    render(ctx, "package.html", f"packages/{n}/index.html", variables)


