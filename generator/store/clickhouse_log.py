"""The committed ClickHouse run log, data/_meta/clickhouse-runs.csv: what each run read.

One line per fetch window or backfill chunk that reached the server:
`run_at,command,packages,start_date,end_date,newest_day,queries,rows_read,bytes_read`.
`packages` holds the normalized names separated by spaces; `newest_day` is the newest day
the public dataset had when the run asked (before the last complete day: ClickHouse was
behind); the counts come from the `X-ClickHouse-Summary` header of each answer. The
backfill reads it back to know which days are done; the site shows the last run's
`newest_day` when the dataset is behind, and the costs page the totals.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from generator.dates import is_date, last_complete_day
from generator.errors import CorruptFileError
from generator.store.layout import META_DIR
from generator.store.runlog import append_line, csv_line, read_text, rows_of

LAG_DAYS = 1
"""Days late that are normal for the public dataset (it loads whole UTC days, about a
day after they end); more than that is a stall, said on the site and in the summary."""
HEADER = "run_at,command,packages,start_date,end_date,newest_day,queries,rows_read,bytes_read"
FIELDS = tuple(HEADER.split(","))
FILENAME = "clickhouse-runs.csv"


def is_behind(newest_day: str, last_complete: dt.date) -> bool:
    """The one rule for "ClickHouse is behind": its newest day ("" for none) is more than
    LAG_DAYS before the last complete day."""
    if not newest_day:
        return True
    return dt.date.fromisoformat(newest_day) < last_complete - dt.timedelta(days=LAG_DAYS)


@dataclass(frozen=True)
class ClickHouseRun:
    run_at: str  # ISO 8601 UTC, e.g. 2026-11-22T03:17:00Z
    command: str  # fetch | backfill
    packages: tuple[str, ...]
    start_date: str
    end_date: str  # the last day asked for
    newest_day: str  # the newest day the dataset had ("" when it had none)
    queries: int
    rows_read: int
    bytes_read: int

    @property
    def short(self) -> bool:
        """Whether the dataset's newest day was before the last day asked for: the next
        night asks again from the day after it."""
        return not self.newest_day or self.newest_day < self.end_date

    @property
    def behind(self) -> bool:
        """Whether the dataset was behind when the run asked: more than LAG_DAYS late."""
        asked_on = dt.date.fromisoformat(self.run_at[:10]) if is_date(self.run_at[:10]) else None
        if asked_on is None:
            return self.short
        return is_behind(self.newest_day, last_complete_day(asked_on))


def path_in(data_dir: Path) -> Path:
    return data_dir / META_DIR / FILENAME


def format_line(record: ClickHouseRun) -> str:
    packages = " ".join(record.packages)
    dates = (record.start_date, record.end_date, record.newest_day)
    return csv_line([record.run_at, record.command, packages, *dates, *_counts(record)])


def _counts(record: ClickHouseRun) -> tuple[int, int, int]:
    return record.queries, record.rows_read, record.bytes_read


def parse(text: str, path: Path) -> list[ClickHouseRun]:
    records = []
    for number, fields in rows_of(text, path, HEADER):
        try:
            records.append(
                ClickHouseRun(
                    run_at=fields[0],
                    command=fields[1],
                    packages=tuple(fields[2].split()),
                    start_date=dt.date.fromisoformat(fields[3]).isoformat(),
                    end_date=dt.date.fromisoformat(fields[4]).isoformat(),
                    newest_day=dt.date.fromisoformat(fields[5]).isoformat() if fields[5] else "",
                    queries=int(fields[6]),
                    rows_read=int(fields[7]),
                    bytes_read=int(fields[8]),
                )
            )
        except ValueError as exc:
            raise CorruptFileError(path, number, f"bad value ({exc})") from None
    return records


def read(data_dir: Path) -> list[ClickHouseRun]:
    path = path_in(data_dir)
    text = read_text(path)
    return [] if text is None else parse(text, path)


def append(data_dir: Path, record: ClickHouseRun) -> None:
    """Append one line, atomically (the existing file is checked first)."""
    append_line(path_in(data_dir), HEADER, format_line(record), parse)


def last_status(data_dir: Path) -> ClickHouseRun | None:
    """The newest run (by run_at), for the site's "ClickHouse is behind" notice."""
    records = read(data_dir)
    return max(records, key=lambda r: r.run_at) if records else None
