"""pypistats.org client: three requests per package, validated into Series.

`GET {api_url}/packages/{normalized}/{endpoint}` for endpoint in overall, python_minor and
system. Each answer must be `{"data": [{"category", "date", "downloads"}, ...],
"package": ..., "type": "<endpoint>_downloads"}`; anything else is a SourceError naming
the URL and what was wrong. Categories are kept exactly as strings ("3.10", "null").
Every request goes through the rate limiter, has a timeout, and is retried per RetryPolicy.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from collections.abc import Callable, Iterator, Sequence
from types import TracebackType
from typing import Any

import httpx

from generator import __version__
from generator.errors import SourceError
from generator.model import Series
from generator.names import normalize
from generator.sources import Cost, Fetched
from generator.sources.ratelimit import RateLimiter, polite_limiter
from generator.sources.retry import RetryPolicy, send_with_retries

ENDPOINTS: tuple[str, ...] = ("overall", "python_minor", "system")
DEFAULT_TIMEOUT = 30.0
USER_AGENT = f"pypi-download-stats-generator/{__version__} (python-httpx)"

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


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

    try:
        doc: Any = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        snippet = body[:60].decode("utf-8", "replace").strip()
        reason = exc.msg if isinstance(exc, json.JSONDecodeError) else "not UTF-8"
        raise bad(f"the body is not JSON ({reason}; it starts {snippet!r})") from None
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


def _row(row: Any, index: int, bad: Callable[[str], SourceError]) -> tuple[tuple[str, str], int]:
    if not isinstance(row, dict):
        raise bad(f"data[{index}] is not an object")
    category, date, downloads = row.get("category"), row.get("date"), row.get("downloads")
    if not isinstance(category, str):
        raise bad(f"data[{index}].category is {category!r}, expected a string")
    if "\n" in category or "\r" in category:
        raise bad(f"data[{index}].category {category!r} contains a line break")
    if not isinstance(date, str) or not _DATE.match(date):
        raise bad(f"data[{index}].date is {date!r}, expected YYYY-MM-DD")
    try:
        dt.date.fromisoformat(date)
    except ValueError:
        raise bad(f"data[{index}].date {date!r} is not a real date") from None
    if not isinstance(downloads, int) or isinstance(downloads, bool) or downloads < 0:
        raise bad(f"data[{index}].downloads is {downloads!r}, expected a count >= 0")
    return (date, category), downloads


class PypistatsClient:
    """Fetches the three pypistats.org endpoints of a package, politely."""

    def __init__(
        self,
        api_url: str,
        *,
        limiter: RateLimiter | None = None,
        policy: RetryPolicy | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.api_url = api_url
        self.limiter = limiter or polite_limiter()
        self.policy = policy or RetryPolicy()
        self._sleep = sleep
        self._http = httpx.Client(
            timeout=httpx.Timeout(timeout),
            headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
            follow_redirects=True,
            transport=transport,
        )

    def __enter__(self) -> PypistatsClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def fetch_endpoint(self, name: str, endpoint: str) -> Series:
        url = endpoint_url(self.api_url, name, endpoint)

        def send() -> httpx.Response:
            self.limiter.acquire()
            return self._http.get(url)

        response = send_with_retries(send, url, self.policy, sleep=self._sleep)
        if response.status_code == 404:
            raise SourceError(
                f"{url}: HTTP 404, no such package at {self.api_url}. Check the name in "
                "packages.yaml (a new package appears a day after its first download)"
            )
        if response.status_code != 200:
            raise SourceError(
                f"{url}: HTTP {response.status_code} {response.reason_phrase}. Check that "
                "--api-url (api_url in packages.yaml) points at the pypistats.org API"
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
            try:
                yield Fetched(name, self.fetch_package(name))
            except SourceError as exc:
                yield Fetched(name, error=exc.message)

    def spent(self) -> Cost:
        return Cost()  # pypistats.org is free; its price is the rate limit
