"""One writer at a time: an exclusive lock on the data directory.

Every command that writes data/ (fetch, update, import, backfill, the demo's own data
directory) runs inside `locked(data_dir, command)`. The lock is `fcntl.flock` on the data
directory itself, so it needs no file of its own and the kernel drops it the moment its
holder ends, even under kill -9: a lock is never left behind by a dead process. While it
holds the lock a command writes who it is (pid, command, since when) into data/.lock, for
the message a second writer prints, and removes that file again when it is done (.gitignore
lists it; the build never publishes it; one left by a killed run is harmless).

A second writer waits up to LOCK_WAIT seconds (the environment variable
PYPI_STATS_LOCK_WAIT overrides it, e.g. for tests), then stops with DataDirBusy (exit 2),
naming the other process. Readers (`build`, `validate`) take no lock: every file is
replaced by an atomic rename, so a reader sees the old file or the new one, never a torn one.

Holding the lock, a command is the only writer, so the temporary files of a killed run
(store.files.TMP_PREFIX) are stale and are swept from the whole data directory.
The lock is re-entrant within a process: `update` holds it around the fetch it calls.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fcntl
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path

from generator.errors import DataDirBusy, UsageError
from generator.store.files import sweep_temporaries

LOCK_WAIT = 10.0
"""Seconds a second writer waits for the first to finish before it stops (exit 2)."""
WAIT_VARIABLE = "PYPI_STATS_LOCK_WAIT"
HOLDER_FILE = ".lock"
_POLL = 0.05
_HOLDER = re.compile(r"pid=(\d{1,10}) command=([a-z_-]{1,20}) since=([0-9T:Z-]{1,25})\n?")
_held: dict[str, int] = {}  # resolved data dir -> how deep this process holds it


@contextlib.contextmanager
def locked(data_dir: Path, command: str, wait: float | None = None) -> Iterator[None]:
    """Hold the data directory's write lock for the block (created if missing)."""
    key = str(data_dir.resolve())
    if _held.get(key):
        _held[key] += 1
        try:
            yield
        finally:
            _held[key] -= 1
        return
    seconds = _wait_seconds(wait)
    created = not data_dir.exists()
    data_dir.mkdir(parents=True, exist_ok=True)
    try:
        fd = _acquire(data_dir, command, seconds)
    except BaseException:
        if created:
            with contextlib.suppress(OSError):
                data_dir.rmdir()
        raise
    _held[key] = 1
    try:
        _write_holder(data_dir, command)
        sweep_temporaries(data_dir)
        yield
    finally:
        del _held[key]
        with contextlib.suppress(OSError):
            (data_dir / HOLDER_FILE).unlink()
        if created:
            with contextlib.suppress(OSError):
                data_dir.rmdir()  # nothing was written: leave no empty directory behind
        os.close(fd)  # closing drops the lock


def _acquire(data_dir: Path, command: str, wait: float) -> int:
    """An fd of `data_dir` holding its exclusive lock; DataDirBusy after `wait` seconds."""
    deadline = time.monotonic() + wait
    while True:
        fd = os.open(data_dir, os.O_RDONLY | os.O_DIRECTORY)
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError as exc:
                    if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN):
                        raise
                if time.monotonic() >= deadline:
                    raise DataDirBusy(_busy_message(data_dir, command, wait))
                time.sleep(_POLL)
            if _same_directory(fd, data_dir):
                return fd
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)  # the directory was removed and made again meanwhile: lock the new one


def _same_directory(fd: int, data_dir: Path) -> bool:
    try:
        now = os.stat(data_dir)
    except FileNotFoundError:
        data_dir.mkdir(parents=True, exist_ok=True)
        return False
    held = os.fstat(fd)
    return (held.st_dev, held.st_ino) == (now.st_dev, now.st_ino)


def _wait_seconds(wait: float | None) -> float:
    if wait is not None:
        return wait
    text = os.environ.get(WAIT_VARIABLE)
    if text is None:
        return LOCK_WAIT
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds <= 86_400:
        raise UsageError(
            f"{WAIT_VARIABLE}={text[:40]!r} is not a number of seconds from 0 to 86400; "
            f"unset it to wait the default {LOCK_WAIT:g} s"
        )
    return seconds


def _write_holder(data_dir: Path, command: str) -> None:
    """Say who holds the lock, in data/.lock (never through a link that is there)."""
    path = data_dir / HOLDER_FILE
    since = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    with contextlib.suppress(OSError):  # only a message depends on this file
        path.unlink(missing_ok=True)  # a stale one, or a link: unlink removes the link
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(f"pid={os.getpid()} command={command} since={since}\n")


def _busy_message(data_dir: Path, command: str, wait: float) -> str:
    holder = _read_holder(data_dir)
    who = (
        f"`{holder[1]}` (pid {holder[0]}, running since {holder[2]})"
        if holder
        else "another command (it has not said which yet)"
    )
    return (
        f"{data_dir} is being written by {who}; `{command}` waited {wait:g} s for it and "
        "stopped without writing anything. Run it again once that command has finished "
        f"(only one command writes {data_dir} at a time, so no row is lost)."
    )


def _read_holder(data_dir: Path) -> tuple[str, str, str] | None:
    """(pid, command, since) from data/.lock, only when it has exactly the expected shape."""
    try:
        fd = os.open(data_dir / HOLDER_FILE, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        raw = os.read(fd, 200)
    except OSError:
        return None
    finally:
        os.close(fd)
    match = _HOLDER.fullmatch(raw.decode("ascii", "replace"))
    return (match[1], match[2], match[3]) if match else None
