"""Which source gave which days of which kind: `data/_meta/provenance/<package>.csv`.

Header `kind,source,first_date,last_date`; one line per run of consecutive days that one
source gave for one kind, sorted by kind then first day. It is written by the store right
after the package's history files, from the days the merge policy actually took from the
source (`days_taken`), so it says where every stored day came from. Rewriting it with the
same days writes the same bytes; a file we cannot parse is reported, never overwritten.

Sources are named by short ids (`SOURCE_NAMES`): what the package page and the API show.
It lives under data/_meta/ so that a package's own folder holds only its history series,
all in one format.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from generator.dates import days_in
from generator.errors import CorruptFileError
from generator.model import ALL_KINDS
from generator.names import safe_dir
from generator.store.csvformat import split_lines
from generator.store.files import read_plain_text, write_text_atomic
from generator.store.layout import META_DIR

FOLDER = "provenance"
HEADER = "kind,source,first_date,last_date"
SOURCE_NAMES = {
    "pypistats": "pypistats.org",
    "bigquery": "BigQuery",
    "clickhouse": "ClickHouse",
    "import": "imported files",
    "sample": "generated sample",
}
"""Every source id a provenance line may hold, and how it is shown."""


@dataclass(frozen=True, order=True)
class Span:
    """Days `first`..`last` (inclusive) of `kind` came from `source`."""

    kind: str
    first: dt.date
    last: dt.date
    source: str


def path_of(data_dir: Path, name: str) -> Path:
    """data/_meta/provenance/<normalized>.csv (a name that could escape is refused)."""
    return safe_dir(data_dir / META_DIR / FOLDER, name).with_suffix(".csv")


def serialize(spans: Iterable[Span]) -> str:
    lines = [HEADER]
    for span in sorted(spans):
        lines.append(f"{span.kind},{span.source},{span.first},{span.last}")
    return "\n".join(lines) + "\n"


def parse(text: str, path: Path) -> list[Span]:
    lines = split_lines(text)
    if not lines or lines[0].strip() != HEADER:
        raise CorruptFileError(path, 1, f"expected the header `{HEADER}`")
    spans = []
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        fields = line.strip().split(",")
        if len(fields) != 4:
            raise CorruptFileError(path, number, "expected 4 fields: kind,source,first,last")
        kind, source, first, last = fields
        if kind not in ALL_KINDS:
            raise CorruptFileError(path, number, f"unknown kind {kind!r}")
        if source not in SOURCE_NAMES:
            known = ", ".join(SOURCE_NAMES)
            raise CorruptFileError(path, number, f"unknown source {source!r} (one of {known})")
        try:
            span = Span(kind, dt.date.fromisoformat(first), dt.date.fromisoformat(last), source)
        except ValueError:
            raise CorruptFileError(path, number, "dates must be written YYYY-MM-DD") from None
        if span.last < span.first:
            raise CorruptFileError(path, number, "the last day is before the first")
        spans.append(span)
    return spans


def read(data_dir: Path, name: str) -> list[Span]:
    """The package's spans ([] when it has no provenance file yet)."""
    path = path_of(data_dir, name)
    text = read_plain_text(path)  # never through a symbolic link
    return [] if text is None else parse(text, path)


def days_taken(
    new: Mapping[tuple[str, str], int], merged: Mapping[tuple[str, str], int]
) -> set[str]:
    """Days of `new` the merge took from the source: the day is stored exactly as the
    source gave it. A day a fill kept from another source is not taken, even where some
    of its counts happen to match."""
    given: dict[str, dict[str, int]] = {}
    for (date, category), value in new.items():
        given.setdefault(date, {})[category] = value
    stored: dict[str, dict[str, int]] = {}
    for (date, category), value in merged.items():
        if date in given:
            stored.setdefault(date, {})[category] = value
    return {date for date, rows in given.items() if stored.get(date) == rows}


def empty_days(merged: Mapping[tuple[str, str], int], covered: tuple[str, str] | None) -> set[str]:
    """Days of the `covered` range with no row stored: the source reported no downloads."""
    if covered is None:
        return set()
    stored = {date for date, _ in merged}
    first, last = dt.date.fromisoformat(covered[0]), dt.date.fromisoformat(covered[1])
    return {day.isoformat() for day in days_in(first, last)} - stored


def claimed(
    old: Mapping[tuple[str, str], int],
    new: Mapping[tuple[str, str], int],
    merged: Mapping[tuple[str, str], int],
    covered: tuple[str, str] | None,
    owned: set[str],
) -> set[str]:
    """The days a write attributes to its source: those it took (`days_taken`) and those
    it covered with no downloads (`empty_days`), except days whose stored rows it left
    exactly as they were and that already have a source: a second source that happens to
    agree never takes a day over, so the file does not change back and forth."""

    taken = days_taken(new, merged)
    kept = taken & owned
    before, after = _by_day(old, kept), _by_day(merged, kept)
    same = {day for day in kept if before.get(day) == after.get(day)}
    return (taken - same) | empty_days(merged, covered)


def _by_day(series: Mapping[tuple[str, str], int], days: set[str]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for (day, category), value in series.items():
        if day in days:
            out.setdefault(day, {})[category] = value
    return out


def owned_days(spans: Iterable[Span], kind: str) -> set[str]:
    """The days of `kind` some span gives a source for."""
    return {d.isoformat() for s in spans if s.kind == kind for d in days_in(s.first, s.last)}


def record(spans: Iterable[Span], kind: str, source: str, days: Iterable[str]) -> list[Span]:
    """`spans` with `days` of `kind` now from `source` (pure)."""
    if source not in SOURCE_NAMES:
        raise ValueError(f"unknown source {source!r}")
    owner: dict[dt.date, str] = {}
    others = []
    for span in spans:
        if span.kind != kind:
            others.append(span)
            continue
        owner.update(dict.fromkeys(days_in(span.first, span.last), span.source))
    for text in days:
        owner[dt.date.fromisoformat(text)] = source
    return sorted(others + _runs(kind, owner))


def _runs(kind: str, owner: Mapping[dt.date, str]) -> list[Span]:
    spans: list[Span] = []
    for day in sorted(owner):
        source = owner[day]
        last = spans[-1] if spans else None
        if last and last.source == source and last.last + dt.timedelta(days=1) == day:
            spans[-1] = Span(kind, last.first, day, source)
        else:
            spans.append(Span(kind, day, day, source))
    return spans


def write(data_dir: Path, name: str, spans: Iterable[Span]) -> bool:
    """Write the package's provenance atomically; False when the bytes were the same."""
    return write_text_atomic(path_of(data_dir, name), serialize(spans))
