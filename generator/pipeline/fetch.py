"""Fetch new daily counts into data/: from pypistats.org, BigQuery or ClickHouse.

By default (`source: auto` with no Google credentials) the four pypistats dimensions come
from pypistats.org, and versions, countries and installers from ClickHouse in the same
run, which also backfills the whole history of a newly added package
(generator.pipeline.clickhouse_night); `extras_source: none` keeps to pypistats.org.

pypistats.org: three requests per package (overall, python_minor, system), python_major
derived from python_minor, then one store update per package. A package that fails (404,
a server that stays down, a body that is not the expected JSON, a corrupt history file)
is reported and left byte-identical; the others go on. Each request has an overall
deadline (REQUEST_DEADLINE, or --timeout when that is longer) and a cap on its body, and
the run has one budget for Retry-After waits: the summary names the packages that failed
because it was spent.
"""

from __future__ import annotations

import dataclasses
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from generator import store
from generator.config import Config, Package
from generator.errors import EXIT_OK, EXIT_PARTIAL, UsageError
from generator.pipeline import bigquery as bigquery_run
from generator.pipeline import clickhouse_night
from generator.pipeline.backfill import packages_needing_backfill
from generator.pipeline.clickhouse_night import ClickHouseRequest
from generator.pipeline.outcome import Outcome
from generator.pipeline.select import resolve_source, selected_packages, with_clickhouse_url
from generator.pipeline.storing import Stored, failure_lines, store_fetched
from generator.progress import progress
from generator.sources import last_complete_day
from generator.sources.pypistats import DEFAULT_TIMEOUT, REQUEST_DEADLINE, PypistatsClient
from generator.sources.ratelimit import polite_limiter
from generator.sources.retry import RetryPolicy

log = logging.getLogger(__name__)

RETRY_POLICY = RetryPolicy()  # 5 attempts, back-off 2, 4, 8, 16 s; Retry-After wins


@dataclass(frozen=True)
class FetchRequest:
    """What the command line asked for; None means "the setting in packages.yaml"."""

    packages: tuple[str, ...] = ()  # empty: every tracked package
    source: str | None = None
    api_url: str | None = None
    requests_per_minute: int | None = None
    timeout: float = DEFAULT_TIMEOUT
    print_sql: bool = False
    days: int | None = None  # BigQuery: complete days re-queried
    max_bytes_billed: int | None = None
    clickhouse_url: str | None = None  # None: settings.clickhouse_url


def fetch(config: Config, data_dir: Path, request: FetchRequest) -> Outcome:
    """Fetch every selected package from the resolved source and store it."""
    source = resolve_source(request.source or config.settings.source, os.environ, request.print_sql)
    settings = with_clickhouse_url(config.settings, request.clickhouse_url)
    config = dataclasses.replace(config, settings=settings)
    if source == "bigquery":
        return bigquery_run.nightly(config, data_dir, _bigquery_request(request))
    if source == "clickhouse":
        ask = ClickHouseRequest(request.packages, request.days, request.print_sql)
        return clickhouse_night.nightly(config, data_dir, ask)
    packages = selected_packages(config, request.packages)
    if config.settings.extras_source != "clickhouse":
        return _pypistats(config, data_dir, packages, request)[0]
    with store.locked(data_dir, "fetch"):  # who needs a backfill is decided under the lock
        new = packages_needing_backfill(data_dir, packages)
        outcome, failed = _pypistats(config, data_dir, packages, request)
        # A package that failed at pypistats.org is left as it was tonight, ClickHouse's
        # part too: a backfill now would fill its recent days, which pypistats.org gives.
        fine = [p for p in packages if p.name not in failed]
        extras = clickhouse_night.extras(config, data_dir, fine, [p for p in new if p in fine])
    return Outcome(max(outcome.exit_code, extras.exit_code), outcome.report + extras.report)


def _pypistats(
    config: Config, data_dir: Path, packages: list[Package], request: FetchRequest
) -> tuple[Outcome, set[str]]:
    """The four pypistats.org kinds of every package, merged key by key; the names of the
    packages that failed."""
    api_url = api_url_of(request.api_url or config.settings.api_url)
    limiter = polite_limiter(request.requests_per_minute or config.settings.requests_per_minute)
    log.info("fetching %d packages from %s", len(packages), api_url)
    client = PypistatsClient(
        api_url,
        limiter=limiter,
        policy=RETRY_POLICY,
        timeout=request.timeout,
        deadline=max(REQUEST_DEADLINE, request.timeout),
    )
    end = last_complete_day()
    with client, store.locked(data_dir, "fetch"):
        answers = (
            answer
            for package in progress(packages, len(packages), "fetch", describe=lambda p: p.name)
            for answer in client.fetch([package.normalized], end, end)
        )
        stored = store_fetched(data_dir, packages, answers, store.merge_keys, "pypistats")
    report = summary(stored, api_url) + budget_note(client, packages)
    return Outcome(EXIT_PARTIAL if stored.failed else EXIT_OK, [report]), set(stored.failed)


def _bigquery_request(request: FetchRequest) -> bigquery_run.WindowRequest:
    return bigquery_run.WindowRequest(
        packages=request.packages,
        days=request.days,
        max_bytes_billed=request.max_bytes_billed,
        print_sql=request.print_sql,
    )


def api_url_of(url: str) -> str:
    if not url.startswith(("http://", "https://")):
        raise UsageError(f"--api-url must start with http:// or https://, got {url!r}")
    return url.rstrip("/")


def summary(outcome: Stored, api_url: str) -> str:
    updated = sum(1 for kinds in outcome.changed.values() if kinds)
    files = sum(len(kinds) for kinds in outcome.changed.values())
    lines = [
        f"fetch: {outcome.fetched} package{'s' if outcome.fetched != 1 else ''} fetched from "
        f"{api_url} ({updated} updated, {files} file{'s' if files != 1 else ''} changed), "
        f"{len(outcome.failed)} failed"
    ]
    lines.extend(failure_lines(outcome))
    return "\n".join(lines)


def budget_note(client: PypistatsClient, packages: Sequence[Package]) -> str:
    """The packages that failed because the run's Retry-After budget was spent, if any."""
    names = [p.name for p in packages if p.normalized in client.out_of_budget]
    if not names:
        return ""
    budget = client.budget
    return (
        f"\nRetry budget spent: the server asked for more Retry-After waiting than the "
        f"{budget.total:g} s this run allows in all ({budget.waited:.3g} s waited), so "
        f"{len(names)} package{'s' if len(names) != 1 else ''} failed without waiting: "
        f"{', '.join(names)}. Run again later."
    )
