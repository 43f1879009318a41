"""data/_meta/backfill-pending.csv: the packages whose backfill has not finished yet."""

from __future__ import annotations

from pathlib import Path

from generator.errors import CorruptFileError
from generator.store.csvformat import split_lines
from generator.store.files import read_plain_bytes, refuse_link, write_text_atomic
from generator.store.layout import META_DIR

PENDING_FILE = "backfill-pending.csv"
PENDING_HEADER = "package"


def pending_path(data_dir: Path) -> Path:
    return data_dir / META_DIR / PENDING_FILE


def read_pending(data_dir: Path) -> set[str]:
    path = pending_path(data_dir)
    raw = read_plain_bytes(path)  # never through a symbolic link
    if raw is None:
        return set()
    try:
        lines = split_lines(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise CorruptFileError(path, 1, "not UTF-8 text") from None
    return {line.strip() for line in lines[1:] if line.strip()}


def write_pending(data_dir: Path, names: set[str]) -> None:
    path = pending_path(data_dir)
    refuse_link(path.parent)
    refuse_link(path)
    if not names:
        path.unlink(missing_ok=True)
        return
    write_text_atomic(path, "\n".join([PENDING_HEADER, *sorted(names)]) + "\n")
