"""The small keyed CSV files under data/_meta/ (one line per key): reading their lines.

    for number, fields in lines_of(text, path, header, width): ...

A header that is not `header`, a line the csv module refuses, a line without `width`
fields, and a key given twice are CorruptFileErrors naming the line; each module checks
its own fields' values.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from generator.errors import CorruptFileError
from generator.store.csvformat import split_lines


def lines_of(text: str, path: Path, header: str, width: int) -> Iterator[tuple[int, list[str]]]:
    """(line number, fields) of every line after the header; the first field is the key."""
    lines = split_lines(text)
    if not lines or lines[0] != header:
        raise CorruptFileError(path, 1, f"the header must be {header!r}")
    seen: set[str] = set()
    for number, line in enumerate(lines[1:], start=2):
        try:
            fields = next(csv.reader([line], strict=True), [])
        except csv.Error as exc:
            raise CorruptFileError(path, number, f"not a CSV line ({exc})") from None
        if len(fields) != width:
            raise CorruptFileError(path, number, f"expected {header}")
        if fields[0] in seen:
            raise CorruptFileError(path, number, f"{fields[0]!r} appears twice")
        seen.add(fields[0])
        yield number, fields
