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

from generator.errors import CorruptFileError
from generator.store.layout import META_DIR
from generator.store.runlog import append_line, csv_line, read_text, rows_of

HEADER = "run_at,command,packages,start_date,end_date,newest_day,queries,rows_read,bytes_read"
FIELDS = tuple(HEADER.split(","))
FILENAME = "clickhouse-runs.csv"


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
    def behind(self) -> bool:
        """Whether the dataset's newest day was before the last day asked for."""
        return not self.newest_day or self.newest_day < self.end_date


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
