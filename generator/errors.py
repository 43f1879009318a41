"""Error classes. Each carries a message that tells the user how to fix the problem."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

EXIT_OK = 0
EXIT_PARTIAL = 1
EXIT_CONFIG = 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report Ctrl-C


class GeneratorError(Exception):
    """Base class: the CLI prints `message` and exits with `exit_code`, never a traceback."""

    exit_code = EXIT_PARTIAL

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Problem:
    """One problem in a file, at a line (1-based; 0 when the whole file is at fault)."""

    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else str(self.path)
        return f"{where}: {self.message}"


class ConfigError(GeneratorError):
    """packages.yaml (or a command-line choice) is wrong. Exit status 2."""

    exit_code = EXIT_CONFIG

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        count = len(problems)
        header = f"{count} problem{'s' if count != 1 else ''} in the configuration:"
        super().__init__("\n".join([header, *(f"  {p}" for p in problems)]))


class UsageError(GeneratorError):
    """A command-line choice that cannot work. Exit status 2."""

    exit_code = EXIT_CONFIG


class CorruptFileError(GeneratorError):
    """A history file we cannot parse. It is reported and never written over."""

    def __init__(self, path: Path, line: int, reason: str) -> None:
        self.path = path
        self.line = line
        self.reason = reason
        super().__init__(
            f"{path}:{line}: {reason}. The file was left untouched; fix that line "
            "(or restore the file with `git checkout -- <file>`) and run again."
        )


class SourceError(GeneratorError):
    """A package could not be fetched from its source."""


class BodyTooLarge(SourceError):
    """An answer larger than the cap on one answer; nothing of it was used."""


class BigQueryError(SourceError):
    """BigQuery answered with an error; nothing was written for this query."""


class BytesCapExceeded(GeneratorError):
    """A BigQuery dry run says a query would read more than the configured cap. Exit 2.

    Raised only where that is the user's decision to make (raise the cap or query fewer
    days); the backfill plans around the cap instead of catching this.
    """

    exit_code = EXIT_CONFIG

    def __init__(self, message: str, estimate: int, cap: int) -> None:
        super().__init__(message)
        self.estimate = estimate
        self.cap = cap


class RetryBudgetSpent(SourceError):
    """A server asked to wait, but the run's budget for Retry-After waits is spent."""


class DataDirBusy(GeneratorError):
    """Another command holds the data directory's write lock (generator.store.lock). Exit 2."""

    exit_code = EXIT_CONFIG


class UnstorableRow(GeneratorError):
    """A row that breaks generator.rows (so would not round-trip): nothing of the package
    is written."""


class LinkRefused(CorruptFileError):
    """A symbolic link (or something else than a plain file or folder) under data/.

    It is neither read nor published, and its content is never shown.
    """

    def __init__(self, path: Path, line: int = 0, reason: str = "") -> None:
        self.path = path
        self.line = 0
        self.reason = reason or (
            "is a symbolic link; history under data/ must be plain files and folders, so "
            "it is neither read nor published"
        )
        GeneratorError.__init__(
            self,
            f"{path}: {self.reason}. Replace it with the real file (or remove it with "
            "`git rm`) and run again.",
        )
