"""A sliding-window rate limiter: never more than N requests in any window of W seconds.

pypistats.org publishes two limits, 30 requests a minute and 5 a second; the limiter
enforces several windows at once. The clock and the sleep are injectable, so tests can
check the schedule without waiting.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Sequence

DEFAULT_PER_MINUTE = 30
DEFAULT_PER_SECOND = 5


class RateLimiter:
    """Blocks in `acquire()` until one more request fits every (limit, window) pair."""

    def __init__(
        self,
        limits: Sequence[tuple[int, float]],
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        for count, window in limits:
            if count < 1 or window <= 0:
                raise ValueError(
                    f"a rate limit needs count >= 1 and window > 0, got {count}/{window}s"
                )
        self.limits = tuple(limits)
        self._clock = clock
        self._sleep = sleep
        self._longest = max((window for _, window in self.limits), default=0.0)
        self._stamps: deque[float] = deque()
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Wait until a request is allowed, record it, and return its timestamp."""
        with self._lock:
            while True:
                now = self._clock()
                wait = self._wait_needed(now)
                if wait <= 0:
                    self._stamps.append(now)
                    return now
                self._sleep(wait)

    def _wait_needed(self, now: float) -> float:
        while self._stamps and now - self._stamps[0] >= self._longest:
            self._stamps.popleft()
        wait = 0.0
        for count, window in self.limits:
            recent = [t for t in self._stamps if now - t < window]
            if len(recent) >= count:
                # The oldest of the last `count` requests must leave the window first.
                wait = max(wait, recent[-count] + window - now)
        return wait


def polite_limiter(
    requests_per_minute: int = DEFAULT_PER_MINUTE,
    *,
    per_second: int = DEFAULT_PER_SECOND,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> RateLimiter:
    """pypistats.org's published limits: `requests_per_minute` a minute and 5 a second."""
    return RateLimiter([(requests_per_minute, 60.0), (per_second, 1.0)], clock=clock, sleep=sleep)
