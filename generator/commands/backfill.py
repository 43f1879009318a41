"""`backfill`: history since a date, from ClickHouse (free) or BigQuery when configured.

    python -m generator backfill [--since 2016-01-01] [--package NAME ...] [--source S]

Without --package it backfills the tracked packages that have no history yet (and any
whose earlier backfill did not finish). See generator.pipeline.backfill for how.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os

from generator.commands.fetch import add_clickhouse_argument, add_max_bytes_argument
from generator.config import describe_default, load_config
from generator.pipeline.backfill import BackfillRequest, run_backfill
from generator.pipeline.outcome import append_step_summary


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--since",
        type=_date,
        metavar="YYYY-MM-DD",
        help=f"first day to fetch (default: {describe_default('backfill_since')})",
    )
    parser.add_argument(
        "--package",
        action="append",
        metavar="NAME",
        help="backfill this package even if it has history (repeatable; "
        "default: every tracked package that has no history yet)",
    )
    parser.add_argument(
        "--source",
        choices=("bigquery", "clickhouse"),
        help="where the history comes from (default: BigQuery when Google credentials are "
        "configured or `source: bigquery` is set, else ClickHouse's free public dataset)",
    )
    add_clickhouse_argument(parser)
    add_max_bytes_argument(parser)


def run(args: argparse.Namespace) -> int:
    request = BackfillRequest(
        packages=tuple(args.package or ()),
        since=args.since,
        max_bytes_billed=args.max_bytes_billed,
        source=args.source,
        clickhouse_url=args.clickhouse_url,
    )
    outcome = run_backfill(load_config(args.config), args.data_dir, request)
    if outcome.report:
        print(outcome.text())
    append_step_summary(outcome.markdown("Backfill"), os.environ)
    return outcome.exit_code


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date YYYY-MM-DD, got {text!r}") from None
