"""The "Costs" page: what each BigQuery run cost, from data/_meta/bigquery-runs.csv, and
what each ClickHouse run read, from data/_meta/clickhouse-runs.csv. Pure."""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Sequence
from typing import Any

from generator.store.clickhouse_log import ClickHouseRun
from generator.store.runlog import RunRecord
from generator.units import human_bytes

TIB = 2**40
FREE_TIER_BYTES = TIB  # BigQuery on-demand: the first 1 TiB scanned each month is free
PRICE_PER_TIB_USD = 6.25


def _share(billed: int) -> str:
    return f"{100 * billed / FREE_TIER_BYTES:.2f}%"


def _cost(billed: int) -> str:
    beyond = max(0, billed - FREE_TIER_BYTES)
    return f"${beyond / TIB * PRICE_PER_TIB_USD:,.2f}"


def context(runs: Sequence[RunRecord], this_month: str) -> dict[str, Any]:
    """Template variables for costs.html; `this_month` is "YYYY-MM" (UTC)."""
    months: dict[str, list[RunRecord]] = {}
    for r in runs:
        months.setdefault(r.run_at[:7], []).append(r)
    fetches = [r.bytes_billed for r in runs if r.command == "fetch"] or [
        r.bytes_billed for r in runs
    ]
    current = sum(r.bytes_billed for r in months.get(this_month, []))
    newest = sorted(runs, key=lambda r: r.run_at, reverse=True)
    return {
        "free_tier": human_bytes(FREE_TIER_BYTES),
        "first_run": min((r.run_at[:10] for r in runs), default="—"),
        "last_run": newest[0].run_at if newest else "—",
        "last_billed": human_bytes(newest[0].bytes_billed) if newest else "—",
        "typical": human_bytes(int(statistics.median(fetches))) if fetches else "—",
        "this_month": {"billed": human_bytes(current), "share": _share(current)},
        "months": [
            {
                "month": month,
                "count": len(rs),
                "processed": human_bytes(sum(r.bytes_processed for r in rs)),
                "billed": human_bytes(sum(r.bytes_billed for r in rs)),
                "share": _share(sum(r.bytes_billed for r in rs)),
                "cost": _cost(sum(r.bytes_billed for r in rs)),
            }
            for month, rs in sorted(months.items(), reverse=True)
        ],
        "runs": [
            {
                "run_at": r.run_at.replace("T", " ").removesuffix("Z"),
                "command": r.command,
                "packages": len(r.packages),
                "start_date": r.start_date,
                "end_date": r.end_date,
                "processed": human_bytes(r.bytes_processed),
                "billed": human_bytes(r.bytes_billed),
            }
            for r in newest
        ],
    }


def _when(run_at: str) -> str:
    """2026-11-22T03:17:00Z → "2026-11-22 03:17:00" (UTC)."""
    return run_at.replace("T", " ").removesuffix("Z")


def clickhouse_context(runs: Sequence[ClickHouseRun], today: dt.date) -> dict[str, Any]:
    """Template variables for the ClickHouse part of costs.html (`logged` False: no runs).

    The public service is free, so there is nothing to bill: what each run read, per
    month, and the newest run."""
    months: dict[str, list[ClickHouseRun]] = {}
    for r in runs:
        months.setdefault(r.run_at[:7], []).append(r)
    newest = max(runs, key=lambda r: r.run_at) if runs else None
    current = months.get(today.strftime("%Y-%m"), [])
    return {
        "logged": bool(runs),
        "count": len(runs),
        "first_run": min((r.run_at[:10] for r in runs), default="—"),
        "queries": sum(r.queries for r in runs),
        "this_month": human_bytes(sum(r.bytes_read for r in current)),
        "last": None
        if newest is None
        else {
            "run_at": _when(newest.run_at),
            "command": newest.command,
            "packages": len(newest.packages),
            "start_date": newest.start_date,
            "end_date": newest.end_date,
            "newest_day": newest.newest_day or "none",
            "behind": newest.behind,
            "queries": newest.queries,
            "rows_read": newest.rows_read,
            "bytes_read": human_bytes(newest.bytes_read),
        },
        "months": [
            {
                "month": month,
                "count": len(rs),
                "queries": sum(r.queries for r in rs),
                "rows_read": sum(r.rows_read for r in rs),
                "bytes_read": human_bytes(sum(r.bytes_read for r in rs)),
            }
            for month, rs in sorted(months.items(), reverse=True)
        ],
    }
