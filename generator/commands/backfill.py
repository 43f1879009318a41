"""`backfill`: history since a date from BigQuery, in chunks that each stay under the byte cap.

    python -m generator backfill [--since 2016-01-01] [--package NAME ...]

Without --package it backfills the tracked packages that have no history yet (and any
whose earlier backfill did not finish). The days since --since are cut into calendar
months, queried newest first; each month is dry-run first and halved until it fits the
byte cap, then queried for all the packages at once. Every finished chunk is a line in the
run log (data/_meta/bigquery-runs.csv) and its days are written whole, so an interrupted backfill
picks up where it stopped and a chunk run twice writes the same bytes: nothing is counted
twice. data/_meta/backfill-pending.csv lists the packages whose backfill is not finished.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from generator import runlog, store
from generator.config import Config, Package, load_config
from generator.errors import EXIT_OK, EXIT_PARTIAL, GeneratorError, UsageError
from generator.progress import progress

if TYPE_CHECKING:
    from google.cloud.bigquery import Client

log = logging.getLogger(__name__)

PENDING_FILE = "backfill-pending.csv"
PENDING_HEADER = "package"

Chunk = tuple[dt.date, dt.date]  # first and last day, inclusive


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from generator.sources.bigquery import add_max_bytes_argument

    parser.add_argument(
        "--since",
        type=_date,
        metavar="YYYY-MM-DD",
        help="first day to fetch (default: settings.backfill_since, 2016-01-01)",
    )
    parser.add_argument(
        "--package",
        action="append",
        metavar="NAME",
        help="backfill this package even if it has history (repeatable; "
        "default: every tracked package that has no history yet)",
    )
    add_max_bytes_argument(parser)


def run(args: argparse.Namespace) -> int:
    from generator.commands.fetch import selected_packages
    from generator.sources import bigquery

    config = load_config(args.config)
    if args.package:
        packages = selected_packages(config, args.package)
    else:
        packages = packages_needing_backfill(args.data_dir, list(config.packages))
    if not packages:
        print("backfill: every tracked package already has history; nothing to do")
        return EXIT_OK
    since = args.since or dt.date.fromisoformat(config.settings.backfill_since)
    end = bigquery.last_complete_day()
    if since > end:
        raise UsageError(f"--since {since} is after the last complete day, {end}")
    cap = args.max_bytes_billed or config.settings.maximum_bytes_billed
    client = bigquery.make_client(config.settings.bigquery_project)
    return backfill(client, args.data_dir, packages, since, end, cap, _top_k(config))


def _top_k(config: Config) -> int:
    return config.settings.top_k


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
    days: set[dt.date] = set()
    for record in records:
        if record.command != "backfill" or name not in record.packages:
            continue
        day = dt.date.fromisoformat(record.start_date)
        last = dt.date.fromisoformat(record.end_date)
        while day <= last:
            days.add(day)
            day += dt.timedelta(days=1)
    return days


def chunk_is_done(chunk: Chunk, done: set[dt.date]) -> bool:
    first, last = chunk
    return all(first + dt.timedelta(days=i) in done for i in range((last - first).days + 1))


# ---------------------------------------------------------------- pending list (I/O)


def pending_path(data_dir: Path) -> Path:
    return data_dir / store.META_DIR / PENDING_FILE


def read_pending(data_dir: Path) -> set[str]:
    try:
        lines = pending_path(data_dir).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return set()
    return {line.strip() for line in lines[1:] if line.strip()}


def write_pending(data_dir: Path, names: set[str]) -> None:
    path = pending_path(data_dir)
    if not names:
        path.unlink(missing_ok=True)
        return
    store.write_text_atomic(path, "\n".join([PENDING_HEADER, *sorted(names)]) + "\n")


def has_history(data_dir: Path, name: str) -> bool:
    directory = store.package_dir(data_dir, name)
    return directory.is_dir() and any(directory.glob("*.csv"))


def packages_needing_backfill(data_dir: Path, packages: list[Package]) -> list[Package]:
    """Packages never backfilled that have no files yet, and interrupted backfills.

    A package with no downloads at all gets no files; the run log's backfill lines
    remember it was done, so it is not queried back to 2016 again every night.
    """
    pending = read_pending(data_dir)
    backfilled = {n for r in runlog.read(data_dir) if r.command == "backfill" for n in r.packages}
    return [
        p
        for p in packages
        if p.normalized in pending
        or (p.normalized not in backfilled and not has_history(data_dir, p.normalized))
    ]


# ---------------------------------------------------------------- the work


def backfill(
    client: Client,
    data_dir: Path,
    packages: list[Package],
    since: dt.date,
    end: dt.date,
    cap: int,
    top_k: int,
    budget: int | None = None,
) -> int:
    """Fetch since..end for `packages`, chunk by chunk; resumable. Returns an exit code.

    `cap` bounds each query's dry run; `budget` (default: `cap`) bounds the bytes billed
    by the whole run. When the next chunk would not fit in what is left of the budget,
    the backfill pauses: the packages stay pending and the next run carries on.
    """
    from generator.sources import bigquery

    names = {p.normalized for p in packages}
    write_pending(data_dir, read_pending(data_dir) | names)
    records = runlog.read(data_dir)
    done = {name: done_days(records, name) for name in names}
    # Newest month first: a new package shows its recent history after the first night,
    # and older months follow as the nightly budget allows.
    chunks = month_chunks(since, end)[::-1]
    wallet = _Budget(cap if budget is None else budget)
    status = EXIT_OK
    log.info(
        "backfill: %d package(s), %s..%s, %d monthly chunk(s)", len(names), since, end, len(chunks)
    )
    for chunk in progress(chunks, len(chunks), "backfill", describe=_describe):
        try:
            for part, members, _ in _fit(client, chunk, packages, done, wallet.room(cap)):
                stats = bigquery.fetch_window(
                    client, data_dir, members, part[0], part[1], cap, top_k, command="backfill"
                )
                status = max(status, stats.status)
                wallet.left -= max(stats.bytes_billed, 0)
        except bigquery.BytesCapExceeded as exc:
            if exc.estimate > cap:  # even one day is above the cap: the user must decide
                if budget is None:
                    raise  # `backfill` by hand: a usage error, exit 2
                # Inside the nightly fetch: fail this backfill (the run ends red) but let
                # the night's other data be committed and deployed.
                log.error("%s", _too_big(sorted(names), exc.estimate, cap))
                return EXIT_PARTIAL
            log.warning(
                "backfill paused at %s..%s: this run's byte budget of %d bytes is spent; "
                "the next run (or `python -m generator backfill`) resumes here.",
                chunk[0],
                chunk[1],
                cap if budget is None else budget,
            )
            return status
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
    client: Client,
    chunk: Chunk,
    packages: list[Package],
    done: dict[str, set[dt.date]],
    limit: Callable[[], int],
) -> Iterator[tuple[Chunk, list[Package], int]]:
    """The parts of `chunk` still to query, each halved until its dry run fits `limit()`.

    `limit()` is asked again before each part, as the run's budget shrinks.
    """
    from generator.sources import bigquery as bq
    from generator.sources import bigquery_sql as sql

    members = [p for p in packages if not chunk_is_done(chunk, done[p.normalized])]
    if not members:
        log.debug("backfill: %s..%s already done", *chunk)
        return
    names = [p.normalized for p in members]
    estimate = bq.dry_run(client, sql.parameters(names, chunk[0], chunk[1]))
    cap = limit()
    if estimate <= cap:
        yield chunk, members, estimate
        return
    if chunk[0] == chunk[1]:
        bq.check_cap(estimate, cap, chunk[0], chunk[1], len(names))  # raises
    log.info("backfill: %s..%s would process %d bytes, above %d; splitting", *chunk, estimate, cap)
    for half in halves(chunk):
        yield from _fit(client, half, members, done, limit)


def _too_big(names: list[str], estimate: int, cap: int) -> str:
    from generator.units import human_bytes

    return (
        f"backfill of {', '.join(names)} stopped: a single day would process "
        f"{human_bytes(estimate)}, above the cap of {human_bytes(cap)} (maximum_bytes_billed). "
        "Their history was left as it was; the other packages' data is kept. Fix: raise "
        "`maximum_bytes_billed:` in packages.yaml, or run `python -m generator backfill "
        f"--package {names[0]} --max-bytes-billed BYTES` by hand."
    )


def _describe(chunk: Chunk) -> str:
    return f"{chunk[0]}..{chunk[1]}"


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date YYYY-MM-DD, got {text!r}") from None
