"""data/_meta/backfill-pending.csv: the packages whose backfill has not finished yet."""

from __future__ import annotations

from pathlib import Path

from generator.store.csvformat import split_lines
from generator.store.files import read_plain_text, refuse_link, write_text_atomic
from generator.store.layout import META_DIR

PENDING_FILE = "backfill-pending.csv"
PENDING_HEADER = "package"


def pending_path(data_dir: Path) -> Path:
    return data_dir / META_DIR / PENDING_FILE


def read_pending(data_dir: Path) -> set[str]:
    path = pending_path(data_dir)
    text = read_plain_text(path)  # never through a symbolic link
    if text is None:
        return set()
    lines = split_lines(text)
    return {line.strip() for line in lines[1:] if line.strip()}


def write_pending(data_dir: Path, names: set[str]) -> None:
    path = pending_path(data_dir)
    refuse_link(path.parent)
    refuse_link(path)
    if not names:
        path.unlink(missing_ok=True)
        return
    write_text_atomic(path, "\n".join([PENDING_HEADER, *sorted(names)]) + "\n")
