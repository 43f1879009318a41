"""pypistats.org client: three requests per package, validated into Series.

`GET {api_url}/packages/{normalized}/{endpoint}` for endpoint in overall, python_minor and
system. Each answer must be `{"data": [{"category", "date", "downloads"}, ...],
"package": ..., "type": "<endpoint>_downloads"}`; anything else is a SourceError naming
the URL and what was wrong. Categories are kept exactly as strings ("3.10", "null"), and
every row must pass the rules of `generator.rows` (what the store may hold), or the whole
answer is refused. Every request goes through the rate limiter, has a per-read timeout
and an overall deadline, a cap on its body (`sources.http`), and is retried per
RetryPolicy; Retry-After waits draw on one budget for the whole run. Whatever goes wrong
with one package (any httpx error, a body that is not JSON, nested thousands deep or with
a 5,000-digit number) is that package's `error`; the other packages go on.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any, cast

import httpx

from generator.dates import is_date
from generator.errors import RetryBudgetSpent, SourceError
from generator.model import Series
from generator.names import normalize
from generator.rows import category_problem, count_problem, date_problem
from generator.sources import Cost, Fetched
from generator.sources.http import MAX_BODY_BYTES, REQUEST_DEADLINE, BoundedClient, Closing, Reply
from generator.sources.ratelimit import RateLimiter, polite_limiter
from generator.sources.retry import RetryBudget, RetryPolicy, describe_error, send_with_retries

log = logging.getLogger(__name__)

ENDPOINTS: tuple[str, ...] = ("overall", "python_minor", "system")
DEFAULT_TIMEOUT = 30.0


def endpoint_url(api_url: str, name: str, endpoint: str) -> str:
    """The URL of one endpoint for one package (the name is PEP 503 normalised)."""
    return f"{api_url.rstrip('/')}/packages/{normalize(name)}/{endpoint}"


def parse_response(body: bytes, name: str, endpoint: str, url: str = "") -> Series:
    """Pure: validate one pypistats.org JSON body and return its Series."""
    where = url or f"{endpoint} for {name}"

    def bad(reason: str) -> SourceError:
        return SourceError(
            f"{where}: {reason}; not the pypistats.org JSON we expected. If this persists, "
            "check that --api-url (api_url in packages.yaml) points at the pypistats.org API"
        )

    doc = _json(body, bad)
    if not isinstance(doc, dict):
        raise bad(f"the body is a JSON {type(doc).__name__}, not an object")
    expected_type = f"{endpoint}_downloads"
    if doc.get("type") != expected_type:
        raise bad(f"`type` is {doc.get('type')!r}, expected {expected_type!r}")
    package = doc.get("package")
    if not isinstance(package, str) or normalize(package) != normalize(name):
        raise bad(f"`package` is {package!r}, expected {normalize(name)!r}")
    rows = doc.get("data")
    if not isinstance(rows, list):
        raise bad("`data` is not a list")
    series: Series = {}
    for index, row in enumerate(rows):
        key, downloads = _row(row, index, bad)
        if key in series and series[key] != downloads:
            raise bad(
                f"data[{index}] repeats {key[0]} {key[1]!r} with {downloads} "
                f"(earlier: {series[key]})"
            )
        series[key] = downloads
    return series


def _json(body: bytes, bad: Callable[[str], SourceError]) -> Any:
    """The parsed body; anything json.loads can raise becomes `bad(...)`."""
    try:
        return json.loads(body)
    except json.JSONDecodeError as exc:
        snippet = body[:60].decode("utf-8", "replace").strip()
        raise bad(f"the body is not JSON ({exc.msg}; it starts {snippet!r})") from None
    except UnicodeDecodeError:
        raise bad("the body is not JSON (not UTF-8)") from None
    except RecursionError:
        raise bad("the body is JSON nested too deeply to read") from None
    except ValueError as exc:  # a number with more digits than Python converts (4,300)
        raise bad(f"the body has a number too long to read ({str(exc)[:60]})") from None


def _row(row: Any, index: int, bad: Callable[[str], SourceError]) -> tuple[tuple[str, str], int]:
    """One row, checked by the store's own rules (generator.rows)."""
    if not isinstance(row, dict):
        raise bad(f"data[{index}] is not an object")
    category, date, downloads = row.get("category"), row.get("date"), row.get("downloads")
    if not isinstance(date, str) or not is_date(date):
        raise bad(f"data[{index}].date {_short(date)} is not a real date written YYYY-MM-DD")
    problem = date_problem(date)
    if problem:
        raise bad(f"data[{index}].date: {problem}")
    if not isinstance(category, str):
        kind = type(category).__name__
        raise bad(f"data[{index}].category {_short(category)} is a {kind}, not a string")
    problem = category_problem(category)
    if problem:
        raise bad(f"data[{index}].category: {problem}")
    problem = count_problem(downloads)
    if problem:
        raise bad(f"data[{index}].downloads: {problem}")
    return (date, category), cast(int, downloads)


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


class PypistatsClient(Closing):
    """Fetches the three pypistats.org endpoints of a package, politely and within bounds."""

    def __init__(
        self,
        api_url: str,
        *,
        limiter: RateLimiter | None = None,
        policy: RetryPolicy | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        deadline: float = REQUEST_DEADLINE,
        max_body: int = MAX_BODY_BYTES,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.api_url = api_url
        self.limiter = limiter or polite_limiter()
        self.policy = policy or RetryPolicy()
        self.budget = RetryBudget(self.policy.retry_after_budget)  # one for the whole run
        self.out_of_budget: list[str] = []  # packages that failed because it was spent
        self._sleep = sleep
        self._http = BoundedClient(
            timeout=timeout,
            deadline=deadline,
            max_body=max_body,
            transport=transport,
        )

    def close(self) -> None:
        self._http.close()

    def fetch_endpoint(self, name: str, endpoint: str) -> Series:
        url = endpoint_url(self.api_url, name, endpoint)

        def send() -> Reply:
            self.limiter.acquire()
            return self._http.get(url)

        response = send_with_retries(send, url, self.policy, sleep=self._sleep, budget=self.budget)
        if response.status_code == 404:
            raise SourceError(
                f"{url}: HTTP 404, no such package at {self.api_url}. Check the name in "
                "packages.yaml (a new package appears a day after its first download)"
            )
        if response.status_code != 200:
            raise SourceError(
                f"{url}: HTTP {response.status_code} {response.reason_phrase[:60]}. Check "
                "that --api-url (api_url in packages.yaml) points at the pypistats.org API"
            )
        return parse_response(response.content, name, endpoint, url)

    def fetch_package(self, name: str) -> dict[str, Series]:
        """{"overall": ..., "python_minor": ..., "system": ...} for one package."""
        return {endpoint: self.fetch_endpoint(name, endpoint) for endpoint in ENDPOINTS}

    @property
    def label(self) -> str:
        return self.api_url

    def fetch(self, names: Sequence[str], start: dt.date, end: dt.date) -> Iterator[Fetched]:
        """Each package's three endpoints. pypistats.org answers with its last 180 days
        whatever the window, and all of it is kept: a day it reports late is not lost."""
        del start, end
        for name in names:
            yield self._fetch_one(name)

    def _fetch_one(self, name: str) -> Fetched:
        try:
            kinds = self.fetch_package(name)
            dates = {date for series in kinds.values() for date, _ in series}
            # pypistats.org's window is whole: a day inside it with no row had no downloads
            first, last = (min(dates), max(dates)) if dates else ("", "")
            covered = (dt.date.fromisoformat(first), dt.date.fromisoformat(last)) if dates else None
            return Fetched(name, kinds, days=covered)
        except RetryBudgetSpent as exc:
            self.out_of_budget.append(name)
            return Fetched(name, error=exc.message)
        except SourceError as exc:
            return Fetched(name, error=exc.message)
        except Exception as exc:  # a last resort: one package never aborts the run
            log.debug("%s: unexpected error", name, exc_info=True)
            return Fetched(
                name,
                error=f"unexpected error ({describe_error(exc)}); this is a bug, please "
                "report it with the output of `python -m generator fetch -v --package "
                f"{name}`",
            )

    def spent(self) -> Cost:
        return Cost()  # pypistats.org is free; its price is the rate limit
