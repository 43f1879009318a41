"""The nightly BigQuery fetch: recent days for known packages, a backfill for new ones.

    packages.yaml → window (last `refetch_days` complete days) → one query → whole days
    replaced in data/ → a line in data/_meta/bigquery-runs.csv.

Packages with no history yet are handed to the backfill (generator.pipeline.backfill),
inside the same night's byte budget.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from pathlib import Path

from generator import store
from generator.config import Config, Package
from generator.errors import EXIT_OK
from generator.pipeline import backfill
from generator.pipeline.outcome import Outcome
from generator.pipeline.select import selected_packages
from generator.pipeline.window import fetch_window
from generator.sources import bigquery_sql, last_complete_day
from generator.sources.bigquery import BigQuerySource, make_client

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WindowRequest:
    packages: tuple[str, ...] = ()
    days: int | None = None
    max_bytes_billed: int | None = None
    print_sql: bool = False


def nightly(config: Config, data_dir: Path, request: WindowRequest) -> Outcome:
    """Recent days for the packages that have history; a backfill for those that do not."""
    settings = config.settings
    packages = selected_packages(config, request.packages)
    end = last_complete_day()
    start = end - dt.timedelta(days=(request.days or settings.refetch_days) - 1)
    cap = request.max_bytes_billed or settings.maximum_bytes_billed
    since = settings.backfill_since
    if request.print_sql:
        new = backfill.packages_needing_backfill(data_dir, packages)
        known = [p.normalized for p in packages if p not in new]
        listing = sql_listing(known, [p.normalized for p in new], start, end, since)
        return Outcome(EXIT_OK, [listing])
    source = BigQuerySource(make_client(settings.bigquery_project), cap, settings.top_k)
    with store.locked(data_dir, "fetch"):  # who needs a backfill is decided under the lock
        return _night(source, data_dir, packages, (start, end, since), cap)


def _night(
    source: BigQuerySource,
    data_dir: Path,
    packages: list[Package],
    days: tuple[dt.date, dt.date, dt.date],
    cap: int,
) -> Outcome:
    """The window for the known packages, then the backfill for the new ones, inside one
    byte budget."""
    start, end, since = days
    new = backfill.packages_needing_backfill(data_dir, packages)
    known = [p for p in packages if p not in new]
    outcome = Outcome()
    if known:
        window = fetch_window(source, data_dir, known, start, end)
        outcome.exit_code = window.status
        outcome.report.append(window.summary)
    if new:
        log.info("%d new package(s) without history: starting a backfill", len(new))
        budget = max(cap - source.spent().bytes_billed, 0)  # window and backfill together
        status = backfill.backfill(source, data_dir, new, since, end, budget=budget)
        outcome.exit_code = max(outcome.exit_code, status)
    return outcome


def sql_listing(
    known: list[str], new: list[str], start: dt.date, end: dt.date, since: dt.date
) -> str:
    """What `--print-sql` shows (pure): the SQL, then the parameters of each query the run
    would send. Packages with no history yet are backfilled, newest month first."""
    parts = [bigquery_sql.QUERY.rstrip("\n")]
    if known:
        parts += [
            "-- parameters",
            bigquery_sql.describe(bigquery_sql.parameters(known, start, end)),
        ]
    if new and since <= end:
        first, last = backfill.month_chunks(since, end)[-1]
        parts += [
            f"-- backfill of packages with no history yet: the same SQL once per month from "
            f"{since} to {end}, newest first (a month above the cap is halved); the first:",
            bigquery_sql.describe(bigquery_sql.parameters(new, first, last)),
        ]
    return "\n".join(parts)
