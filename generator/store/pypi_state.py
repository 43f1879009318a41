"""data/_meta/pypi-releases.csv: what the last answer of PyPI's JSON API was, per package.

    package,etag,last_serial,checked
    asgiref,,32495228,2026-08-22

One line per package whose releases were fetched: the ETag to send as If-None-Match next
time (empty when PyPI sent none; CSV-quoted, its own quotes doubled), PyPI's last serial for the project (empty when unknown)
and the UTC day of the last successful check, so a package is asked at most once a day.
Sorted by package; written atomically; a line that does not parse is a CorruptFileError
naming it, and the file is then never written over.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from generator.dates import is_date
from generator.errors import CorruptFileError
from generator.names import normalize
from generator.store.files import read_plain_text, write_checked
from generator.store.layout import META_DIR
from generator.store.records import lines_of

STATE_FILE = "pypi-releases.csv"
STATE_HEADER = "package,etag,last_serial,checked"
_ETAG = re.compile(r'(W/)?"[\x21\x23-\x7e]{0,200}"')
_SERIAL = re.compile(r"[0-9]{1,18}")


@dataclass(frozen=True)
class Checked:
    """The last successful check of one package's releases."""

    etag: str  # "" when none
    last_serial: int | None
    checked: str  # UTC day, YYYY-MM-DD


def state_path(data_dir: Path) -> Path:
    return data_dir / META_DIR / STATE_FILE


def entry_problem(name: str, entry: Checked) -> str | None:
    """Why this line could not be stored (so could not be read back), or None."""
    if not name or normalize(name) != name:
        return f"package {name[:100]!r} is not a normalized PyPI name"
    if entry.etag and not _ETAG.fullmatch(entry.etag):
        return f'etag {entry.etag[:100]!r} is not an entity-tag such as "abc" or W/"abc"'
    if entry.last_serial is not None and not _SERIAL.fullmatch(str(entry.last_serial)):
        return f"last_serial {entry.last_serial!r} is not a non-negative integer"
    if not is_date(entry.checked):
        return f"checked {entry.checked[:40]!r} is not a date YYYY-MM-DD"
    return None


def serialize_state(state: Mapping[str, Checked]) -> str:
    """The file's text, sorted by package; ValueError for an entry that cannot be stored."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(STATE_HEADER.split(","))
    for name in sorted(state):
        entry = state[name]
        reason = entry_problem(name, entry)
        if reason is not None:
            raise ValueError(reason)
        serial = "" if entry.last_serial is None else str(entry.last_serial)
        writer.writerow([name, entry.etag, serial, entry.checked])
    return out.getvalue()


def parse_state(text: str, path: Path) -> dict[str, Checked]:
    """Every line of the file; CorruptFileError names the first that does not parse."""
    state: dict[str, Checked] = {}
    for number, fields in lines_of(text, path, STATE_HEADER, 4):
        if fields[2] and not _SERIAL.fullmatch(fields[2]):
            raise CorruptFileError(path, number, "expected package,etag,last_serial,checked")
        name, etag, serial, checked = fields
        entry = Checked(etag, int(serial) if serial else None, checked)
        reason = entry_problem(name, entry)
        if reason is not None:
            raise CorruptFileError(path, number, reason)
        state[name] = entry
    return state


def read_state(data_dir: Path) -> dict[str, Checked]:
    """{normalized name: Checked}; {} when no package was checked yet."""
    path = state_path(data_dir)
    text = read_plain_text(path)  # never through a symbolic link
    return {} if text is None else parse_state(text, path)


def write_state(data_dir: Path, state: Mapping[str, Checked]) -> bool:
    """Store the whole state atomically; False when the bytes are unchanged. The caller
    holds the store's lock (store.locked)."""
    return write_checked(state_path(data_dir), serialize_state(state), parse_state)
