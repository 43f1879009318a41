"""PyPI's JSON API: each release of a package, its first upload time and whether it is yanked.

`GET {pypi_url}/<normalized>/json` (default `https://pypi.org/pypi`). The answer holds
`releases: {"<version>": [file, ...]}`; `parse_releases` (pure) makes one `Release` per
version that has at least one file: the earliest file's `upload_time_iso_8601`, or
`upload_time` in the 2019 format that has no ISO field (no zone: UTC), cut to whole
seconds; yanked when every file is (the old format has no `yanked`: not yanked).

Politeness: one conditional request per package (`If-None-Match` with the ETag of the
last answer; a 304 means unchanged), through the same rate limiter, retry policy and
Retry-After budget as pypistats.org, with an overall deadline and a cap on the body.
The answer's `X-PyPI-Last-Serial` header (or the body's `last_serial`) is handed back so
the caller can remember it. A 404, a server that stays down, a truncated or non-JSON body
are that package's SourceError, whose message says what to do.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from generator.errors import SourceError
from generator.model import Release
from generator.names import normalize
from generator.sources.http import REQUEST_DEADLINE, BoundedClient, Closing, Reply
from generator.sources.ratelimit import RateLimiter, polite_limiter
from generator.sources.retry import RetryBudget, RetryPolicy, send_with_retries

DEFAULT_TIMEOUT = 30.0
MAX_PYPI_BODY_BYTES = 64 * 1024 * 1024
"""The largest decoded answer accepted: numpy's, the largest we know, is 2.6 MB."""
PYPI_HINT = "Check that --pypi-url (pypi_url in packages.yaml) points at PyPI's JSON API"
SERIAL_HEADER = "X-PyPI-Last-Serial"
_ETAG = re.compile(r'(W/)?"[\x21\x23-\x7e]{0,200}"')  # RFC 9110's entity-tag, bounded
_SERIAL = re.compile(r"[0-9]{1,18}")


@dataclass(frozen=True)
class ReleasesAnswer:
    """One answer: the releases (None after a 304: unchanged), the ETag to send next time
    ("" when none came) and PyPI's last serial for the project (None when unknown)."""

    releases: list[Release] | None
    etag: str = ""
    last_serial: int | None = None


def project_url(pypi_url: str, name: str) -> str:
    """The JSON API address of one project (the name is PEP 503 normalised)."""
    return f"{pypi_url.rstrip('/')}/{normalize(name)}/json"


def parse_releases(body: bytes, url: str = "") -> tuple[list[Release], int | None]:
    """Pure: the releases in one JSON API body (oldest first) and its `last_serial`."""
    where = url or "PyPI's answer"

    def bad(reason: str) -> SourceError:
        return SourceError(
            f"{where}: {reason}; not the PyPI JSON we expected. Run again later; if this "
            f"persists, {PYPI_HINT[:1].lower()}{PYPI_HINT[1:]}"
        )

    try:
        doc = json.loads(body)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        reason = "the answer is cut short or is not JSON" if body else "the answer is empty"
        raise bad(f"{reason} ({type(exc).__name__})") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("releases"), dict):
        raise bad("there is no `releases` object")
    releases = []
    for version, files in doc["releases"].items():
        if not isinstance(files, list) or not all(isinstance(f, dict) for f in files):
            raise bad(f"releases[{version!r}] is not a list of files")
        if files:
            releases.append(_release(version, files, bad))
    serial = doc.get("last_serial")
    return sorted(releases), serial if type(serial) is int and serial >= 0 else None


def _release(version: str, files: list[dict[str, Any]], bad: Callable[[str], Exception]) -> Release:
    times = []
    for file in files:
        stamp = file.get("upload_time_iso_8601") or file.get("upload_time")
        when = _utc(stamp)
        if when is None:
            raise bad(f"release {version!r} has a file with upload time {str(stamp)[:40]!r}")
        times.append(when)
    yanked = all(file.get("yanked") is True for file in files)
    return Release(min(times).strftime("%Y-%m-%dT%H:%M:%SZ"), version, yanked)


def _utc(stamp: object) -> dt.datetime | None:
    """An upload time as UTC, cut to whole seconds; no zone means UTC (PyPI's old format)."""
    if not isinstance(stamp, str) or len(stamp) > 40:
        return None
    try:
        when = dt.datetime.fromisoformat(stamp)
    except ValueError:
        return None
    when = when.replace(tzinfo=dt.UTC) if when.tzinfo is None else when.astimezone(dt.UTC)
    return when.replace(microsecond=0)


def usable_etag(value: str | None) -> str:
    """The ETag to remember: a well-formed, short entity-tag, else "" (no conditional)."""
    value = (value or "").strip()
    return value if _ETAG.fullmatch(value) else ""


class PypiJsonClient(Closing):
    """Asks PyPI's JSON API for one package's releases, politely and within bounds."""

    def __init__(
        self,
        pypi_url: str,
        *,
        limiter: RateLimiter | None = None,
        policy: RetryPolicy | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        max_body: int = MAX_PYPI_BODY_BYTES,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.pypi_url = pypi_url.rstrip("/")
        self.limiter = limiter or polite_limiter()
        self.policy = policy or RetryPolicy()
        self.budget = RetryBudget(self.policy.retry_after_budget)  # one for the whole run
        self._sleep = sleep
        self._http = BoundedClient(
            timeout=timeout,
            deadline=max(REQUEST_DEADLINE, timeout),
            max_body=max_body,
            transport=transport,
            hint=PYPI_HINT,
        )

    def close(self) -> None:
        self._http.close()

    def releases(self, name: str, etag: str = "") -> ReleasesAnswer:
        """The package's releases; with `etag`, None for them when PyPI says unchanged."""
        url = project_url(self.pypi_url, name)
        headers = {"If-None-Match": etag} if etag else None

        def send() -> Reply:
            self.limiter.acquire()
            return self._http.get(url, headers)

        reply = send_with_retries(
            send, url, self.policy, sleep=self._sleep, budget=self.budget, hint=PYPI_HINT
        )
        serial_text = reply.headers.get(SERIAL_HEADER, "").strip()
        serial = int(serial_text) if _SERIAL.fullmatch(serial_text) else None
        if reply.status_code == 304 and etag:
            return ReleasesAnswer(None, etag, serial)
        if reply.status_code == 404:
            raise SourceError(
                f"{url}: HTTP 404, no such project on PyPI. Check the name in packages.yaml "
                f"(https://pypi.org/project/{normalize(name)}/ should exist), or remove it"
            )
        if reply.status_code != 200:
            raise SourceError(
                f"{url}: HTTP {reply.status_code} {reply.reason_phrase[:60]}. {PYPI_HINT}"
            )
        releases, body_serial = parse_releases(reply.content, url)
        etag_now = usable_etag(reply.headers.get("ETag"))
        return ReleasesAnswer(releases, etag_now, serial if serial is not None else body_serial)
