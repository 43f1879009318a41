"""The "Costs" page: what each BigQuery run cost, from data/_meta/bigquery-runs.csv. Pure."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from typing import Any

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
