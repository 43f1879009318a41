"""`fetch`: new daily counts from pypistats.org (or BigQuery) merged into data/.

For each package: three requests (overall, python_minor, system), python_major derived
from python_minor, then one atomic update of the package's four CSV files. A package
that fails (404, a server that stays down, a body that is not the expected JSON, a
corrupt history file) is reported and left byte-identical; the others go on. The run
ends with a summary and exits 1 if any package failed.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from generator import store
from generator.config import SOURCES, Config, Package, load_config
from generator.derive import python_major_from_minor
from generator.errors import EXIT_OK, EXIT_PARTIAL, GeneratorError, UsageError
from generator.model import Series
from generator.progress import progress
from generator.sources.pypistats import DEFAULT_TIMEOUT, PypistatsClient
from generator.sources.ratelimit import polite_limiter
from generator.sources.retry import RetryPolicy
from generator.units import positive

log = logging.getLogger(__name__)

BIGQUERY_MODULE = "generator.sources.bigquery"
CREDENTIAL_VARIABLES = ("GOOGLE_APPLICATION_CREDENTIALS", "BIGQUERY_API_ENDPOINT")
RETRY_POLICY = RetryPolicy()  # 5 attempts, back-off 2, 4, 8, 16 s; Retry-After wins


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
        help="pypistats.org API root, or a mirror / local server "
        "(default: settings.api_url, https://pypistats.org/api)",
    )
    parser.add_argument(
        "--requests-per-minute",
        type=positive(int),
        metavar="N",
        help="at most N requests a minute (default 30, pypistats.org's limit); "
        "the 5-a-second cap always applies",
    )
    parser.add_argument(
        "--timeout",
        type=positive(float),
        default=DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help=f"give up on one request after this long, then retry (default {DEFAULT_TIMEOUT:g})",
    )
    parser.add_argument(
        "--source",
        choices=SOURCES,
        help="auto (default): BigQuery when Google credentials are configured, else pypistats",
    )
    parser.epilog = (
        "pypistats.org: three requests per package (overall, python_minor, system); "
        "python_major is derived from python_minor. Each request has a timeout and is "
        "retried with back-off on 429, 5xx and connection errors. A package that fails keeps "
        "its history byte-identical and the others go on. Exit status: 0 all fetched, "
        "1 some packages failed (the summary names each and why), 2 a configuration error."
    )
    try:
        bigquery = importlib.import_module(BIGQUERY_MODULE)
    except ImportError:  # the BigQuery source is optional until its module lands
        return
    bigquery.add_fetch_arguments(parser)


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    packages = selected_packages(config, args.package)
    source = resolve_source(
        args.source or config.settings.source, os.environ, getattr(args, "print_sql", False)
    )
    if source == "bigquery":
        return _run_bigquery(args, config)
    api_url = api_url_of(args.api_url or config.settings.api_url)
    limiter = polite_limiter(args.requests_per_minute or config.settings.requests_per_minute)
    log.info("fetching %d packages from %s", len(packages), api_url)
    client = PypistatsClient(api_url, limiter=limiter, policy=RETRY_POLICY, timeout=args.timeout)
    with client:
        outcome = fetch_packages(client, packages, args.data_dir)
    print(summary(outcome, api_url))
    return EXIT_PARTIAL if outcome.failed else EXIT_OK


# ---------------------------------------------------------------- choices (pure)


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


def api_url_of(url: str) -> str:
    if not url.startswith(("http://", "https://")):
        raise UsageError(f"--api-url must start with http:// or https://, got {url!r}")
    return url.rstrip("/")


def to_updates(fetched: Mapping[str, Series]) -> dict[str, Series]:
    """The four kinds the store keeps, python_major derived from python_minor."""
    return {
        "overall": dict(fetched["overall"]),
        "python_major": python_major_from_minor(fetched["python_minor"]),
        "python_minor": dict(fetched["python_minor"]),
        "system": dict(fetched["system"]),
    }


# ---------------------------------------------------------------- the work


@dataclass
class FetchOutcome:
    changed: dict[str, list[str]] = field(default_factory=dict)  # name -> kinds rewritten
    failed: dict[str, str] = field(default_factory=dict)  # name -> reason

    @property
    def fetched(self) -> int:
        return len(self.changed)


def fetch_packages(
    client: PypistatsClient, packages: list[Package], data_dir: Path
) -> FetchOutcome:
    """Fetch and store each package; one failure never stops the others."""
    outcome = FetchOutcome()
    for package in progress(packages, len(packages), "fetch", describe=lambda p: p.name):
        try:
            changed = fetch_one(client, package, data_dir)
        except (GeneratorError, OSError) as exc:
            reason = exc.message if isinstance(exc, GeneratorError) else f"cannot write: {exc}"
            log.error("%s: failed, history left unchanged: %s", package.name, reason)
            outcome.failed[package.name] = reason
        else:
            outcome.changed[package.name] = [kind for kind, did in changed.items() if did]
    return outcome


def fetch_one(client: PypistatsClient, package: Package, data_dir: Path) -> dict[str, bool]:
    """All three endpoints first, then one store update: a failure writes nothing."""
    fetched = client.fetch_package(package.name)
    return store.update_package(data_dir, package.name, to_updates(fetched))


def summary(outcome: FetchOutcome, api_url: str) -> str:
    updated = sum(1 for kinds in outcome.changed.values() if kinds)
    files = sum(len(kinds) for kinds in outcome.changed.values())
    lines = [
        f"fetch: {outcome.fetched} package{'s' if outcome.fetched != 1 else ''} fetched from "
        f"{api_url} ({updated} updated, {files} file{'s' if files != 1 else ''} changed), "
        f"{len(outcome.failed)} failed"
    ]
    if outcome.failed:
        lines.append("Failed packages (their history was left unchanged):")
        lines.extend(f"  {name}: {reason}" for name, reason in outcome.failed.items())
    return "\n".join(lines)


def _run_bigquery(args: argparse.Namespace, config: Config) -> int:
    try:
        bigquery = importlib.import_module(BIGQUERY_MODULE)
    except ImportError as exc:
        raise UsageError(
            f"the BigQuery source is not available ({exc}); use --source pypistats"
        ) from None
    return int(bigquery.run_fetch(args, config))
