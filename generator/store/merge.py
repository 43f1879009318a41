"""How new rows meet stored ones: the merge policies, each a named pure function.

- `merge_keys`: pypistats.org answers. The source's value wins for every key it reports;
  every other key is kept forever (pypistats.org forgets days after 180; we do not).
- `replace_days`: BigQuery answers. A day in the answer is taken whole, so a top-K
  category that fell out of today's answer does not linger beside the "other" that now
  counts it, and re-querying a day is idempotent.
- `fill_days`: a backfill. Only days we do not have yet are added, each whole; a day
  another source already gave is never touched.
- `fill_gaps`: `import`. Only keys we do not have yet are added; a stored value is never
  overwritten by history collected elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from generator.model import Series

Policy = Callable[[Mapping[tuple[str, str], int], Mapping[tuple[str, str], int]], Series]


def merge_keys(old: Mapping[tuple[str, str], int], new: Mapping[tuple[str, str], int]) -> Series:
    """New values win for every key the source reports; every other key is kept."""
    merged = dict(old)
    merged.update(new)
    return merged


def replace_days(old: Mapping[tuple[str, str], int], new: Mapping[tuple[str, str], int]) -> Series:
    """Every day present in `new` is taken whole from `new`; other days are kept."""
    days = {date for date, _ in new}
    kept = {key: value for key, value in old.items() if key[0] not in days}
    kept.update(new)
    return kept


def fill_days(old: Mapping[tuple[str, str], int], new: Mapping[tuple[str, str], int]) -> Series:
    """The stored rows plus the days of `new` that have no stored row at all."""
    days = {date for date, _ in old}
    merged = {key: value for key, value in new.items() if key[0] not in days}
    merged.update(old)
    return merged


def fill_gaps(old: Mapping[tuple[str, str], int], new: Mapping[tuple[str, str], int]) -> Series:
    """The stored rows plus the new rows for keys not stored yet."""
    merged = dict(new)
    merged.update(old)
    return merged


def disagreements(old: Mapping[tuple[str, str], int], new: Mapping[tuple[str, str], int]) -> int:
    """How many keys of `new` are stored with another value (what `fill_gaps` keeps)."""
    return sum(1 for key, value in new.items() if key in old and old[key] != value)
