"""One package: its page, its published history, its JSON API files and its badges."""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from generator import badges, derive, stats, store
from generator.config import Package
from generator.model import ALL_KINDS, Series
from generator.site import api, charts, content, layout
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


def build_package(ctx: Context, pkg: Package) -> PackageResult:
    """Read (and so check) the package's history, then publish it and render its pages.

    Every file is read before anything of the package is written into site/: a corrupt
    file, or a symbolic link in data/ (refused unread), leaves nothing of it published."""
    src = store.package_dir(ctx.data_dir, pkg.normalized)
    overall = store.read_series_fast(src / "overall.csv")
    present = store.kinds_present(src, ALL_KINDS)
    without = stats.daily(overall)
    summary = stats.summarize(overall, ctx.today, without, ctx.coverage)
    tails: dict[str, store.Tail] = {}
    since = ""
    if summary.last_date:
        since = (
            dt.date.fromisoformat(summary.last_date) - dt.timedelta(days=api.API_WINDOW_DAYS)
        ).isoformat()
        tails = {
            kind: store.read_tail(src / f"{kind}.csv", since, summary.last_date)
            for kind in present
            if kind != "overall"
        }
    publish_csvs(ctx, src, pkg.normalized, present)
    if summary.last_date:
        write_api(ctx, pkg.normalized, overall, tails, since, summary)
    badges.write_badges(ctx.out_dir, pkg.normalized, overall)
    render_package_page(ctx, pkg, summary, present, tails)
    return package_result(ctx, pkg, summary, without)


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


def publish_csvs(ctx: Context, src: Path, normalized: str, present: Sequence[str]) -> None:
    """Publish the package's history files (the kinds `present`) in site/data/<name>/."""
    target = ctx.out_dir / "data" / normalized
    if present:
        target.mkdir(parents=True, exist_ok=True)
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
        (target / f"{kind}.json").write_text(text, encoding="utf-8")
        # and without the extension, what the pypistats client requests (a copy, no link)
        (target / kind).write_text(text, encoding="utf-8")


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
    nodata: Sequence[tuple[str, str]] = (),
) -> list[dict[str, Any]]:
    """What each chart's markup carries for charts-page.js: its CSV, the categories and
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
                "csv": f"{root}data/{normalized}/{ck.kind}.csv",
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
    entries = chart_entries(
        root,
        n,
        present,
        tails,
        [(g.start, g.end) for g in summary.gaps[-GAPS_CHARTED:]],
        [(g.start, g.end) for g in summary.nodata[-GAPS_CHARTED:]],
    )
    variables = common(ctx, root)
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
            present, {e["kind"] for e in entries}, api.API_WINDOW_DAYS
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
