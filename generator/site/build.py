"""Render site/ from data/ and packages.yaml.

    build_site(config, data_dir, out_dir, base_url)

site/ is disposable: it is wiped and rebuilt on every run. Packages are built in parallel
(one process per core); everything that spans packages (home, top list, API index) is
rendered afterwards from small per-package results.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import logging
import multiprocessing
import os
import shutil
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2

from generator import badges, derive, runlog, stats, store
from generator.config import Config, Package
from generator.errors import CorruptFileError, UsageError
from generator.model import ALL_KINDS, Series
from generator.progress import progress
from generator.site import api, assets, charts, content, costs, history, pages

log = logging.getLogger(__name__)

MARKER = ".pypi-stats-site"
RANGES = (("30", "30d"), ("90", "90d"), ("180", "180d"), ("365", "1y"), ("all", "All"))
DEFAULT_RANGE = "365"
MOVERS_FLOOR = 100  # downloads in the previous 30 days for a package to count as a mover
GAPS_SHOWN = 20
GAPS_CHARTED = 150  # the most recent gaps shaded on the daily chart (bounds page weight)
PARALLEL_FROM = 24  # packages; below this, worker processes cost more than they save


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


@dataclass(frozen=True)
class Context:
    """Everything a page needs that is the same for every page."""

    data_dir: Path
    out_dir: Path
    base_url: str
    site_title: str
    assets: dict[str, str]
    sample: bool
    has_costs: bool
    today: dt.date
    built_on: str


@dataclass(frozen=True)
class PackageResult:
    """What the cross-package pages need to know about one package."""

    name: str
    normalized: str
    group: str | None
    note: str | None
    last_day: int = 0
    last_week: int = 0
    last_month: int = 0
    total: int = 0
    last_date: str | None = None
    changes: dict[str, stats.Change] = field(default_factory=dict)
    trend: list[int] = field(default_factory=list)
    error: tuple[str, int, str] | None = None  # a CorruptFileError's (path, line, reason)


# ---------------------------------------------------------------- entry point


def build_site(config: Config, data_dir: Path, out_dir: Path, base_url: str) -> None:
    """Wipe `out_dir` and render the whole site into it."""
    base_url = normalize_base_url(base_url)
    prepare_out_dir(out_dir, data_dir)
    ctx = Context(
        data_dir=data_dir,
        out_dir=out_dir,
        base_url=base_url,
        site_title=config.settings.site_title,
        assets=assets.write_assets(out_dir),
        sample=(data_dir / store.META_DIR / "sample.txt").is_file(),
        has_costs=runlog.path_in(data_dir).is_file(),
        today=dt.datetime.now(dt.UTC).date(),
        built_on=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    )
    results = build_packages(ctx, config.packages)
    good = [r for r in results if r.error is None]
    write_home(ctx, good)
    write_top(ctx, good)
    write_api_index(ctx, good)
    write_content_pages(ctx, good)
    write_costs(ctx, good)
    write_404(ctx, good)
    log.info("built %d package pages into %s", len(good), out_dir)
    errors = [(r.name, r.error) for r in results if r.error is not None]
    for name, (path, line, reason) in errors:
        log.error("%s: skipped, its history is unreadable: %s:%d: %s", name, path, line, reason)
    if errors:
        path, line, reason = errors[0][1]
        raise CorruptFileError(Path(path), line, reason)


def normalize_base_url(base_url: str) -> str:
    base_url = (base_url or "").strip()
    if base_url and not base_url.endswith("/"):
        base_url += "/"
    return base_url


def prepare_out_dir(out_dir: Path, data_dir: Path) -> None:
    """Empty `out_dir`, refusing anything that is not a site this command built."""
    out = out_dir.resolve()
    data = data_dir.resolve()
    if out == data or data.is_relative_to(out) or out.is_relative_to(data):
        raise UsageError(f"--out {out_dir} overlaps the data directory {data_dir}; choose another")
    if out.exists():
        if not out.is_dir():
            raise UsageError(f"--out {out_dir} is a file; choose a directory")
        if any(out.iterdir()) and not (out / MARKER).is_file():
            raise UsageError(
                f"refusing to wipe {out_dir}: it is not empty and was not built by this "
                f"command (no {MARKER} file). Choose an empty or new directory with --out."
            )
        shutil.rmtree(out)
    out.mkdir(parents=True)
    (out / MARKER).write_text("built by `python -m generator build`; wiped on every build\n")
    (out / ".nojekyll").write_text("")  # GitHub Pages: serve data/_meta and friends as is


# ---------------------------------------------------------------- page rendering


_ENV: jinja2.Environment | None = None


def env() -> jinja2.Environment:
    global _ENV
    if _ENV is None:
        _ENV = pages.environment()
    return _ENV


def common(
    ctx: Context, root: str, active: str = "", data_through: str | None = None
) -> dict[str, Any]:
    return {
        "root": root,
        "assets": ctx.assets,
        "site_title": ctx.site_title,
        "sample": ctx.sample,
        "has_costs": ctx.has_costs,
        "built_on": ctx.built_on,
        "active": active,
        "data_through": data_through,
        "base_href": None,
        "canonical": None,
    }


def render(ctx: Context, template: str, path: str, variables: dict[str, Any]) -> None:
    """Render `template` to `out_dir/path` (a path relative to the site root)."""
    target = ctx.out_dir / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(env().get_template(template).render(**variables), encoding="utf-8")


def _latest(results: Iterable[PackageResult]) -> str | None:
    return max((r.last_date for r in results if r.last_date), default=None)


# ---------------------------------------------------------------- one package


_CTX: Context | None = None  # set before forking workers, so they inherit it


def build_packages(ctx: Context, packages: Sequence[Package]) -> list[PackageResult]:
    global _CTX
    _CTX = ctx
    env()  # compile templates once, before forking
    workers = min(os.cpu_count() or 1, 4)
    items: Iterator[PackageResult]
    if len(packages) >= PARALLEL_FROM and workers > 1:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            items = pool.imap(_build_one, packages, chunksize=8)
            return list(progress(items, len(packages), "build", describe=lambda r: r.name))
    items = (_build_one(p) for p in packages)
    return list(progress(items, len(packages), "build", describe=lambda r: r.name))


def _build_one(pkg: Package) -> PackageResult:
    assert _CTX is not None
    try:
        return build_package(_CTX, pkg)
    except CorruptFileError as exc:  # reported once every other package is built
        return PackageResult(
            pkg.name,
            pkg.normalized,
            pkg.group,
            pkg.note,
            error=(str(exc.path), exc.line, exc.reason),
        )


def build_package(ctx: Context, pkg: Package) -> PackageResult:
    src = store.package_dir(ctx.data_dir, pkg.normalized)
    overall = history.read_overall(src / "overall.csv")
    without = stats.daily(overall)
    summary = stats.summarize(overall, ctx.today, without)
    present = publish_csvs(ctx, src, pkg.normalized)
    tails: dict[str, history.Tail] = {}
    if summary.last_date:
        since = (
            dt.date.fromisoformat(summary.last_date) - dt.timedelta(days=api.API_WINDOW_DAYS)
        ).isoformat()
        tails = {
            kind: history.read_tail(src / f"{kind}.csv", since, summary.last_date)
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
    tails: dict[str, history.Tail],
    since: str,
    summary: stats.Summary,
) -> None:
    target = ctx.out_dir / "api" / "packages" / normalized
    target.mkdir(parents=True, exist_ok=True)
    rows: dict[str, list[tuple[str, str, int]]] = {
        "overall": [(d, c, n) for (d, c), n in overall.items() if d >= since]
    }
    for kind in ("python_major", "python_minor", "system"):
        if kind in tails:
            rows[kind] = tails[kind].rows
    if "python_major" not in rows and "python_minor" in rows:
        minor = {(d, c): n for d, c, n in rows["python_minor"]}
        rows["python_major"] = [
            (d, c, n) for (d, c), n in derive.python_major_from_minor(minor).items()
        ]
    recent = {
        "last_day": summary.last_day,
        "last_week": summary.last_week,
        "last_month": summary.last_month,
    }
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
    tails: dict[str, history.Tail],
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
    tails: dict[str, history.Tail],
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


# ---------------------------------------------------------------- pages across packages


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
    return {**dataclasses.asdict(r), "changes": r.changes, "change_pct": month.percent}


def write_home(ctx: Context, results: Sequence[PackageResult]) -> None:
    variables = common(ctx, "", "home", _latest(results))
    variables.update(packages=results, totals=totals(results), groups=groups(results))
    render(ctx, "home.html", "index.html", variables)


def movers_key(r: PackageResult) -> str:
    """Growth in percent as a sortable attribute; empty when the package is too small."""
    month = r.changes.get("month")
    if month is None or month.previous < MOVERS_FLOOR or month.percent is None:
        return ""
    return f"{month.percent:.4f}"


def write_top(ctx: Context, results: Sequence[PackageResult]) -> None:
    rows = []
    for r in sorted(results, key=lambda r: (-r.last_month, r.name.lower())):
        row = _row(r)
        row.update(spark=pages.sparkline(r.trend), growth_key=movers_key(r))
        rows.append(row)
    variables = common(ctx, "../", "top", _latest(results))
    variables.update(rows=rows, movers_floor=MOVERS_FLOOR)
    render(ctx, "top.html", "top/index.html", variables)


def write_api_index(ctx: Context, results: Sequence[PackageResult]) -> None:
    entries = [
        {
            "name": r.name,
            "normalized": r.normalized,
            "group": r.group,
            "last_date": r.last_date,
            "recent": {
                "last_day": r.last_day,
                "last_week": r.last_week,
                "last_month": r.last_month,
            },
            "total": r.total,
            "page": f"{ctx.base_url}packages/{r.normalized}/",
            "api": f"{ctx.base_url}api/packages/{r.normalized}/",
            "data": f"{ctx.base_url}data/{r.normalized}/",
        }
        for r in sorted(results, key=lambda r: r.normalized)
    ]
    target = ctx.out_dir / "api" / "packages.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(api.packages_json(entries), encoding="utf-8")


def write_content_pages(ctx: Context, results: Sequence[PackageResult]) -> None:
    for page in content.load_pages("../", ctx.base_url):
        variables = common(ctx, "../", page.slug, _latest(results))
        variables.update(title=page.title, body=page.html)
        render(ctx, "page.html", f"{page.slug}/index.html", variables)


def write_costs(ctx: Context, results: Sequence[PackageResult]) -> None:
    if not ctx.has_costs:
        return
    runs = runlog.read(ctx.data_dir)
    meta = ctx.out_dir / "data" / store.META_DIR
    meta.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(runlog.path_in(ctx.data_dir), meta / runlog.FILENAME)
    variables = common(ctx, "../", "costs", _latest(results))
    variables.update(costs.context(runs, ctx.today.strftime("%Y-%m")))
    render(ctx, "costs.html", "costs/index.html", variables)


def write_404(ctx: Context, results: Sequence[PackageResult]) -> None:
    """GitHub Pages serves 404.html at any depth, so links use --base-url when given."""
    variables = common(ctx, "", "", _latest(results))
    variables.update(base_href=ctx.base_url or None, inline_css="", inline_logo="")
    if not ctx.base_url:  # no known root: the page must not depend on relative asset URLs
        variables["inline_css"] = (assets.STATIC_DIR / "style.css").read_text(encoding="utf-8")
        logo = (assets.STATIC_DIR / "favicon.svg").read_bytes()
        variables["inline_logo"] = base64.b64encode(logo).decode("ascii")
    render(ctx, "404.html", "404.html", variables)
