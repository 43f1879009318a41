"""Which packages and which source a run uses (pure)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping

from generator.config import Config, Package, Settings
from generator.errors import UsageError
from generator.sources.bigquery import CREDENTIAL_VARIABLES

__all__ = ["CREDENTIAL_VARIABLES", "resolve_source", "selected_packages"]


def selected_packages(config: Config, names: Iterable[str] | None) -> list[Package]:
    """The packages to fetch: all of packages.yaml, or the ones named with --package."""
    if not names:
        return list(config.packages)
    chosen: dict[str, Package] = {}
    unknown: list[str] = []
    for name in names:
        package = config.package(name)
        if package is None:
            unknown.append(name)
        else:
            chosen.setdefault(package.normalized, package)
    if unknown:
        listed = ", ".join(f"`{n}`" for n in unknown)
        raise UsageError(
            f"{listed} {'is' if len(unknown) == 1 else 'are'} not in {config.path}. "
            f"Add {'it' if len(unknown) == 1 else 'them'} first with "
            f"`python -m generator add {unknown[0]}`, or check the spelling."
        )
    return list(chosen.values())


def resolve_source(choice: str, environ: Mapping[str, str], print_sql: bool = False) -> str:
    """`auto` means BigQuery when Google credentials are configured, else pypistats.

    `--print-sql` shows the BigQuery query (the ClickHouse ones with `clickhouse`) without
    running it, so it needs no credentials.
    """
    if print_sql:
        if choice == "pypistats":
            raise UsageError(
                "--print-sql shows the BigQuery or ClickHouse queries; use --source bigquery "
                "or --source clickhouse"
            )
        return "clickhouse" if choice == "clickhouse" else "bigquery"
    if choice != "auto":
        return choice
    return "bigquery" if any(environ.get(v) for v in CREDENTIAL_VARIABLES) else "pypistats"


def backfill_source(choice: str | None, setting: str, environ: Mapping[str, str]) -> str:
    """Where a backfill comes from: the source asked for (`--source`, then `source:` in
    packages.yaml), else BigQuery when Google credentials are configured, else ClickHouse."""
    if choice in ("bigquery", "clickhouse"):
        return choice
    if setting in ("bigquery", "clickhouse"):
        return setting
    if any(environ.get(v) for v in CREDENTIAL_VARIABLES):
        return "bigquery"
    return "clickhouse"


def with_clickhouse_url(settings: Settings, url: str | None) -> Settings:
    """`settings` with `--clickhouse-url` in place of `clickhouse_url`, when given."""
    if not url:
        return settings
    if not url.startswith(("http://", "https://")):
        raise UsageError(f"--clickhouse-url must start with http:// or https://, got {url!r}")
    return dataclasses.replace(settings, clickhouse_url=url)
