"""ClickHouse runs: a window of recent days, stored and logged (the nightly parts).

    packages → window (the last `refetch_days` complete days, reaching back to the
    first day ClickHouse did not have last time) → the views read → whole days replaced
    in data/ → provenance → a line in data/_meta/clickhouse-runs.csv.

Two uses: `source: clickhouse` takes every kind from it (`nightly`); with pypistats.org
as the source it gives versions, countries and installers (`extras`). In both, packages
with no history yet are handed to the backfill (generator.pipeline.clickhouse_backfill).
When ClickHouse is behind, the summary says so and the next night's window starts at the
first missing day, so those days are filled the first night they appear.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from generator import store
from generator.config import Package, Settings
from generator.errors import EXIT_OK, EXIT_PARTIAL, SourceError
from generator.pipeline.storing import Stored, failure_lines, store_fetched
from generator.sources import clickhouse_sql
from generator.sources.clickhouse import SOURCE_KINDS, ClickHouseSource, Usage
from generator.store import clickhouse_log
from generator.store.merge import Policy
from generator.units import human_bytes

log = logging.getLogger(__name__)

CATCH_UP_DAYS = 60
"""How far back a night reaches for days ClickHouse did not have before (a longer stall
is the backfill's to fill)."""
KIND_WORDS = {"version": "versions", "country": "countries", "installer": "installers"}


class Unknown:
    """The newest day could not be asked (the probe failed)."""


UNKNOWN = Unknown()


@dataclass(frozen=True)
class WindowResult:
    status: int
    summary: str


def make_source(settings: Settings, kinds: Sequence[str] = SOURCE_KINDS) -> ClickHouseSource:
    return ClickHouseSource(
        settings.clickhouse_url, settings.clickhouse_user, settings.top_k, kinds=kinds
    )


def window_start(data_dir: Path, end: dt.date, days: int) -> dt.date:
    """The first day of tonight's window: `days` back, or the first day the dataset did
    not have at the last fetch when that is earlier (within CATCH_UP_DAYS)."""
    start = end - dt.timedelta(days=days - 1)
    fetches = [r for r in clickhouse_log.read(data_dir) if r.command == "fetch"]
    if fetches:
        newest = max(fetches, key=lambda r: r.run_at)
        if newest.short:
            missing = (
                dt.date.fromisoformat(newest.newest_day) + dt.timedelta(days=1)
                if newest.newest_day
                else start
            )
            start = min(start, max(missing, end - dt.timedelta(days=CATCH_UP_DAYS - 1)))
    return start


def fetch_window(
    source: ClickHouseSource,
    data_dir: Path,
    packages: Sequence[Package],
    days: tuple[dt.date, dt.date],
    policy: Policy,
    command: str = "fetch",
) -> WindowResult:
    """Fetch days start..end for `packages`, store them by `policy`, log the run."""
    start, end = days
    names = [p.normalized for p in packages]
    answers = list(source.fetch(names, start, end))
    stored = store_fetched(data_dir, packages, answers, policy, source="clickhouse")
    used = source.take_usage()  # the probe's queries too, the first time
    found = _newest(source)
    newest = None if isinstance(found, Unknown) else found
    record = _record(command, names, start, end, newest, used)
    if used.queries and not isinstance(found, Unknown) and worth_a_line(data_dir, record, stored):
        failed = {p.normalized for p in packages if p.name in stored.failed}
        done = tuple(n for n in names if n not in failed)  # a backfill resumes after these
        clickhouse_log.append(data_dir, dataclasses.replace(record, packages=done))
    asked = "every kind" if set(source.kinds) >= set(SOURCE_KINDS) else _words(source.kinds)
    lines = [
        f"{command}: {len(names) - len(stored.failed)} of {len(names)} package(s) from "
        f"ClickHouse ({asked}), {start}..{min(end, newest) if newest else end}; "
        f"{used.queries} quer{'y' if used.queries == 1 else 'ies'}, "
        f"{used.rows_read:,} rows and {human_bytes(used.bytes_read)} read",
        *failure_lines(stored),
    ]
    note = "" if isinstance(found, Unknown) else behind_note(newest, end, source.kinds)
    if note:
        lines.append(note)
    return WindowResult(EXIT_PARTIAL if stored.failed else EXIT_OK, "\n".join(lines))


def worth_a_line(data_dir: Path, record: clickhouse_log.ClickHouseRun, stored: Stored) -> bool:
    """Whether the run log gets this run: every backfill chunk (the backfill resumes from
    them), and a nightly fetch that changed a file or did not get every day it asked for,
    or the first after one that did not. A quiet night leaves data/ as it was: no commit."""
    if record.command != "fetch" or record.short:
        return True
    if any(kinds for kinds in stored.changed.values()):
        return True
    fetches = [r for r in clickhouse_log.read(data_dir) if r.command == "fetch"]
    return bool(fetches) and max(fetches, key=lambda r: r.run_at).short


def _newest(source: ClickHouseSource) -> dt.date | Unknown | None:
    try:
        return source.newest
    except SourceError:  # the probe failed: every package already says why
        return UNKNOWN


def _record(
    command: str,
    names: list[str],
    start: dt.date,
    end: dt.date,
    newest: dt.date | None,
    used: Usage,
) -> clickhouse_log.ClickHouseRun:
    return clickhouse_log.ClickHouseRun(
        run_at=store.runlog.now(),
        command=command,
        packages=tuple(names),
        start_date=start.isoformat(),
        end_date=end.isoformat(),
        newest_day=newest.isoformat() if newest else "",
        queries=used.queries,
        rows_read=used.rows_read,
        bytes_read=used.bytes_read,
    )


def behind_note(newest: dt.date | None, end: dt.date, kinds: Sequence[str]) -> str:
    """What the summary says when the dataset is behind the last complete day."""
    if not clickhouse_log.is_behind(newest.isoformat() if newest else "", end):
        return ""
    what = "Every kind" if set(kinds) >= set(SOURCE_KINDS) else _words(kinds).capitalize()
    if newest is None:
        return "ClickHouse is behind: its public dataset has no days at all right now."
    late = (end - newest).days
    return (
        f"ClickHouse is behind: its newest day is {newest}, {late} day{'s' if late != 1 else ''} "
        f"before the last complete day ({end}). {what} from {newest + dt.timedelta(days=1)} "
        "on will be filled the first night they appear."
    )


def _words(kinds: Sequence[str]) -> str:
    words = [KIND_WORDS[k] for k in kinds if k in KIND_WORDS]
    return ", ".join(words[:-1]) + f" and {words[-1]}" if len(words) > 1 else "".join(words)


def sql_listing(
    kinds: Sequence[str],
    known: list[str],
    new: list[str],
    days: tuple[dt.date, dt.date],
    top_k: int,
) -> str:
    """What `--print-sql` shows (pure): the queries a night sends, with their parameters.

    The window's parameters are exact when one answer fits the server's row limit; a
    lower limit splits the days or the packages into several requests of the same SQL.
    """
    start, end = days
    parts = ["-- ClickHouse: the probe (newest day and result limits)", clickhouse_sql.PROBE]
    if known:
        params = clickhouse_sql.parameters(known, start, end, top_k)
        for query in clickhouse_sql.queries_for(kinds):
            parts += [
                f"-- ClickHouse: {query.name} ({', '.join(query.kinds)}); parameters:",
                clickhouse_sql.describe(params, query.sql),
                query.sql,
            ]
    if new:
        parts += [
            f"-- backfill of packages with no history yet ({', '.join(new)}): their first "
            "days, then the same queries for every kind, one calendar year at a time, "
            "newest first, ending at the dataset's newest day:",
            clickhouse_sql.describe(
                clickhouse_sql.parameters(new, start, end, top_k), clickhouse_sql.FIRST_DAYS
            ),
            clickhouse_sql.FIRST_DAYS,
        ]
    return "\n".join(part.rstrip("\n") for part in parts)
