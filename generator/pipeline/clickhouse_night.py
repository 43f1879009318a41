"""The night with ClickHouse: every kind (`source: clickhouse`), or the extras beside
pypistats.org (`extras_source: clickhouse`), then the backfill of new packages."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from generator import store
from generator.config import Config, Package
from generator.errors import EXIT_OK
from generator.pipeline.backfill import packages_needing_backfill
from generator.pipeline.clickhouse import (
    WindowResult,
    fetch_window,
    make_source,
    sql_listing,
    window_start,
)
from generator.pipeline.clickhouse_backfill import backfill
from generator.pipeline.outcome import Outcome
from generator.pipeline.select import selected_packages
from generator.sources import last_complete_day
from generator.sources.clickhouse import EXTRA_KINDS, SOURCE_KINDS


@dataclass(frozen=True)
class ClickHouseRequest:
    packages: tuple[str, ...] = ()  # empty: every tracked package
    days: int | None = None  # complete days re-fetched; None: settings.refetch_days
    print_sql: bool = False


def nightly(config: Config, data_dir: Path, request: ClickHouseRequest) -> Outcome:
    """`fetch --source clickhouse`: every kind from ClickHouse; new packages backfilled."""
    packages = selected_packages(config, request.packages)
    if request.print_sql:
        end = last_complete_day()
        start = window_start(data_dir, end, request.days or config.settings.refetch_days)
        new = packages_needing_backfill(data_dir, packages)
        known = [p.normalized for p in packages if p not in new]
        listing = sql_listing(
            SOURCE_KINDS, known, [p.normalized for p in new], (start, end), config.settings.top_k
        )
        return Outcome(EXIT_OK, [listing])
    with store.locked(data_dir, "fetch"):  # who needs a backfill is decided under the lock
        new = packages_needing_backfill(data_dir, packages)
        return night(config, data_dir, packages, new, SOURCE_KINDS, request.days)


def extras(
    config: Config, data_dir: Path, packages: Sequence[Package], new: Sequence[Package]
) -> Outcome:
    """Beside pypistats.org: versions, countries and installers, and new packages' history."""
    return night(config, data_dir, packages, new, EXTRA_KINDS, None)


def night(
    config: Config,
    data_dir: Path,
    packages: Sequence[Package],
    new: Sequence[Package],
    kinds: Sequence[str],
    days: int | None,
) -> Outcome:
    """The window of `kinds` for the packages with history, then the backfill of `new`
    (every kind, only the days not stored yet). The caller holds the lock."""
    end = last_complete_day()
    known = [p for p in packages if p not in new]
    results: list[WindowResult] = []
    if known:
        start = window_start(data_dir, end, days or config.settings.refetch_days)
        with make_source(config.settings, kinds) as source:
            results.append(fetch_window(source, data_dir, known, (start, end), store.replace_days))
    if new:
        with make_source(config.settings, SOURCE_KINDS) as source:
            results.append(backfill(source, data_dir, new, config.settings.backfill_since, end))
    return Outcome(max((r.status for r in results), default=EXIT_OK), [r.summary for r in results])
