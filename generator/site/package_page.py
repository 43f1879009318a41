"""One package: its page, its published history, its JSON API files and its badges."""

from __future__ import annotations

import dataclasses
import datetime as dt
import fcntl
import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path
from typing import Any, BinaryIO

from generator import badges, derive, impact, milestones, stats, store
from generator.config import Package
from generator.model import ALL_KINDS, Release, Series
from generator.site import (
    api,
    chart_data,
    content,
    history_links,
    layout,
    package_api,
    releases_view,
    report_links,
    reports_page,
)
from generator.site import provenance as origin
from generator.site.render import Context, PackageResult, common, render
from generator.store import provenance as recorded
from generator.store import releases as stored_releases

RANGES = (("30", "30d"), ("90", "90d"), ("180", "180d"), ("365", "1y"), ("all", "All"))
DEFAULT_RANGE = "365"
GAPS_SHOWN = 20
GAPS_CHARTED = 150  # the most recent gaps shaded on the daily chart (bounds page weight)
CHART_KINDS = layout.CHART_KINDS


def build_package(ctx: Context, pkg: Package) -> PackageResult:
    """Read (and so check) the package's history, then publish it and render its pages.

    Every file is read whole, once, before anything of the package is written into site/:
    a corrupt file, or a symbolic link in data/ (refused unread), leaves nothing of it
    published. The rows read make the chart chunks and the API's window (chart_data).
    `ctx.clickhouse_behind` is the "ClickHouse is behind" notice, when there is one."""
    src = store.package_dir(ctx.data_dir, pkg.normalized)
    overall = store.read_series_fast(src / "overall.csv")
    present = store.kinds_present(src, ALL_KINDS)
    history = {
        k: overall if k == "overall" else store.read_series_fast(src / f"{k}.csv") for k in present
    }
    grid = chart_data.grid(history)
    del history  # the grid holds every row now
    spans = recorded.read(ctx.data_dir, pkg.normalized)
    releases = stored_releases.read(ctx.data_dir, pkg.normalized)  # oldest first
    without = stats.daily(overall)
    summary = stats.summarize(overall, ctx.today, without, ctx.coverage)
    tails: dict[str, store.Tail] = {}
    since = ""
    sources: dict[str, list[origin.Segment]] = {}
    if summary.last_date:
        since = (
            dt.date.fromisoformat(summary.last_date) - dt.timedelta(days=api.API_WINDOW_DAYS)
        ).isoformat()
        tails = {
            kind: tail_of(grid, kind, since, summary.last_date)
            for kind in present
            if kind != "overall"
        }
        sources = origin.by_kind(spans, stored_days(grid, present, overall, without, tails, since))
    publish_history(ctx, src, pkg.normalized, present, grid, copies=not ctx.history_home)
    if spans:  # as data/_meta/provenance/<name>.csv
        target = recorded.path_of(ctx.out_dir / "data", pkg.normalized)
        target.parent.mkdir(parents=True, exist_ok=True)
        publish_file(recorded.path_of(ctx.data_dir, pkg.normalized), target)
    if summary.last_date:
        package_api.write_api(ctx, pkg, overall, tails, since, summary, sources)
        glance = package_api.summary_of(ctx, pkg, summary, without, grid, releases)
        package_api.write_api_file(ctx, pkg, "summary", api.dumps_document(glance))
    badges.write_badges(ctx.out_dir, pkg.normalized, overall)
    about = Origin(spans, sources, _concerns(ctx.clickhouse_behind, pkg.normalized, spans))
    rec = impact.record(without, summary)  # the days the release impacts read, once
    shown = releases_view.page(ctx, pkg.normalized, releases, rec, grid)
    render_package_page(ctx, pkg, summary, present, tails, about, grid, shown)
    result = package_result(ctx, pkg, summary, without)
    return with_records(ctx, result, summary, without, releases, grid, rec)


def with_records(
    ctx: Context,
    result: PackageResult,
    summary: stats.Summary,
    without: stats.Daily,
    releases: Sequence[Release],
    grid: chart_data.Grid,
    rec: impact.Record,
) -> PackageResult:
    """`result` with the package's milestones, its months and what its reports need."""
    months = {kind: chart_data.month_totals(grid, kind) for kind in ("python_minor", "system")}
    found = milestones.milestones(result.normalized, without, releases, months["python_minor"])
    return dataclasses.replace(
        result,
        milestones=tuple(found),
        monthly=summary.monthly,
        chart_years=(grid.first_year, grid.last_year) if grid.values else (),
        has_releases=bool(releases),  # releases_view publishes releases.json for these
        report=reports_page.package_months(ctx, without, rec, releases, months, grid),
    )


def tail_of(grid: chart_data.Grid, kind: str, since: str, last: str) -> store.Tail:
    """The kind's rows dated `since`..`last` and their totals per category (store.Tail)."""
    rows = chart_data.window(grid, kind, since, last)
    return store.Tail(rows, chart_data.window_totals(grid, kind, since, last))


@dataclass(frozen=True)
class Origin:
    """Where the package's numbers come from: its recorded spans, its stored days in runs
    by source (provenance.by_kind), and the ClickHouse notice when it concerns it."""

    spans: list[recorded.Span]
    sources: dict[str, list[origin.Segment]]
    clickhouse: dict[str, Any] | None = None


def _concerns(
    notice: dict[str, Any] | None, normalized: str, spans: Sequence[recorded.Span]
) -> dict[str, Any] | None:
    """The notice, on the page of a package the ClickHouse run asked for or that has
    days from ClickHouse."""
    if notice and (normalized in notice["packages"] or origin.used(spans, "clickhouse")):
        return notice
    return None


def stored_days(
    grid: chart_data.Grid,
    present: Sequence[str],
    overall: Series,
    without: stats.Daily,
    tails: dict[str, store.Tail],
    since: str,
) -> dict[str, list[str]]:
    """Each kind's stored days (provenance.kind_days): overall's exactly; a category
    file's from its window rows, its first and last day, and the days with downloads."""
    counted = [d for d, n in without.items() if n > 0]  # in date order (stats.daily)
    out = {"overall": sorted(set(map(itemgetter(0), overall)))} if "overall" in present else {}
    for kind in present:
        if kind == "overall":
            continue
        window = set(map(itemgetter(0), tails[kind].rows))
        out[kind] = origin.kind_days(counted, window, grid.bounds.get(kind), since)
    return out


def package_result(
    ctx: Context, pkg: Package, summary: stats.Summary, without: stats.Daily
) -> PackageResult:
    """What the home page, the top list and the API index need: the windows ending on
    the site's as-of date (derive.recent_ending), and pypistats.org's own `recent`."""
    as_of = ctx.as_of or summary.last_date
    window = derive.recent_ending(without, as_of)
    return PackageResult(
        name=pkg.name,
        normalized=pkg.normalized,
        group=pkg.group,
        note=pkg.note,
        last_day=window["last_day"],
        last_week=window["last_week"],
        last_month=window["last_month"],
        total=summary.total,
        last_date=summary.last_date,
        changes=stats.period_changes(without, as_of),
        trend=stats.trend(without, as_of),
        recent={name: getattr(summary, name) for name in derive.RECENT_WINDOWS},
        stale=derive.is_stale(summary.last_date, ctx.as_of),
    )


def publish_history(
    ctx: Context,
    src: Path,
    normalized: str,
    present: Sequence[str],
    grid: chart_data.Grid,
    copies: bool,
) -> None:
    """Write the chart chunks (site/data/<name>/chart-<YYYY>.json) and, with `copies`
    (the site does not link to the repository's files: history_links), copies of the
    history files of the kinds `present`."""
    target = ctx.out_dir / "data" / normalized
    chunks = chart_data.chunks(grid)
    if chunks or (copies and present):
        target.mkdir(parents=True, exist_ok=True)
    for year, text in chunks.items():
        (target / chart_data.chunk_name(year)).write_text(text, encoding="utf-8")
    if copies:
        for kind in present:
            publish_file(src / f"{kind}.csv", target / f"{kind}.csv")


def publish_file(src: Path, target: Path) -> None:
    """Copy the history file `src` to `target`: a copy, never a link, so nothing written
    into site/ (an editor, a minifier, a script) can reach data/.

    The copy is a reflink where the file system has them (btrfs, XFS: no bytes are
    copied, and a write to either file leaves the other alone), else an in-kernel copy.
    `src` is opened without following a symbolic link (store.open_plain), so a link in
    data/ is refused unread and never published.
    """
    handle = store.open_plain(src)
    if handle is None:
        raise FileNotFoundError(2, "history file vanished during the build", str(src))
    with handle, open(target, "xb") as out:
        if not _reflink(handle.fileno(), out.fileno()):
            _copy(handle, out)


_FICLONE = 0x40049409  # linux/fs.h: _IOW(0x94, 9, int)


def _reflink(src: int, dst: int) -> bool:
    try:
        fcntl.ioctl(dst, _FICLONE, src)
    except OSError:  # not supported here (ext4, tmpfs), or across file systems
        return False
    return True


def _copy(src: BinaryIO, dst: BinaryIO) -> None:
    """An in-kernel copy (copy_file_range), or through memory where that is not possible."""
    size = os.fstat(src.fileno()).st_size
    copied = 0
    try:
        while copied < size:
            sent = os.copy_file_range(src.fileno(), dst.fileno(), size - copied)
            if sent == 0:
                break
            copied += sent
    except OSError:  # an old kernel, or a file system without it
        src.seek(copied)
        dst.seek(copied)
        shutil.copyfileobj(src, dst)


def badge_snippets(normalized: str, base_url: str, root: str) -> list[dict[str, str]]:
    """Snippets with the site's public URLs (a placeholder until base_url is configured)."""
    out = []
    for snippet in badges.snippets(normalized, base_url or content.PLACEHOLDER_BASE_URL):
        name = snippet.get("name") or snippet["svg_url"].rsplit("/", 1)[-1].removesuffix(".svg")
        out.append({**snippet, "img_src": f"{root}badges/{normalized}/{name}.svg"})
    return out


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
    "provenance": "Where each day came from",
    "summary": "At a glance: the last 30 days, peak, latest release",
}


def render_package_page(
    ctx: Context,
    pkg: Package,
    summary: stats.Summary,
    present: Sequence[str],
    tails: dict[str, store.Tail],
    about: Origin,
    grid: chart_data.Grid,
    shown: dict[str, Any],  # releases_view.page: the Releases card
) -> None:
    root = "../../"
    n = pkg.normalized
    home = ctx.history_home  # where the history CSVs are linked (history_links)
    entries = layout.chart_entries(
        present,
        tails,
        {k: history_links.history_url(home, root, n, k) for k in present},
        grid.bounds,
        [(g.start, g.end) for g in summary.gaps[-GAPS_CHARTED:]],
        [(g.start, g.end) for g in summary.nodata[-GAPS_CHARTED:]],
    )
    variables = {**common(ctx, root), **shown}
    variables.update(
        pkg=pkg,
        s=summary,
        stale=derive.is_stale(summary.last_date, ctx.as_of),
        gaps_shown=list(reversed(summary.gaps))[:GAPS_SHOWN],
        nodata_shown=list(reversed(summary.nodata))[:GAPS_SHOWN],
        ranges=RANGES,
        default_range=DEFAULT_RANGE,
        charts=layout.without_holes(entries),
        dimension_notes=layout.dimension_notes(
            present,
            {e["kind"] for e in entries},
            api.API_WINDOW_DAYS,
            ci_from_clickhouse=origin.ci_missing_from_clickhouse(present, about.spans),
        ),
        badges=badge_snippets(n, ctx.base_url, root),
        placeholder_url=None if ctx.base_url else content.PLACEHOLDER_BASE_URL,
        canonical=f"{ctx.base_url}packages/{n}/" if ctx.base_url else None,
        provenance=origin.lines(about.sources, f"{root}methodology/"),
        clickhouse_behind=about.clickhouse,
        history_in_repository=bool(home),
        report_url=f"{root}{report_links.package_section(ctx.as_of[:7], n)}" if ctx.as_of else None,
        feed_url=f"{root}{report_links.package_feed(n)}",
    )
    variables.update(chart_sources(root, n, summary, grid))
    variables.update(data_links(root, n, present, bool(summary.last_date), bool(about.spans), home))
    render(ctx, "package.html", f"packages/{n}/index.html", variables)


def chart_sources(
    root: str, n: str, summary: stats.Summary, grid: chart_data.Grid
) -> dict[str, Any]:
    """Where the page's script finds the chart chunks, their years, and the chunks the
    default range needs (preloaded from the page's head)."""
    return {
        "chart_data": f"{root}data/{n}/{chart_data.CHUNK_PREFIX}",  # + "YYYY.json"
        "chart_years": f"{grid.first_year} {grid.last_year}",
        "chart_preload": [
            f"{root}data/{n}/{chart_data.chunk_name(year)}" for year in default_years(summary, grid)
        ],
    }


def default_years(summary: stats.Summary, grid: chart_data.Grid) -> list[int]:
    """The chunk years the default range (the last DEFAULT_RANGE days) loads."""
    if not summary.last_date:
        return []
    last = dt.date.fromisoformat(summary.last_date)
    start = max(summary.first_date or "", str(last - dt.timedelta(days=int(DEFAULT_RANGE) - 1)))
    return chart_data.years_for(grid, start, summary.last_date)


def data_links(
    root: str, n: str, present: Sequence[str], has_data: bool, has_spans: bool, home: str = ""
) -> dict[str, list[tuple[str, str]]]:
    """The Data card's links: the history files (where history_links says they are; the
    package's provenance file as published), then the JSON API's documents."""
    csv_links = [(KIND_TITLES[k], history_links.history_url(home, root, n, k)) for k in present]
    if has_spans:
        published = recorded.path_of(Path("data"), n).as_posix()  # data/_meta/provenance/…
        csv_links.append((KIND_TITLES["provenance"], f"{root}{published}"))
    api_kinds = [
        "recent",
        *[
            k
            for k in api.SERIES_KINDS
            if k in present or (k == "python_major" and "python_minor" in present)
        ],
        "provenance",
        "summary",
    ]
    api_links = [(KIND_TITLES[k], f"{root}api/packages/{n}/{k}.json") for k in api_kinds]
    return {"csv_links": csv_links, "api_links": api_links if has_data else []}
