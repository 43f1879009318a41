"""Deterministic synthetic history, for the benchmark and the site's tests (never for data/).

Writes files in the store's exact layout and format (rows sorted by date, then category),
with realistic shapes: weekly seasonality, growth, Python versions that come and go, the
occasional missing day, and optionally the BigQuery-only dimensions.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from pathlib import Path

from generator import store

PYTHON_MINORS = ("2.7", "3.6", "3.7", "3.8", "3.9", "3.10", "3.11", "3.12", "3.13", "3.14")
SYSTEMS = ("Darwin", "Linux", "Windows", "null", "other")
COUNTRIES = ("US", "CN", "DE", "GB", "IN", "FR", "JP", "BR", "CA", "NL")
INSTALLERS = ("pip", "uv", "poetry", "pdm", "bandersnatch")


def _python_weights(day_index: int, days: int) -> list[float]:
    """Share of each minor version on a day: newer versions rise as time passes."""
    t = day_index / max(days, 1)
    centre = 3.5 + 4.0 * t  # index into PYTHON_MINORS of the most popular version
    return [math.exp(-((i - centre) ** 2) / 3.0) + 0.01 for i in range(len(PYTHON_MINORS))]


def _lines(rows: list[tuple[str, str, int]]) -> str:
    """The file text, written by the store's own serializer (the one CSV writer)."""
    return store.serialize({(d, c): n for d, c, n in rows})


def write_package(
    package_dir: Path,
    seed: int,
    start: dt.date,
    days: int,
    scale: float = 1000.0,
    extras: bool = False,
    gap_every: int = 0,
) -> None:
    """Write overall, python_minor, python_major, system (and extras) CSVs for one package."""
    rng = random.Random(seed)
    package_dir.mkdir(parents=True, exist_ok=True)
    overall: list[tuple[str, str, int]] = []
    minor: list[tuple[str, str, int]] = []
    major: list[tuple[str, str, int]] = []
    system: list[tuple[str, str, int]] = []
    version: list[tuple[str, str, int]] = []
    country: list[tuple[str, str, int]] = []
    installer: list[tuple[str, str, int]] = []
    ci: list[tuple[str, str, int]] = []
    growth = rng.uniform(-0.3, 1.5)
    system_weights = [rng.uniform(0.5, 2) for _ in SYSTEMS]
    system_weights[SYSTEMS.index("Linux")] *= 4
    for i in range(days):
        if gap_every and i % gap_every == gap_every - 1:
            continue  # a day the source did not report
        day = start + dt.timedelta(days=i)
        date = day.isoformat()
        weekly = 0.75 if day.weekday() >= 5 else 1.0
        level = scale * (1 + growth * i / max(days, 1)) * weekly * rng.uniform(0.85, 1.15)
        without = max(0, int(level))
        with_m = without + int(without * rng.uniform(0.02, 0.2))
        overall.append((date, "with_mirrors", with_m))
        overall.append((date, "without_mirrors", without))
        weights = _python_weights(i, days)
        total_w = sum(weights) + 0.05
        majors: dict[str, int] = {}
        for version_name, w in zip(PYTHON_MINORS, weights, strict=True):
            n = int(without * w / total_w)
            if n:
                minor.append((date, version_name, n))
                key = version_name.split(".")[0]
                majors[key] = majors.get(key, 0) + n
        null_n = int(without * 0.05 / total_w)
        if null_n:
            minor.append((date, "null", null_n))
            majors["null"] = null_n
        major.extend((date, k, n) for k, n in majors.items())
        sw = sum(system_weights)
        for name, w in zip(SYSTEMS, system_weights, strict=True):
            n = int(without * w / sw)
            if n:
                system.append((date, name, n))
        if extras:
            current = 1 + i // 60
            for back, share in ((0, 0.5), (1, 0.3), (2, 0.1)):
                if current - back >= 1:
                    version.append((date, f"1.{current - back}.0", int(without * share)))
            version.append((date, "other", int(without * 0.1)))
            for rank, code in enumerate(COUNTRIES):
                country.append((date, code, int(without * 0.4 / (rank + 1))))
            country.append((date, "other", int(without * 0.1)))
            uv_share = 0.1 + 0.4 * i / max(days, 1)
            installer.append((date, "pip", int(without * (0.8 - uv_share))))
            installer.append((date, "uv", int(without * uv_share)))
            installer.append((date, "poetry", int(without * 0.1)))
            installer.append((date, "bandersnatch", with_m - without))
            ci.append((date, "true", int(without * 0.6)))
            ci.append((date, "false", int(without * 0.3)))
            ci.append((date, "null", int(without * 0.1)))
    files = {"overall": overall, "python_minor": minor, "python_major": major, "system": system}
    if extras:
        files.update(version=version, country=country, installer=installer, ci=ci)
    for kind, rows in files.items():
        (package_dir / f"{kind}.csv").write_text(_lines(rows), encoding="utf-8")


def write_history(
    data_dir: Path,
    names: list[str],
    end: dt.date,
    days: int,
    extras_for: frozenset[str] = frozenset(),
    seed: int = 1,
) -> None:
    """Synthetic history for every name (normalized) ending on `end`."""
    start = end - dt.timedelta(days=days - 1)
    for index, name in enumerate(names):
        scale = 10 ** (1 + (index * 7919 + seed) % 50 / 10)  # 10 … 1e6 downloads a day
        write_package(
            data_dir / name,
            seed=seed * 100_003 + index,
            start=start,
            days=days,
            scale=scale,
            extras=name in extras_for,
        )


def write_config(
    path: Path, packages: list[tuple[str, str | None]], settings: dict[str, str] | None = None
) -> Path:
    """A packages.yaml listing `packages` ((name, group) pairs) with optional settings.

    Runs keep to pypistats.org (`extras_source: none`) unless `settings` say otherwise."""
    chosen = {"extras_source": "none", **(settings or {})}
    lines = [f"{key}: {value!r}" for key, value in chosen.items()]
    lines.append("packages:")
    for name, group in packages:
        lines.append(f"  - name: {name}")
        if group:
            lines.append(f"    group: {group}")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
