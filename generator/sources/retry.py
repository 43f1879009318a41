"""Bounded retries with exponential back-off, honouring Retry-After within a budget.

Retried: HTTP 429, any 5xx, connection errors, protocol errors and per-read timeouts.
Everything else is final, and every httpx error becomes a SourceError that names the URL.
The delay for retry k (0-based) is `base_delay * 2**k`, capped at `max_delay`; a
Retry-After header (ASCII seconds or an HTTP date) replaces it. A server asking for a
longer wait than `max_retry_after` is not retried: waiting that long would stall the
nightly job. Retry-After waits also draw on one budget for the whole run
(`RetryBudget`, `retry_after_budget` seconds): once it is spent, a retry that would wait
fails at once with RetryBudgetSpent.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import logging
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, TypeVar

import httpx

from generator.errors import RetryBudgetSpent, SourceError

log = logging.getLogger(__name__)

RETRY_AFTER_BUDGET = 300.0
"""Seconds all the Retry-After waits of one run may add up to."""
_SECONDS = re.compile(r"[0-9]{1,12}")  # ASCII only: "²".isdigit() is True


class _Answer(Protocol):
    @property
    def status_code(self) -> int: ...

    @property
    def headers(self) -> httpx.Headers: ...


AnswerT = TypeVar("AnswerT", bound=_Answer)


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5  # total tries, the first included
    base_delay: float = 2.0
    max_delay: float = 60.0
    max_retry_after: float = 300.0  # the longest single Retry-After wait
    retry_after_budget: float = RETRY_AFTER_BUDGET  # all Retry-After waits of one run

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("RetryPolicy.attempts must be at least 1")


class RetryBudget:
    """Seconds of Retry-After waiting left for the whole run, shared by every request."""

    def __init__(self, seconds: float) -> None:
        self.total = seconds
        self.waited = 0.0
        self.refused = 0  # waits asked for after the budget ran short

    @property
    def left(self) -> float:
        return max(0.0, self.total - self.waited)

    def take(self, seconds: float) -> bool:
        """Spend `seconds` if they are left; False (and nothing spent) otherwise."""
        if seconds > self.left:
            self.refused += 1
            return False
        self.waited += seconds
        return True


def backoff_delay(policy: RetryPolicy, retry: int) -> float:
    """Seconds to wait before retry number `retry` (0 for the first retry)."""
    return float(min(policy.max_delay, policy.base_delay * 2**retry))


def parse_retry_after(value: str | None, now: dt.datetime) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP date), or None."""
    if value is None:
        return None
    value = value.strip(" \t")
    if value.isascii() and value.isdigit():  # delta-seconds; too many digits: forever
        return float(value) if _SECONDS.fullmatch(value) else math.inf
    try:
        when = email.utils.parsedate_to_datetime(value)
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.UTC)
        return max(0.0, (when - now).total_seconds())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def is_retryable_status(status: int) -> bool:
    return status == 429 or 500 <= status <= 599


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def describe_error(exc: BaseException) -> str:
    """An exception for a message: its kind and its text, escaped and cut short."""
    text = str(exc) or type(exc).__name__
    text = text if text.isprintable() else repr(text)[1:-1]
    return f"{type(exc).__name__}: {text[:200]}"


def _transient(exc: httpx.HTTPError) -> str | None:
    """What went wrong, if a retry may help; None for a final error."""
    if isinstance(exc, httpx.TimeoutException):
        return f"timed out ({type(exc).__name__})"
    if isinstance(exc, httpx.NetworkError | httpx.ProxyError | httpx.RemoteProtocolError):
        return f"connection failed ({describe_error(exc)})"  # dropped, reset, garbled
    return None


PYPISTATS_HINT = "Check that --api-url (api_url in packages.yaml) points at the pypistats.org API"


def _final(url: str, exc: Exception, hint: str) -> SourceError:
    return SourceError(f"{url}: the request failed ({describe_error(exc)}). {hint}")


def send_with_retries(
    send: Callable[[], AnswerT],
    url: str,
    policy: RetryPolicy,
    *,
    sleep: Callable[[float], None] = time.sleep,
    now: Callable[[], dt.datetime] = _utcnow,
    budget: RetryBudget | None = None,
    retryable: Callable[[AnswerT], bool] | None = None,
    hint: str = PYPISTATS_HINT,
) -> AnswerT:
    """Call `send` until it gives a final answer; raise SourceError when retries run out.

    The returned answer may still be an error (404, 400, ...): those are final, and the
    caller decides what they mean. A SourceError from `send` is final too. `retryable`
    replaces the rule "429 or 5xx" (a server may name an error as final)."""
    again = retryable or (lambda answer: is_retryable_status(answer.status_code))
    problem = "no attempt made"
    for attempt in range(policy.attempts):
        retry_after: float | None = None
        try:
            response = send()
        except (httpx.InvalidURL, httpx.StreamError) as exc:
            raise _final(url, exc, hint) from None
        except httpx.HTTPError as exc:
            transient = _transient(exc)
            if transient is None:
                raise _final(url, exc, hint) from None
            problem = transient
        else:
            if not again(response):
                return response
            problem = f"HTTP {response.status_code}"
            retry_after = parse_retry_after(response.headers.get("Retry-After"), now())
        if attempt == policy.attempts - 1:
            break
        delay = _delay(url, problem, policy, attempt, retry_after, budget)
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


def _delay(
    url: str,
    problem: str,
    policy: RetryPolicy,
    attempt: int,
    retry_after: float | None,
    budget: RetryBudget | None,
) -> float:
    """Seconds to wait before the next attempt, or the SourceError that ends the retries."""
    if retry_after is None:
        return backoff_delay(policy, attempt)
    if retry_after > policy.max_retry_after:
        asked = "forever" if math.isinf(retry_after) else f"{retry_after:.0f} s"
        raise SourceError(
            f"{url}: {problem}; the server asked to wait {asked} before retrying, "
            f"longer than the {policy.max_retry_after:.0f} s this run is willing to wait. "
            "Run again later."
        )
    if budget is not None and not budget.take(retry_after):
        raise RetryBudgetSpent(
            f"{url}: {problem}; the server asked to wait {retry_after:g} s, but the "
            f"run's budget of {budget.total:g} s for Retry-After waits is spent "
            f"({budget.left:.3g} s left). Run again later: the next run starts a new budget"
        )
    return retry_after
