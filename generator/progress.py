"""Progress for long work: a bar on a terminal, plain log lines in CI logs."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable, Iterator
from typing import TextIO, TypeVar

T = TypeVar("T")
log = logging.getLogger("generator.progress")


def progress(
    items: Iterable[T],
    total: int,
    label: str,
    describe: object = str,
    stream: TextIO | None = None,
) -> Iterator[T]:
    """Yield `items`, reporting `label i/total item` as each one starts."""
    out = stream if stream is not None else sys.stderr
    bar = out.isatty()
    width = 28
    for index, item in enumerate(items, start=1):
        name = describe(item) if callable(describe) else str(item)
        if bar:
            filled = int(width * (index - 1) / max(total, 1))
            out.write(
                f"\r{label} [{'#' * filled}{'.' * (width - filled)}] {index}/{total} {name:<30.30}"
            )
            out.flush()
        else:
            log.info("%s %d/%d %s", label, index, total, name)
        yield item
    if bar:
        out.write(f"\r{label} [{'#' * width}] {total}/{total} done{' ' * 30}\n")
        out.flush()


class LineClearingHandler(logging.StreamHandler):
    """Log to stderr; on a terminal, clear a half-drawn progress bar first."""

    def emit(self, record: logging.LogRecord) -> None:
        stream = self.stream
        if getattr(stream, "isatty", lambda: False)():
            stream.write("\r\033[K")
        super().emit(record)
