"""BigQuery source: the client for `bigquery-public-data.pypi.file_downloads`.

One parameterized query (generator.sources.bigquery_sql) answers for every package and
every kind at once: dry run → refuse above the byte cap → run → cube rows →
`{package: {kind: Series}}` (pure, top-K per day for the extra kinds). What to query and
where it goes is the pipeline's business (generator.pipeline.bigquery).

`BIGQUERY_API_ENDPOINT` points the client at another server (an emulator, the tests'
stand-in) with anonymous credentials.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

from generator.errors import BigQueryError, BytesCapExceeded, UsageError
from generator.model import ALL_KINDS, WITH_MIRRORS, WITHOUT_MIRRORS, Series
from generator.names import normalize
from generator.sources import Cost, Fetched, bigquery_sql
from generator.sources.bigquery_sql import Parameter
from generator.units import human_bytes

if TYPE_CHECKING:
    from google.cloud.bigquery import Client

log = logging.getLogger(__name__)

ENDPOINT_VARIABLE = "BIGQUERY_API_ENDPOINT"
CREDENTIAL_VARIABLES = ("GOOGLE_APPLICATION_CREDENTIALS", ENDPOINT_VARIABLE)
"""Either one set means BigQuery is configured (`source: auto` then picks it)."""
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
SOURCE_KINDS = tuple(kind for kind in ALL_KINDS if kind != "python_major")
"""What the query answers; python_major is derived by the pipeline."""


class BigQuerySource:
    """The Source for BigQuery: one query for all the packages and days asked for."""

    label = "BigQuery"

    def __init__(self, client: Client, cap: int, top_k: int) -> None:
        self.client = client
        self.cap = cap
        self.top_k = top_k
        self.cost = Cost()

    def estimate(self, names: Sequence[str], start: dt.date, end: dt.date) -> int:
        """The dry run's bytes for this query (nothing is billed)."""
        return dry_run(self.client, bigquery_sql.parameters(list(names), start, end))

    def query(
        self, names: Sequence[str], start: dt.date, end: dt.date
    ) -> dict[str, dict[str, Series]]:
        """Dry run, refuse above the cap (BytesCapExceeded), run; {name: {kind: Series}}."""
        params = bigquery_sql.parameters(list(names), start, end)
        estimate = dry_run(self.client, params)
        check_cap(estimate, self.cap, start, end, len(names))
        rows, cost = run_query(self.client, params, self.cap, estimate)
        self.cost = self.cost + cost
        return cube_to_updates(rows, self.top_k)

    def fetch(self, names: Sequence[str], start: dt.date, end: dt.date) -> Iterator[Fetched]:
        """One query, then one Fetched per name ({} for a package with no downloads)."""
        found = self.query(names, start, end)
        for name in names:
            yield Fetched(name, found.get(name, {}))

    def spent(self) -> Cost:
        return self.cost


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
            f"{exc}. Set `bigquery_project:` in packages.yaml (a top-level key, beside `packages:`) to the "
            "Google Cloud project that pays for the queries."
        ) from None


def check_cap(estimate: int, cap: int, start: dt.date, end: dt.date, count: int) -> None:
    if estimate > cap:
        raise BytesCapExceeded(
            f"the BigQuery dry run says this query would process {human_bytes(estimate)} "
            f"({estimate} bytes) for {count} package(s), {start}..{end}, above the cap of "
            f"{human_bytes(cap)} ({cap} bytes). Nothing was queried or written. Fix: query fewer "
            "days (--days), or raise the cap with --max-bytes-billed or "
            "`maximum_bytes_billed:` in packages.yaml (a top-level key, beside `packages:`).",
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
) -> tuple[list[dict[str, Any]], Cost]:
    from google.cloud import bigquery

    config = bigquery.QueryJobConfig(
        query_parameters=to_query_parameters(params), maximum_bytes_billed=cap
    )

    def go() -> tuple[Any, list[dict[str, Any]]]:
        job = client.query(bigquery_sql.QUERY, job_config=config)
        return job, [dict(row.items()) for row in job.result(page_size=10_000)]

    job, rows = _call(go)
    stats = Cost(
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


# ---------------------------------------------------------------- cube → series (pure)


def cube_to_updates(rows: Iterable[Mapping[str, Any]], top_k: int) -> dict[str, dict[str, Series]]:
    """Cube rows → {normalized name: {kind: Series}} for every kind in SOURCE_KINDS.

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
        series = {kind: dict(kinds.get(kind, {})) for kind in SOURCE_KINDS}
        for kind in _TOP_K_KINDS:
            series[kind] = top_k_per_day(series[kind], top_k)
        updates[name] = series
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
