"""Backfill from ClickHouse: a package's whole history, free, in resumable yearly chunks.

From `since` (or the package's first day in the dataset, if later) to the dataset's
newest day, one calendar year at a time, newest first, for all the packages at once; the
source splits each year further to stay under the public user's result limits. Only days
data/ does not have yet are written (`store.fill_days`): a day pypistats.org or BigQuery
already gave is never touched. Every finished chunk is a line in
data/_meta/clickhouse-runs.csv naming the packages stored, so an interrupted backfill
resumes where it stopped, and a chunk asked twice writes the same bytes: no day is
counted twice. data/_meta/backfill-pending.csv lists the packages not finished yet.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from pathlib import Path

from generator import store
from generator.config import Package
from generator.dates import days_in
from generator.errors import EXIT_OK, EXIT_PARTIAL, SourceError
from generator.pipeline.clickhouse import WindowResult, fetch_window
from generator.progress import progress
from generator.sources.clickhouse import ClickHouseSource
from generator.store import clickhouse_log
from generator.store.pending import read_pending, write_pending

log = logging.getLogger(__name__)

Chunk = tuple[dt.date, dt.date]


def year_chunks(since: dt.date, end: dt.date) -> list[Chunk]:
    """Calendar years from `since` to `end`, clipped at both ends (pure). Year boundaries
    do not move, so a backfill resumed tomorrow finds today's chunks in the run log."""
    chunks = []
    first = since
    while first <= end:
        last = min(dt.date(first.year, 12, 31), end)
        chunks.append((first, last))
        first = last + dt.timedelta(days=1)
    return chunks


def done_days(records: Iterable[clickhouse_log.ClickHouseRun], name: str) -> set[dt.date]:
    """Days the run log says were backfilled from ClickHouse for `name`."""
    return {
        day
        for r in records
        if r.command == "backfill" and name in r.packages
        for day in days_in(
            dt.date.fromisoformat(r.start_date),
            min(dt.date.fromisoformat(r.end_date), _newest(r)),
        )
    }


def _newest(record: clickhouse_log.ClickHouseRun) -> dt.date:
    return dt.date.fromisoformat(record.newest_day) if record.newest_day else dt.date.min


def needs(chunk: Chunk, first: dt.date, done: set[dt.date]) -> bool:
    """Whether a package whose history starts on `first` still needs days of `chunk`."""
    return any(day not in done for day in days_in(max(chunk[0], first), chunk[1]))


def backfill(
    source: ClickHouseSource,
    data_dir: Path,
    packages: Sequence[Package],
    since: dt.date,
    end: dt.date,
) -> WindowResult:
    """Fill since..end for `packages` (caller holds the lock); resumable."""
    names = {p.normalized for p in packages}
    write_pending(data_dir, read_pending(data_dir) | names)
    try:
        newest = source.newest
        firsts = source.first_days(sorted(names))
    except SourceError as exc:
        return WindowResult(EXIT_PARTIAL, f"backfill from ClickHouse failed: {exc.message}")
    if newest is None:
        return WindowResult(EXIT_PARTIAL, "backfill: ClickHouse's dataset has no days right now")
    last = end  # the source stops at the dataset's newest day; the log says which it was
    empty = names - set(firsts)  # no downloads in the dataset at all: nothing to fill
    records = clickhouse_log.read(data_dir)
    done = {n: done_days(records, n) for n in names}
    start = {n: max(since, firsts.get(n, since)) for n in names}
    chunks = year_chunks(min(start.values(), default=since), last)[::-1]
    status, lines, queried = EXIT_OK, [], 0
    for chunk in progress(chunks, len(chunks), "backfill", describe=lambda c: f"{c[0]}..{c[1]}"):
        members = [
            p
            for p in packages
            if p.normalized not in empty and needs(chunk, start[p.normalized], done[p.normalized])
        ]
        if not members:
            continue
        window = fetch_window(source, data_dir, members, chunk, store.fill_days, "backfill")
        log.info("%s", window.summary)
        status = max(status, window.status)
        queried += 1
        lines.append(window.summary.splitlines()[0])
        if window.status != EXIT_OK:
            lines.extend(window.summary.splitlines()[1:])
    if status == EXIT_OK:
        write_pending(data_dir, read_pending(data_dir) - names)
    head = (
        f"backfill from ClickHouse: {len(names)} package(s), {min(start.values())}..{last}, "
        f"{queried} yearly chunk(s) queried"
        + (f"; no downloads in the dataset for {', '.join(sorted(empty))}" if empty else "")
    )
    return WindowResult(status, "\n".join([head, *lines[:20]]))
