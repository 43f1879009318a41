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
from dataclasses import dataclass
from pathlib import Path

from generator.errors import CorruptFileError
from generator.store.csvformat import split_lines
from generator.store.files import open_plain, read_plain_bytes, write_text_atomic
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
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(
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
    return out.getvalue()


def parse(text: str, path: Path) -> list[RunRecord]:
    lines = split_lines(text)
    if not lines or lines[0].strip() != HEADER:
        raise CorruptFileError(path, 1, f"expected the header `{HEADER}`")
    records = []
    for number, fields in enumerate(csv.reader(lines[1:]), start=2):
        if len(fields) != len(FIELDS):
            raise CorruptFileError(path, number, f"expected {len(FIELDS)} fields")
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


def _text(path: Path) -> str | None:
    """The log's text (None when missing); never read through a symbolic link."""
    raw = read_plain_bytes(path)
    if raw is None:
        return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise CorruptFileError(path, 1, "not UTF-8 text") from None


def read(data_dir: Path) -> list[RunRecord]:
    path = path_in(data_dir)
    text = _text(path)
    return [] if text is None else parse(text, path)


def append(data_dir: Path, record: RunRecord) -> None:
    """Append one line, atomically (the existing file is checked first)."""
    path = path_in(data_dir)
    text = _text(path) or HEADER + "\n"
    parse(text, path)
    if not text.endswith("\n"):
        text += "\n"
    write_text_atomic(path, text + format_line(record))
