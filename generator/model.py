"""Plain data types shared by every step of the pipeline."""

from __future__ import annotations

from dataclasses import dataclass

Row = tuple[str, str, int]
"""(date "YYYY-MM-DD", category, downloads)."""

Series = dict[tuple[str, str], int]
"""{(date, category): downloads}. Categories are strings exactly as the source gives them."""

KINDS: tuple[str, ...] = ("overall", "python_major", "python_minor", "system")
"""The pypistats.org dimensions, one CSV file each."""

EXTRA_KINDS: tuple[str, ...] = ("version", "country", "installer", "ci")
"""Dimensions pypistats.org does not have (ClickHouse has all but ci; BigQuery all)."""

ALL_KINDS: tuple[str, ...] = KINDS + EXTRA_KINDS

WITH_MIRRORS = "with_mirrors"
WITHOUT_MIRRORS = "without_mirrors"


@dataclass(frozen=True, order=True)
class Release:
    """One release of a package on PyPI: its version as PyPI spells it, the time its first
    file was uploaded (UTC, "YYYY-MM-DDTHH:MM:SSZ"), and whether it is yanked (every file
    of it is). Ordered by upload time, then version. Stored in data/<name>/releases.csv."""

    uploaded: str
    version: str
    yanked: bool = False

    @property
    def day(self) -> str:
        """The UTC date of the first upload, "YYYY-MM-DD"."""
        return self.uploaded[:10]
