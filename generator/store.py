"""The history store under data/: one CSV per package and dimension, written atomically.

Layout: `data/<normalized-name>/<kind>.csv`, header `date,category,downloads`, rows sorted
by date then category, so a nightly run appends lines at the end and git diffs stay small.
Nothing here ever writes over a file it cannot parse.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import functools
import io
import os
import re
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path

from generator.errors import CorruptFileError
from generator.model import Series
from generator.names import safe_dir

HEADER = "date,category,downloads"
META_DIR = "_meta"
TMP_PREFIX = ".tmp-"
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CONFLICT_MARKERS = ("<<<<<<<", "=======", ">>>>>>>", "|||||||")
_NEEDS_QUOTING = re.compile(r'[,"\r\n]')


def package_dir(data_dir: Path, name: str) -> Path:
    """`data/<normalized name>`; a name that could escape data/ is refused."""
    return safe_dir(data_dir, name)


def series_path(data_dir: Path, name: str, kind: str) -> Path:
    return package_dir(data_dir, name) / f"{kind}.csv"


def list_packages(data_dir: Path) -> list[str]:
    """Normalized names of the packages that have history in `data_dir`."""
    if not data_dir.is_dir():
        return []
    return sorted(
        p.name
        for p in data_dir.iterdir()
        if p.is_dir() and not p.name.startswith(("_", ".")) and any(p.glob("*.csv"))
    )


# ---------------------------------------------------------------- parsing (pure)


def parse(text: str, path: Path) -> Series:
    """Parse a history file's text; raise CorruptFileError naming the first bad line."""
    lines = text.splitlines()
    for number, line in enumerate(lines, start=1):
        if line.startswith(_CONFLICT_MARKERS):
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


def is_date(text: str) -> bool:
    if not _DATE.match(text):
        return False
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def serialize(series: Mapping[tuple[str, str], int]) -> str:
    """The file's text: header, then rows sorted by date then category."""
    out = io.StringIO()
    out.write(HEADER + "\n")
    for (date, category), downloads in sorted(series.items()):
        if _NEEDS_QUOTING.search(category):
            category = '"' + category.replace('"', '""') + '"'
        out.write(f"{date},{category},{downloads}\n")
    return out.getvalue()


def merge(old: Mapping[tuple[str, str], int], new: Mapping[tuple[str, str], int]) -> Series:
    """New values win for every key the source reports; every other key is kept forever."""
    merged = dict(old)
    merged.update(new)
    return merged


# ---------------------------------------------------------------- I/O


def read_series(path: Path) -> Series:
    """The history in `path` ({} when the file does not exist yet)."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return {}
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise CorruptFileError(path, line, "not UTF-8 text") from None
    return parse(text, path)


def write_text_atomic(path: Path, text: str) -> bool:
    """Write `text` to `path` atomically; return False (and touch nothing) if unchanged.

    A temporary file in the same directory is written, flushed to disk and renamed over
    the target, so a run killed at any moment leaves the old file or the new one.
    """
    data = text.encode("utf-8")
    try:
        if path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=TMP_PREFIX + path.name + ".", dir=path.parent)
    try:
        os.fchmod(fd, _mode_for(path))  # mkstemp makes 0600; keep the file's usual mode
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _fsync_dir(path.parent)
    return True


def _mode_for(path: Path) -> int:
    """The existing file's permissions, or 0666 less the umask for a new file."""
    try:
        return path.stat().st_mode & 0o777
    except FileNotFoundError:
        return 0o666 & ~_umask()


@functools.cache
def _umask() -> int:
    """The process umask, read once (reading it means setting it, so not from threads)."""
    umask = os.umask(0o022)
    os.umask(umask)
    return umask


def _fsync_dir(directory: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_series(path: Path, series: Mapping[tuple[str, str], int]) -> bool:
    return write_text_atomic(path, serialize(series))


def remove_stale_temporaries(directory: Path) -> None:
    """Delete temporary files left by a run that was killed mid-write."""
    if directory.is_dir():
        for tmp in directory.glob(TMP_PREFIX + "*"):
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()


def update_package(
    data_dir: Path, name: str, updates: Mapping[str, Mapping[tuple[str, str], int]]
) -> dict[str, bool]:
    """Merge `updates` ({kind: series}) into the package's files; return which changed.

    Every file is read (and so checked) before any is written: one corrupt file leaves
    the whole package untouched.
    """
    directory = package_dir(data_dir, name)
    existing = {kind: read_series(directory / f"{kind}.csv") for kind in updates}
    remove_stale_temporaries(directory)
    changed: dict[str, bool] = {}
    for kind, new in updates.items():
        if not new and not existing[kind]:
            changed[kind] = False
            continue
        changed[kind] = write_series(directory / f"{kind}.csv", merge(existing[kind], new))
    return changed


def read_package(data_dir: Path, name: str, kinds: Iterable[str]) -> dict[str, Series]:
    directory = package_dir(data_dir, name)
    return {kind: read_series(directory / f"{kind}.csv") for kind in kinds}
