"""`api/packages/<name>/summary.json`: one package at a glance, in the summary format of
the download-tracking scripts (pure).

Those scripts write `download_summary.json` with `package`, `timestamp`,
`total_downloads`, `average_daily`, `top_versions` ([{version, downloads}], the Python
versions) and `top_systems` ([{system, downloads}]) over the days they fetched, and their
readers divide a version's or a system's downloads by `total_downloads`. Here the window
is the last 30 days ending on the last date in the history (derive.RECENT_WINDOWS'
`last_month`, the badges' and pypistats.org's month), without mirrors, so those shares
stay right. Further keys: the window itself, the all-time total, the peak day, the latest
release, the growth against the previous week and month, and the package's own versions
when the history has them.

The shape is documented by a JSON Schema, content/summary.schema.json (published as
api/summary.schema.json); the tests validate every summary against it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from generator import derive, stats
from generator.model import Release

WINDOW = "last_month"
"""The summary's window: one of derive.RECENT_WINDOWS (30 days)."""
TOP = 10
"""The most categories listed in each top_* list."""
GROWTH = {"last_week": 7, "last_month": 30}
"""The growth figures: a window of days against the same number of days before it."""
SCHEMA_NAME = "summary.schema.json"


def window_of(last_date: str, first_date: str | None) -> dict[str, Any]:
    """The summary's window ending on `last_date`: its first and last day and how many
    days of it the history covers (fewer for a package tracked for less than 30 days)."""
    days = derive.RECENT_WINDOWS[WINDOW]
    start = derive.window_start(last_date, days)
    covered_from = max(start, first_date or start)
    covered = (dt.date.fromisoformat(last_date) - dt.date.fromisoformat(covered_from)).days + 1
    return {"start": start, "end": last_date, "days": days, "days_covered": covered}


def top(totals: Mapping[str, int], key: str) -> list[dict[str, Any]]:
    """The TOP categories by downloads (then by name), as [{key: category, downloads}]."""
    ordered = sorted(totals.items(), key=lambda item: (-item[1], item[0]))
    return [{key: category, "downloads": n} for category, n in ordered[:TOP] if n > 0]


def growth(without: stats.Daily, last_date: str) -> dict[str, dict[str, Any]]:
    out = {}
    for name, days in GROWTH.items():
        change = stats.change(without, last_date, days)
        percent = change.percent
        out[name] = {
            "downloads": change.current,
            "previous": change.previous,
            "percent": None if percent is None else round(percent, 1),
        }
    return out


def latest_release(releases: Sequence[Release]) -> dict[str, Any] | None:
    """The newest upload that is not yanked (the newest of all when every one is)."""
    if not releases:
        return None
    kept = [r for r in releases if not r.yanked] or list(releases)
    newest = max(kept)
    return {"version": newest.version, "date": newest.day, "uploaded": newest.uploaded}


def summary_document(
    package: str,
    timestamp: str,
    summary: stats.Summary,
    without: stats.Daily,
    totals: Mapping[str, Mapping[str, int]],
    releases: Sequence[Release] = (),
) -> dict[str, Any]:
    """The summary of a package with history (`summary.last_date` set). `totals` holds
    each kind's {category: downloads} over the window (python_minor, system, version)."""
    assert summary.last_date is not None
    window = window_of(summary.last_date, summary.first_date)
    total = getattr(summary, WINDOW)
    document: dict[str, Any] = {
        "package": package,
        "timestamp": timestamp,
        "window": window,
        "total_downloads": total,
        "average_daily": round(total / window["days_covered"], 1),
        "top_versions": top(totals.get("python_minor", {}), "version"),
        "top_systems": top(totals.get("system", {}), "system"),
        "all_time_downloads": summary.total,
        "first_date": summary.first_date,
        "peak_day": {"date": summary.peak_date, "downloads": summary.peak_downloads},
        "growth": growth(without, summary.last_date),
        "latest_release": latest_release(releases),
    }
    if "version" in totals:
        document["top_releases"] = top(totals["version"], "version")
    return document
