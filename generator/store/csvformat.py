"""The history file format, `date,category,downloads`: the one parser and the one writer (pure).

`parse` is the exact reader: it names the first bad line of a file. `parse_fast` and
`parse_tail` are its fast paths for the site build (a 1,000-package build reads every
file): they split the whole text at once and check it in bulk, and on any doubt at all
(quotes, a conflict-marker character, a bad shape, a bad date, a duplicate key) they hand
the text to `parse`, so the two can never disagree on what a file holds. The tests feed
both the same corrupt files.
"""

from __future__ import annotations

import bisect
import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from generator.dates import is_date
from generator.errors import CorruptFileError
from generator.model import Row, Series

HEADER = "date,category,downloads"
CONFLICT_MARKERS = ("<<<<<<<", "=======", ">>>>>>>", "|||||||")
# The first characters of the markers: no valid unquoted row contains them, and looking
# for one character is a memchr (about 40x faster than the markers on a large file). A
# false alarm only sends the text to the exact parser.
_MARKER_CHARS = ("<", "=", ">", "|")
_NEEDS_QUOTING = re.compile(r'[,"\r\n]')


@dataclass(frozen=True)
class Tail:
    """The rows of one history file inside a window, and their totals per category."""

    rows: list[Row]
    totals: dict[str, int] = field(default_factory=dict)


# ---------------------------------------------------------------- the exact parser


def parse(text: str, path: Path) -> Series:
    """Parse a history file's text; raise CorruptFileError naming the first bad line."""
    lines = text.splitlines()
    for number, line in enumerate(lines, start=1):
        if line.startswith(CONFLICT_MARKERS):
            raise CorruptFileError(path, number, "unresolved git merge conflict marker")
    if not lines:
        raise CorruptFileError(path, 1, f"empty file; expected the header `{HEADER}`")
    if lines[0].strip() != HEADER:
        raise CorruptFileError(path, 1, f"expected the header `{HEADER}`, found `{lines[0]}`")
    series: Series = {}
    checked_dates: set[str] = set()
    for number, fields in enumerate(csv.reader(lines[1:]), start=2):
        if not fields:
            raise CorruptFileError(path, number, "blank line")
        if len(fields) != 3:
            raise CorruptFileError(
                path, number, f"expected 3 fields (date,category,downloads), found {len(fields)}"
            )
        date, category, count = fields
        if date not in checked_dates:
            if not is_date(date):
                raise CorruptFileError(path, number, f"bad date `{date}` (expected YYYY-MM-DD)")
            checked_dates.add(date)
        if not count.isdigit() or not count.isascii():
            raise CorruptFileError(
                path, number, f"downloads must be a non-negative integer, found `{count}`"
            )
        key = (date, category)
        if key in series:
            raise CorruptFileError(path, number, f"duplicate row for {date} {category}")
        series[key] = int(count)
    return series


def serialize(series: Mapping[tuple[str, str], int]) -> str:
    """The file's text: header, then rows sorted by date then category."""
    out = io.StringIO()
    out.write(HEADER + "\n")
    for (date, category), downloads in sorted(series.items()):
        if _NEEDS_QUOTING.search(category):
            category = '"' + category.replace('"', '""') + '"'
        out.write(f"{date},{category},{downloads}\n")
    return out.getvalue()


# ---------------------------------------------------------------- fast paths


def parse_fast(text: str, path: Path) -> Series:
    """What `parse` returns, about twice as fast on a clean file; `parse` on any doubt."""
    body = _plain_body(text)
    if body is None:
        return parse(text, path)
    try:
        fields = _fields(body)
    except ValueError:
        return parse(text, path)
    dates, categories = fields[0::3], fields[1::3]
    series: Series = dict(
        zip(zip(dates, categories, strict=True), map(int, fields[2::3]), strict=True)
    )
    if len(series) != len(dates) or not all(is_date(d) for d in set(dates)):
        return parse(text, path)
    return series


def parse_tail(text: str, path: Path, since: str, last: str) -> Tail:
    """The rows dated `since`..`last` (inclusive) of a file checked whole, as `parse` would."""
    body = _plain_body(text)
    if body is None:
        series = parse(text, path)
        return _tail([(d, c, n) for (d, c), n in sorted(series.items()) if since <= d <= last])
    try:
        fields = _fields(body)
        dates, categories, counts = fields[0::3], fields[1::3], fields[2::3]
        if not all(is_date(d) for d in set(dates)):
            raise ValueError("bad date")
    except ValueError:
        parse(text, path)  # names the bad line
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
    if len(set(zip(dates, categories, strict=True))) != len(dates):
        parse(text, path)  # names the duplicate row
    return _tail(rows)


def _plain_body(text: str) -> str | None:
    """The text after the header, or None when only the exact parser may read it."""
    header_end = text.find("\n")
    header = text if header_end < 0 else text[:header_end]
    if header.rstrip("\r") != HEADER or '"' in text or any(m in text for m in _MARKER_CHARS):
        return None
    return text[header_end + 1 :] if header_end >= 0 else ""


def _fields(chunk: str) -> list[str]:
    """All fields of `chunk`, flat; ValueError unless three per line with integer counts."""
    if not chunk:
        return []
    fields = chunk.replace("\r\n", "\n").replace("\n", ",").split(",")
    if fields[-1] == "":
        fields.pop()
    lines = chunk.count("\n") + (1 if not chunk.endswith("\n") else 0)
    if len(fields) % 3 or lines != len(fields) // 3:
        raise ValueError("not three fields per line")
    raw = fields[2::3]
    joined = "".join(raw)
    if not (joined.isdigit() and joined.isascii()) or "" in raw:
        raise ValueError("a count is not a non-negative integer")
    return fields


def _tail(rows: list[Row]) -> Tail:
    totals: dict[str, int] = {}
    for _, category, n in rows:
        totals[category] = totals.get(category, 0) + n
    return Tail(rows, totals)
