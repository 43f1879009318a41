"""The pypistats.org client: parsing, retries, Retry-After and the rate limiter.

HTTP tests run against the replay server on 127.0.0.1, which serves real recorded
pypistats.org responses. Sleeping and the clock are injected, so nothing waits for long.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from generator.errors import SourceError
from generator.sources.pypistats import ENDPOINTS, PypistatsClient, endpoint_url, parse_response
from generator.sources.ratelimit import RateLimiter, polite_limiter
from generator.sources.retry import RetryPolicy, backoff_delay, parse_retry_after
from tests.servers.pypistats_replay import ReplayServer

FAST = RetryPolicy(attempts=4, base_delay=0.01, max_delay=0.05, max_retry_after=60)


class FakeClock:
    """A clock that only moves when someone sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.sleeps.append(seconds)
        self.now += seconds


class RecordingLimiter:
    """Wraps a RateLimiter and records the (fake) time each request was let through."""

    def __init__(self, inner: RateLimiter) -> None:
        self.inner = inner
        self.stamps: list[float] = []

    def acquire(self) -> float:
        stamp = self.inner.acquire()
        self.stamps.append(stamp)
        return stamp


def unlimited() -> RateLimiter:
    return RateLimiter([(10_000, 1.0)])


@pytest.fixture
def server(realdata: Path) -> Iterator[ReplayServer]:
    with ReplayServer(realdata, snapshot="2025-11-15") as replay:
        yield replay


def recorded_series(path: Path) -> dict[tuple[str, str], int]:
    doc = json.loads(path.read_bytes())
    return {(row["date"], row["category"]): row["downloads"] for row in doc["data"]}


def make_client(server: ReplayServer, clock: FakeClock | None = None, **kwargs) -> PypistatsClient:
    kwargs.setdefault("limiter", unlimited())
    kwargs.setdefault("policy", FAST)
    kwargs.setdefault("timeout", 5.0)
    if clock is not None:
        kwargs["sleep"] = clock.sleep
    return PypistatsClient(server.url, **kwargs)


# ---------------------------------------------------------------- parsing (pure)


def test_endpoint_url_normalizes_the_name() -> None:
    assert (
        endpoint_url("https://pypistats.org/api/", "Foo_Bar.baz", "python_minor")
        == "https://pypistats.org/api/packages/foo-bar-baz/python_minor"
    )


def test_real_response_parses_with_categories_kept_as_strings(realdata: Path) -> None:
    path = realdata / "semclone-status/extracted/2026-08-22/osslili/python_minor.json"
    series = parse_response(path.read_bytes(), "osslili", "python_minor")
    categories = {category for _, category in series}
    assert {"3.10", "3.9", "null"} <= categories
    assert series == recorded_series(path)
    assert all(type(c) is str for c in categories)


def test_heudiconv_response_parses_and_keeps_its_missing_day(realdata: Path) -> None:
    series = parse_response(
        (realdata / "nipy-heudiconv/pypistats.json").read_bytes(), "heudiconv", "overall"
    )
    assert len(series) == 360
    assert ("2023-01-23", "without_mirrors") in series
    assert ("2023-01-24", "without_mirrors") not in series
    assert ("2023-01-24", "with_mirrors") not in series


def _body(**changes: object) -> bytes:
    doc: dict[str, object] = {
        "data": [{"category": "3.10", "date": "2026-01-02", "downloads": 7}],
        "package": "purl2src",
        "type": "python_minor_downloads",
    }
    doc.update(changes)
    return json.dumps(doc).encode()


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b'{"data":[{"category":"3.10","date":"2026-01-02","downlo', "not JSON"),
        (b"<!DOCTYPE html><html><body>502 Bad Gateway</body></html>", "not JSON"),
        (b"[]", "not an object"),
        (_body(type="overall_downloads"), "`type`"),
        (_body(package="someone-else"), "`package`"),
        (_body(data={"last_day": 1}), "`data` is not a list"),
        (_body(data=[{"category": 3.1, "date": "2026-01-02", "downloads": 1}]), "category"),
        (_body(data=[{"category": "3.10", "date": "02/01/2026", "downloads": 1}]), "date"),
        (_body(data=[{"category": "3.10", "date": "2026-02-30", "downloads": 1}]), "real date"),
        (_body(data=[{"category": "3.10", "date": "2026-01-02", "downloads": -1}]), "downloads"),
        (_body(data=[{"category": "3.10", "date": "2026-01-02", "downloads": "7"}]), "downloads"),
        (_body(data=[{"category": "3.10", "date": "2026-01-02", "downloads": True}]), "downloads"),
        (
            _body(
                data=[
                    {"category": "3.10", "date": "2026-01-02", "downloads": 7},
                    {"category": "3.10", "date": "2026-01-02", "downloads": 8},
                ]
            ),
            "repeats",
        ),
    ],
)
def test_bodies_that_are_not_the_expected_json_are_rejected(body: bytes, reason: str) -> None:
    with pytest.raises(SourceError) as caught:
        parse_response(
            body, "purl2src", "python_minor", "http://x/api/packages/purl2src/python_minor"
        )
    assert reason in caught.value.message
    assert "http://x/api/packages/purl2src/python_minor" in caught.value.message


def test_package_name_is_compared_after_normalisation() -> None:
    body = _body(package="Purl2Src")
    assert parse_response(body, "purl2src", "python_minor") == {("2026-01-02", "3.10"): 7}


# ---------------------------------------------------------------- retry rules (pure)


def test_backoff_doubles_and_is_capped() -> None:
    policy = RetryPolicy(attempts=6, base_delay=2, max_delay=10)
    assert [backoff_delay(policy, k) for k in range(5)] == [2, 4, 8, 10, 10]


def test_retry_after_seconds_and_http_date() -> None:
    now = dt.datetime(2026, 8, 22, 12, 0, 0, tzinfo=dt.UTC)
    assert parse_retry_after("7", now) == 7.0
    assert parse_retry_after("Sat, 22 Aug 2026 12:00:30 GMT", now) == 30.0
    assert parse_retry_after("Sat, 22 Aug 2026 11:00:00 GMT", now) == 0.0  # in the past
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after(None, now) is None


# ---------------------------------------------------------------- over HTTP


def test_fetch_package_gets_three_endpoints_from_the_recorded_responses(
    server: ReplayServer, realdata: Path
) -> None:
    with make_client(server) as client:
        fetched = client.fetch_package("purl2src")
    assert set(fetched) == set(ENDPOINTS)
    for endpoint in ENDPOINTS:
        assert fetched[endpoint] == recorded_series(server.recorded("purl2src", endpoint))
    assert [r.path for r in server.requests] == [
        f"/api/packages/purl2src/{e}" for e in ("overall", "python_minor", "system")
    ]


@pytest.mark.parametrize("fault", ["429", "503", "500", "drop"])
def test_transient_errors_are_retried_with_exponential_backoff(
    server: ReplayServer, fault: str
) -> None:
    clock = FakeClock()
    server.inject("purl2src/overall", fault, times=2)
    with make_client(server, clock) as client:
        series = client.fetch_endpoint("purl2src", "overall")
    assert series == recorded_series(server.recorded("purl2src", "overall"))
    assert [r.status for r in server.requests_for("purl2src/overall")][-1] == 200
    assert len(server.requests_for("purl2src/overall")) == 3
    assert clock.sleeps == [0.01, 0.02]


def test_retry_after_seconds_is_honoured(server: ReplayServer) -> None:
    clock = FakeClock()
    server.inject("purl2src/system", "429-retry-after", times=1, retry_after=7)
    with make_client(server, clock) as client:
        client.fetch_endpoint("purl2src", "system")
    assert clock.sleeps == [7.0]  # not the 0.01 s back-off


def test_retry_after_http_date_is_honoured(server: ReplayServer) -> None:
    clock = FakeClock()
    server.inject("purl2src/system", "429-retry-after-date", times=1, retry_after=20)
    with make_client(server, clock) as client:
        client.fetch_endpoint("purl2src", "system")
    assert len(clock.sleeps) == 1
    assert 17 <= clock.sleeps[0] <= 21  # an HTTP date has 1-second resolution


def test_retry_after_longer_than_we_will_wait_fails_at_once(server: ReplayServer) -> None:
    clock = FakeClock()
    server.inject("purl2src/system", "429-retry-after", retry_after=3600)
    with make_client(server, clock) as client, pytest.raises(SourceError) as caught:
        client.fetch_endpoint("purl2src", "system")
    assert "3600" in caught.value.message
    assert clock.sleeps == []
    assert len(server.requests_for("purl2src/system")) == 1


@pytest.mark.parametrize("fault", ["429", "503", "drop"])
def test_retries_are_bounded(server: ReplayServer, fault: str) -> None:
    clock = FakeClock()
    server.inject("purl2src/overall", fault)  # forever
    with make_client(server, clock) as client, pytest.raises(SourceError) as caught:
        client.fetch_endpoint("purl2src", "overall")
    assert len(server.requests_for("purl2src/overall")) == FAST.attempts
    assert "after 4 attempts" in caught.value.message
    assert "purl2src/overall" in caught.value.message
    assert len(clock.sleeps) == FAST.attempts - 1


def test_a_hanging_server_times_out_and_the_retry_succeeds(server: ReplayServer) -> None:
    clock = FakeClock()
    server.inject("purl2src/python_minor", "timeout", times=1, hang=5)
    with make_client(server, clock, timeout=0.3) as client:
        series = client.fetch_endpoint("purl2src", "python_minor")
    assert series == recorded_series(server.recorded("purl2src", "python_minor"))
    assert len(server.requests_for("purl2src/python_minor")) == 2


def test_a_server_that_always_hangs_fails_after_bounded_timeouts(server: ReplayServer) -> None:
    clock = FakeClock()
    server.inject("purl2src/python_minor", "timeout", hang=5)
    policy = RetryPolicy(attempts=2, base_delay=0.01)
    client = make_client(server, clock, timeout=0.2, policy=policy)
    with client, pytest.raises(SourceError) as caught:
        client.fetch_endpoint("purl2src", "python_minor")
    assert "timed out" in caught.value.message
    assert len(server.requests_for("purl2src/python_minor")) == 2


@pytest.mark.parametrize(
    ("fault", "reason"), [("404", "HTTP 404"), ("truncated", "not JSON"), ("html", "not JSON")]
)
def test_permanent_faults_are_not_retried(server: ReplayServer, fault: str, reason: str) -> None:
    clock = FakeClock()
    server.inject("vulnq/system", fault)
    with make_client(server, clock) as client, pytest.raises(SourceError) as caught:
        client.fetch_endpoint("vulnq", "system")
    assert reason in caught.value.message
    assert len(server.requests_for("vulnq/system")) == 1
    assert clock.sleeps == []


def test_unknown_package_is_a_404(server: ReplayServer) -> None:
    with make_client(server) as client, pytest.raises(SourceError, match="HTTP 404"):
        client.fetch_package("no-such-package-here")


def test_every_request_has_a_timeout() -> None:
    seen: list[dict[str, object]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.extensions["timeout"])
        return httpx.Response(200, content=_body())

    client = PypistatsClient(
        "http://127.0.0.1:9/api",
        limiter=unlimited(),
        timeout=12.5,
        transport=httpx.MockTransport(handler),
    )
    with client:
        client.fetch_endpoint("purl2src", "python_minor")
    assert seen and all(
        t == {"connect": 12.5, "read": 12.5, "write": 12.5, "pool": 12.5} for t in seen
    )


# ---------------------------------------------------------------- rate limiting


def _max_in_window(stamps: list[float], window: float) -> int:
    """The largest number of stamps in any half-open interval [t, t + window)."""
    return max(sum(1 for s in stamps if t <= s < t + window) for t in stamps)


def test_limiter_schedule_with_a_fake_clock() -> None:
    clock = FakeClock()
    limiter = polite_limiter(30, clock=clock.time, sleep=clock.sleep)
    stamps = [limiter.acquire() for _ in range(95)]
    assert _max_in_window(stamps, 60.0) == 30
    assert _max_in_window(stamps, 1.0) == 5
    # Not slower than needed: 95 requests at 30 a minute take three full minutes.
    assert stamps[-1] - stamps[0] == pytest.approx(180.0)


def test_requests_over_http_never_exceed_the_limits(server: ReplayServer) -> None:
    """Real requests, including retries, with the limiter on a fake clock."""
    clock = FakeClock()
    limiter = RecordingLimiter(polite_limiter(20, clock=clock.time, sleep=clock.sleep))
    server.inject("osslili/system", "503", times=2)  # retries count against the limits too
    packages = server.packages()  # the 9 packages of 2025-11-15: 27 requests + 2 retries
    with make_client(server, clock, limiter=limiter) as client:
        for name in packages:
            client.fetch_package(name)
    assert len(server.requests) == len(limiter.stamps) == 3 * len(packages) + 2
    assert _max_in_window(limiter.stamps, 60.0) == 20
    assert _max_in_window(limiter.stamps, 1.0) == 5
    assert limiter.stamps[20] - limiter.stamps[0] == pytest.approx(60.0)


def test_requests_per_minute_changes_only_the_minute_limit(server: ReplayServer) -> None:
    clock = FakeClock()
    limiter = RecordingLimiter(polite_limiter(12, clock=clock.time, sleep=clock.sleep))
    with make_client(server, clock, limiter=limiter) as client:
        for name in server.packages()[:6]:  # 18 requests
            client.fetch_package(name)
    assert _max_in_window(limiter.stamps, 60.0) == 12
    assert _max_in_window(limiter.stamps, 1.0) == 5
    assert limiter.stamps[12] - limiter.stamps[0] == pytest.approx(60.0)


def test_higher_minute_limit_still_caps_at_five_a_second() -> None:
    clock = FakeClock()
    limiter = polite_limiter(1000, clock=clock.time, sleep=clock.sleep)
    stamps = [limiter.acquire() for _ in range(50)]
    assert _max_in_window(stamps, 1.0) == 5
    assert stamps[-1] - stamps[0] == pytest.approx(9.0)


def test_http_date_header_from_the_server_is_well_formed(server: ReplayServer) -> None:
    server.inject("purl2src/overall", "429-retry-after-date", times=1, retry_after=5)
    response = httpx.get(f"{server.url}/packages/purl2src/overall")
    assert response.status_code == 429
    assert email.utils.parsedate_to_datetime(response.headers["Retry-After"]) is not None
