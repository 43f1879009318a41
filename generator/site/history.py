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

# Merge-conflict markers start with one of these characters, which no valid row contains.
# Looking for single characters is a memchr (about 40x faster than the markers on a large
# file); a false alarm only hands the file to the store's exact, slower parser.
_CONFLICT = ("<", "=", ">", "|")


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
    try:
        if '"' in chunk:
            raise ValueError("quoted field")
        dates, categories, counts = _columns(chunk)
        if dates and dates[-1] > last:  # sorted by date: keep what ends on `last`
            keep = next(i for i, d in enumerate(dates) if d > last)
            dates, categories, counts = dates[:keep], categories[:keep], counts[:keep]
    except ValueError:
        store.parse(text, path)  # names the bad line
        raise CorruptFileError(path, 0, "unreadable row") from None
    totals: dict[str, int] = {}
    for category, n in zip(categories, counts, strict=True):
        totals[category] = totals.get(category, 0) + n
    return Tail(list(zip(dates, categories, counts, strict=True)), totals)


def _columns(chunk: str) -> tuple[list[str], list[str], list[int]]:
    """Split `date,category,downloads` lines into three columns, in C rather than per line.

    Raises ValueError for anything but three fields per line and non-negative integer counts
    (the caller then lets the store's parser name the line)."""
    if not chunk:
        return [], [], []
    fields = chunk.replace("\r\n", "\n").replace("\n", ",").split(",")
    if fields[-1] == "":
        fields.pop()
    lines = chunk.count("\n") + (1 if chunk and not chunk.endswith("\n") else 0)
    if len(fields) % 3 or lines != len(fields) // 3:
        raise ValueError("not three fields per line")
    raw = fields[2::3]
    joined = "".join(raw)
    if not (joined.isdigit() and joined.isascii()) or "" in raw:
        raise ValueError("a count is not a non-negative integer")
    return fields[0::3], fields[1::3], list(map(int, raw))


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
    header_end = text.find("\n")
    header = text if header_end < 0 else text[:header_end]
    if header.rstrip("\r") != store.HEADER or '"' in text or any(m in text for m in _CONFLICT):
        return store.parse(text, path)
    try:
        dates, categories, counts = _columns(text[header_end + 1 :] if header_end >= 0 else "")
    except ValueError:
        return store.parse(text, path)
    series: Series = dict(zip(zip(dates, categories, strict=True), counts, strict=True))
    if len(series) != len(dates) or not all(store.is_date(d) for d in set(dates)):
        return store.parse(text, path)
    return series
