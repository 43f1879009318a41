"""Files under data/: atomic writes (a run killed at any moment leaves the old file or the
new one) and reads that never follow a symbolic link."""

from __future__ import annotations

import contextlib
import errno
import functools
import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from generator.errors import CorruptFileError, LinkRefused

TMP_PREFIX = ".tmp-"
NOT_REGULAR = "is not a regular file, so it is neither read nor published"


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
    if directory.is_dir() and not directory.is_symlink():
        for tmp in directory.glob(TMP_PREFIX + "*"):
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()


def sweep_temporaries(data_dir: Path) -> int:
    """Delete every temporary file a killed run left in data/ and its folders (not through
    links); only the holder of the write lock may, as it is the only writer. Returns how
    many were removed."""
    removed = 0
    folders = [data_dir]
    with contextlib.suppress(OSError), os.scandir(data_dir) as entries:
        folders += [Path(e.path) for e in entries if e.is_dir(follow_symlinks=False)]
    for folder in folders:
        with contextlib.suppress(OSError), os.scandir(folder) as entries:
            for entry in entries:
                if entry.name.startswith(TMP_PREFIX) and not entry.is_dir(follow_symlinks=False):
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(entry.path)
                        removed += 1
    return removed


def _mode(path: Path) -> int | None:
    """The path's own mode (a link's, not its target's); None when it does not exist."""
    try:
        return os.lstat(path).st_mode
    except FileNotFoundError:
        return None


def refuse_link(path: Path) -> None:
    """LinkRefused when `path` is a symbolic link (a missing path is fine)."""
    mode = _mode(path)
    if mode is not None and stat.S_ISLNK(mode):
        raise LinkRefused(path)


def is_plain_file(path: Path) -> bool:
    """Whether `path` exists; LinkRefused, unread, when it is a symbolic link or anything
    else than a regular file."""
    mode = _mode(path)
    if mode is None:
        return False
    if stat.S_ISLNK(mode):
        raise LinkRefused(path)
    if not stat.S_ISREG(mode):
        raise LinkRefused(path, 0, NOT_REGULAR)
    return True


def open_plain(path: Path) -> BinaryIO | None:
    """`path` opened for reading, None when it does not exist; LinkRefused when it or its
    folder is a symbolic link or it is not a regular file. Nothing is read from a refused
    path, so its content can never reach a message or the site."""
    refuse_link(path.parent)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except FileNotFoundError:
        return None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise LinkRefused(path) from None
        raise
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise LinkRefused(path, 0, NOT_REGULAR)
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_plain_bytes(path: Path) -> bytes | None:
    """The bytes of `path` (None when it does not exist), refusing links as `open_plain`."""
    handle = open_plain(path)
    if handle is None:
        return None
    with handle:
        return handle.read()


def write_checked(path: Path, text: str, parse: Callable[[str, Path], object]) -> bool:
    """Write `text` atomically (write_text_atomic) once `parse` reads it back, so nothing
    is stored that cannot be read; never through a symbolic link. False when unchanged."""
    refuse_link(path.parent)
    refuse_link(path)
    parse(text, path)
    return write_text_atomic(path, text)


def read_plain_text(path: Path) -> str | None:
    """The UTF-8 text of `path` (None when it does not exist), refusing links as
    `open_plain`; text that is not UTF-8 is a CorruptFileError naming its line."""
    raw = read_plain_bytes(path)
    if raw is None:
        return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise CorruptFileError(path, line, "not UTF-8 text") from None


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
