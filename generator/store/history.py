"""Reading and writing one package's history files (the only code that touches them).

Every write reads (and so checks) all the package's files first: one corrupt file leaves
the whole package untouched. Nothing here ever writes over a file it cannot parse.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from generator.errors import CorruptFileError
from generator.model import Series
from generator.store.csvformat import Tail, parse, parse_fast, parse_tail, serialize
from generator.store.files import remove_stale_temporaries, write_text_atomic
from generator.store.layout import package_dir
from generator.store.merge import Policy, merge_keys


def _read_text(path: Path) -> str | None:
    """The file's text, None when it does not exist; not UTF-8 is a CorruptFileError."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise CorruptFileError(path, line, "not UTF-8 text") from None


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
) -> dict[str, bool]:
    """Merge `updates` ({kind: series}) into the package's files by `policy`.

    Returns which files changed. A kind with no new rows is not written (an unchanged
    merge writes nothing either: write_text_atomic compares the bytes).
    """
    directory = package_dir(data_dir, name)
    existing = read_package(data_dir, name, updates)
    remove_stale_temporaries(directory)
    changed: dict[str, bool] = {}
    for kind, new in updates.items():
        if not new:
            changed[kind] = False
            continue
        changed[kind] = write_series(directory / f"{kind}.csv", policy(existing[kind], new))
    return changed
