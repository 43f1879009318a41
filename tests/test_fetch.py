"""`python -m generator fetch` against a local replay of real pypistats.org responses.

The server (tests/servers/pypistats_replay.py) serves the recorded SemClone snapshots and
heudiconv's recorded `overall` over real HTTP on 127.0.0.1, with injected faults.
Most runs go through `generator.cli.main` in-process with a fast rate limiter and tiny
back-off (the politeness itself is tested in test_pypistats_client.py); a few run the
real `python -m generator fetch` in a subprocess.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from generator.errors import UsageError
from generator.pipeline import fetch
from generator.pipeline.outcome import Outcome
from generator.pipeline.select import CREDENTIAL_VARIABLES, resolve_source
from generator.sources.ratelimit import RateLimiter
from generator.sources.retry import RetryPolicy
from tests.cli_helpers import PYPISTATS_ONLY, main_in_process
from tests.servers.pypistats_replay import ReplayServer

REPO = Path(__file__).resolve().parent.parent
KINDS = ("overall", "python_major", "python_minor", "system")
ENDPOINTS = ("overall", "python_minor", "system")
SNAPSHOTS = ("2025-11-15", "2026-05-15", "2026-08-22")
IN_ALL_SNAPSHOTS = ("binarysniffer", "osslili", "purl2src")
FAST_POLICY = RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.05, max_retry_after=5)


# ---------------------------------------------------------------- helpers


def write_config(directory: Path, names: Sequence[str]) -> Path:
    path = directory / "packages.yaml"
    items = "".join(f"  - name: {name}\n" for name in names)
    path.write_text(f"# test config\n{PYPISTATS_ONLY}packages:\n{items}", encoding="utf-8")
    return path


def files_of(data_dir: Path) -> dict[str, bytes]:
    """Every file under data_dir, by relative path, with its bytes."""
    return {
        p.relative_to(data_dir).as_posix(): p.read_bytes()
        for p in sorted(data_dir.rglob("*"))
        if p.is_file()
    }


def recorded(path: Path) -> dict[tuple[str, str], int]:
    doc = json.loads(path.read_bytes())
    return {(row["date"], row["category"]): row["downloads"] for row in doc["data"]}


def csv_rows(path: Path) -> dict[tuple[str, str], int]:
    """Read a history file as plain text (no store code), categories as written."""
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "date,category,downloads"
    rows: dict[tuple[str, str], int] = {}
    for line in lines[1:]:
        date, category, downloads = line.split(",")
        assert (date, category) not in rows
        rows[(date, category)] = int(downloads)
    return rows


class Run:
    """Runs `fetch` in-process against a replay server, in a scratch directory."""

    def __init__(self, tmp_path: Path, server: ReplayServer, capsys: pytest.CaptureFixture[str]):
        self.tmp_path = tmp_path
        self.server = server
        self.capsys = capsys
        self.data_dir = tmp_path / "data"
        self.config = tmp_path / "packages.yaml"

    def packages(self, *names: str) -> Run:
        write_config(self.tmp_path, names)
        return self

    def __call__(self, *extra: str) -> tuple[int, str, str]:
        files = ("--config", self.config, "--data-dir", self.data_dir)
        return main_in_process(self.capsys, "fetch", *files, "--api-url", self.server.url, *extra)


@pytest.fixture
def fast(monkeypatch: pytest.MonkeyPatch) -> None:
    """No waiting in-process: a generous limiter and tiny back-off; no Google credentials."""
    monkeypatch.setattr(fetch, "polite_limiter", lambda *a, **k: RateLimiter([(10_000, 1.0)]))
    monkeypatch.setattr(fetch, "RETRY_POLICY", FAST_POLICY)
    for name in CREDENTIAL_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def server(realdata: Path) -> Iterator[ReplayServer]:
    with ReplayServer(realdata, snapshot="2026-08-22") as replay:
        yield replay


@pytest.fixture
def run(
    tmp_path: Path, server: ReplayServer, capsys: pytest.CaptureFixture[str], fast: None
) -> Run:
    return Run(tmp_path, server, capsys)


def subprocess_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in CREDENTIAL_VARIABLES}
    env["PYTHONPATH"] = str(REPO)
    return env


def fetch_command(tmp_path: Path, server: ReplayServer, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "generator",
        "fetch",
        "--config",
        str(tmp_path / "packages.yaml"),
        "--data-dir",
        str(tmp_path / "data"),
        "--api-url",
        server.url,
        *extra,
    ]


# ---------------------------------------------------------------- end to end


def test_fetch_over_http_writes_the_four_files(tmp_path: Path, server: ReplayServer) -> None:
    """The real command in a subprocess, with its default politeness."""
    write_config(tmp_path, ["purl2src", "vulnq"])
    result = subprocess.run(
        fetch_command(tmp_path, server),
        cwd=REPO,
        env=subprocess_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    for name in ("purl2src", "vulnq"):
        package_dir = tmp_path / "data" / name
        assert sorted(p.name for p in package_dir.iterdir()) == [f"{k}.csv" for k in KINDS]
        for endpoint in ENDPOINTS:
            assert csv_rows(package_dir / f"{endpoint}.csv") == recorded(
                server.recorded(name, endpoint)
            )
    assert "2 packages fetched" in result.stdout
    assert "0 failed" in result.stdout
    assert "fetch 1/2 purl2src" in result.stderr and "fetch 2/2 vulnq" in result.stderr
    assert [r.path for r in server.requests] == [
        f"/api/packages/{name}/{endpoint}"
        for name in ("purl2src", "vulnq")
        for endpoint in ("overall", "python_minor", "system")
    ]
    # At most 5 requests a second by default: the sixth waits for the first to age out.
    # (Slack for the first request's connection set-up on a busy machine; without the
    # limiter all six arrive within a few milliseconds.)
    arrivals = [r.at for r in server.requests]
    assert arrivals[5] - arrivals[0] >= 0.9


def test_rate_limits_come_from_the_option_or_packages_yaml(
    run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[int] = []

    def recording_limiter(requests_per_minute: int, **_: object) -> RateLimiter:
        asked.append(requests_per_minute)
        return RateLimiter([(10_000, 1.0)])

    monkeypatch.setattr(fetch, "polite_limiter", recording_limiter)
    run.packages("purl2src")
    run()
    run("--requests-per-minute", "12")
    run.config.write_text(run.config.read_text() + "requests_per_minute: 20\n")
    run()
    assert asked == [30, 12, 20]


def test_python_major_is_python_minor_summed_by_major(run: Run) -> None:
    code, _, _ = run.packages("osslili")()
    assert code == 0
    minor = recorded(run.server.recorded("osslili", "python_minor"))
    expected: dict[tuple[str, str], int] = {}
    for (date, category), n in minor.items():
        major = category.split(".")[0]
        expected[(date, major)] = expected.get((date, major), 0) + n
    major_rows = csv_rows(run.data_dir / "osslili" / "python_major.csv")
    assert major_rows == expected
    assert {c for _, c in major_rows} == {"3", "null"}


def test_categories_stay_strings_exactly(run: Run) -> None:
    code, _, _ = run.packages("osslili")()
    assert code == 0
    minor_text = (run.data_dir / "osslili" / "python_minor.csv").read_text()
    minor = recorded(run.server.recorded("osslili", "python_minor"))
    for category in ("3.10", "null", "3.9"):
        written = [line for line in minor_text.splitlines() if line.split(",")[1] == category]
        assert len(written) == sum(1 for _, c in minor if c == category) > 0
    assert ",3.1," not in minor_text  # "3.10" never became a float
    assert ",nan," not in minor_text and ",," not in minor_text
    system_text = (run.data_dir / "osslili" / "system.csv").read_text()
    assert ",null," in system_text and ",Linux," in system_text


def test_rows_are_sorted_by_date_then_category(run: Run) -> None:
    run.packages("binarysniffer")()
    for kind in KINDS:
        lines = (run.data_dir / "binarysniffer" / f"{kind}.csv").read_text().splitlines()[1:]
        keys = [tuple(line.split(",")[:2]) for line in lines]
        assert keys == sorted(keys)


def test_three_overlapping_snapshots_merge_and_keep_old_days(run: Run) -> None:
    run.packages(*IN_ALL_SNAPSHOTS)
    expected: dict[str, dict[str, dict[tuple[str, str], int]]] = {
        name: {e: {} for e in ENDPOINTS} for name in IN_ALL_SNAPSHOTS
    }
    for snapshot in SNAPSHOTS:  # the order a nightly job would have seen them
        run.server.set_snapshot(snapshot)
        code, out, _ = run()
        assert code == 0, out
        for name in IN_ALL_SNAPSHOTS:
            for endpoint in ENDPOINTS:
                expected[name][endpoint].update(recorded(run.server.recorded(name, endpoint)))
    for name in IN_ALL_SNAPSHOTS:
        for endpoint in ENDPOINTS:
            rows = csv_rows(run.data_dir / name / f"{endpoint}.csv")
            assert rows == expected[name][endpoint]
        overall = csv_rows(run.data_dir / name / "overall.csv")
        dates = sorted({d for d, _ in overall})
        # Days only the first snapshot had (Oct-Nov 2025) are still there after the third.
        assert dates[0] == "2025-10-28"
        assert dates[-1] == "2026-08-21"
    first = recorded(run.server.recorded("purl2src", "overall", "2025-11-15"))
    last = csv_rows(run.data_dir / "purl2src" / "overall.csv")
    assert all(last[key] == value for key, value in first.items())


def test_a_revised_day_takes_the_newest_value(run: Run) -> None:
    """pypistats.org revises recent days: the newer response wins for that key."""
    run.packages("purl2src")
    run.server.set_snapshot("2026-05-15")
    assert run()[0] == 0
    before = csv_rows(run.data_dir / "purl2src" / "overall.csv")
    # The 2026-08-22 recording, with one day inside the overlap revised upwards.
    run.server.set_snapshot("2026-08-22")
    doc = json.loads(run.server.recorded("purl2src", "overall").read_bytes())
    revised = next(
        r for r in doc["data"] if r["date"] < "2026-05-15" and (r["date"], r["category"]) in before
    )
    revised["downloads"] += 1000
    run.server.override("purl2src/overall", json.dumps(doc).encode())
    assert run()[0] == 0
    after = csv_rows(run.data_dir / "purl2src" / "overall.csv")
    key = (revised["date"], revised["category"])
    assert after[key] == revised["downloads"] == before[key] + 1000
    unchanged = {k: v for k, v in before.items() if k != key and k[0] < "2026-02-22"}
    assert unchanged and all(after[k] == v for k, v in unchanged.items())


def test_heudiconv_missing_day_stays_missing(run: Run) -> None:
    # Only heudiconv's `overall` was recorded. The other two endpoints are answered with
    # an empty (but well-formed) data list: made up for this test, not recorded.
    for endpoint in ("python_minor", "system"):
        body = {"data": [], "package": "heudiconv", "type": f"{endpoint}_downloads"}
        run.server.override(f"heudiconv/{endpoint}", json.dumps(body).encode())
    run.packages("heudiconv")
    for _ in range(2):
        code, out, _ = run()
        assert code == 0, out
        overall = run.data_dir / "heudiconv" / "overall.csv"
        rows = csv_rows(overall)
        assert len(rows) == 360
        assert ("2023-01-23", "without_mirrors") in rows
        assert ("2023-01-25", "without_mirrors") in rows
        assert "2023-01-24" not in overall.read_text()
    assert not (run.data_dir / "heudiconv" / "python_minor.csv").exists()


def test_second_identical_run_changes_nothing(run: Run) -> None:
    run.packages(*IN_ALL_SNAPSHOTS)
    assert run()[0] == 0
    before = files_of(run.data_dir)
    mtimes = {p: (run.data_dir / p).stat().st_mtime_ns for p in before}
    code, out, _ = run()
    assert code == 0
    assert files_of(run.data_dir) == before
    assert {p: (run.data_dir / p).stat().st_mtime_ns for p in before} == mtimes
    assert "0 files changed" in out
    assert not [p for p in before if ".tmp" in p]


def test_package_option_fetches_only_that_package(run: Run) -> None:
    run.packages("purl2src", "vulnq", "binarysniffer")
    code, _, _ = run("--package", "VulnQ")
    assert code == 0
    assert sorted(p.name for p in run.data_dir.iterdir()) == ["_meta", "vulnq"]
    assert [p.name for p in (run.data_dir / "_meta" / "provenance").iterdir()] == ["vulnq.csv"]
    assert {r.path.split("/")[3] for r in run.server.requests} == {"vulnq"}


def test_package_not_in_packages_yaml_is_a_usage_error(
    run: Run, caplog: pytest.LogCaptureFixture
) -> None:
    run.packages("purl2src")
    code, _, _ = run("--package", "purl2src", "--package", "left-pad")
    assert code == 2
    assert "`left-pad` is not in" in caplog.text and "packages.yaml" in caplog.text
    assert "python -m generator add left-pad" in caplog.text
    assert run.server.requests == []
    assert not run.data_dir.exists()


def test_bad_packages_yaml_exits_2_without_traceback(tmp_path: Path, server: ReplayServer) -> None:
    (tmp_path / "packages.yaml").write_text("packages:\n  - name: purl2src\n    colour: red\n")
    result = subprocess.run(
        fetch_command(tmp_path, server),
        cwd=REPO,
        env=subprocess_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "packages.yaml:3" in result.stderr and "colour" in result.stderr
    assert "Traceback" not in result.stderr
    assert server.requests == []


# ---------------------------------------------------------------- faults


@pytest.fixture
def three_with_history(run: Run) -> Run:
    """purl2src, vulnq and osslili with history from 2026-05-15; the server now on 2026-08-22."""
    run.packages("osslili", "purl2src", "vulnq")
    run.server.set_snapshot("2026-05-15")
    assert run()[0] == 0
    run.server.set_snapshot("2026-08-22")
    run.server.reset()
    return run


def _latest_date(path: Path) -> str:
    return max(d for d, _ in csv_rows(path))


@pytest.mark.parametrize(
    ("endpoint", "fault", "reason"),
    [
        ("system", "404", "HTTP 404"),  # after overall and python_minor succeeded
        ("python_minor", "truncated", "not JSON"),
        ("overall", "html", "not JSON"),
        ("overall", "503", "HTTP 503 after 3 attempts"),
        ("system", "429", "HTTP 429 after 3 attempts"),
        ("python_minor", "drop", "connection failed"),
    ],
)
def test_a_failing_package_keeps_its_history_and_the_others_go_on(
    three_with_history: Run, endpoint: str, fault: str, reason: str
) -> None:
    run = three_with_history
    before = files_of(run.data_dir)
    run.server.inject(f"vulnq/{endpoint}", fault)  # every time: a permanent failure
    code, out, _ = run()
    assert code == 1
    after = files_of(run.data_dir)
    vulnq = {p: b for p, b in before.items() if p.startswith("vulnq/")}
    assert {p: after[p] for p in vulnq} == vulnq  # byte-identical
    for name in ("osslili", "purl2src"):
        assert _latest_date(run.data_dir / name / "overall.csv") == "2026-08-21"
    assert "2 packages fetched" in out and "1 failed" in out
    failed_lines = out.split("Failed packages", 1)[1].strip().splitlines()[1:]
    assert len(failed_lines) == 1
    assert failed_lines[0].lstrip().startswith("vulnq: ")
    assert reason in failed_lines[0]
    assert f"vulnq/{endpoint}" in failed_lines[0]


def test_a_slow_server_is_a_bounded_failure(three_with_history: Run) -> None:
    run = three_with_history
    before = files_of(run.data_dir)
    run.server.inject("vulnq/overall", "timeout", hang=3)
    code, out, _ = run("--timeout", "0.2")
    assert code == 1
    assert "vulnq" in out and "timed out" in out
    assert len(run.server.requests_for("vulnq/overall")) == FAST_POLICY.attempts
    assert {p: b for p, b in files_of(run.data_dir).items() if p.startswith("vulnq/")} == {
        p: b for p, b in before.items() if p.startswith("vulnq/")
    }


def test_corrupt_history_fails_only_that_package(three_with_history: Run) -> None:
    run = three_with_history
    system = run.data_dir / "vulnq" / "system.csv"
    system.write_bytes(system.read_bytes() + b"2026-13-01,Linux,5\n")
    before = files_of(run.data_dir)
    code, out, _ = run()
    assert code == 1
    line_count = len(system.read_bytes().splitlines())
    assert f"vulnq: {system}:{line_count}: bad date" in out
    assert {p: b for p, b in files_of(run.data_dir).items() if p.startswith("vulnq/")} == {
        p: b for p, b in before.items() if p.startswith("vulnq/")
    }
    assert _latest_date(run.data_dir / "purl2src" / "overall.csv") == "2026-08-21"


@pytest.mark.parametrize(
    ("fault", "options"),
    [
        ("429", {}),
        ("429-retry-after", {"retry_after": 0}),
        ("429-retry-after-date", {"retry_after": 0}),
        ("503", {}),
        ("500", {}),
        ("timeout", {"hang": 3}),
        ("drop", {}),
    ],
)
def test_transient_faults_are_retried_and_the_run_succeeds(
    three_with_history: Run, fault: str, options: dict[str, float]
) -> None:
    run = three_with_history
    run.server.inject("vulnq/python_minor", fault, times=2, **options)
    code, out, _ = run("--timeout", "0.3")
    assert code == 0, out
    assert "0 failed" in out
    assert [r.fault for r in run.server.requests_for("vulnq/python_minor")] == [fault, fault, None]
    assert _latest_date(run.data_dir / "vulnq" / "overall.csv") == "2026-08-21"


def test_failure_exit_code_and_summary_from_the_real_command(
    tmp_path: Path, server: ReplayServer
) -> None:
    write_config(tmp_path, ["purl2src", "no-such-package"])
    result = subprocess.run(
        fetch_command(tmp_path, server),
        cwd=REPO,
        env=subprocess_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "no-such-package: " in result.stdout and "HTTP 404" in result.stdout
    assert "Traceback" not in result.stderr
    assert (tmp_path / "data" / "purl2src" / "overall.csv").is_file()
    assert not (tmp_path / "data" / "no-such-package").exists()


# ---------------------------------------------------------------- source selection


@pytest.mark.parametrize(
    ("choice", "environ", "expected"),
    [
        ("auto", {}, "pypistats"),
        ("auto", {"GOOGLE_APPLICATION_CREDENTIALS": "/k.json"}, "bigquery"),
        ("auto", {"BIGQUERY_API_ENDPOINT": "http://127.0.0.1:9050"}, "bigquery"),
        ("auto", {"GOOGLE_APPLICATION_CREDENTIALS": ""}, "pypistats"),
        ("pypistats", {"GOOGLE_APPLICATION_CREDENTIALS": "/k.json"}, "pypistats"),
        ("bigquery", {}, "bigquery"),
    ],
)
def test_source_resolution(choice: str, environ: dict[str, str], expected: str) -> None:
    assert resolve_source(choice, environ) == expected


def test_print_sql_means_bigquery_even_without_credentials() -> None:
    assert resolve_source("auto", {}, print_sql=True) == "bigquery"
    with pytest.raises(UsageError, match="--print-sql"):
        resolve_source("pypistats", {}, print_sql=True)


def test_auto_with_credentials_delegates_to_bigquery(
    run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[object, ...]] = []

    def nightly(*args: object) -> Outcome:
        calls.append(args)
        return Outcome()

    monkeypatch.setattr(fetch.bigquery_run, "nightly", nightly)
    monkeypatch.setenv("BIGQUERY_API_ENDPOINT", "http://127.0.0.1:9")
    run.packages("purl2src")
    code, _, _ = run()
    assert code == 0
    assert len(calls) == 1
    assert run.server.requests == []
    code, _, _ = run("--source", "pypistats")
    assert code == 0 and len(calls) == 1
    assert len(run.server.requests) == 3


def test_ctrl_c_stops_cleanly_and_leaves_history_intact(
    tmp_path: Path, server: ReplayServer
) -> None:
    """SIGINT while a request hangs: no traceback, a clear message, every file old or new."""
    write_config(tmp_path, ["purl2src", "vulnq"])
    server.set_snapshot("2026-05-15")
    first = subprocess.run(
        fetch_command(tmp_path, server), env=subprocess_env(), capture_output=True, timeout=60
    )
    assert first.returncode == 0
    before = files_of(tmp_path / "data")
    server.set_snapshot("2026-08-22")
    server.reset()
    server.inject("vulnq/overall", "timeout", hang=30)
    process = subprocess.Popen(
        fetch_command(tmp_path, server),
        cwd=REPO,
        env=subprocess_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while not server.requests_for("vulnq/overall"):
            assert process.poll() is None and time.monotonic() < deadline
            time.sleep(0.01)
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == 130, err
    assert "Traceback" not in err
    assert "interrupted; files already written are complete" in err
    after = files_of(tmp_path / "data")
    assert set(after) == set(before)  # no temporary file left behind
    assert {p: b for p, b in after.items() if p.startswith("vulnq/")} == {
        p: b for p, b in before.items() if p.startswith("vulnq/")
    }
    assert after["purl2src/overall.csv"] != before["purl2src/overall.csv"]  # finished first
