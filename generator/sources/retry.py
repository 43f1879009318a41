"""Bounded retries with exponential back-off, honouring Retry-After.

Retried: HTTP 429, any 5xx, connection errors and timeouts. Everything else is final.
The delay for retry k (0-based) is `base_delay * 2**k`, capped at `max_delay`; a
Retry-After header (seconds or an HTTP date) replaces it. A server asking for a longer
wait than `max_retry_after` is not retried: waiting that long would stall the nightly job.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from generator.errors import SourceError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5  # total tries, the first included
    base_delay: float = 2.0
    max_delay: float = 60.0
    max_retry_after: float = 300.0

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("RetryPolicy.attempts must be at least 1")


def backoff_delay(policy: RetryPolicy, retry: int) -> float:
    """Seconds to wait before retry number `retry` (0 for the first retry)."""
    return float(min(policy.max_delay, policy.base_delay * 2**retry))


def parse_retry_after(value: str | None, now: dt.datetime) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP date), or None."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - now).total_seconds())


def is_retryable_status(status: int) -> bool:
    return status == 429 or 500 <= status <= 599


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def send_with_retries(
    send: Callable[[], httpx.Response],
    url: str,
    policy: RetryPolicy,
    *,
    sleep: Callable[[float], None] = time.sleep,
    now: Callable[[], dt.datetime] = _utcnow,
) -> httpx.Response:
    """Call `send` until it gives a final response; raise SourceError when retries run out.

    The returned response may still be an error (404, 400, ...): those are final, and the
    caller decides what they mean.
    """
    problem = "no attempt made"
    for attempt in range(policy.attempts):
        last = attempt == policy.attempts - 1
        retry_after: float | None = None
        try:
            response = send()
        except httpx.TimeoutException as exc:
            problem = f"timed out ({type(exc).__name__})"
        except httpx.TransportError as exc:
            problem = f"connection failed ({exc or type(exc).__name__})"
        else:
            if not is_retryable_status(response.status_code):
                return response
            problem = f"HTTP {response.status_code}"
            retry_after = parse_retry_after(response.headers.get("Retry-After"), now())
        if last:
            break
        delay = backoff_delay(policy, attempt) if retry_after is None else retry_after
        if delay > policy.max_retry_after:
            raise SourceError(
                f"{url}: {problem}; the server asked to wait {delay:.0f} s before retrying, "
                f"longer than the {policy.max_retry_after:.0f} s this run is willing to wait. "
                "Run again later."
            )
        log.warning(
            "%s: %s; retry %d of %d in %.1f s",
            url,
            problem,
            attempt + 1,
            policy.attempts - 1,
            delay,
        )
        sleep(delay)
    raise SourceError(
        f"{url}: {problem} after {policy.attempts} attempts. "
        "The server may be down; run again later."
    )
