"""Deterministic sample history, for the demo and for tests (pure; no network).

The shapes imitate real packages: weekly rhythm (fewer downloads at weekends), growth,
Python versions that rise and fade, mirrors adding a few percent, the occasional day with
no record at all, and PyPI's 2026-08-24 counting change (a step down in the totals).
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Iterator

from generator.derive import with_python_major
from generator.model import Release, Series

SAMPLE_PACKAGES: tuple[tuple[str, str, int], ...] = (
    # (name, group, typical daily downloads at the end of the period)
    ("acme-http", "Web", 180_000),
    ("acme-router", "Web", 9_500),
    ("acme-frames", "Data", 60_000),
    ("acme-plot", "Data", 4_200),
    ("acme-learn", "Machine learning", 25_000),
    ("acme-tensors", "Machine learning", 700),
    ("acme-lint", "Developer tools", 12_000),
    ("acme-cli", "Developer tools", 85),
)

# (version, first year it appears, peak year) — shares rise and fade around the peak
_PYTHONS = (
    ("2.7", 2010.0, 2014.0),
    ("3.6", 2017.0, 2018.5),
    ("3.7", 2018.5, 2020.0),
    ("3.8", 2019.8, 2021.5),
    ("3.9", 2020.8, 2022.5),
    ("3.10", 2021.8, 2023.3),
    ("3.11", 2022.8, 2024.2),
    ("3.12", 2023.8, 2025.2),
    ("3.13", 2024.8, 2026.2),
    ("3.14", 2025.8, 2027.0),
)
_SYSTEMS = (("Linux", 0.78), ("Windows", 0.11), ("Darwin", 0.08), ("null", 0.025), ("other", 0.005))
_COUNTRIES = (
    ("US", 0.42),
    ("CN", 0.12),
    ("DE", 0.07),
    ("IN", 0.06),
    ("GB", 0.05),
    ("FR", 0.04),
    ("JP", 0.04),
    ("BR", 0.03),
    ("other", 0.17),
)
_INSTALLERS = (
    ("pip", 0.74),
    ("uv", 0.17),
    ("poetry", 0.05),
    ("pdm", 0.01),
    ("null", 0.01),
    ("other", 0.02),
)
COUNTING_CHANGE = dt.date(2026, 8, 24)


def _days(start: dt.date, end: dt.date) -> Iterator[dt.date]:
    day = start
    while day <= end:
        yield day
        day += dt.timedelta(days=1)


def _python_shares(year: float) -> dict[str, float]:
    weights = {}
    for version, first, peak in _PYTHONS:
        if year < first:
            continue
        weights[version] = math.exp(-(((year - peak) / 1.6) ** 2))
    total = sum(weights.values()) or 1.0
    return {v: w / total for v, w in weights.items()}


def sample_history(name: str, scale: int, start: dt.date, end: dt.date) -> dict[str, Series]:
    """Daily history for one sample package, the same every time for the same arguments."""
    rng = random.Random(f"{name}:{scale}:{start}:{end}")
    series: dict[str, Series] = {
        k: {}
        for k in ("overall", "python_minor", "system", "installer", "country", "ci", "version")
    }
    span = max((end - start).days, 1)
    gap_day = start + dt.timedelta(days=rng.randrange(span)) if span > 60 else None
    for day in _days(start, end):
        if day == gap_day:
            continue  # a day the source never reported: kept as a gap, never invented
        progress = (day - start).days / span
        weekday = 0.62 if day.weekday() >= 5 else 1.0
        change = 0.82 if day >= COUNTING_CHANGE else 1.0
        base = scale * (0.35 + 0.65 * progress**1.4) * weekday * change
        without = max(0, int(base * rng.uniform(0.85, 1.15)))
        if without == 0 and rng.random() < 0.5:
            continue
        date = day.isoformat()
        series["overall"][(date, "without_mirrors")] = without
        series["overall"][(date, "with_mirrors")] = without + int(without * rng.uniform(0.01, 0.06))
        year = day.year + (day.timetuple().tm_yday / 366)
        _split(
            series["python_minor"],
            date,
            without,
            [*_python_shares(year).items(), ("null", 0.01)],
            rng,
        )
        _split(series["system"], date, without, list(_SYSTEMS), rng)
        _split(series["country"], date, without, list(_COUNTRIES), rng)
        _split(series["installer"], date, without, list(_INSTALLERS), rng)
        ci_share = 0.35 + 0.1 * progress
        _split(series["ci"], date, without, [("true", ci_share), ("false", 1 - ci_share)], rng)
        release = 1 + int(progress * 6)
        versions = [
            (f"2.{release}.0", 0.55),
            (f"2.{max(release - 1, 0)}.1", 0.25),
            ("1.9.3", 0.1),
            ("other", 0.1),
        ]
        _split(series["version"], date, without, versions, rng)
    return with_python_major(series)


def sample_releases(name: str, start: dt.date, end: dt.date) -> list[Release]:
    """The releases that match sample_history's version shares: 2.k.0 where its share
    starts (a release candidate a week before it, a 2.k.1 some weeks after), oldest first."""
    rng = random.Random(f"{name}:releases:{start}:{end}")
    span = max((end - start).days, 1)
    out = []
    for minor in range(1, 8):
        day = start + dt.timedelta(days=-(-span * (minor - 1) // 6))
        stamp = f"T{rng.randrange(24):02d}:{rng.randrange(60):02d}:{rng.randrange(60):02d}Z"
        points = (
            (-7, f"2.{minor}.0rc1"),
            (0, f"2.{minor}.0"),
            (rng.randrange(20, 40), f"2.{minor}.1"),
        )
        for offset, version in points:
            when = day + dt.timedelta(days=offset)
            if start - dt.timedelta(days=7) <= when <= end:
                out.append(Release(when.isoformat() + stamp, version))
    return sorted(out)


def _split(
    target: Series, date: str, total: int, shares: list[tuple[str, float]], rng: random.Random
) -> None:
    weights = [max(share * rng.uniform(0.9, 1.1), 0.0) for _, share in shares]
    norm = sum(weights) or 1.0
    remaining = total
    for index, (category, _) in enumerate(shares):
        count = (
            remaining
            if index == len(shares) - 1
            else min(remaining, round(total * weights[index] / norm))
        )
        remaining -= count
        if count > 0:
            target[(date, category)] = count
