"""The pages across packages: home, top list, API index, Markdown pages, costs, 404."""

from __future__ import annotations

import base64
import dataclasses
import shutil
from collections.abc import Sequence
from typing import Any

from generator import resources, stats, store
from generator.site import api, content, costs, history_links, pages, summary_api
from generator.site.render import Context, PackageResult, common, render
from generator.store import clickhouse_log, runlog
from generator.store.clickhouse_log import ClickHouseRun

MOVERS_FLOOR = 100  # downloads in the previous 30 days for a package to count as a mover


def totals(results: Sequence[PackageResult]) -> dict[str, int]:
    return {
        key: sum(getattr(r, key) for r in results)
        for key in ("last_day", "last_week", "last_month", "total")
    }


def groups(results: Sequence[PackageResult]) -> list[dict[str, Any]]:
    """Groups from packages.yaml in alphabetical order; ungrouped packages last."""
    by_group: dict[str, list[dict[str, Any]]] = {}
    for r in sorted(results, key=lambda r: r.name.lower()):
        by_group.setdefault(r.group or "", []).append(_row(r))
    ordered = sorted((g for g in by_group if g), key=str.lower)
    out = [{"name": g, "packages": by_group[g]} for g in ordered]
    if "" in by_group:
        out.append(
            {"name": "Other packages" if ordered else "All packages", "packages": by_group[""]}
        )
    return out


def _row(r: PackageResult) -> dict[str, Any]:
    month = r.changes.get("month", stats.Change(0, 0))
    # a shallow copy: asdict would deep-copy the milestones and the report months too
    fields = {f.name: getattr(r, f.name) for f in dataclasses.fields(r)}
    return {**fields, "change_pct": month.percent}


def write_home(ctx: Context, results: Sequence[PackageResult]) -> None:
    """The home page; with `ctx.clickhouse_behind`, the "ClickHouse is behind" notice."""
    variables = common(ctx, "", "home")
    variables.update(
        packages=results,
        totals=totals(results),
        groups=groups(results),
        stale_count=sum(r.stale for r in results),
        clickhouse_behind=ctx.clickhouse_behind,
    )
    render(ctx, "home.html", "index.html", variables)


def movers_key(r: PackageResult) -> str:
    """Growth in percent as a sortable attribute; empty when the package is under the
    floor (it is then left out of the movers view altogether)."""
    month = r.changes.get("month")
    if month is None or month.previous < MOVERS_FLOOR or month.percent is None:
        return ""
    return f"{month.percent:.4f}"


def movers(results: Sequence[PackageResult]) -> list[PackageResult]:
    """The packages eligible as movers, fastest growing first."""
    eligible = [r for r in results if movers_key(r)]
    return sorted(eligible, key=lambda r: (-float(movers_key(r)), r.name.lower()))


def sparklines(r: PackageResult) -> dict[str, str]:
    """The 12-week sparkline once per period, coloured like the change shown beside it."""
    return {
        period: pages.sparkline(r.trend, pages.trend_class(r.changes.get(period)))
        for period in stats.PERIODS
    }


def ranked_rows(results: Sequence[PackageResult]) -> list[dict[str, Any]]:
    """The top list's rows, biggest last month first (the group pages rank by it too)."""
    rows = []
    for r in sorted(results, key=lambda r: (-r.last_month, r.name.lower())):
        row = _row(r)
        row.update(sparks=sparklines(r), growth_key=movers_key(r))
        rows.append(row)
    return rows


def write_top(ctx: Context, results: Sequence[PackageResult]) -> None:
    rows = ranked_rows(results)
    variables = common(ctx, "../", "top")
    variables.update(
        rows=rows,
        movers_floor=MOVERS_FLOOR,
        movers_count=len(movers(results)),
        stale_count=sum(r.stale for r in results),
    )
    render(ctx, "top.html", "top/index.html", variables)


def write_api_index(ctx: Context, results: Sequence[PackageResult]) -> None:
    entries = [
        {
            "name": r.name,
            "normalized": r.normalized,
            "group": r.group,
            "last_date": r.last_date,
            "stale": r.stale,
            "recent": r.recent or {"last_day": 0, "last_week": 0, "last_month": 0},
            "total": r.total,
            "page": f"{ctx.base_url}packages/{r.normalized}/",
            "api": f"{ctx.base_url}api/packages/{r.normalized}/",
            "data": history_links.history_folder(ctx.history_home, ctx.base_url, r.normalized),
        }
        for r in sorted(results, key=lambda r: r.normalized)
    ]
    target = ctx.out_dir / "api" / "packages.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(api.packages_json(entries), encoding="utf-8")
    schema = resources.content_dir() / summary_api.SCHEMA_NAME  # summary.json's shape
    shutil.copyfile(schema, target.parent / summary_api.SCHEMA_NAME)


def write_content_pages(ctx: Context, results: Sequence[PackageResult]) -> None:
    for page in content.load_pages("../", ctx.base_url):
        variables = common(ctx, "../", page.slug)
        variables.update(title=page.title, body=page.html)
        render(ctx, "page.html", f"{page.slug}/index.html", variables)


def write_costs(
    ctx: Context,
    results: Sequence[PackageResult],
    clickhouse_runs: Sequence[ClickHouseRun] = (),
) -> None:
    """The costs page, when there is a BigQuery or a ClickHouse run log (has_costs); each
    log is published beside it for download."""
    if not ctx.has_costs:
        return
    runs = runlog.read(ctx.data_dir)
    meta = ctx.out_dir / "data" / store.META_DIR
    meta.mkdir(parents=True, exist_ok=True)
    for path in (runlog.path_in(ctx.data_dir), clickhouse_log.path_in(ctx.data_dir)):
        handle = store.open_plain(path)  # never through a symbolic link
        if handle is not None:
            with handle, open(meta / path.name, "wb") as out:
                shutil.copyfileobj(handle, out)
    variables = common(ctx, "../", "costs")
    variables.update(costs.context(runs, ctx.today.strftime("%Y-%m")))
    variables.update(clickhouse=costs.clickhouse_context(clickhouse_runs, ctx.today))
    render(ctx, "costs.html", "costs/index.html", variables)


def write_404(ctx: Context, results: Sequence[PackageResult]) -> None:
    """GitHub Pages serves 404.html at any depth, so links use --base-url when given."""
    variables = common(ctx, "", "")
    variables.update(base_href=ctx.base_url or None, inline_css="", inline_logo="")
    if not ctx.base_url:  # no known root: the page must not depend on relative asset URLs
        variables["inline_css"] = (resources.static_dir() / "style.css").read_text(encoding="utf-8")
        logo = (resources.static_dir() / "favicon.svg").read_bytes()
        variables["inline_logo"] = base64.b64encode(logo).decode("ascii")
    render(ctx, "404.html", "404.html", variables)
