"""Which packages and which source a run uses (pure)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from generator.config import Config, Package
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

    `--print-sql` shows the BigQuery query without running it, so it needs no credentials.
    """
    if print_sql:
        if choice == "pypistats":
            raise UsageError("--print-sql shows the BigQuery query; drop --source pypistats")
        return "bigquery"
    if choice != "auto":
        return choice
    return "bigquery" if any(environ.get(v) for v in CREDENTIAL_VARIABLES) else "pypistats"
