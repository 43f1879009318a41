"""Reading what the site needs from data/, quickly.

`overall.csv` is read in full through the store (it feeds every summary). The category files
(python versions, systems, BigQuery extras) can be large (a row per category per day), and
the build needs only their recent rows: the JSON API's window and the categories a chart
shows. So those are read from the first line of the window on. A file with a merge-conflict
marker or an unparseable line is handed to the store's parser, which names the file and line.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from pathlib import Path

from generator import store
from generator.errors import CorruptFileError
from generator.model import Row, Series

# Merge-conflict markers start with one of these characters, which no valid row contains.
# Looking for single characters is a memchr (about 40x faster than the markers on a large
# file); a false alarm only hands the file to the store's exact, slower parser.
_CONFLICT = ("<", "=", ">", "|")


# Dates already found valid in this process: every file repeats the same few thousand days.
_VALID_DATES: set[str] = set()


@dataclass(frozen=True)
class Tail:
    """The rows of one history file from `since` on, and their totals per category."""

    rows: list[Row]
    totals: dict[str, int] = field(default_factory=dict)


def read_tail(path: Path, since: str, last: str) -> Tail:
    """Rows of `path` dated `since`..`last` (inclusive); empty when the file is absent.

    The whole file is checked, since it is published as it is, but in bulk: one split of
    the text, counts checked as one string, each distinct date validated once per process.
    Any doubt goes to the store's parser, which names the file and line.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Tail([])
    except UnicodeDecodeError:
        store.read_series(path)  # raises CorruptFileError with the line
        raise
    header_end = text.find("\n")
    header = text if header_end < 0 else text[:header_end]
    if header.rstrip("\r") != store.HEADER or '"' in text or any(m in text for m in _CONFLICT):
        series = store.parse(text, path)  # raises CorruptFileError naming the line
        return _tail([(d, c, n) for (d, c), n in sorted(series.items()) if since <= d <= last])
    try:
        fields = _fields(text[header_end + 1 :] if header_end >= 0 else "")
        dates, categories, counts = fields[0::3], fields[1::3], fields[2::3]
        unseen = set(dates) - _VALID_DATES
        if not all(store.is_date(d) for d in unseen):
            raise ValueError("bad date")
        _VALID_DATES.update(unseen)
    except ValueError:
        store.parse(text, path)  # names the bad line
        raise CorruptFileError(path, 0, "unreadable row") from None
    if dates == sorted(dates):  # as the store writes them: the window is one slice
        lo, hi = bisect.bisect_left(dates, since), bisect.bisect_right(dates, last)
        rows = list(zip(dates[lo:hi], categories[lo:hi], map(int, counts[lo:hi]), strict=True))
    else:
        rows = [
            (d, c, int(n))
            for d, c, n in zip(dates, categories, counts, strict=True)
            if since <= d <= last
        ]
    if len({(d, c) for d, c, _ in rows}) != len(rows):
        store.parse(text, path)  # names the duplicate row
    return _tail(rows)


def _tail(rows: list[Row]) -> Tail:
    totals: dict[str, int] = {}
    for _, category, n in rows:
        totals[category] = totals.get(category, 0) + n
    return Tail(rows, totals)


def _columns(chunk: str) -> tuple[list[str], list[str], list[int]]:
    """Split `date,category,downloads` lines into three columns, in C rather than per line.

    Raises ValueError for anything but three fields per line and non-negative integer counts
    (the caller then lets the store's parser name the line)."""
    fields = _fields(chunk)
    return fields[0::3], fields[1::3], list(map(int, fields[2::3]))


def _fields(chunk: str) -> list[str]:
    """All fields of `chunk`, flat, with the shape and the counts checked (see _columns)."""
    if not chunk:
        return []
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
    return fields


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
