"""BigQuery source: one parameterized query a run over `bigquery-public-data.pypi.file_downloads`.

Flow of a nightly `fetch --source bigquery`:
  packages.yaml → SQL + parameters (bigquery_sql) → dry run → refuse above the byte cap →
  run → cube rows → {package: {kind: Series}} (pure) → data/ (whole days replaced) →
  data/_meta/bigquery-runs.csv.
Packages with no history yet are handed to the backfill (generator.commands.backfill).

`BIGQUERY_API_ENDPOINT` points the client at another server (an emulator, the tests'
stand-in) with anonymous credentials.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from generator import runlog, store
from generator.config import Config, Package
from generator.derive import python_major_from_minor
from generator.errors import EXIT_CONFIG, EXIT_OK, EXIT_PARTIAL, GeneratorError, UsageError
from generator.model import ALL_KINDS, WITH_MIRRORS, WITHOUT_MIRRORS, Series
from generator.names import normalize
from generator.sources import bigquery_sql
from generator.sources.bigquery_sql import Parameter
from generator.units import human_bytes, positive

if TYPE_CHECKING:
    from google.cloud.bigquery import Client

log = logging.getLogger(__name__)

ENDPOINT_VARIABLE = "BIGQUERY_API_ENDPOINT"
OTHER = "other"
# Which count each kind uses: installer shows every download (mirrors too), the other
# kinds follow pypistats.org and leave mirrors (and unknown installers) out.
_COUNT_OF = {
    "python_minor": WITHOUT_MIRRORS,
    "system": WITHOUT_MIRRORS,
    "version": WITHOUT_MIRRORS,
    "country": WITHOUT_MIRRORS,
    "ci": WITHOUT_MIRRORS,
    "installer": WITH_MIRRORS,
}
_TOP_K_KINDS = ("version", "country", "installer", "ci")


class BytesCapExceeded(GeneratorError):
    """The dry run says the query would read more than the configured cap. Exit 2."""

    exit_code = EXIT_CONFIG

    def __init__(self, message: str, estimate: int, cap: int) -> None:
        super().__init__(message)
        self.estimate = estimate
        self.cap = cap


@dataclass(frozen=True)
class WindowResult:
    status: int  # exit code: 0, or 1 when some package could not be stored
    bytes_billed: int


@dataclass(frozen=True)
class QueryStats:
    estimate: int  # dry-run bytes (an upper bound on a clustered table)
    bytes_processed: int
    bytes_billed: int


# ---------------------------------------------------------------- command line


def add_fetch_arguments(parser: argparse.ArgumentParser) -> None:
    """Options `fetch` (and `update`) take for the BigQuery source."""
    parser.add_argument(
        "--print-sql",
        action="store_true",
        help="print the BigQuery SQL and its parameters, then exit without contacting BigQuery",
    )
    parser.add_argument(
        "--days",
        type=positive(int),
        metavar="N",
        help="BigQuery: re-query the last N complete days (default: settings.refetch_days, 2)",
    )
    add_max_bytes_argument(parser)


def add_max_bytes_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--max-bytes-billed",
        type=positive(int),
        metavar="BYTES",
        help="BigQuery: refuse a query whose dry run exceeds this many bytes "
        "(default: settings.maximum_bytes_billed, 32 GiB)",
    )


def run_fetch(args: argparse.Namespace, config: Config) -> int:
    """The nightly BigQuery fetch: recent days for known packages, backfill for new ones."""
    from generator.commands import backfill
    from generator.commands.fetch import selected_packages

    settings = config.settings
    packages = selected_packages(config, getattr(args, "package", None))
    end = last_complete_day()
    days = getattr(args, "days", None) or settings.refetch_days
    start = end - dt.timedelta(days=days - 1)
    cap = getattr(args, "max_bytes_billed", None) or settings.maximum_bytes_billed
    new = backfill.packages_needing_backfill(args.data_dir, packages)
    known = [p for p in packages if p.normalized not in {n.normalized for n in new}]
    if getattr(args, "print_sql", False):
        since = dt.date.fromisoformat(settings.backfill_since)
        print(
            sql_listing(
                [p.normalized for p in known], [p.normalized for p in new], start, end, since
            )
        )
        return EXIT_OK
    status = EXIT_OK
    spent = 0
    client: Client | None = None
    if known:
        client = make_client(settings.bigquery_project)
        window = fetch_window(client, args.data_dir, known, start, end, cap, settings.top_k)
        status, spent = window.status, window.bytes_billed
    if new:
        log.info("%d new package(s) without history: starting a backfill", len(new))
        client = client or make_client(settings.bigquery_project)
        since = dt.date.fromisoformat(settings.backfill_since)
        budget = max(cap - spent, 0)  # one night's bytes, window and backfill together
        status = max(
            status,
            backfill.backfill(
                client, args.data_dir, new, since, end, cap, settings.top_k, budget=budget
            ),
        )
    return status


def sql_listing(
    known: list[str], new: list[str], start: dt.date, end: dt.date, since: dt.date
) -> str:
    """What `--print-sql` shows (pure): the SQL, then the parameters of each query the run
    would send. Packages with no history yet are backfilled, newest month first."""
    parts = [bigquery_sql.QUERY.rstrip("\n")]
    if known:
        parts += [
            "-- parameters",
            bigquery_sql.describe(bigquery_sql.parameters(known, start, end)),
        ]
    if new and since <= end:
        from generator.commands.backfill import month_chunks

        first, last = month_chunks(since, end)[-1]
        parts += [
            f"-- backfill of packages with no history yet: the same SQL once per month from "
            f"{since} to {end}, newest first (a month above the cap is halved); the first:",
            bigquery_sql.describe(bigquery_sql.parameters(new, first, last)),
        ]
    return "\n".join(parts)


def fetch_window(
    client: Client,
    data_dir: Path,
    packages: list[Package],
    start: dt.date,
    end: dt.date,
    cap: int,
    top_k: int,
    command: str = "fetch",
) -> WindowResult:
    """Query days start..end for `packages`, store them, and log the run."""
    names = [p.normalized for p in packages]
    log.info("BigQuery: %d package(s), %s..%s", len(names), start, end)
    rows, stats = query_cube(client, names, start, end, cap)
    updates = cube_to_updates(rows, top_k)
    failed = store_updates(data_dir, packages, updates)
    runlog.append(
        data_dir,
        runlog.RunRecord(
            run_at=runlog.now(),
            command=command,
            packages=tuple(names),
            start_date=start.isoformat(),
            end_date=end.isoformat(),
            bytes_processed=stats.bytes_processed,
            bytes_billed=stats.bytes_billed,
        ),
    )
    summary = (
        f"{command}: {len(names) - len(failed)} of {len(names)} package(s) from BigQuery, "
        f"{start}..{end}; {human_bytes(stats.bytes_processed)} processed, "
        f"{human_bytes(stats.bytes_billed)} billed (dry-run estimate {human_bytes(stats.estimate)})"
    )
    if command == "fetch":
        print(summary)  # the run's final summary
    else:
        log.info("%s", summary)  # one line per backfill chunk
    return WindowResult(EXIT_PARTIAL if failed else EXIT_OK, stats.bytes_billed)


def last_complete_day(today: dt.date | None = None) -> dt.date:
    """Yesterday in UTC: today's partition is still filling."""
    return (today or dt.datetime.now(dt.UTC).date()) - dt.timedelta(days=1)


# ---------------------------------------------------------------- BigQuery I/O


def make_client(project: str | None) -> Client:
    """A BigQuery client; with BIGQUERY_API_ENDPOINT set, anonymous against that URL."""
    from google.api_core.client_options import ClientOptions
    from google.auth.credentials import AnonymousCredentials
    from google.auth.exceptions import DefaultCredentialsError
    from google.cloud import bigquery

    endpoint = os.environ.get(ENDPOINT_VARIABLE)
    if endpoint:
        log.info("BigQuery: using %s with anonymous credentials", endpoint)
        return bigquery.Client(
            project=project or "local-emulator",
            credentials=AnonymousCredentials(),
            client_options=ClientOptions(api_endpoint=endpoint),
        )
    try:
        return bigquery.Client(project=project)
    except DefaultCredentialsError as exc:
        raise UsageError(
            f"no Google credentials found ({exc}). Set GOOGLE_APPLICATION_CREDENTIALS to a "
            "service-account key file or use workload identity (see the README's BigQuery "
            "section), or fetch with --source pypistats."
        ) from None
    except OSError as exc:  # "Project was not passed and could not be determined"
        raise UsageError(
            f"{exc}. Set `bigquery_project:` under `settings:` in packages.yaml to the "
            "Google Cloud project that pays for the queries."
        ) from None


def query_cube(
    client: Client, names: list[str], start: dt.date, end: dt.date, cap: int
) -> tuple[list[dict[str, Any]], QueryStats]:
    """Dry run, refuse above `cap`, then run the one query and return its cube rows."""
    params = bigquery_sql.parameters(names, start, end)
    estimate = dry_run(client, params)
    check_cap(estimate, cap, start, end, len(names))
    return run_query(client, params, cap, estimate)


def check_cap(estimate: int, cap: int, start: dt.date, end: dt.date, count: int) -> None:
    if estimate > cap:
        raise BytesCapExceeded(
            f"the BigQuery dry run says this query would process {human_bytes(estimate)} "
            f"({estimate} bytes) for {count} package(s), {start}..{end}, above the cap of "
            f"{human_bytes(cap)} ({cap} bytes). Nothing was queried or written. Fix: query fewer "
            "days (--days), or raise the cap with --max-bytes-billed or "
            "`maximum_bytes_billed:` under `settings:` in packages.yaml.",
            estimate=estimate,
            cap=cap,
        )


def dry_run(client: Client, params: list[Parameter]) -> int:
    from google.cloud import bigquery

    config = bigquery.QueryJobConfig(
        dry_run=True, use_query_cache=False, query_parameters=to_query_parameters(params)
    )
    job = _call(lambda: client.query(bigquery_sql.QUERY, job_config=config))
    return int(job.total_bytes_processed or 0)


def run_query(
    client: Client, params: list[Parameter], cap: int, estimate: int
) -> tuple[list[dict[str, Any]], QueryStats]:
    from google.cloud import bigquery

    config = bigquery.QueryJobConfig(
        query_parameters=to_query_parameters(params), maximum_bytes_billed=cap
    )

    def go() -> tuple[Any, list[dict[str, Any]]]:
        job = client.query(bigquery_sql.QUERY, job_config=config)
        return job, [dict(row.items()) for row in job.result(page_size=10_000)]

    job, rows = _call(go)
    stats = QueryStats(
        estimate=estimate,
        bytes_processed=int(job.total_bytes_processed or 0),
        bytes_billed=int(job.total_bytes_billed or 0),
    )
    return rows, stats


def to_query_parameters(params: list[Parameter]) -> list[Any]:
    from google.cloud import bigquery

    out: list[Any] = []
    for p in params:
        if p.array:
            out.append(bigquery.ArrayQueryParameter(p.name, p.type, p.value))
        else:
            out.append(bigquery.ScalarQueryParameter(p.name, p.type, cast(Any, p.value)))
    return out


def _call(work: Any) -> Any:
    """Run a BigQuery call; its failures become SourceError-like messages, not tracebacks."""
    from google.api_core import exceptions as api_exceptions

    try:
        return work()
    except api_exceptions.GoogleAPIError as exc:
        message = getattr(exc, "message", None) or str(exc)
        raise BigQueryError(f"BigQuery refused the query: {message}") from None


class BigQueryError(GeneratorError):
    """BigQuery answered with an error; nothing was written for this query."""


# ---------------------------------------------------------------- cube → series (pure)


def cube_to_updates(rows: Iterable[Mapping[str, Any]], top_k: int) -> dict[str, dict[str, Series]]:
    """Cube rows → {normalized name: {kind: Series}} for every kind in model.ALL_KINDS.

    A row whose dimension columns are all NULL is the (day, project) total; otherwise the
    one set column names its dimension. Zero counts are left out, as pypistats.org does.
    """
    raw: dict[str, dict[str, Series]] = defaultdict(lambda: defaultdict(dict))
    for row in rows:
        name = normalize(str(row["project"]))
        date = _date_text(row["download_date"])
        kinds = raw[name]
        dimension = next(
            (
                (kind, row[column])
                for kind, column in bigquery_sql.DIMENSIONS.items()
                if row.get(column) is not None
            ),
            None,
        )
        if dimension is None:
            for category in (WITH_MIRRORS, WITHOUT_MIRRORS):
                _put(kinds["overall"], date, category, row[category])
            continue
        kind, category = dimension
        _put(kinds[kind], date, str(category), row[_COUNT_OF[kind]])
    updates: dict[str, dict[str, Series]] = {}
    for name, kinds in raw.items():
        series = {kind: dict(kinds.get(kind, {})) for kind in ALL_KINDS if kind != "python_major"}
        series["python_major"] = python_major_from_minor(series["python_minor"])
        for kind in _TOP_K_KINDS:
            series[kind] = top_k_per_day(series[kind], top_k)
        updates[name] = {kind: series[kind] for kind in ALL_KINDS}
    return updates


def _put(series: Series, date: str, category: str, count: Any) -> None:
    value = int(count or 0)
    if value:
        series[(date, category)] = series.get((date, category), 0) + value


def _date_text(value: Any) -> str:
    return value.isoformat() if isinstance(value, dt.date) else str(value)[:10]


def top_k_per_day(series: Mapping[tuple[str, str], int], k: int) -> Series:
    """Keep the `k` largest categories of each day; the rest are summed into "other".

    Ties are broken by category name so the result never depends on row order.
    """
    by_day: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for (date, category), downloads in series.items():
        by_day[date].append((category, downloads))
    out: Series = {}
    for date, items in by_day.items():
        items.sort(key=lambda item: (-item[1], item[0]))
        for category, downloads in items[: max(k, 0)]:
            out[(date, category)] = out.get((date, category), 0) + downloads
        rest = sum(downloads for _, downloads in items[max(k, 0) :])
        if rest:
            out[(date, OTHER)] = out.get((date, OTHER), 0) + rest
    return out


def replace_days(old: Mapping[tuple[str, str], int], new: Mapping[tuple[str, str], int]) -> Series:
    """Every day present in `new` is taken whole from `new`; other days are kept.

    Whole days, not single keys: a top-K category that fell out of today's answer must not
    linger next to the "other" that now counts it.
    """
    days = {date for date, _ in new}
    kept = {key: value for key, value in old.items() if key[0] not in days}
    kept.update(new)
    return kept


# ---------------------------------------------------------------- storing


def store_package(data_dir: Path, name: str, updates: Mapping[str, Series]) -> dict[str, bool]:
    """Replace the queried days of one package's files; all files are read before any write.

    Like store.update_package, but day-wise (see replace_days), so re-querying a day is
    idempotent even for the top-K files.
    """
    directory = store.package_dir(data_dir, name)
    existing = {kind: store.read_series(directory / f"{kind}.csv") for kind in updates}
    store.remove_stale_temporaries(directory)
    changed: dict[str, bool] = {}
    for kind, new in updates.items():
        if not new:
            changed[kind] = False
            continue
        path = directory / f"{kind}.csv"
        changed[kind] = store.write_series(path, replace_days(existing[kind], new))
    return changed


def store_updates(
    data_dir: Path, packages: list[Package], updates: Mapping[str, Mapping[str, Series]]
) -> dict[str, str]:
    """Store every package's updates; returns {name: reason} for the ones that failed."""
    failed: dict[str, str] = {}
    for package in packages:
        found = updates.get(package.normalized)
        if not found:
            log.info("%s: no downloads in BigQuery for these days", package.name)
            continue
        try:
            changed = store_package(data_dir, package.name, found)
        except (GeneratorError, OSError) as exc:
            reason = exc.message if isinstance(exc, GeneratorError) else f"cannot write: {exc}"
            log.error("%s: failed, history left unchanged: %s", package.name, reason)
            failed[package.name] = reason
        else:
            kinds = [kind for kind, did in changed.items() if did]
            log.info("%s: %s", package.name, ", ".join(kinds) if kinds else "unchanged")
    return failed


# ---------------------------------------------------------------- small helpers
