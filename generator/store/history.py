"""Reading and writing one package's history files (the only code that touches them).

Every write reads (and so checks) all the package's files first: one corrupt file leaves
the whole package untouched. Nothing here ever writes over a file it cannot parse, and
nothing is written unless every new row passes generator.rows (only what round-trips is
stored). A symbolic link in place of a package's folder or file is refused, never followed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from generator import rows
from generator.errors import UnstorableRow
from generator.model import Series
from generator.names import quoted
from generator.store import provenance
from generator.store.csvformat import Tail, parse, parse_fast, parse_tail, serialize
from generator.store.files import (
    is_plain_file,
    read_plain_text,
    refuse_link,
    remove_stale_temporaries,
    write_text_atomic,
)
from generator.store.layout import package_dir
from generator.store.merge import Policy, fill_days, merge_keys

_read_text = read_plain_text  # None when missing; a symbolic link is refused unread


def read_series(path: Path) -> Series:
    """The history in `path` ({} when the file does not exist yet), read exactly."""
    text = _read_text(path)
    return {} if text is None else parse(text, path)


def read_series_fast(path: Path) -> Series:
    """The same as `read_series`, through the fast path (for the site build)."""
    text = _read_text(path)
    return {} if text is None else parse_fast(text, path)


def read_tail(path: Path, since: str, last: str) -> Tail:
    """Rows of `path` dated `since`..`last`; the whole file is checked, as it is published."""
    text = _read_text(path)
    return Tail([]) if text is None else parse_tail(text, path, since, last)


def kinds_present(directory: Path, kinds: Iterable[str]) -> list[str]:
    """The kinds that have a file in the package's `directory`, in the order given.

    A symbolic link (the folder, or a file) or anything else than a regular file is refused
    with LinkRefused, unread: it must never be published."""
    refuse_link(directory)
    return [kind for kind in kinds if is_plain_file(directory / f"{kind}.csv")]


def write_series(path: Path, series: Mapping[tuple[str, str], int]) -> bool:
    return write_text_atomic(path, serialize(series))


def read_package(data_dir: Path, name: str, kinds: Iterable[str]) -> dict[str, Series]:
    directory = package_dir(data_dir, name)
    return {kind: read_series(directory / f"{kind}.csv") for kind in kinds}


def update_package(
    data_dir: Path,
    name: str,
    updates: Mapping[str, Mapping[tuple[str, str], int]],
    policy: Policy = merge_keys,
    source: str | None = None,
    covered: tuple[str, str] | None = None,
) -> dict[str, bool]:
    """Merge `updates` ({kind: series}) into the package's files by `policy`.

    Returns which files changed. A kind with no new rows is not written (an unchanged
    merge writes nothing either: write_text_atomic compares the bytes). With `source`
    (a provenance.SOURCE_NAMES id), the days each kind took from it are recorded in the
    package's provenance file, after its history files; `covered` (first and last day
    the answer covers) attributes to it the days it reported no downloads on, too.
    """
    directory = package_dir(data_dir, name)
    refuse_link(directory)
    for kind, new in updates.items():
        problem = first_problem(new)
        if problem is not None:
            raise UnstorableRow(
                f"{name}: refused the {kind} row {problem}; nothing was written for this "
                "package, its files are unchanged"
            )
    existing = read_package(data_dir, name, updates)
    spans = provenance.read(data_dir, name) if source else []  # checked before any write
    owned = {kind: provenance.owned_days(spans, kind) for kind in updates}
    if policy is fill_days:  # a day another source gave, zero downloads too, is kept
        updates = {
            k: {key: v for key, v in s.items() if key[0] not in owned[k]}
            for k, s in updates.items()
        }
    remove_stale_temporaries(directory)
    changed: dict[str, bool] = {}
    for kind, new in updates.items():
        merged = policy(existing[kind], new) if new else existing[kind]
        changed[kind] = bool(new) and write_series(directory / f"{kind}.csv", merged)
        if source:
            days = provenance.claimed(existing[kind], new, merged, covered, owned[kind])
            if policy is fill_days:  # a fill never takes a day another source gave
                days -= owned[kind]
            spans = provenance.record(spans, kind, source, days)
    if source and spans and directory.is_dir():
        provenance.write(data_dir, name, spans)
    return changed


def first_problem(series: Mapping[tuple[str, str], int]) -> str | None:
    """The first row of `series` (by date, category) that generator.rows refuses, described
    as "<date> <category>: <problem>"; None when every row may be stored."""
    dates = {date: rows.date_problem(date) for date, _ in series}
    categories = {category: rows.category_problem(category) for _, category in series}
    bad = [
        key
        for key, count in series.items()
        if dates[key[0]] or categories[key[1]] or rows.count_problem(count)
    ]
    if not bad:
        return None
    date, category = min(bad, key=lambda key: (str(key[0]), str(key[1])))
    problem = rows.row_problem(date, category, series[(date, category)])
    return f"{quoted(date)} {quoted(category)}: {problem}"
