"""Atomic file writes under data/: a run killed at any moment leaves the old file or the new."""

from __future__ import annotations

import contextlib
import functools
import os
import tempfile
from pathlib import Path

TMP_PREFIX = ".tmp-"


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


def remove_stale_temporaries(directory: Path) -> None:
    """Delete temporary files left by a run that was killed mid-write."""
    if directory.is_dir():
        for tmp in directory.glob(TMP_PREFIX + "*"):
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()


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
