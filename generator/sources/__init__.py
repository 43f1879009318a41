"""Sources: clients that return data. No argparse, no store, no printing.

Every source has the same shape (the `Source` protocol): given normalized package names
and a window of days, it yields one `Fetched` per package, `{kind: Series}` or the reason
it could not be fetched, and says afterwards what the run spent. Derived kinds
(python_major) are added by the pipeline, not by a source. Adding a source means adding
one module here and naming it in `generator.pipeline.sources`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from generator.dates import last_complete_day
from generator.model import Series

__all__ = ["Cost", "Fetched", "Source", "last_complete_day"]


@dataclass(frozen=True)
class Cost:
    """What a run spent at a source that bills by bytes (zero elsewhere)."""

    estimate: int = 0  # dry-run bytes (an upper bound on a clustered table)
    bytes_processed: int = 0
    bytes_billed: int = 0

    def __add__(self, other: Cost) -> Cost:
        return Cost(
            self.estimate + other.estimate,
            self.bytes_processed + other.bytes_processed,
            self.bytes_billed + other.bytes_billed,
        )


@dataclass(frozen=True)
class Fetched:
    """One package's answer: its series by kind, or why there is none."""

    name: str  # normalized
    kinds: dict[str, Series] = field(default_factory=dict)
    error: str | None = None
    days: tuple[dt.date, dt.date] | None = None  # the days the answer covers, zeros too


class Source(Protocol):
    """A client that returns `{kind: Series}` per package for days `start`..`end`."""

    label: str  # how summaries name it: "https://pypistats.org/api", "BigQuery"

    def fetch(self, names: Sequence[str], start: dt.date, end: dt.date) -> Iterator[Fetched]:
        """One Fetched per name, in order. A failure of one package is its `error`."""
        ...

    def spent(self) -> Cost:
        """What the calls so far have cost."""
        ...
