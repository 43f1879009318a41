"""One BigQuery window: query days start..end for some packages, store whole days, log it."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from generator import store
from generator.config import Package
from generator.errors import EXIT_OK, EXIT_PARTIAL
from generator.pipeline.storing import store_fetched
from generator.sources.bigquery import BigQuerySource
from generator.store import runlog
from generator.units import human_bytes

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WindowResult:
    status: int  # exit code: 0, or 1 when some package could not be stored
    bytes_billed: int
    summary: str


def fetch_window(
    source: BigQuerySource,
    data_dir: Path,
    packages: Sequence[Package],
    start: dt.date,
    end: dt.date,
    command: str = "fetch",
) -> WindowResult:
    """Query days start..end for `packages`, store them whole-day, and log the run."""
    names = [p.normalized for p in packages]
    log.info("BigQuery: %d package(s), %s..%s", len(names), start, end)
    before = source.spent()
    answers = list(source.fetch(names, start, end))
    cost = source.spent()
    stored = store_fetched(data_dir, packages, answers, store.replace_days, "bigquery")
    runlog.append(
        data_dir,
        runlog.RunRecord(
            run_at=runlog.now(),
            command=command,
            packages=tuple(names),
            start_date=start.isoformat(),
            end_date=end.isoformat(),
            bytes_processed=cost.bytes_processed - before.bytes_processed,
            bytes_billed=cost.bytes_billed - before.bytes_billed,
        ),
    )
    billed = cost.bytes_billed - before.bytes_billed
    summary = (
        f"{command}: {len(names) - len(stored.failed)} of {len(names)} package(s) from "
        f"BigQuery, {start}..{end}; "
        f"{human_bytes(cost.bytes_processed - before.bytes_processed)} processed, "
        f"{human_bytes(billed)} billed "
        f"(dry-run estimate {human_bytes(cost.estimate - before.estimate)})"
    )
    return WindowResult(EXIT_PARTIAL if stored.failed else EXIT_OK, billed, summary)
