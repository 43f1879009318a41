"""The history file format, `date,category,downloads`: the one parser and the one writer (pure).

`parse` is the exact reader: it names the first bad line of a file. `parse_fast` and
`parse_tail` are its fast paths for the site build (a 1,000-package build reads every
file): they split the whole text at once and check it in bulk, and on any doubt at all
(quotes, a conflict-marker character, a lone carriage return, a bad shape, a bad date, a
count out of bounds, a duplicate key) they hand the text to `parse`, so the two can never
disagree on what a file holds. The tests feed both the same corrupt files, and
tests/test_store.py feeds them generated text (hypothesis).

Lines end at "\n" or "\r\n" and nowhere else; U+2028, U+0085 and form feeds are
ordinary characters inside a line (the store never writes one: generator.rows).
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
from generator.names import quoted
from generator.rows import MAX_DOWNLOADS

HEADER = "date,category,downloads"
CONFLICT_MARKERS = ("<<<<<<<", "=======", ">>>>>>>", "|||||||")
# The first characters of the markers: no valid unquoted row contains them, and looking
# for one character is a memchr (about 40x faster than the markers on a large file). A
# false alarm only sends the text to the exact parser.
_MARKER_CHARS = ("<", "=", ">", "|")
_NEEDS_QUOTING = re.compile(r'[,"\r\n]')
_COUNT_DIGITS = len(str(MAX_DOWNLOADS))
_LONG_CATEGORY = 1000  # the fast paths leave longer fields to `parse` (and csv's field limit)
BOM = "\ufeff"
BOM_REASON = (
    "the file starts with a byte-order mark (saved by a spreadsheet?); remove it, or save "
    "the file again as UTF-8 without BOM"
)
CR_REASON = "a carriage return (\\r) inside the line; lines must end with \\n or \\r\\n"
_HEADER_LIKE = re.compile(r"[A-Za-z_ ,;\t|-]{1,60}")


@dataclass(frozen=True)
class Tail:
    """The rows of one history file inside a window, and their totals per category."""

    rows: list[Row]
    totals: dict[str, int] = field(default_factory=dict)


# ---------------------------------------------------------------- the exact parser


def parse(text: str, path: Path) -> Series:
    """Parse a history file's text; raise CorruptFileError naming the first bad line.

    Lines end at "\n" (or "\r\n") only: never at U+2028, U+0085 or a form feed, which
    `str.splitlines` would split on, so whatever `serialize` writes reads back the same.
    """
    lines = split_lines(text)
    for number, line in enumerate(lines, start=1):
        if line.startswith(CONFLICT_MARKERS):
            raise CorruptFileError(path, number, "unresolved git merge conflict marker")
        if "\r" in line:
            raise CorruptFileError(path, number, CR_REASON)
    if not lines:
        raise CorruptFileError(path, 1, f"empty file; expected the header `{HEADER}`")
    if lines[0].startswith(BOM):
        raise CorruptFileError(path, 1, BOM_REASON)
    if lines[0].strip() != HEADER:
        raise CorruptFileError(path, 1, _header_reason(lines[0]))
    series: Series = {}
    checked_dates: set[str] = set()
    reader = csv.reader(lines[1:])
    number = 1
    while True:
        try:
            fields = next(reader, None)
        except csv.Error as exc:
            raise CorruptFileError(path, reader.line_num + 1, f"unreadable CSV ({exc})") from None
        if fields is None:
            return series
        number += 1
        if reader.line_num != number - 1:
            raise CorruptFileError(path, number, "a quote is opened but not closed on this line")
        date, category, count = _fields_of_row(fields, path, number)
        if date not in checked_dates:
            if not is_date(date):
                raise CorruptFileError(
                    path, number, f"bad date {quoted(date)} (expected YYYY-MM-DD)"
                )
            checked_dates.add(date)
        downloads = _count(count, path, number)
        key = (date, category)
        if key in series:
            raise CorruptFileError(path, number, f"duplicate row for {date} {_plain(category)}")
        series[key] = downloads


def split_lines(text: str) -> list[str]:
    """The lines of `text`, split at "\n" only, one "\r" before it dropped; a lone "\r"
    stays in its line (and is refused there)."""
    if not text:
        return []
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return [line[:-1] if line.endswith("\r") else line for line in lines]


def _fields_of_row(fields: list[str], path: Path, number: int) -> tuple[str, str, str]:
    if not fields:
        raise CorruptFileError(path, number, "blank line")
    if len(fields) != 3:
        raise CorruptFileError(
            path, number, f"expected 3 fields (date,category,downloads), found {len(fields)}"
        )
    return fields[0], fields[1], fields[2]


def _count(count: str, path: Path, number: int) -> int:
    if not count.isdigit() or not count.isascii():
        raise CorruptFileError(
            path, number, f"downloads must be a non-negative integer, found {quoted(count)}"
        )
    if len(count) > _COUNT_DIGITS or int(count) > MAX_DOWNLOADS:
        raise CorruptFileError(
            path,
            number,
            f"downloads {quoted(count, 20)} is above {MAX_DOWNLOADS:,}, more than any package "
            "is downloaded in a day",
        )
    return int(count)


def _plain(value: str) -> str:
    """A field for a message: as it is when it is short plain text, else `quoted`."""
    return value if len(value) <= 60 and value.isprintable() and "`" not in value else quoted(value)


def _header_reason(first: str) -> str:
    """What is wrong with the first line, quoting it only when it looks like a CSV header
    (words and separators): it is never an arbitrary file's content."""
    expected = f"expected the header `{HEADER}`"
    if _HEADER_LIKE.fullmatch(first):
        return f"{expected}, found `{first}`"
    return f"{expected}; the first line is something else (not shown)"


def serialize(series: Mapping[tuple[str, str], int]) -> str:
    """The file's text: header, then rows sorted by date then category.

    A category with a comma or a quote is quoted. The store only hands it rows that pass
    generator.rows, so no category holds a line break, and `parse` reads the text back
    exactly (tests/test_store.py checks this with generated series).
    """
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
    try:
        if body is None:
            raise ValueError("only the exact parser may read it")
        fields = _fields(body)
        dates, categories, counts = fields[0::3], fields[1::3], fields[2::3]
        if not all(is_date(d) for d in set(dates)):
            raise ValueError("bad date")
    except ValueError:
        series = parse(text, path)  # names the bad line, or reads what the fast path cannot
        return _tail([(d, c, n) for (d, c), n in sorted(series.items()) if since <= d <= last])
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
    body = text[header_end + 1 :] if header_end >= 0 else ""
    if "\r" in body and "\r" in body.replace("\r\n", "\n"):  # a lone carriage return
        return None
    return body


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
    if max(map(len, fields[1::3])) > _LONG_CATEGORY:  # csv has a limit; let `parse` judge
        raise ValueError("a very long category")
    longest = max(map(len, raw))  # only a count this long can be above MAX_DOWNLOADS:
    too_big = longest > _COUNT_DIGITS or (
        longest == _COUNT_DIGITS and _largest(raw) > MAX_DOWNLOADS
    )
    if too_big:
        raise ValueError("a count above MAX_DOWNLOADS")
    return fields


def _largest(counts: list[str]) -> int:
    return max(map(int, counts))


def _tail(rows: list[Row]) -> Tail:
    totals: dict[str, int] = {}
    for _, category, n in rows:
        totals[category] = totals.get(category, 0) + n
    return Tail(rows, totals)
