"""`fetch`: new daily counts from pypistats.org (or BigQuery) merged into data/."""

from __future__ import annotations

import argparse
import os

from generator.config import SOURCES, describe_default, load_config
from generator.pipeline.fetch import FetchRequest, fetch
from generator.pipeline.outcome import append_step_summary
from generator.sources.pypistats import DEFAULT_TIMEOUT
from generator.units import positive


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--package",
        action="append",
        metavar="NAME",
        help="fetch only this package (repeatable; it must be listed in packages.yaml)",
    )
    parser.add_argument(
        "--api-url",
        metavar="URL",
        help=f"pypistats.org API root, or a mirror / local server (default: "
        f"{describe_default('api_url')})",
    )
    add_polite_arguments(parser, ", pypistats.org's limit", DEFAULT_TIMEOUT)
    parser.add_argument(
        "--source",
        choices=SOURCES,
        help=f"auto: BigQuery when Google credentials are configured, else pypistats.org "
        f"(with ClickHouse for versions, countries and installers, see `extras_source`); "
        f"clickhouse: every kind from ClickHouse (default: {describe_default('source')})",
    )
    add_clickhouse_argument(parser)
    add_bigquery_arguments(parser)
    parser.epilog = (
        "pypistats.org: three requests per package (overall, python_minor, system); "
        "python_major is derived from python_minor. Each request has a timeout and is "
        "retried with back-off on 429, 5xx and connection errors. A package that fails keeps "
        "its history byte-identical and the others go on. Exit status: 0 all fetched, "
        "1 some packages failed (the summary names each and why), 2 a configuration error."
    )


def add_polite_arguments(parser: argparse.ArgumentParser, limit: str, timeout: float) -> None:
    """--requests-per-minute and --timeout, for a source behind the polite rate limiter
    (`limit` ends the default's description)."""
    parser.add_argument(
        "--requests-per-minute",
        type=positive(int),
        metavar="N",
        help=f"at most N requests a minute (default: {describe_default('requests_per_minute')}"
        f"{limit}); the 5-a-second cap always applies",
    )
    parser.add_argument(
        "--timeout",
        type=positive(float),
        default=timeout,
        metavar="SECONDS",
        help=f"give up on one request after this long, then retry (default {timeout:g})",
    )


def add_clickhouse_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--clickhouse-url",
        metavar="URL",
        help=f"ClickHouse's HTTP address, or a local server (default: "
        f"{describe_default('clickhouse_url')})",
    )


def add_bigquery_arguments(parser: argparse.ArgumentParser) -> None:
    """Options `fetch` (and `update`) take for the BigQuery source."""
    parser.add_argument(
        "--print-sql",
        action="store_true",
        help="print the BigQuery SQL (ClickHouse's with --source clickhouse) and its "
        "parameters, then exit without sending anything",
    )
    parser.add_argument(
        "--days",
        type=positive(int),
        metavar="N",
        help=f"BigQuery and ClickHouse: re-query the last N complete days (default: "
        f"{describe_default('refetch_days')})",
    )
    add_max_bytes_argument(parser)


def add_max_bytes_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--max-bytes-billed",
        type=positive(int),
        metavar="BYTES",
        help=f"BigQuery: refuse a query whose dry run exceeds this many bytes "
        f"(default: {describe_default('maximum_bytes_billed')})",
    )


def request_of(args: argparse.Namespace) -> FetchRequest:
    """The FetchRequest for the arguments this module defined (update reuses it)."""
    return FetchRequest(
        packages=tuple(args.package or ()),
        source=args.source,
        api_url=args.api_url,
        requests_per_minute=args.requests_per_minute,
        timeout=args.timeout,
        print_sql=args.print_sql,
        days=args.days,
        max_bytes_billed=args.max_bytes_billed,
        clickhouse_url=args.clickhouse_url,
    )


def run(args: argparse.Namespace) -> int:
    outcome = fetch(load_config(args.config), args.data_dir, request_of(args))
    if outcome.report:
        print(outcome.text())
    append_step_summary(outcome.markdown("Download counts"), os.environ)
    return outcome.exit_code
