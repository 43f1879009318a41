"""A package's releases: `data/<name>/releases.csv`, the one parser and writer, and the file.

    version,uploaded,yanked
    1.0.0,2020-01-02T03:04:05Z,false

One line per release that has at least one file on PyPI: its version as PyPI spells it,
the upload time of its first file (UTC, whole seconds) and `true` when every file of it
is yanked. Rows are sorted by upload time, then version, so a new release appends a line.
A version appears once. Like the history files, a file that cannot be parsed is reported
with its line (CorruptFileError) and never written over.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from pathlib import Path

from generator.dates import is_date
from generator.errors import CorruptFileError
from generator.model import Release
from generator.store.files import read_plain_text, write_checked
from generator.store.layout import package_dir

FILE_NAME = "releases.csv"
HEADER = "version,uploaded,yanked"
_TIME = re.compile(r"(\d{4}-\d\d-\d\d)T([01]\d|2[0-3]):[0-5]\d:[0-5]\dZ")
_VERSION = re.compile(r"[^\x00-\x20\x7f,\"]{1,200}")  # PyPI's versions: no space, no comma
_FLAGS = {"true": True, "false": False}


def path_of(data_dir: Path, name: str) -> Path:
    return package_dir(data_dir, name) / FILE_NAME


def problem(release: Release) -> str | None:
    """Why `release` cannot be stored (so could not be read back), or None."""
    if not _VERSION.fullmatch(release.version):
        return f"version {release.version!r} is empty, too long or has a space, comma or quote"
    match = _TIME.fullmatch(release.uploaded)
    if not match or not is_date(match.group(1)):
        return f"upload time {release.uploaded!r} is not YYYY-MM-DDTHH:MM:SSZ"
    return None


def serialize(releases: Iterable[Release]) -> str:
    """The file's text: sorted, one line per version. ValueError on a release that could
    not be read back, or a version given twice."""
    ordered = sorted(releases)
    seen: set[str] = set()
    lines = [HEADER]
    for release in ordered:
        reason = problem(release)
        if reason is not None:
            raise ValueError(reason)
        if release.version in seen:
            raise ValueError(f"version {release.version!r} is given twice")
        seen.add(release.version)
        flag = "true" if release.yanked else "false"
        lines.append(f"{release.version},{release.uploaded},{flag}")
    return "\n".join(lines) + "\n"


def parse(text: str, path: Path) -> list[Release]:
    """Every release in the file, in file order; CorruptFileError names the first bad line."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if not lines or lines[0].rstrip("\r") != HEADER:
        raise CorruptFileError(path, 1, f"the header must be {HEADER!r}")
    out: list[Release] = []
    seen: set[str] = set()
    for number, line in enumerate(lines[1:], start=2):
        fields = next(csv.reader(io.StringIO(line.rstrip("\r"))), [])
        if len(fields) != 3 or fields[2] not in _FLAGS:
            raise CorruptFileError(path, number, "expected version,uploaded,true|false")
        release = Release(fields[1], fields[0], _FLAGS[fields[2]])
        reason = problem(release)
        if reason is not None:
            raise CorruptFileError(path, number, reason)
        if release.version in seen:
            raise CorruptFileError(path, number, f"version {release.version!r} appears twice")
        seen.add(release.version)
        out.append(release)
    return sorted(out)


def read(data_dir: Path, name: str) -> list[Release]:
    """The package's stored releases, oldest first; [] when it has none stored yet."""
    path = path_of(data_dir, name)
    text = read_plain_text(path)  # never through a symbolic link
    return [] if text is None else parse(text, path)


def write(data_dir: Path, name: str, releases: Iterable[Release]) -> bool:
    """Store the package's releases (the whole list) atomically; False when unchanged.
    The caller holds the store's lock (store.locked)."""
    path = path_of(data_dir, name)
    text = serialize(releases)
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_checked(path, text, parse)
