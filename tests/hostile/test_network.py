"""Hostile networks: a fetch against a server that misbehaves in every way we could think of.

The server is tests/servers/faulty.py on 127.0.0.1. Each run fetches two packages, one
hostile and one good, after a first run has given both a history. For every fault: exit
status 1, no traceback, the summary names the hostile package with a reason that says
what happened, the good package was fetched, and the hostile package's files are
byte-identical. The hostile package's first two endpoints answer with new data, so a
fault on `system` would show if anything of the package were written.

Most runs are in-process (`generator.cli.main`) with a fast limiter, tiny back-off and,
where time matters, a short deadline; a few run the real command in a subprocess with
every default, and those also measure memory and time.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from generator.pipeline import fetch
from generator.pipeline.select import CREDENTIAL_VARIABLES
from generator.rows import MAX_DOWNLOADS
from generator.sources import http, pypistats, retry
from generator.sources.ratelimit import RateLimiter
from generator.sources.retry import RetryPolicy
from tests.cli_helpers import PYPISTATS_ONLY, main_in_process
from tests.servers.faulty import (
    Behaviour,
    FaultyServer,
    broken_gzip,
    drop,
    gzip_bomb,
    ok_json,
    oversized,
    oversized_chunked,
    pypistats_body,
    raw,
    recent_days,
    redirect_loop,
    reset,
    respond,
    retry_after,
    trickle,
)

REPO = Path(__file__).resolve().parents[2]
FAST = RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.05, max_retry_after=5)
HOSTILE, GOOD = "hostile", "fine"
ENDPOINTS = ("overall", "python_minor", "system")
MIB = 1024 * 1024


# ---------------------------------------------------------------- helpers


def files_of(directory: Path) -> dict[str, bytes]:
    return {
        p.relative_to(directory).as_posix(): p.read_bytes()
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


def newer_body(name: str, endpoint: str) -> bytes:
    """A second night's answer: one more day, and every count changed."""
    category = {"overall": "without_mirrors", "python_minor": "3.12", "system": "Linux"}
    rows = [
        {"category": category[endpoint], "date": day, "downloads": 100 + n}
        for n, day in enumerate(recent_days(4))
    ]
    return pypistats_body(name, endpoint, rows)


def body_with(endpoint: str, raw_row: bytes) -> bytes:
    """A pypistats.org answer for HOSTILE whose one row is `raw_row`, written verbatim."""
    template = b'{"data":[%s],"package":"%s","type":"%s_downloads"}'
    return template % (raw_row, HOSTILE.encode(), endpoint.encode())


def row(downloads: bytes = b"5", category: object = "Linux", date: str | None = None) -> bytes:
    """One row as raw JSON: `downloads` verbatim, so it can be anything at all."""
    day = (date or recent_days(1)[0]).encode()
    template = b'{"category":%s,"date":"%s","downloads":%s}'
    return template % (json.dumps(category).encode(), day, downloads)


class Harness:
    """Two packages with a history, fetched again in-process against a FaultyServer."""

    def __init__(self, tmp_path: Path, server: FaultyServer, capsys: pytest.CaptureFixture[str]):
        self.tmp_path = tmp_path
        self.server = server
        self.capsys = capsys
        self.data_dir = tmp_path / "data"
        self.config = tmp_path / "packages.yaml"
        self.config.write_text(
            f"{PYPISTATS_ONLY}packages:\n  - name: {GOOD}\n  - name: {HOSTILE}\n", encoding="utf-8"
        )

    def run(self, *extra: str, api_url: str | None = None) -> tuple[int, str]:
        """main(["fetch", ...]); the exit status and everything printed or logged."""
        files = ("--config", self.config, "--data-dir", self.data_dir)
        url = api_url or self.server.url
        code, out, err = main_in_process(self.capsys, "fetch", *files, "--api-url", url, *extra)
        return code, out + err

    def seed(self) -> dict[str, bytes]:
        """A first night for both packages; then the second night's answers for GOOD and
        for HOSTILE's first two endpoints. Returns HOSTILE's files."""
        self.server.good(GOOD).good(HOSTILE)
        code, output = self.run()
        assert code == 0, output
        for endpoint in ENDPOINTS:
            self.server.on(f"{GOOD}/{endpoint}", ok_json(newer_body(GOOD, endpoint)))
            self.server.on(f"{HOSTILE}/{endpoint}", ok_json(newer_body(HOSTILE, endpoint)))
        self.server.requests.clear()
        return self.hostile_files()

    def hostile_files(self) -> dict[str, bytes]:
        return {p: b for p, b in files_of(self.data_dir).items() if p.startswith(f"{HOSTILE}/")}

    def good_fetched(self) -> bool:
        text = (self.data_dir / GOOD / "overall.csv").read_text(encoding="utf-8")
        return all(day in text for day in recent_days(4)) and ",103\n" in text


@pytest.fixture
def server() -> Iterator[FaultyServer]:
    with FaultyServer(lifetime=240) as faulty:
        yield faulty


@pytest.fixture
def harness(
    tmp_path: Path,
    server: FaultyServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> Harness:
    monkeypatch.setattr(fetch, "polite_limiter", lambda *a, **k: RateLimiter([(10_000, 1.0)]))
    monkeypatch.setattr(fetch, "RETRY_POLICY", FAST)
    for name in CREDENTIAL_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    return Harness(tmp_path, server, capsys)


def failure_line(output: str, name: str) -> str:
    """The summary's line for `name` under "Failed packages"."""
    assert "Failed packages" in output, output
    section = output.split("Failed packages", 1)[1]
    lines = [line.strip() for line in section.splitlines() if line.strip().startswith(name)]
    assert len(lines) == 1, output
    return lines[0]


def assert_hostile_failed_alone(
    harness: Harness, before: dict[str, bytes], code: int, output: str, reason: str
) -> str:
    assert code == 1, output
    assert "Traceback" not in output
    assert "1 packages fetched" in output or "1 package fetched" in output, output
    assert "1 failed" in output
    line = failure_line(output, f"{HOSTILE}:")
    assert re.search(reason, line), line
    assert harness.good_fetched()
    assert harness.hostile_files() == before  # byte-identical
    return line


# ---------------------------------------------------------------- the rules, pure

NOW = dt.datetime(2026, 8, 22, 12, 0, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("7", 7.0),
        (" 7\t", 7.0),
        ("²", None),  # str.isdigit() is True, float() raises
        ("١٢", None),  # Arabic-Indic digits: float() reads 12
        ("-5", None),
        ("0.5", None),
        ("", None),
        ("1e3", None),
        ("9" * 13, math.inf),  # more digits than any sane wait: forever
        ("9" * 5000, math.inf),
        ("Mon, 01 Jan 0000 00:00:00 GMT", 0.0),  # read as 2000: in the past
        ("Sat, 22 Aug 2026 12:00:30 GMT", 30.0),
        ("Sat, 22 Aug 2026 12:00:30 +9999", None),
    ],
)
def test_retry_after_is_ascii_seconds_or_an_http_date(value: str, expected: float | None) -> None:
    assert retry.parse_retry_after(value, NOW) == expected


def test_the_retry_budget_refuses_a_wait_it_cannot_cover_whole() -> None:
    budget = retry.RetryBudget(10.0)
    assert budget.take(6.0) and budget.left == 4.0
    assert not budget.take(5.0)  # no partial wait: the retry fails instead
    assert budget.left == 4.0 and budget.refused == 1
    assert budget.take(4.0) and budget.left == 0.0
    assert budget.take(0.0)  # a zero wait costs nothing


# ---------------------------------------------------------------- faults, one at a time

CHUNKED_GARBAGE = (
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    b"zz\r\nnot a chunk size\r\n"
)
LENGTH_TOO_LONG = (
    b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\nConnection: close\r\n\r\n" + b'{"data": ['
)
HEADER_FLOOD = b"HTTP/1.1 200 OK\r\nX-Flood: " + b"a" * 200_000 + b"\r\n\r\n"
GARBAGE_STATUS = b"HTTP/1.1 two hundred OK\r\nConnection: close\r\n\r\n"
NOT_HTTP = b"SSH-2.0-OpenSSH_9.6\r\n"

FAULTS: dict[str, tuple[Behaviour, str]] = {
    # Retry-After that str.isdigit() takes for a number, and other odd values
    "retry-after-superscript": (retry_after("²"), r"HTTP 429 after 3 attempts"),
    "retry-after-arabic-digits": (retry_after("١٢٣٤٥٦٧"), r"HTTP 429 after 3 attempts"),
    "retry-after-negative": (retry_after("-5"), r"HTTP 429 after 3 attempts"),
    "retry-after-fraction": (retry_after("0.5"), r"HTTP 429 after 3 attempts"),
    "retry-after-year-0": (
        retry_after("Mon, 01 Jan 0000 00:00:00 GMT"),
        r"HTTP 429 after 3 attempts",
    ),
    "retry-after-forever": (retry_after("9" * 400), r"asked to wait forever"),
    # the body
    "count-5000-digits": (ok_json(body_with("system", row(b"9" * 5000))), r"number too long"),
    "count-4000-digits": (
        ok_json(body_with("system", row(b"9" * 4000))),
        r"downloads: the count with 4000 digits is outside",
    ),
    "count-over-the-bound": (
        ok_json(body_with("system", row(str(MAX_DOWNLOADS + 1).encode()))),
        r"downloads: the count .* is outside 0\.\.",
    ),
    "count-NaN": (ok_json(body_with("system", row(b"NaN"))), r"downloads: the count nan"),
    "category-line-separator": (
        ok_json(body_with("system", row(category="Linux\u2028x"))),
        r"category: .*U\+2028",
    ),
    "category-nested-list": (
        ok_json(body_with("system", row(category=[[1] * 500] * 50))),
        r"category \[\[1, 1, .*\.\.\. is a list, not a string",
    ),
    "date-2099": (
        ok_json(body_with("system", row(date="2099-12-31"))),
        r"date: the date 2099-12-31 is in the future",
    ),
    "json-nested-100000-deep": (ok_json(b"[" * 100_000 + b"]" * 100_000), r"nested too deeply"),
    "json-deep-inside-data": (
        ok_json(body_with("system", b"[" * 50_000 + b"]" * 50_000)),
        r"nested too deeply",
    ),
    "html-200": (
        respond(200, b"<html><body>Hello from the captive portal</body></html>"),
        r"not JSON",
    ),
    "not-utf8": (ok_json(b'{"data": "\xff\xfe"}'), r"not JSON \(not UTF-8\)"),
    # the transfer
    "redirect-loop": (redirect_loop(), r"more than 5 redirects .*a redirect loop"),
    "redirect-to-ftp": (
        respond(302, headers=[("Location", "ftp://127.0.0.1/x")], reason="Found"),
        r"the request failed \(UnsupportedProtocol",
    ),
    "broken-gzip": (broken_gzip(), r"gzip encoding is broken"),
    "truncated-gzip": (
        respond(
            200,
            b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff\xab\xae\x05\x00",
            [("Content-Encoding", "gzip")],
        ),
        r"gzip encoding is broken \(it ends before",
    ),
    "unasked-encoding": (
        respond(200, b"\x00\x01", [("Content-Encoding", "br")]),
        r"encoded as 'br', which we did not ask for",
    ),
    "gzip-bomb-1-GiB": (gzip_bomb(1 << 30), r"larger than 16\.00 MiB.*gzip encoding decodes"),
    "oversized-content-length": (oversized(20 * MIB), r"larger than 16\.00 MiB.*says it is"),
    "oversized-chunked": (oversized_chunked(20 * MIB), r"larger than 16\.00 MiB"),
    "content-length-lies": (raw(LENGTH_TOO_LONG), r"connection failed \(RemoteProtocolError"),
    "content-length-short": (
        raw(b"HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n" + pypistats_body(HOSTILE, "system")),
        r"not JSON",
    ),
    "content-length-5000-digits": (
        raw(b"HTTP/1.1 200 OK\r\nContent-Length: " + b"9" * 5000 + b"\r\n\r\n{}"),
        r"connection failed \(RemoteProtocolError: bad Content-Length",
    ),
    "status-5000-digits": (
        raw(b"HTTP/1.1 " + b"2" * 5000 + b" OK\r\n\r\n"),
        r"connection failed \(RemoteProtocolError: illegal status line",
    ),
    "header-flood": (raw(HEADER_FLOOD), r"connection failed \(RemoteProtocolError"),
    "chunked-garbage": (raw(CHUNKED_GARBAGE), r"connection failed \(RemoteProtocolError"),
    "garbage-status-line": (raw(GARBAGE_STATUS), r"connection failed \(RemoteProtocolError"),
    "not-http-at-all": (raw(NOT_HTTP), r"connection failed \(RemoteProtocolError"),
    "connection-reset": (reset(), r"connection failed \(\w+Error: .*reset"),
    "dropped": (drop(), r"connection failed \(RemoteProtocolError: Server disconnected"),
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_a_hostile_answer_fails_that_package_only(harness: Harness, fault: str) -> None:
    behaviour, reason = FAULTS[fault]
    before = harness.seed()
    harness.server.on(f"{HOSTILE}/system", behaviour)
    code, output = harness.run()
    assert_hostile_failed_alone(harness, before, code, output, reason)
    assert harness.server.requests_for(f"{HOSTILE}/overall")  # the other endpoints answered


def test_an_unforeseen_error_fails_only_that_package(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bug of ours (here: a KeyError while parsing) is one package's failure, not the run's."""
    before = harness.seed()
    real_parse = pypistats.parse_response

    def parse(body: bytes, name: str, endpoint: str, url: str = "") -> object:
        if name == HOSTILE and endpoint == "system":
            raise KeyError("surprise")
        return real_parse(body, name, endpoint, url)

    monkeypatch.setattr(pypistats, "parse_response", parse)
    code, output = harness.run()
    line = assert_hostile_failed_alone(harness, before, code, output, r"unexpected error")
    assert "KeyError: 'surprise'" in line and "fetch -v --package hostile" in line


def test_a_redirect_within_the_cap_is_followed(harness: Harness) -> None:
    harness.seed()
    body = newer_body(HOSTILE, "system")
    harness.server.on("moved/system", ok_json(body))
    harness.server.on(
        f"{HOSTILE}/system",
        respond(301, headers=[("Location", "/api/packages/moved/system")], reason="Moved"),
    )
    code, output = harness.run()
    assert code == 0, output
    assert ",103\n" in (harness.data_dir / HOSTILE / "system.csv").read_text()


def test_http_1_0_without_a_length_is_read_to_the_close(harness: Harness) -> None:
    harness.seed()
    body = newer_body(HOSTILE, "system")
    harness.server.on(f"{HOSTILE}/system", raw(b"HTTP/1.0 200 OK\r\n\r\n" + body))
    code, output = harness.run()
    assert code == 0, output
    assert ",103\n" in (harness.data_dir / HOSTILE / "system.csv").read_text()


def test_a_gzip_answer_within_the_cap_is_decoded(harness: Harness) -> None:
    import gzip

    harness.seed()
    body = gzip.compress(newer_body(HOSTILE, "system"))
    harness.server.on(f"{HOSTILE}/system", respond(200, body, [("Content-Encoding", "gzip")]))
    code, output = harness.run()
    assert code == 0, output
    assert ",103\n" in (harness.data_dir / HOSTILE / "system.csv").read_text()


def test_transient_faults_then_a_good_answer_succeed(harness: Harness) -> None:
    """Resets, a dropped connection and a 503 are retried; the third try is good."""
    harness.seed()
    good = ok_json(newer_body(HOSTILE, "system"))
    harness.server.on(f"{HOSTILE}/system", reset(), retry_after("²", status=503), good)
    code, output = harness.run()
    assert code == 0, output
    assert [s.behaviour for s in harness.server.requests_for(f"{HOSTILE}/system")] == [
        "reset",
        "retry-after '²'",
        "respond 200",
    ]


# ---------------------------------------------------------------- time


def test_the_default_bounds_are_the_documented_ones() -> None:
    """The figures the README states; a change here is a change of promise."""
    assert http.REQUEST_DEADLINE == pypistats.REQUEST_DEADLINE == 60.0
    assert http.MAX_BODY_BYTES == pypistats.MAX_BODY_BYTES == 16 * MIB
    assert http.MAX_REDIRECTS == 5
    assert retry.RETRY_AFTER_BUDGET == RetryPolicy().retry_after_budget == 300.0
    assert RetryPolicy().max_retry_after == 300.0
    assert fetch.REQUEST_DEADLINE == 60.0


def _trickled_answer(endpoint: str) -> bytes:
    body = newer_body(HOSTILE, endpoint)
    head = f"HTTP/1.1 200 OK\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    return head.encode() + body


@pytest.mark.parametrize("part", ["status line", "body"])
def test_a_trickling_server_fails_at_the_deadline(
    harness: Harness, monkeypatch: pytest.MonkeyPatch, part: str
) -> None:
    """One byte every 0.5 s, each well within the 30 s read timeout: the deadline ends it."""
    monkeypatch.setattr(fetch, "REQUEST_DEADLINE", 2.0)
    before = harness.seed()
    answer = _trickled_answer("system")
    head_end = answer.index(b"\r\n\r\n") + 4
    behaviour = (
        trickle(answer, 0.5)
        if part == "status line"
        else trickle(answer[head_end:], 0.5, head=answer[:head_end])
    )
    harness.server.on(f"{HOSTILE}/system", behaviour)
    started = time.monotonic()
    code, output = harness.run("--timeout", "1")  # the deadline is at least one read's
    elapsed = time.monotonic() - started
    assert_hostile_failed_alone(harness, before, code, output, r"within 2 s, the deadline")
    assert len(harness.server.requests_for(f"{HOSTILE}/system")) == 1  # not retried
    # Without the deadline the trickle lasts minutes; a generous bound keeps a slow CI green.
    assert elapsed < 20.0, elapsed


def test_a_longer_timeout_lengthens_the_deadline(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An answer that takes 1.2 s fails a 0.5 s deadline, and passes with --timeout 3: the
    deadline is never shorter than one read may wait."""
    monkeypatch.setattr(fetch, "REQUEST_DEADLINE", 0.5)
    before = harness.seed()
    answer = _trickled_answer("system")
    harness.server.on(f"{HOSTILE}/system", trickle(answer, 1.2 / len(answer)))
    code, output = harness.run("--timeout", "0.4")
    assert_hostile_failed_alone(harness, before, code, output, r"within 0\.5 s, the deadline")
    code, output = harness.run("--timeout", "3")
    assert code == 0, output


def test_a_proxy_from_the_environment_is_used_and_bound_by_the_deadline(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """HTTP_PROXY is honoured as before, and the proxy's connection keeps the deadline."""
    monkeypatch.setattr(fetch, "REQUEST_DEADLINE", 1.5)
    before = harness.seed()
    harness.server.on(f"{HOSTILE}/system", trickle(_trickled_answer("system"), 0.5))
    proxy = harness.server.url.removesuffix("/api")
    for variable in ("HTTP_PROXY", "http_proxy"):
        monkeypatch.setenv(variable, proxy)
    for variable in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(variable, raising=False)
    unreachable = "http://127.0.0.1:9/api"  # nothing listens there: only the proxy answers
    code, output = harness.run("--timeout", "1", api_url=unreachable)
    assert_hostile_failed_alone(harness, before, code, output, r"within 1\.5 s, the deadline")


def test_worst_case_time_when_every_request_trickles(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """N packages whose every answer trickles: each fails once, at the deadline."""
    deadline, count = 1.0, 4
    monkeypatch.setattr(fetch, "REQUEST_DEADLINE", deadline)
    names = [f"slow{n}" for n in range(count)]
    harness.config.write_text(
        PYPISTATS_ONLY + "packages:\n" + "".join(f"  - name: {n}\n" for n in names),
        encoding="utf-8",
    )
    for name in names:
        for endpoint in ENDPOINTS:
            harness.server.on(f"{name}/{endpoint}", trickle(_trickled_answer(endpoint), 0.5))
    started = time.monotonic()
    code, output = harness.run("--timeout", "0.9")
    elapsed = time.monotonic() - started
    assert code == 1 and "Traceback" not in output
    assert f"{count} failed" in output
    assert len(harness.server.requests) == count  # one request each: a deadline is not retried
    per_package = elapsed / count
    print(
        f"\n[figure] {count} packages, every request trickling 1 byte / 0.5 s, deadline "
        f"{deadline:g} s: {elapsed:.2f} s in all, {per_package:.2f} s a package "
        f"(with the defaults: about {http.REQUEST_DEADLINE:g} s a package)"
    )
    assert elapsed < count * (deadline + 1.0)


def test_the_retry_after_budget_is_shared_by_the_whole_run(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """1.5 s for the run: the first package's 1 s wait fits, the second's does not."""
    policy = RetryPolicy(
        attempts=3, base_delay=0.01, max_delay=0.05, max_retry_after=5, retry_after_budget=1.5
    )
    monkeypatch.setattr(fetch, "RETRY_POLICY", policy)
    before = harness.seed()
    harness.server.on(
        f"{GOOD}/overall", retry_after("1"), ok_json(newer_body(GOOD, "overall"))
    )  # fine comes first in packages.yaml
    harness.server.on(f"{HOSTILE}/overall", retry_after("1"), ok_json(b"never asked for"))
    started = time.monotonic()
    code, output = harness.run()
    elapsed = time.monotonic() - started
    line = assert_hostile_failed_alone(
        harness, before, code, output, r"budget of 1\.5 s for Retry-After waits is spent"
    )
    assert "Run again later" in line
    assert re.search(r"Retry budget spent: .* 1 package failed without waiting: hostile\.", output)
    assert len(harness.server.requests_for(f"{HOSTILE}/overall")) == 1  # failed fast
    assert len(harness.server.requests_for(f"{GOOD}/overall")) == 2
    assert elapsed >= 1.0, elapsed  # the first wait was taken; the request counts show the rest


def test_a_retry_after_within_the_budget_leaves_no_note(harness: Harness) -> None:
    harness.seed()
    harness.server.on(
        f"{HOSTILE}/overall", retry_after("0"), ok_json(newer_body(HOSTILE, "overall"))
    )
    code, output = harness.run()
    assert code == 0, output
    assert "Retry budget" not in output


# ---------------------------------------------------------------- the real command


def _subprocess_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in CREDENTIAL_VARIABLES}
    env["PYTHONPATH"] = str(REPO)
    return env


MEASURED = (
    "import atexit, resource, runpy, sys\n"
    "atexit.register(lambda: print('maxrss_kib', "
    "resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr))\n"
    "sys.argv = ['generator', *sys.argv[1:]]\n"
    "runpy.run_module('generator', run_name='__main__')\n"
)


def run_real(
    tmp_path: Path, server: FaultyServer
) -> tuple[subprocess.CompletedProcess[str], int, float]:
    """`python -m generator fetch` with every default; its result, peak RSS and time."""
    command = [
        sys.executable,
        "-c",
        MEASURED,
        "fetch",
        "--config",
        str(tmp_path / "packages.yaml"),
        "--data-dir",
        str(tmp_path / "data"),
        "--api-url",
        server.url,
    ]
    started = time.monotonic()
    result = subprocess.run(
        command, cwd=REPO, env=_subprocess_env(), capture_output=True, text=True, timeout=120
    )
    elapsed = time.monotonic() - started
    match = re.search(r"maxrss_kib (\d+)", result.stderr)
    assert match, result.stderr
    return result, int(match.group(1)) * 1024, elapsed


def test_the_real_command_with_every_final_fault_at_once(
    tmp_path: Path, server: FaultyServer
) -> None:
    """Defaults throughout: one run, six hostile packages and one good one."""
    faults = {
        "digits": ok_json(body_with("system", row(b"9" * 5000))),
        "deep": ok_json(b"[" * 100_000 + b"]" * 100_000),
        "loop": redirect_loop(),
        "gzip": broken_gzip(),
        "bomb": gzip_bomb(1 << 30),
        "future": ok_json(body_with("system", row(date="2099-12-31"))),
    }
    names = [GOOD, *faults]
    (tmp_path / "packages.yaml").write_text(
        PYPISTATS_ONLY + "packages:\n" + "".join(f"  - name: {n}\n" for n in names),
        encoding="utf-8",
    )
    for name in names:
        server.good(name)
    first, _, _ = run_real(tmp_path, server)
    assert first.returncode == 0, first.stderr
    before = files_of(tmp_path / "data")
    for name, behaviour in faults.items():
        server.on(f"{name}/overall", ok_json(newer_body(name, "overall")))
        server.on(f"{name}/system", behaviour)
    server.on(f"{GOOD}/overall", ok_json(newer_body(GOOD, "overall")))
    result, _, elapsed = run_real(tmp_path, server)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "Traceback" not in output
    assert "1 package fetched" in output and f"{len(faults)} failed" in output
    for name in faults:
        failure_line(result.stdout, f"{name}:")
    after = files_of(tmp_path / "data")
    mine = (f"{GOOD}/", f"_meta/provenance/{GOOD}.csv")
    assert {p: b for p, b in after.items() if not p.startswith(mine)} == {
        p: b for p, b in before.items() if not p.startswith(mine)
    }
    assert after[f"{GOOD}/overall.csv"] != before[f"{GOOD}/overall.csv"]
    print(f"\n[figure] real fetch, 7 packages, 6 hostile, every default: {elapsed:.1f} s")


def test_peak_memory_of_a_fetch_against_a_gzip_bomb(tmp_path: Path, server: FaultyServer) -> None:
    """A 1 GiB gzip bomb (about 1 MB on the wire) costs at most the body cap in memory."""
    (tmp_path / "packages.yaml").write_text(
        f"{PYPISTATS_ONLY}packages:\n  - name: {GOOD}\n  - name: bomb\n", encoding="utf-8"
    )
    server.good(GOOD).good("bomb")
    baseline, baseline_rss, _ = run_real(tmp_path, server)
    assert baseline.returncode == 0, baseline.stderr
    server.on("bomb/overall", gzip_bomb(1 << 30))
    result, bomb_rss, elapsed = run_real(tmp_path, server)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert "larger than 16.00 MiB" in failure_line(result.stdout, "bomb:")
    print(
        f"\n[figure] peak RSS of a fetch: {baseline_rss / MIB:.0f} MiB against good answers, "
        f"{bomb_rss / MIB:.0f} MiB against a 1 GiB gzip bomb ({elapsed:.1f} s)"
    )
    assert bomb_rss < baseline_rss + 3 * http.MAX_BODY_BYTES
