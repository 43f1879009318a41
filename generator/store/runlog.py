"""The committed BigQuery run log, data/_meta/bigquery-runs.csv: what each query cost.

One line per query actually run (refused queries cost nothing and are not logged):
`run_at,command,packages,start_date,end_date,bytes_processed,bytes_billed`.
`packages` holds the normalized names separated by spaces. The file is rewritten
atomically with the line appended, so an interrupted run never leaves half a line.
The backfill reads it back to know which days are already done.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from generator.errors import CorruptFileError
from generator.store.csvformat import split_lines
from generator.store.files import open_plain, read_plain_text, write_text_atomic
from generator.store.layout import META_DIR

HEADER = "run_at,command,packages,start_date,end_date,bytes_processed,bytes_billed"
FIELDS = tuple(HEADER.split(","))
FILENAME = "bigquery-runs.csv"


@dataclass(frozen=True)
class RunRecord:
    run_at: str  # ISO 8601 UTC, e.g. 2026-11-22T03:17:00Z
    command: str  # fetch | backfill
    packages: tuple[str, ...]
    start_date: str
    end_date: str
    bytes_processed: int
    bytes_billed: int


def path_in(data_dir: Path) -> Path:
    return data_dir / META_DIR / FILENAME


def now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def format_line(record: RunRecord) -> str:
    return csv_line(
        [
            record.run_at,
            record.command,
            " ".join(record.packages),
            record.start_date,
            record.end_date,
            record.bytes_processed,
            record.bytes_billed,
        ]
    )


def csv_line(values: Sequence[object]) -> str:
    """One line of a run log (quoted where needed), ending in a line feed."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(values)
    return out.getvalue()


def rows_of(text: str, path: Path, header: str) -> Iterator[tuple[int, list[str]]]:
    """(line number, fields) of each line of a run log, checked against its header."""
    lines = split_lines(text)
    if not lines or lines[0].strip() != header:
        raise CorruptFileError(path, 1, f"expected the header `{header}`")
    width = len(header.split(","))
    for number, fields in enumerate(csv.reader(lines[1:]), start=2):
        if len(fields) != width:
            raise CorruptFileError(path, number, f"expected {width} fields")
        yield number, fields


def parse(text: str, path: Path) -> list[RunRecord]:
    records = []
    for number, fields in rows_of(text, path, HEADER):
        try:
            records.append(
                RunRecord(
                    run_at=fields[0],
                    command=fields[1],
                    packages=tuple(fields[2].split()),
                    start_date=dt.date.fromisoformat(fields[3]).isoformat(),
                    end_date=dt.date.fromisoformat(fields[4]).isoformat(),
                    bytes_processed=int(fields[5]),
                    bytes_billed=int(fields[6]),
                )
            )
        except ValueError as exc:
            raise CorruptFileError(path, number, f"bad value ({exc})") from None
    return records


def exists(data_dir: Path) -> bool:
    """Whether there is a run log; LinkRefused when it (or data/_meta) is a link."""
    handle = open_plain(path_in(data_dir))
    if handle is None:
        return False
    handle.close()
    return True


read_text = read_plain_text  # the log's text (None when missing), never through a link


def read(data_dir: Path) -> list[RunRecord]:
    path = path_in(data_dir)
    text = read_text(path)
    return [] if text is None else parse(text, path)


def append(data_dir: Path, record: RunRecord) -> None:
    """Append one line, atomically (the existing file is checked first)."""
    path = path_in(data_dir)
    append_line(path, HEADER, format_line(record), parse)


def append_line(path: Path, header: str, line: str, check: Callable[[str, Path], object]) -> None:
    """Append `line` to the log at `path` atomically, after `check` parsed what is there."""
    text = read_text(path) or header + "\n"
    check(text, path)
    if not text.endswith("\n"):
        text += "\n"
    write_text_atomic(path, text + line)
