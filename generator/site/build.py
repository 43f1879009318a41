"""Render site/ from data/ and packages.yaml.

    build_site(config, data_dir, out_dir, base_url)

site/ is disposable: it is wiped and rebuilt on every run. Packages are built in parallel
(one process per core); everything that spans packages (home, top list, API index) is
rendered afterwards from small per-package results:

- `site.package_page`: one package's page, history files, JSON API and badges;
- `site.listing`: the pages across packages (home, top list, API index, 404, ...);
- `site.render`: the build context and template rendering they share.
"""

from __future__ import annotations

import contextlib
import ctypes
import datetime as dt
import logging
import multiprocessing
import os
import shutil
import signal
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator import stats, store
from generator.config import Config, Package
from generator.errors import CorruptFileError, LinkRefused, Problem, UsageError
from generator.progress import progress
from generator.site import assets, history_links, provenance
from generator.site.compare import write_compare
from generator.site.feeds import write_feeds
from generator.site.groups import write_groups
from generator.site.listing import (
    write_404,
    write_api_index,
    write_content_pages,
    write_costs,
    write_home,
    write_top,
)
from generator.site.package_page import build_package
from generator.site.render import Context, PackageResult, env
from generator.site.reports_page import write_reports
from generator.store import clickhouse_log, runlog
from generator.store.clickhouse_log import ClickHouseRun

log = logging.getLogger(__name__)

MARKER = ".pypi-stats-site"
PARALLEL_FROM = 24  # packages; below this, worker processes cost more than they save


# ---------------------------------------------------------------- entry point


def build_site(config: Config, data_dir: Path, out_dir: Path, base_url: str | None = None) -> None:
    """Wipe `out_dir` and render the whole site into it (base_url None: the setting's)."""
    base_url = normalize_base_url(config.settings.base_url if base_url is None else base_url)
    logs = read_logs(data_dir)  # a link in data/_meta is refused before site/ is wiped
    prepare_out_dir(out_dir, data_dir)
    cover = scan_coverage(data_dir, config.packages)
    now = dt.datetime.now(dt.UTC)
    ctx = Context(
        data_dir=data_dir,
        out_dir=out_dir,
        base_url=base_url,
        site_title=config.settings.site_title,
        assets=assets.write_assets(out_dir),
        sample=store.is_sample(data_dir),
        has_costs=logs.bigquery or logs.clickhouse,
        today=now.date(),
        built_on=now.strftime("%Y-%m-%d %H:%M UTC"),
        built_at=now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        repository_url=config.settings.repository_url,
        history_home=history_links.history_home(config.settings.repository_url),
        coverage=cover,
        clickhouse_behind=logs.notice,
    )
    results = build_packages(ctx, config.packages)
    good = [r for r in results if r.error is None]
    write_home(ctx, good)
    write_top(ctx, good)
    write_api_index(ctx, good)
    write_content_pages(ctx, good)
    write_costs(ctx, good, logs.clickhouse_runs)
    write_404(ctx, good)
    write_compare(ctx, good)
    write_groups(ctx, good)
    write_reports(ctx, good)
    write_feeds(ctx, good)
    log.info("built %d package pages into %s", len(good), out_dir)
    errors = [(r.name, r.error) for r in results if r.error is not None]
    for name, (path, line, reason) in errors:
        log.error(
            "%s: skipped, its history is unreadable: %s", name, Problem(Path(path), line, reason)
        )
    if logs.problem:
        log.error("the ClickHouse run log is unreadable: %s", logs.problem)
        errors.append(("", (str(logs.problem.path), logs.problem.line, logs.problem.reason)))
    if errors:
        path, line, reason = errors[0][1]
        # line 0: the whole file is refused, a symbolic link (or not a regular file)
        raise (LinkRefused if line == 0 else CorruptFileError)(Path(path), line, reason)


@dataclass(frozen=True)
class Logs:
    """What the build takes from the run logs in data/_meta/."""

    bigquery: bool  # there is a BigQuery run log
    clickhouse: bool  # there is a ClickHouse run log
    clickhouse_runs: list[ClickHouseRun]
    notice: dict[str, Any] | None  # "ClickHouse is behind" (provenance.clickhouse_notice)
    problem: CorruptFileError | None = None  # the ClickHouse log could not be read


def read_logs(data_dir: Path) -> Logs:
    """Read the run logs before site/ is wiped: a symbolic link is refused (LinkRefused),
    and an unreadable ClickHouse log is reported once the rest of the site is built."""
    bigquery = runlog.exists(data_dir)
    clickhouse = store.open_plain(clickhouse_log.path_in(data_dir))
    if clickhouse is None:
        return Logs(bigquery, False, [], None)
    clickhouse.close()
    try:
        runs = clickhouse_log.read(data_dir)
        notice = provenance.clickhouse_notice(clickhouse_log.last_status(data_dir))
    except LinkRefused:
        raise
    except CorruptFileError as exc:
        return Logs(bigquery, False, [], None, exc)
    return Logs(bigquery, True, runs, notice)


def normalize_base_url(base_url: str) -> str:
    base_url = (base_url or "").strip()
    if base_url and not base_url.endswith("/"):
        base_url += "/"
    return base_url


def prepare_out_dir(out_dir: Path, data_dir: Path) -> None:
    """Empty `out_dir`, refusing anything that is not a site this command built.

    The marker file is kept while everything else is removed, so a build killed at any
    moment (even while wiping) leaves a directory the next build recognises and wipes."""
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
        for child in out.iterdir():
            if child.name == MARKER:
                continue
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child)
            else:
                child.unlink()
    out.mkdir(parents=True, exist_ok=True)
    (out / MARKER).write_text("built by `python -m generator build`; wiped on every build\n")
    (out / ".nojekyll").write_text("")  # GitHub Pages: serve data/_meta and friends as is


def scan_coverage(data_dir: Path, packages: Sequence[Package]) -> stats.Coverage:
    """The first pass: the dates of every package's overall rows (dates only, one package
    at a time), so each page can tell an outage from a zero-download day (stats).

    A file that cannot be read here is left out; its package's own build reports it."""

    def dates() -> Iterator[set[str]]:
        for pkg in packages:
            path = store.package_dir(data_dir, pkg.normalized) / "overall.csv"
            try:
                yield {d for (d, _c) in store.read_series_fast(path)}
            except (CorruptFileError, OSError):
                continue

    return stats.coverage(dates())


# ---------------------------------------------------------------- one package


_CTX: Context | None = None  # set before forking workers, so they inherit it


def build_packages(ctx: Context, packages: Sequence[Package]) -> list[PackageResult]:
    global _CTX
    _CTX = ctx
    env()  # compile templates once, before forking
    workers = min(os.cpu_count() or 1, 4)
    items: Iterator[PackageResult]
    if len(packages) >= PARALLEL_FROM and workers > 1:
        context = multiprocessing.get_context("fork")
        with context.Pool(workers, initializer=_die_with, initargs=(os.getpid(),)) as pool:
            items = pool.imap(_build_one, packages, chunksize=8)
            return list(progress(items, len(packages), "build", describe=lambda r: r.name))
    items = (_build_one(p) for p in packages)
    return list(progress(items, len(packages), "build", describe=lambda r: r.name))


def _die_with(parent: int) -> None:
    """In a worker: end when the build does, even under kill -9, so no orphan goes on
    writing into a site/ that the next build is wiping."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the build died before the line above
        os._exit(1)


_PR_SET_PDEATHSIG = 1  # linux/prctl.h


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
