"""Reading what the site needs from data/, quickly.

`overall.csv` is read in full through the store (it feeds every summary). The category files
(python versions, systems, BigQuery extras) can be large (a row per category per day), and
the build needs only their recent rows: the JSON API's window and the categories a chart
shows. So those are read from the first line of the window on. A file with a merge-conflict
marker or an unparseable line is handed to the store's parser, which names the file and line.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from generator import store
from generator.errors import CorruptFileError
from generator.model import Row, Series

_CONFLICT = ("\n<<<<<<<", "\n=======", "\n>>>>>>>", "\n|||||||")


@dataclass(frozen=True)
class Tail:
    """The rows of one history file from `since` on, and their totals per category."""

    rows: list[Row]
    totals: dict[str, int] = field(default_factory=dict)


def _start_offset(text: str, since: str, last: str) -> int:
    """Offset of the first line dated on or after `since` (files are sorted by date)."""
    day = dt.date.fromisoformat(since)
    end = dt.date.fromisoformat(last)
    while day <= end:
        pos = text.find("\n" + day.isoformat() + ",")
        if pos >= 0:
            return pos + 1
        day += dt.timedelta(days=1)
    return len(text)


def read_tail(path: Path, since: str, last: str) -> Tail:
    """Rows of `path` dated `since`..`last` (inclusive); empty when the file is absent."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Tail([])
    except UnicodeDecodeError:
        store.read_series(path)  # raises CorruptFileError with the line
        raise
    if not text.startswith(store.HEADER) or any(marker in text for marker in _CONFLICT):
        store.parse(text, path)  # raises CorruptFileError naming the line
    start = _start_offset(text, since, last)
    chunk = text[start:]
    rows: list[Row] = []
    totals: dict[str, int] = {}
    try:
        lines = (
            csv.reader(chunk.splitlines())
            if '"' in chunk
            else (line.split(",") for line in chunk.splitlines())
        )
        for fields in lines:
            date, category, count = fields
            if date > last:
                break
            n = int(count)
            if n < 0:
                raise ValueError(count)
            rows.append((date, category, n))
            totals[category] = totals.get(category, 0) + n
    except ValueError:
        store.parse(text, path)  # names the bad line
        raise CorruptFileError(path, 0, "unreadable row") from None
    return Tail(rows, totals)


def read_overall(path: Path) -> Series:
    """The whole file as a Series, checked like `store.read_series` but about twice as fast.

    Any doubt (quotes, a bad line, a duplicate key, a bad date) defers to `store.parse`,
    which raises CorruptFileError naming the line, or returns the series if all is well.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except UnicodeDecodeError:
        return store.read_series(path)  # raises CorruptFileError with the line
    lines = text.splitlines()
    if not lines or lines[0] != store.HEADER or '"' in text or any(m in text for m in _CONFLICT):
        return store.parse(text, path)
    series: Series = {}
    try:
        for line in lines[1:]:
            date, category, count = line.split(",")
            if not (count.isdigit() and count.isascii()):
                raise ValueError(count)
            series[(date, category)] = int(count)
    except ValueError:
        return store.parse(text, path)
    if len(series) != len(lines) - 1 or not all(store.is_date(d) for d in {d for d, _ in series}):
        return store.parse(text, path)
    return series
