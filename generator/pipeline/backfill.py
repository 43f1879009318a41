"""Backfill: history since a date from BigQuery, in chunks that each stay under the byte cap.

(Without Google credentials `run_backfill` takes the history from ClickHouse instead,
free: generator.pipeline.clickhouse_backfill.)

The days since `since` are cut into calendar months, queried newest first; each month is
dry-run first and halved until it fits what the run may still spend, then queried for all
the packages at once. Every finished chunk is a line in the run log
(data/_meta/bigquery-runs.csv) and its days are written whole, so an interrupted backfill
picks up where it stopped and a chunk run twice writes the same bytes: nothing is counted
twice. data/_meta/backfill-pending.csv lists the packages whose backfill is not finished.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from generator import store
from generator.config import Config, Package
from generator.dates import days_in
from generator.errors import EXIT_OK, EXIT_PARTIAL, GeneratorError, UsageError
from generator.pipeline.outcome import Outcome
from generator.pipeline.select import backfill_source, selected_packages, with_clickhouse_url
from generator.pipeline.window import fetch_window
from generator.progress import progress
from generator.sources import last_complete_day
from generator.sources.bigquery import BigQuerySource, check_cap, make_client
from generator.store import clickhouse_log, runlog
from generator.store.pending import read_pending, write_pending
from generator.units import human_bytes

log = logging.getLogger(__name__)

Chunk = tuple[dt.date, dt.date]  # first and last day, inclusive


@dataclass(frozen=True)
class Part:
    """A part of a chunk to query now, for the members that still need it."""

    chunk: Chunk
    members: list[Package]


@dataclass(frozen=True)
class Halt:
    """A single day whose dry run does not fit what the run may still spend."""

    day: dt.date
    estimate: int
    members: list[Package]


@dataclass(frozen=True)
class BackfillRequest:
    packages: tuple[str, ...] = ()  # empty: the tracked packages that need it
    since: dt.date | None = None  # None: settings.backfill_since
    max_bytes_billed: int | None = None
    source: str | None = None  # None: BigQuery if configured, else ClickHouse
    clickhouse_url: str | None = None  # None: settings.clickhouse_url


def run_backfill(config: Config, data_dir: Path, request: BackfillRequest) -> Outcome:
    """`backfill` by hand: the named packages, or every one with no history yet."""
    with store.locked(data_dir, "backfill"):  # which packages need it is decided under it
        if request.packages:
            packages = selected_packages(config, request.packages)
        else:
            packages = packages_needing_backfill(data_dir, config.packages)
        if not packages:
            return Outcome(
                EXIT_OK, ["backfill: every tracked package already has history; nothing to do"]
            )
        since = request.since or config.settings.backfill_since
        end = last_complete_day()
        if since > end:
            raise UsageError(f"--since {since} is after the last complete day, {end}")
        settings = config.settings
        if backfill_source(request.source, settings.source, os.environ) == "clickhouse":
            from generator.pipeline import clickhouse_backfill  # it builds on this module
            from generator.pipeline.clickhouse import make_source

            with make_source(with_clickhouse_url(settings, request.clickhouse_url)) as free:
                result = clickhouse_backfill.backfill(free, data_dir, packages, since, end)
            return Outcome(result.status, [result.summary])
        cap = request.max_bytes_billed or settings.maximum_bytes_billed
        source = BigQuerySource(make_client(settings.bigquery_project), cap, settings.top_k)
        return Outcome(backfill(source, data_dir, packages, since, end))


# ---------------------------------------------------------------- planning (pure)


def month_chunks(since: dt.date, end: dt.date) -> list[Chunk]:
    """Calendar months from `since` to `end`, clipped at both ends.

    Month boundaries do not move from one day to the next, so a backfill resumed
    tomorrow finds today's finished chunks in the run log.
    """
    chunks: list[Chunk] = []
    first = since
    while first <= end:
        next_month = (first.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
        last = min(next_month - dt.timedelta(days=1), end)
        chunks.append((first, last))
        first = next_month
    return chunks


def halves(chunk: Chunk) -> list[Chunk]:
    first, last = chunk
    middle = first + (last - first) // 2
    return [(first, middle), (middle + dt.timedelta(days=1), last)]


def done_days(records: Iterable[runlog.RunRecord], name: str) -> set[dt.date]:
    """Days the run log says were backfilled for `name`."""
    return {
        day
        for r in records
        if r.command == "backfill" and name in r.packages
        for day in days_in(dt.date.fromisoformat(r.start_date), dt.date.fromisoformat(r.end_date))
    }


def chunk_is_done(chunk: Chunk, done: set[dt.date]) -> bool:
    first, last = chunk
    return all(first + dt.timedelta(days=i) in done for i in range((last - first).days + 1))


def packages_needing_backfill(data_dir: Path, packages: Sequence[Package]) -> list[Package]:
    """Packages never backfilled that have no files yet, and interrupted backfills.

    A package with no downloads at all gets no files; the run log's backfill lines
    remember it was done, so it is not queried back to 2016 again every night.
    """
    pending = read_pending(data_dir)
    backfilled = {n for r in runlog.read(data_dir) if r.command == "backfill" for n in r.packages}
    backfilled |= {
        n for r in clickhouse_log.read(data_dir) if r.command == "backfill" for n in r.packages
    }
    return [
        p
        for p in packages
        if p.normalized in pending
        or (p.normalized not in backfilled and not store.has_history(data_dir, p.normalized))
    ]


# ---------------------------------------------------------------- the work


def backfill(
    source: BigQuerySource,
    data_dir: Path,
    packages: Sequence[Package],
    since: dt.date,
    end: dt.date,
    budget: int | None = None,
) -> int:
    """Fetch since..end for `packages`, chunk by chunk; resumable. Returns an exit code.

    Each query's dry run must fit the source's cap; `budget` (default: the cap) bounds
    the bytes billed by the whole run. When the next part would not fit what is left of
    the budget, the backfill pauses: the packages stay pending and the next run carries on.
    """
    names = {p.normalized for p in packages}
    write_pending(data_dir, read_pending(data_dir) | names)
    records = runlog.read(data_dir)
    done = {name: done_days(records, name) for name in names}
    # Newest month first: a new package shows its recent history after the first night,
    # and older months follow as the nightly budget allows.
    chunks = month_chunks(since, end)[::-1]
    wallet = _Budget(source.cap if budget is None else budget)
    status = EXIT_OK
    log.info(
        "backfill: %d package(s), %s..%s, %d monthly chunk(s)", len(names), since, end, len(chunks)
    )
    for chunk in progress(chunks, len(chunks), "backfill", describe=_describe):
        try:
            for step in _fit(source, chunk, list(packages), done, wallet.room(source.cap)):
                if isinstance(step, Halt):
                    return _halted(step, source.cap, budget, status, wallet.left)
                window = fetch_window(source, data_dir, step.members, *step.chunk, "backfill")
                log.info("%s", window.summary)
                status = max(status, window.status)
                wallet.left -= max(window.bytes_billed, 0)
        except GeneratorError as exc:
            log.error(
                "backfill stopped in %s..%s: %s\nFinished chunks are kept; run the same "
                "command again to resume from here.",
                chunk[0],
                chunk[1],
                exc.message,
            )
            return max(exc.exit_code, EXIT_PARTIAL)
    if status == EXIT_OK:
        write_pending(data_dir, read_pending(data_dir) - names)
    return status


@dataclass
class _Budget:
    """Bytes this run may still bill."""

    left: int

    def room(self, cap: int) -> Callable[[], int]:
        return lambda: max(min(cap, self.left), 0)


def _fit(
    source: BigQuerySource,
    chunk: Chunk,
    packages: list[Package],
    done: dict[str, set[dt.date]],
    limit: Callable[[], int],
) -> Iterator[Part | Halt]:
    """The parts of `chunk` still to query, each halved until its dry run fits `limit()`.

    `limit()` is asked again before each part, as the run's budget shrinks. A single day
    that does not fit ends the plan with a Halt.
    """
    members = [p for p in packages if not chunk_is_done(chunk, done[p.normalized])]
    if not members:
        log.debug("backfill: %s..%s already done", *chunk)
        return
    estimate = source.estimate([p.normalized for p in members], *chunk)
    cap = limit()
    if estimate <= cap:
        yield Part(chunk, members)
        return
    if chunk[0] == chunk[1]:
        yield Halt(chunk[0], estimate, members)
        return
    log.info("backfill: %s..%s would process %d bytes, above %d; splitting", *chunk, estimate, cap)
    for half in halves(chunk):
        for step in _fit(source, half, members, done, limit):
            yield step
            if isinstance(step, Halt):
                return


def _halted(halt: Halt, cap: int, budget: int | None, status: int, left: int) -> int:
    """The exit status when a day does not fit: above the cap, or only above the budget."""
    names = sorted(p.normalized for p in halt.members)
    if halt.estimate > cap:  # even one day is above the cap: the user must decide
        if budget is None:  # `backfill` by hand: a usage error, exit 2
            check_cap(halt.estimate, cap, halt.day, halt.day, len(names))
        # Inside the nightly fetch: fail this backfill (the run ends red) but let the
        # night's other data be committed and deployed.
        log.error("%s", _too_big(names, halt.estimate, cap))
        return EXIT_PARTIAL
    log.warning(
        "backfill paused at %s: this run's byte budget is spent (%s left, the next query "
        "needs %s); the next run (or `python -m generator backfill`) resumes here.",
        halt.day,
        human_bytes(left),
        human_bytes(halt.estimate),
    )
    return status


def _too_big(names: list[str], estimate: int, cap: int) -> str:
    return (
        f"backfill of {', '.join(names)} stopped: a single day would process "
        f"{human_bytes(estimate)}, above the cap of {human_bytes(cap)} (maximum_bytes_billed). "
        "Their history was left as it was; the other packages' data is kept. Fix: raise "
        "`maximum_bytes_billed:` in packages.yaml, or run `python -m generator backfill "
        f"--package {names[0]} --max-bytes-billed BYTES` by hand."
    )


def _describe(chunk: Chunk) -> str:
    return f"{chunk[0]}..{chunk[1]}"
