"""ClickHouse source: the public PyPI dataset (the one ClickPy runs on), over HTTP.

    probe (newest day, result limits) → for each view needed, requests planned to stay
    under the limits → rows → {package: {kind: Series}} (generator.sources.clickhouse_answer)

A night costs a fixed number of queries whatever the number of packages: the probe, then
one per view read (generator.sources.clickhouse_sql), as long as one answer fits the
server's row limit (rows = packages × days × dimensions, known before sending). A
larger request is planned as several, and an answer the server cut short anyway is
never used: the request is asked again in halves (days, then packages), down to one
package and one day; that package then fails. Busy answers (429, 5xx, "too many
simultaneous queries") are retried with back-off, as for pypistats.org; errors that
retrying cannot fix fail the packages of that request with the server's own message.
Every request has a deadline and every answer a size cap (generator.sources.http).

The answers end at the dataset's newest day: `newest` says which it was, so the run can
tell when ClickHouse is behind (it has stalled for days, more than once).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import httpx

from generator.dates import is_date
from generator.errors import BodyTooLarge, SourceError
from generator.model import Series
from generator.sources import Cost, Fetched, clickhouse_sql
from generator.sources.clickhouse_answer import (
    BadRow,
    ServerError,
    Truncated,
    error_code,
    nonnegative,
    read_body,
    summary_counts,
    to_series,
)
from generator.sources.http import MAX_BODY_BYTES, REQUEST_DEADLINE, BoundedClient, Closing, Reply
from generator.sources.ratelimit import RateLimiter, polite_limiter
from generator.sources.retry import RetryPolicy, is_retryable_status, send_with_retries

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 60.0
REQUESTS_PER_MINUTE = 60  # manners: the public service is shared
ROWS_PER_ANSWER = 20_000  # our own bound on one answer, under the body cap at K=10
PARAMETER_BYTES = 64 * 1024  # package names per request, well under a 1 MiB URL
HINT = "Check `clickhouse_url` and `clickhouse_user` in packages.yaml"
SOURCE_KINDS = ("overall", "python_minor", "system", "version", "country", "installer")
"""What the source answers; python_major is derived by the pipeline; there is no CI flag."""
EXTRA_KINDS = ("version", "country", "installer")
"""The kinds the nightly run takes from ClickHouse beside pypistats.org's four."""


@dataclass(frozen=True)
class Limits:
    """What the probe found: the newest day, and the result limits for this user."""

    newest: dt.date | None
    max_result_rows: int
    overflow_mode: str
    max_result_bytes: int = 0


@dataclass
class Usage:
    """What the requests so far have cost the public service."""

    queries: int = 0
    rows_read: int = 0
    bytes_read: int = 0


@dataclass(frozen=True)
class Request:
    query: clickhouse_sql.Query
    names: tuple[str, ...]
    start: dt.date
    end: dt.date

    @property
    def rows(self) -> int:
        days = (self.end - self.start).days + 1
        return len(self.names) * days * self.query.rows_per_day


class ClickHouseSource(Closing):
    """The Source for ClickHouse's public dataset; `kinds` chooses the views read."""

    label = "ClickHouse"

    def __init__(
        self,
        url: str,
        user: str,
        top_k: int,
        *,
        kinds: Sequence[str] = SOURCE_KINDS,
        limiter: RateLimiter | None = None,
        policy: RetryPolicy | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        deadline: float = REQUEST_DEADLINE,
        max_body: int = MAX_BODY_BYTES,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.url = url.rstrip("/") + "/"
        self.user = user
        self.top_k = top_k
        self.kinds = tuple(kinds)
        self.limiter = limiter or polite_limiter(REQUESTS_PER_MINUTE)
        self.policy = policy or RetryPolicy()
        self.usage = Usage()
        self._taken = Usage()
        self._limits: Limits | None = None
        self._probe_error: SourceError | None = None
        self._sleep = sleep
        self._http = BoundedClient(
            timeout=timeout,
            deadline=deadline,
            max_body=max_body,
            transport=transport,
            hint=HINT,
            error_bodies=True,
        )

    def close(self) -> None:
        self._http.close()

    # ------------------------------------------------------------ the Source protocol

    def fetch(self, names: Sequence[str], start: dt.date, end: dt.date) -> Iterator[Fetched]:
        """Days start..end (cut at the dataset's newest day) for every name."""
        try:
            limits = self.limits()
        except SourceError as exc:
            yield from (Fetched(name, error=exc.message) for name in names)
            return
        found: dict[str, dict[str, Series]] = {name: {} for name in names}
        failed: dict[str, str] = {}
        last = min(end, limits.newest) if limits.newest else None
        if last is not None and last >= start:
            for query in clickhouse_sql.queries_for(self.kinds):
                for request in self.plan(query, names, start, last, limits):
                    self._run(request, limits, found, failed)
        covered = (start, last) if last is not None and last >= start else None
        for name in names:
            if name in failed:
                yield Fetched(name, error=failed[name])
            else:
                kinds = {k: found[name].get(k, {}) for k in self.kinds} if covered else {}
                yield Fetched(name, kinds, days=covered)

    def spent(self) -> Cost:
        return Cost()  # the public service is free; its price is its quotas

    @property
    def newest(self) -> dt.date | None:
        """The dataset's newest day, once probed (None: it has no data at all)."""
        return self.limits().newest

    def first_days(self, names: Sequence[str]) -> dict[str, dt.date]:
        """Each package's first day in the dataset (absent: it has no downloads there)."""
        found: dict[str, dt.date] = {}
        for group in _groups(sorted(names), self.row_budget(self.limits())):
            params = clickhouse_sql.parameters(group, dt.date.min, dt.date.min, self.top_k)
            try:
                rows = self._answer(clickhouse_sql.FIRST_DAYS, params, len(group), self.limits())
            except (ServerError, Truncated) as exc:
                raise SourceError(f"{self.url}: asking the first days failed: {exc}") from None
            for row in rows:
                day = str(row.get("first_day", ""))
                if is_date(day) and dt.date.fromisoformat(day).year >= 2016:
                    found[str(row.get("project"))] = dt.date.fromisoformat(day)
        return found

    # ------------------------------------------------------------ probing and planning

    def limits(self) -> Limits:
        """The newest day and the result limits, asked once per run (a failure too: it is
        not asked again, every later call raises the same SourceError)."""
        if self._probe_error is not None:
            raise self._probe_error
        if self._limits is None:
            try:
                self._limits = self._probe()
            except SourceError as exc:
                self._probe_error = exc
                raise
            log.info("ClickHouse: newest day %s, limits %s", self._limits.newest, self._limits)
        return self._limits

    def _probe(self) -> Limits:
        try:
            rows = self._answer(clickhouse_sql.PROBE, {}, 1, None)
        except (ServerError, Truncated) as exc:
            raise SourceError(f"{self.url}: asking the newest day failed: {exc}. {HINT}") from None
        except BadRow as exc:
            raise SourceError(f"{self.url}: an answer we cannot read ({exc}). {HINT}") from None
        row = rows[0] if rows else {}
        newest = str(row.get("newest_day", ""))
        day = dt.date.fromisoformat(newest) if is_date(newest) else None
        return Limits(
            newest=day if day and day.year >= 2016 else None,
            max_result_rows=nonnegative(row.get("max_result_rows")),
            overflow_mode=str(row.get("result_overflow_mode", "")),
            max_result_bytes=nonnegative(row.get("max_result_bytes")),
        )

    def row_budget(self, limits: Limits) -> int:
        """The most rows one answer may have and still be known complete."""
        if limits.max_result_rows:
            return max(min(limits.max_result_rows - 1, ROWS_PER_ANSWER), 1)
        return ROWS_PER_ANSWER

    def plan(
        self,
        query: clickhouse_sql.Query,
        names: Sequence[str],
        start: dt.date,
        end: dt.date,
        limits: Limits,
    ) -> list[Request]:
        """Requests covering names × days, each expected to fit one answer (pure)."""
        budget = self.row_budget(limits)
        span = max(budget // query.rows_per_day, 1)  # package-days per request
        days = (end - start).days + 1
        step = min(days, span)
        per_request = max(span // step, 1)
        requests = []
        for group in _groups(sorted(names), per_request):
            first = start
            while first <= end:
                last = min(first + dt.timedelta(days=step - 1), end)
                requests.append(Request(query, group, first, last))
                first = last + dt.timedelta(days=1)
        return requests

    # ------------------------------------------------------------ running

    def _run(
        self,
        request: Request,
        limits: Limits,
        found: dict[str, dict[str, Series]],
        failed: dict[str, str],
    ) -> None:
        """One request; cut short or too big, it is asked again in halves."""
        names = [n for n in request.names if n not in failed]
        if not names:
            return
        params = clickhouse_sql.parameters(names, request.start, request.end, self.top_k)
        try:
            rows = self._answer(request.query.sql, params, request.rows, limits)
            answer = to_series(request.query.name, rows)
        except (Truncated, ServerError, BodyTooLarge) as exc:
            halves = _halves(request)
            if (isinstance(exc, ServerError) and not exc.split) or not halves:
                for name in names:
                    failed[name] = self._failure(request, exc)
                return
            log.info("ClickHouse: %s for %s; asking in halves", exc, _describe(request))
            for half in halves:
                self._run(half, limits, found, failed)
            return
        except BadRow as exc:
            for name in names:
                failed[name] = f"{self.url}: an answer we cannot read ({exc}); {HINT}"
            return
        except SourceError as exc:
            for name in names:
                failed[name] = exc.message
            return
        for name, kinds in answer.items():
            if name in found:
                for kind, series in kinds.items():
                    found[name].setdefault(kind, {}).update(series)

    def _failure(self, request: Request, exc: Exception) -> str:
        if isinstance(exc, Truncated):
            return (
                f"{self.url}: ClickHouse cut the answer for {_describe(request)} short ({exc}) "
                "even for one package and one day; nothing was stored for it. Run again later"
            )
        return f"{self.url}: {exc} ({_describe(request)}). {HINT}"

    def _answer(
        self, sql: str, params: dict[str, str], expected: int, limits: Limits | None
    ) -> list[dict[str, object]]:
        """Send one query; its rows, or ServerError / Truncated / SourceError. With the
        `limits` probed, an answer at the server's row or byte limit counts as cut short."""
        # wait_end_of_query: the summary header then counts the whole answer, and an
        # error in the middle of it comes as an error status, not after a 200.
        query = {"user": self.user, "default_format": "JSON", "wait_end_of_query": "1"}
        query.update({f"param_{name}": value for name, value in params.items()})

        def send() -> Reply:
            self.limiter.acquire()
            self.usage.queries += 1
            return self._http.post(self.url, query, sql.encode("utf-8"))

        reply = send_with_retries(
            send, self.url, self.policy, sleep=self._sleep, retryable=_retryable, hint=HINT
        )
        counts = summary_counts(reply.headers.get("X-ClickHouse-Summary", ""))
        self.usage.rows_read += counts.read_rows
        self.usage.bytes_read += counts.read_bytes
        if reply.status_code != 200:
            raise error_code(reply.headers, reply.content) or ServerError(
                0, f"HTTP {reply.status_code} {reply.reason_phrase[:60]}"
            )
        if limits and limits.max_result_bytes and counts.result_bytes >= limits.max_result_bytes:
            raise Truncated(
                f"{counts.result_bytes} bytes, at the limit of {limits.max_result_bytes}"
            )
        return read_body(reply.content, limits.max_result_rows if limits else 0, max(expected, 1))

    def take_usage(self) -> Usage:
        """What the requests since the last call cost (each run-log line records its own)."""
        used = Usage(
            self.usage.queries - self._taken.queries,
            self.usage.rows_read - self._taken.rows_read,
            self.usage.bytes_read - self._taken.bytes_read,
        )
        self._taken = Usage(**vars(self.usage))
        return used


def _retryable(reply: Reply) -> bool:
    """429 and 5xx, unless ClickHouse names an error that retrying cannot fix."""
    if reply.status_code == 200:  # an error after the headers were sent ends the body
        tail = reply.content[-4000:]
        if tail.rstrip().endswith(b"}"):  # a whole JSON document: the data may quote anything
            return False
        late = error_code({}, tail) if b"DB::Exception" in tail else None
        return late is not None and late.retry  # too slow (159): asked again in halves
    if not is_retryable_status(reply.status_code):
        return False
    found = error_code(reply.headers, reply.content)
    return found is None or found.retry or reply.status_code in (429, 503)


def _halves(request: Request) -> list[Request]:
    if request.end > request.start:
        middle = request.start + (request.end - request.start) // 2
        return [
            Request(request.query, request.names, request.start, middle),
            Request(request.query, request.names, middle + dt.timedelta(days=1), request.end),
        ]
    if len(request.names) > 1:
        half = len(request.names) // 2
        return [
            Request(request.query, request.names[:half], request.start, request.end),
            Request(request.query, request.names[half:], request.start, request.end),
        ]
    return []


def _groups(names: list[str], size: int) -> list[tuple[str, ...]]:
    """`names` in groups of at most `size`, each small enough for a URL."""
    groups: list[tuple[str, ...]] = []
    current: list[str] = []
    length = 0
    for name in names:
        cost = len(name) * 3 + 9  # quoted, separated, percent-encoded at worst
        if current and (len(current) >= size or length + cost > PARAMETER_BYTES):
            groups.append(tuple(current))
            current, length = [], 0
        current.append(name)
        length += cost
    if current:
        groups.append(tuple(current))
    return groups


def _describe(request: Request) -> str:
    who = request.names[0] if len(request.names) == 1 else f"{len(request.names)} packages"
    return f"{request.query.name}, {who}, {request.start}..{request.end}"
