"""The compare page (site/compare/): tracked packages side by side, chosen in the URL.

    write_compare(ctx, results)

The page is one static file; its script (static/compare-page.js) reads the view from
the URL, `compare/?packages=a,b&range=1y&per=week&mode=indexed&py=3.13`, fetches the
yearly chart chunks the package pages publish (`data/<name>/chart-<YYYY>.json`, only the
years the range needs) and the figures written here, `compare/packages.json`:

    {"as_of": "YYYY-MM-DD" | null,
     "outages": [["YYYY-MM-DD", "YYYY-MM-DD"], ...],   # days no tracked package reported
     "packages": [{"name", "normalized", "group", "years": [first, last] | [],
                   "last_date", "stale", "last_day", "last_week", "last_month",
                   "change": {"day" | "week" | "month": percent | null}, "total",
                   "releases": bool (data/<name>/releases.json is published)}, ...]}

Figures are for the windows ending on the site's as-of date (PackageResult), the rule of
the home page and the top list; a package whose data ends earlier is `stale`. The group
pages draw their members' compare chart from the same file.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from generator import stats
from generator.site import api
from generator.site.package_page import DEFAULT_RANGE, RANGES
from generator.site.render import Context, PackageResult, common, render

INDEX = "compare/packages.json"  # relative to the site root
MAX_COMPARED = 8
MIN_COMPARED = 2
MODES = (("absolute", "Downloads"), ("share", "Share %"), ("indexed", "Indexed"))


def outages(coverage: stats.Coverage) -> list[list[str]]:
    """Runs of days, between the first tracked day and the as-of date, that no tracked
    package reported: outages of the source, drawn as breaks (never as zeros)."""
    return [[g.start, g.end] for g in stats.gaps(sorted(coverage.reported))]


def entry(r: PackageResult) -> dict[str, Any]:
    """One package of compare/packages.json."""
    return {
        "name": r.name,
        "normalized": r.normalized,
        "group": r.group,
        "years": list(r.chart_years),
        "last_date": r.last_date,
        "stale": r.stale,
        "last_day": r.last_day,
        "last_week": r.last_week,
        "last_month": r.last_month,
        "change": {
            period: r.changes[period].percent for period in stats.PERIODS if period in r.changes
        },
        "total": r.total,
        "releases": r.has_releases,
    }


def index_json(ctx: Context, results: Sequence[PackageResult]) -> str:
    """The text of compare/packages.json (packages sorted by normalized name)."""
    packages = [entry(r) for r in sorted(results, key=lambda r: r.normalized)]
    document = {"as_of": ctx.as_of, "outages": outages(ctx.coverage), "packages": packages}
    return api.dumps_document(document)  # compact, and inert as the API is


def controls() -> dict[str, Any]:
    """The range, aggregation and mode controls the compare page and group pages share."""
    return {
        "ranges": RANGES,
        "default_range": DEFAULT_RANGE,
        "modes": MODES,
        "max_compared": MAX_COMPARED,
        "min_compared": MIN_COMPARED,
    }


def write_compare(ctx: Context, results: Sequence[PackageResult]) -> None:
    """site/compare/index.html and compare/packages.json."""
    target = ctx.out_dir / INDEX
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(index_json(ctx, results), encoding="utf-8")
    variables = common(ctx, "../", "compare")
    variables.update(controls(), index_url=f"../{INDEX}", packages_count=len(results))
    variables.update(canonical=f"{ctx.base_url}compare/" if ctx.base_url else None)
    render(ctx, "compare.html", "compare/index.html", variables)
