"""`fetch --source bigquery` and `backfill` end to end, with no Google account.

The real google-cloud-bigquery client, run by `python -m generator` in a subprocess, talks
to tests/servers/bigquery_standin.py on 127.0.0.1, which runs the submitted SQL in DuckDB
over a raw-row table shaped like bigquery-public-data.pypi.file_downloads. The table is
built from real Linehaul rows (../shared/realdata/pypi-linehaul-cloud-function) plus
generated rows for every edge case; the expected CSVs are computed here, in plain Python,
from pypistats.org's rules, without SQL.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from generator import store
from generator.model import ALL_KINDS
from generator.store import runlog
from tests.cli_helpers import run_cli, snapshot
from tests.linehaul import MIRRORS, SYSTEMS, event_rows, log_rows, ua_details
from tests.servers.bigquery_standin import BigQueryStandIn

PACKAGES = ["cfn-flip", "django_crum", "enum34", "threadpoolctl"]  # as written in packages.yaml
TODAY = dt.datetime.now(dt.UTC).date()
END = TODAY - dt.timedelta(days=1)  # the last complete day, what fetch queries up to
DAYS = 7
START = END - dt.timedelta(days=DAYS - 1)
TOP_K = 2


# ---------------------------------------------------------------- the raw table


def _at(day: dt.date, seconds: int) -> str:
    return (
        dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC) + dt.timedelta(seconds=seconds)
    ).isoformat()


def _generated_rows() -> list[dict[str, Any]]:
    """Edge cases the real fixtures do not cover."""

    def row(python: Any, installer: Any, system: Any, version: str = "9.9", ci: Any = None):
        details = {
            "installer": None if installer is None else {"name": installer, "version": "1"},
            "python": python,
            "system": None if system is None else {"name": system, "release": "x"},
            "ci": ci,
        }
        return {
            "project": "threadpoolctl",
            "country_code": "NZ",
            "file": {"project": "threadpoolctl", "version": version, "type": "bdist_wheel"},
            "details": details,
        }

    rows = []
    pythons = (None, "3.10", "3.10.12", "2.7.18", "3", "cpython", "10.1.2", "", ".", "3.x")
    for python in (*pythons, "3.11\n", "3.9.1\nextra", "3.8 (main)"):
        rows.append(row(python, "pip", "Linux"))
    for installer in (*sorted(MIRRORS), None, "uv", "poetry"):
        rows.append(row("3.12.1", installer, "Darwin", ci=True))
    for system in ("FreeBSD", "Emscripten", None, "Windows"):
        rows.append(row("3.11.4", "pip", system, version="1.0", ci=False))
    return rows


def raw_rows(realdata: Path, first: dt.date, last: dt.date) -> list[dict[str, Any]]:
    """The raw table: real rows spread over first..last, plus rows just outside it."""
    rows = log_rows(realdata) + event_rows(realdata) + _generated_rows()
    targets = ["cfn-flip", "django-crum", "threadpoolctl"]
    for i, details in enumerate(ua_details(realdata)):
        project = targets[i % len(targets)]
        rows.append(
            {
                "project": project,
                "country_code": ["US", "DE", "JP", None][i % 4],
                "file": {"project": project, "version": f"1.{i % 5}", "type": "sdist"},
                "details": copy.deepcopy(details),
            }
        )
    span = (last - first).days + 1
    for i, r in enumerate(rows):
        r["timestamp"] = _at(first + dt.timedelta(days=(i * 5) % span), 37 * i % 86400)
    edge = _generated_rows()[1]  # "3.10", pip, Linux: counted everywhere when inside
    for when in (
        _at(first, 0),  # first instant of the range: inside
        _at(last, 86399) + "",  # last second of the range: inside
    ):
        rows.append({**copy.deepcopy(edge), "timestamp": when, "country_code": "EDGE-IN"})
    for when in (
        _at(first, -1),  # one second before the range: outside
        _at(last + dt.timedelta(days=1), 0),  # first instant after it: outside
    ):
        rows.append({**copy.deepcopy(edge), "timestamp": when, "country_code": "EDGE-OUT"})
    return rows


# ---------------------------------------------------------------- expected, in plain Python


def _get(row: dict[str, Any], *path: str) -> Any:
    value: Any = row
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def _top(counter: dict[tuple[str, str], int], k: int) -> dict[tuple[str, str], int]:
    by_day: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for (day, category), n in counter.items():
        by_day[day].append((-n, category))
    out: dict[tuple[str, str], int] = {}
    for day, items in by_day.items():
        items.sort()
        for negative, category in items[:k]:
            out[(day, category)] = -negative
        rest = -sum(negative for negative, _ in items[k:])
        if rest:
            out[(day, "other")] = out.get((day, "other"), 0) + rest
    return out


def expected(
    rows: list[dict[str, Any]], first: dt.date, last: dt.date, top_k: int = TOP_K
) -> dict[str, dict[str, dict[tuple[str, str], int]]]:
    """pypistats.org's rules, applied row by row."""
    wanted = {"cfn-flip", "django-crum", "enum34", "threadpoolctl"}
    counts: dict[str, dict[str, Counter[tuple[str, str]]]] = defaultdict(
        lambda: defaultdict(Counter)
    )
    for row in rows:
        when = dt.datetime.fromisoformat(row["timestamp"])
        day = when.astimezone(dt.UTC).date()
        if not first <= day <= last or row["project"] not in wanted:
            continue
        python = _get(row, "details", "python")
        # One digit, a dot, digits, then anything but a line break (RE2, as BigQuery runs
        # pypistats.org's pattern): "3.10.4" and "3.8 (main)" count, "3.11\n" does not.
        if python is not None and not re.fullmatch(r"[0-9]\.[0-9]+[^\n]*", python):
            continue
        installer = _get(row, "details", "installer", "name")
        system = _get(row, "details", "system", "name")
        ci = _get(row, "details", "ci")
        date = day.isoformat()
        c = counts[row["project"]]
        c["overall"][(date, "with_mirrors")] += 1
        c["installer"][(date, installer if installer is not None else "null")] += 1
        if installer is None or installer in MIRRORS:
            continue
        c["overall"][(date, "without_mirrors")] += 1
        found = re.match(r"^[0-9]+\.[0-9]+", python or "")
        minor = found.group(0) if found else "null"
        c["python_minor"][(date, minor)] += 1
        c["python_major"][(date, minor.split(".")[0])] += 1
        c["system"][
            (date, system if system in SYSTEMS else "null" if system is None else "other")
        ] += 1
        c["version"][(date, row["file"]["version"])] += 1
        c["country"][
            (date, row["country_code"] if row["country_code"] is not None else "null")
        ] += 1
        c["ci"][(date, "null" if ci is None else "true" if ci else "false")] += 1
    out: dict[str, dict[str, dict[tuple[str, str], int]]] = {}
    for project, kinds in counts.items():
        out[project] = {kind: dict(kinds[kind]) for kind in ALL_KINDS}
        for kind in ("version", "country", "installer", "ci"):
            out[project][kind] = _top(out[project][kind], top_k)
    return out


# ---------------------------------------------------------------- fixtures and helpers


def write_config(path: Path, since: dt.date | None = None, **settings: Any) -> Path:
    lines = [f"top_k: {TOP_K}", f"refetch_days: {DAYS}", "bigquery_project: test-billing-project"]
    if since:
        lines.append(f'backfill_since: "{since}"')
    lines += [f"{key}: {value}" for key, value in settings.items()]
    lines.append("packages:")
    lines += [f"  - name: {name}" for name in PACKAGES]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def seed_history(data_dir: Path) -> None:
    """An older day of history for every package, so fetch treats them as known."""
    old = (START - dt.timedelta(days=30)).isoformat()
    for name in ("cfn-flip", "django-crum", "enum34", "threadpoolctl"):
        store.update_package(data_dir, name, {"overall": {(old, "with_mirrors"): 5}})


def package_files(data_dir: Path) -> dict[str, dict[str, dict[tuple[str, str], int]]]:
    found: dict[str, dict[str, dict[tuple[str, str], int]]] = {}
    for name in store.list_packages(data_dir):
        found[name] = {
            kind: store.read_series(data_dir / name / f"{kind}.csv") for kind in ALL_KINDS
        }
    return found


def without_day(series: dict[tuple[str, str], int], day: str) -> dict[tuple[str, str], int]:
    return {k: v for k, v in series.items() if k[0] != day}


def cli(standin: BigQueryStandIn | None, *args: str | Path) -> Any:
    env = {"BIGQUERY_API_ENDPOINT": standin.url} if standin else {}
    return run_cli(*args, env={**env, "GOOGLE_APPLICATION_CREDENTIALS": ""})


@pytest.fixture(scope="module")
def rows(realdata: Path) -> list[dict[str, Any]]:
    return raw_rows(realdata, START, END)


@pytest.fixture
def standin(rows: list[dict[str, Any]]) -> Iterator[BigQueryStandIn]:
    # Small pages: the client must follow getQueryResults' page tokens to the end.
    with BigQueryStandIn(rows, page_size=40) as server:
        yield server


def fetch_args(config: Path, data_dir: Path, *extra: str) -> list[str | Path]:
    return ["fetch", "--source", "bigquery", "--config", config, "--data-dir", data_dir, *extra]


# ---------------------------------------------------------------- tests


def test_the_raw_table_covers_every_edge_case(rows: list[dict[str, Any]]) -> None:
    pythons = {_get(r, "details", "python") for r in rows}
    installers = {_get(r, "details", "installer", "name") for r in rows}
    systems = {_get(r, "details", "system", "name") for r in rows}
    assert {None, "3.10", "3", "cpython", "10.1.2", "3.11\n"} <= pythons
    assert MIRRORS | {None, "pip", "uv", "poetry"} <= installers
    assert {"FreeBSD", None} <= systems
    assert any(r["details"] is None for r in rows)  # Linehaul's unknown user agent
    assert len([r for r in rows if r["country_code"] == "EDGE-OUT"]) == 2


def test_fetch_writes_what_pypistats_rules_give(
    tmp_path: Path, standin: BigQueryStandIn, rows: list[dict[str, Any]]
) -> None:
    config = write_config(tmp_path / "packages.yaml")
    data_dir = tmp_path / "data"
    seed_history(data_dir)
    result = cli(standin, *fetch_args(config, data_dir))
    assert result.returncode == 0, result.stderr
    assert len(standin.jobs_run) == 1, "one query for all packages and all days"
    assert standin.jobs_run[0]["params"]["packages"] == [
        "cfn-flip",
        "django-crum",
        "enum34",
        "threadpoolctl",
    ]

    want = expected(rows, START, END)
    got = package_files(data_dir)
    old = (START - dt.timedelta(days=30)).isoformat()
    for name, kinds in want.items():
        for kind in ALL_KINDS:
            have = got[name][kind]
            if kind == "overall":
                assert have.pop((old, "with_mirrors")) == 5, "older history is kept"
            assert have == kinds[kind], f"{name} {kind}"
    # enum34's only real download has a (null) user agent, so Linehaul made no row.
    assert "enum34" not in want
    assert got["enum34"]["overall"] == {(old, "with_mirrors"): 5}

    tpc = got["threadpoolctl"]
    countries = {c for (_, c) in tpc["country"]}
    assert "EDGE-OUT" not in countries
    inside = [r for r in rows if r["country_code"] == "EDGE-IN"]
    assert {dt.datetime.fromisoformat(r["timestamp"]).date() for r in inside} == {START, END}
    assert "3" not in {c for (_, c) in tpc["python_minor"]}
    assert ("GET", f"/bigquery/v2/projects/test-billing-project/queries/{_job_id(standin)}") in (
        standin.calls
    )
    pages = [c for c in standin.calls if c[1].endswith(f"/queries/{_job_id(standin)}")]
    assert len(pages) > 1, "the cube spans several result pages"
    assert {c for (_, c) in tpc["system"]} <= {"Linux", "Darwin", "Windows", "other", "null"}
    assert any(c == "other" for (_, c) in tpc["installer"])


def test_edge_days_count_exactly_once(tmp_path: Path, rows: list[dict[str, Any]]) -> None:
    """With top_k large, EDGE-IN shows on the first and last day and EDGE-OUT nowhere."""
    config = write_config(tmp_path / "packages.yaml")
    text = config.read_text(encoding="utf-8").replace(f"top_k: {TOP_K}", "top_k: 1000")
    config.write_text(text, encoding="utf-8")
    data_dir = tmp_path / "data"
    seed_history(data_dir)
    with BigQueryStandIn(rows) as server:
        result = cli(server, *fetch_args(config, data_dir))
    assert result.returncode == 0, result.stderr
    country = store.read_series(data_dir / "threadpoolctl" / "country.csv")
    edge = {d: n for (d, c), n in country.items() if c == "EDGE-IN"}
    assert edge == {START.isoformat(): 1, END.isoformat(): 1}
    assert not [c for (_, c) in country if c == "EDGE-OUT"]
    assert country == expected(rows, START, END, top_k=1000)["threadpoolctl"]["country"]


def test_run_log_records_each_query(tmp_path: Path, standin: BigQueryStandIn) -> None:
    config = write_config(tmp_path / "packages.yaml")
    data_dir = tmp_path / "data"
    seed_history(data_dir)
    result = cli(standin, *fetch_args(config, data_dir, "--days", "3"))
    assert result.returncode == 0, result.stderr
    lines = (data_dir / "_meta" / "bigquery-runs.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "run_at,command,packages,start_date,end_date,bytes_processed,bytes_billed"
    assert len(lines) == 2
    fields = lines[1].split(",")
    assert fields[1:] == [
        "fetch",
        "cfn-flip django-crum enum34 threadpoolctl",
        (END - dt.timedelta(days=2)).isoformat(),
        END.isoformat(),
        str(standin.processed_bytes),
        str(standin.billed_bytes),
    ]
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", fields[0])
    assert "processed" in result.stdout and "billed" in result.stdout


def test_requery_is_idempotent_and_late_rows_replace_days(
    tmp_path: Path, rows: list[dict[str, Any]]
) -> None:
    config = write_config(tmp_path / "packages.yaml")
    data_dir = tmp_path / "data"
    seed_history(data_dir)
    with BigQueryStandIn(rows) as server:
        assert cli(server, *fetch_args(config, data_dir)).returncode == 0
        first = snapshot(data_dir)
        assert cli(server, *fetch_args(config, data_dir)).returncode == 0
        second = snapshot(data_dir)
    runs = "_meta/bigquery-runs.csv"
    assert {k: v for k, v in first.items() if k != runs} == {
        k: v for k, v in second.items() if k != runs
    }, "re-querying the same days changes no byte"
    assert second[runs].count(b"\n") == first[runs].count(b"\n") + 1

    # Late rows arrive for the last day: a new installer outranks the old top 2.
    late = [
        {
            "timestamp": _at(END, 3600 + i),
            "project": "threadpoolctl",
            "country_code": "BR",
            "file": {"project": "threadpoolctl", "version": "7.0"},
            "details": {"installer": {"name": "pdm"}, "python": "3.13.0"},
        }
        for i in range(50)
    ]
    with BigQueryStandIn(rows + late) as server:
        assert cli(server, *fetch_args(config, data_dir)).returncode == 0
    want = expected(rows + late, START, END)["threadpoolctl"]
    got = package_files(data_dir)["threadpoolctl"]
    assert got["installer"] == want["installer"]
    assert got["country"] == want["country"]
    day = END.isoformat()
    assert got["installer"][(day, "pdm")] == 50
    old_top = {c for (d, c) in first_series(first, "threadpoolctl/installer.csv") if d == day}
    dropped = old_top - {c for (d, c) in got["installer"] if d == day}
    assert dropped, "a category pushed out of the top K must not linger beside 'other'"


def first_series(snap: dict[str, bytes], name: str) -> dict[tuple[str, str], int]:
    return store.parse(snap[name].decode("utf-8"), Path(name))


def test_byte_cap_refuses_before_querying(tmp_path: Path, rows: list[dict[str, Any]]) -> None:
    config = write_config(tmp_path / "packages.yaml", maximum_bytes_billed=2**30)
    data_dir = tmp_path / "data"
    seed_history(data_dir)
    before = snapshot(data_dir)
    with BigQueryStandIn(rows, dry_run_bytes=5 * 2**30) as server:
        result = cli(server, *fetch_args(config, data_dir))
        flag = cli(server, *fetch_args(config, data_dir, "--max-bytes-billed", "100"))
        assert server.dry_runs and not server.jobs_run, "dry run only; no query ran"
    assert result.returncode == 2
    assert "5.00 GiB" in result.stderr and "above the cap of 1.00 GiB" in result.stderr
    assert "--max-bytes-billed" in result.stderr and "Traceback" not in result.stderr
    assert flag.returncode == 2 and "100 B" in flag.stderr
    assert snapshot(data_dir) == before, "nothing written, not even the run log"


def test_cap_is_also_sent_to_bigquery(tmp_path: Path, rows: list[dict[str, Any]]) -> None:
    """A dry run under the cap but a bill over it: BigQuery itself refuses the job."""
    config = write_config(tmp_path / "packages.yaml", maximum_bytes_billed=2**30)
    data_dir = tmp_path / "data"
    seed_history(data_dir)
    before = snapshot(data_dir)
    with BigQueryStandIn(rows, dry_run_bytes=2**20, billed_bytes=2 * 2**30) as server:
        result = cli(server, *fetch_args(config, data_dir))
        assert server.jobs_run[0]["maximumBytesBilled"] == str(2**30)
    assert result.returncode != 0
    assert "exceeded limit for bytes billed" in result.stderr and "Traceback" not in result.stderr
    assert snapshot(data_dir) == before


def _job_id(standin: BigQueryStandIn) -> str:
    (job,) = standin.jobs_run
    return str(job["job_id"])


def test_print_sql_shows_exactly_what_is_sent(tmp_path: Path, standin: BigQueryStandIn) -> None:
    config = write_config(tmp_path / "packages.yaml")
    data_dir = tmp_path / "data"
    seed_history(data_dir)
    printed = cli(None, *fetch_args(config, data_dir, "--print-sql"))
    assert printed.returncode == 0, printed.stderr
    assert cli(standin, *fetch_args(config, data_dir)).returncode == 0
    sql, _, params = printed.stdout.partition("-- parameters\n")
    (job,) = standin.jobs_run
    assert sql == job["sql"], "--print-sql prints the very SQL the job runs"
    shown = dict(line.split(" = ", 1) for line in params.splitlines())
    assert shown["@packages ARRAY<STRING>"] == repr(job["params"]["packages"])
    for name in ("start_ts", "end_ts"):
        assert shown[f"@{name} TIMESTAMP"] == job["params"][name].strftime("%Y-%m-%d %H:%M:%S UTC")
    assert set(shown) == {"@packages ARRAY<STRING>", "@start_ts TIMESTAMP", "@end_ts TIMESTAMP"}


def test_print_sql_needs_no_bigquery(tmp_path: Path) -> None:
    config = write_config(tmp_path / "packages.yaml")
    data_dir = tmp_path / "data"
    seed_history(data_dir)
    before = snapshot(data_dir)
    # Unreachable credentials and endpoint: any attempt to contact Google would fail.
    env = {"GOOGLE_APPLICATION_CREDENTIALS": str(tmp_path / "missing.json")}
    result = run_cli(
        *fetch_args(config, data_dir, "--print-sql", "--days", "2"),
        env={**env, "BIGQUERY_API_ENDPOINT": "http://127.0.0.1:9"},
    )
    assert result.returncode == 0, result.stderr
    sql, _, params = result.stdout.partition("-- parameters")
    assert "FROM `bigquery-public-data.pypi.file_downloads`" in sql
    assert "project IN UNNEST(@packages)" in sql and "timestamp >= @start_ts" in sql
    assert "cfn-flip" not in sql and "threadpoolctl" not in sql, "names are parameters"
    assert (
        "@packages ARRAY<STRING> = ['cfn-flip', 'django-crum', 'enum34', 'threadpoolctl']" in params
    )
    assert f"@start_ts TIMESTAMP = {END - dt.timedelta(days=1)} 00:00:00 UTC" in params
    assert f"@end_ts TIMESTAMP = {TODAY} 00:00:00 UTC" in params
    assert "backfill" not in params
    assert snapshot(data_dir) == before, "nothing written, not even the run log"


def test_print_sql_shows_the_backfill_of_new_packages(tmp_path: Path) -> None:
    since = END - dt.timedelta(days=100)
    config = write_config(tmp_path / "packages.yaml", since=since)
    data_dir = tmp_path / "data"
    store.update_package(data_dir, "cfn-flip", {"overall": {("2020-01-01", "with_mirrors"): 1}})
    result = cli(None, *fetch_args(config, data_dir, "--print-sql"))
    assert result.returncode == 0, result.stderr
    _, _, params = result.stdout.partition("-- parameters\n")
    nightly, _, backfill = params.partition("-- backfill")
    assert "@packages ARRAY<STRING> = ['cfn-flip']\n" in nightly
    assert f"from {since} to {END}, newest first" in backfill
    assert "@packages ARRAY<STRING> = ['django-crum', 'enum34', 'threadpoolctl']" in backfill
    assert f"@start_ts TIMESTAMP = {END.replace(day=1)} 00:00:00 UTC" in backfill
    assert not (data_dir / "_meta").exists()


def test_nightly_fetch_backfills_new_packages(tmp_path: Path, realdata: Path) -> None:
    since = END - dt.timedelta(days=40)
    rows = raw_rows(realdata, since, END)
    config = write_config(tmp_path / "packages.yaml", since=since)
    data_dir = tmp_path / "data"
    with BigQueryStandIn(rows) as server:
        result = cli(server, *fetch_args(config, data_dir))
    assert result.returncode == 0, result.stderr
    want = expected(rows, since, END)
    got = package_files(data_dir)
    for name, kinds in want.items():
        assert got[name] == kinds, name
    log = (data_dir / "_meta" / "bigquery-runs.csv").read_text(encoding="utf-8")
    assert ",backfill," in log and ",fetch," not in log
    assert not (data_dir / "_meta" / "backfill-pending.csv").exists()


def test_interrupted_backfill_resumes_without_double_counting(
    tmp_path: Path, realdata: Path
) -> None:
    since = (END.replace(day=1) - dt.timedelta(days=70)).replace(day=15)
    rows = raw_rows(realdata, since, END)
    config = write_config(tmp_path / "packages.yaml", since=since)
    backfill: list[str | Path] = ["backfill", "--config", config]
    months = len(
        {(since + dt.timedelta(days=i)).strftime("%Y-%m") for i in range((END - since).days + 1)}
    )
    assert months >= 3

    data_dir = tmp_path / "interrupted"
    with BigQueryStandIn(rows) as server:
        server.fail_after = 1  # the second chunk's query fails
        broken = cli(server, *backfill, "--data-dir", data_dir)
        assert len(server.jobs_run) == 1
    assert broken.returncode == 1
    assert "run the same command again to resume" in broken.stderr
    assert (data_dir / "_meta" / "backfill-pending.csv").exists()

    with BigQueryStandIn(rows) as server:
        resumed = cli(server, *backfill, "--data-dir", data_dir)
        assert resumed.returncode == 0, resumed.stderr
        assert len(server.jobs_run) == months - 1, "the finished chunk is not queried again"
    assert not (data_dir / "_meta" / "backfill-pending.csv").exists()

    clean_dir = tmp_path / "clean"
    with BigQueryStandIn(rows) as server:
        assert cli(server, *backfill, "--data-dir", clean_dir).returncode == 0
        assert len(server.jobs_run) == months

    want = expected(rows, since, END)
    got = package_files(data_dir)
    for name, kinds in want.items():
        assert got[name] == kinds, name
    runs = "_meta/bigquery-runs.csv"
    a, b = snapshot(data_dir), snapshot(clean_dir)
    assert {k: v for k, v in a.items() if k != runs} == {k: v for k, v in b.items() if k != runs}

    with BigQueryStandIn(rows) as server:
        again = cli(server, *backfill, "--data-dir", data_dir)
        assert not server.jobs_run
    assert again.returncode == 0 and "nothing to do" in again.stdout


def _days_queried(job: dict[str, Any]) -> int:
    return (job["params"]["end_ts"] - job["params"]["start_ts"]).days


def test_backfill_halves_chunks_until_each_fits_the_cap(tmp_path: Path, realdata: Path) -> None:
    since = END - dt.timedelta(days=45)
    rows = raw_rows(realdata, since, END)
    config = write_config(tmp_path / "packages.yaml", since=since)
    data_dir = tmp_path / "data"
    per_day = 2**30
    backfill: list[str | Path] = ["backfill", "--config", config, "--data-dir", data_dir]
    estimate = lambda job: per_day * _days_queried(job)  # noqa: E731
    with BigQueryStandIn(rows, dry_run_bytes=estimate, billed_bytes=1) as server:
        result = cli(server, *backfill, "--max-bytes-billed", str(10 * per_day))
        queried = [_days_queried(job) for job in server.jobs_run]
    assert result.returncode == 0, result.stderr
    assert max(queried) <= 10 and sum(queried) == 46, "every day once, no chunk above the cap"
    assert package_files(data_dir) == {
        **{name: kinds for name, kinds in expected(rows, since, END).items()},
    }


def test_backfill_refuses_a_single_day_above_the_cap(tmp_path: Path, realdata: Path) -> None:
    since = END - dt.timedelta(days=3)
    config = write_config(tmp_path / "packages.yaml", since=since)
    data_dir = tmp_path / "data"
    with BigQueryStandIn(raw_rows(realdata, since, END), dry_run_bytes=2 * 2**30) as server:
        result = cli(
            server,
            "backfill",
            "--config",
            config,
            "--data-dir",
            data_dir,
            "--max-bytes-billed",
            str(2**30),
        )
        assert not server.jobs_run
    assert result.returncode == 2 and "above the cap" in result.stderr
    assert store.list_packages(data_dir) == [], "no package history written"


def test_backfill_pauses_when_the_runs_budget_is_spent_and_resumes(
    tmp_path: Path, realdata: Path
) -> None:
    since = (END.replace(day=1) - dt.timedelta(days=60)).replace(day=1)  # 3 or 4 months
    rows = raw_rows(realdata, since, END)
    config = write_config(tmp_path / "packages.yaml", since=since)
    data_dir = tmp_path / "data"
    backfill: list[str | Path] = ["backfill", "--config", config, "--data-dir", data_dir]
    cap = str(5 * 2**29)  # 2.5 GiB a run; every query estimates and bills 1 GiB
    queries = []
    ranges: list[tuple[dt.date, dt.date]] = []
    for _ in range(3):
        with BigQueryStandIn(rows, dry_run_bytes=2**30, billed_bytes=2**30) as server:
            result = cli(server, *backfill, "--max-bytes-billed", cap)
            queries.append(len(server.jobs_run))
            ranges += [_range(job) for job in server.jobs_run]
        assert result.returncode == 0, result.stderr
        if not (data_dir / "_meta" / "backfill-pending.csv").exists():
            break
        assert "backfill paused" in result.stderr
    months = len(backfill_months(since))
    assert queries[0] == 2 and sum(queries) == months, "two 1 GiB queries fit in 2.5 GiB"
    # Newest month first: after the first night a new package already shows recent history.
    assert ranges[0] == (END.replace(day=1), END)
    assert ranges == sorted(ranges, reverse=True) and ranges[-1][0] == since
    assert not (data_dir / "_meta" / "backfill-pending.csv").exists()
    assert package_files(data_dir) == expected(rows, since, END)


def _range(job: dict[str, Any]) -> tuple[dt.date, dt.date]:
    params = job["params"]
    return params["start_ts"].date(), (params["end_ts"] - dt.timedelta(days=1)).date()


def test_nightly_fetch_stores_the_night_when_a_new_package_is_too_big_for_the_cap(
    tmp_path: Path, realdata: Path
) -> None:
    """One day of the new package is above the cap: that backfill fails (the run ends red,
    exit 1), but the known packages' nightly data is stored, so the workflow commits it."""
    since = START - dt.timedelta(days=10)
    rows = raw_rows(realdata, since, END)
    config = write_config(tmp_path / "packages.yaml", since=since, maximum_bytes_billed=2**30)
    data_dir = tmp_path / "data"
    old = (since - dt.timedelta(days=100)).isoformat()
    for name in ("cfn-flip", "threadpoolctl"):
        store.update_package(data_dir, name, {"overall": {(old, "with_mirrors"): 1}})

    def estimate(job: dict[str, Any]) -> int:
        return 2 * 2**30 if "django-crum" in job["params"]["packages"] else 2**20

    with BigQueryStandIn(rows, dry_run_bytes=estimate, billed_bytes=2**20) as server:
        result = cli(server, *fetch_args(config, data_dir))
        asked = [job["params"]["packages"] for job in server.jobs_run]
    assert result.returncode == 1, result.stderr
    assert asked == [["cfn-flip", "threadpoolctl"]], "only the nightly query ran"
    assert "backfill of django-crum, enum34 stopped" in result.stderr
    assert "a single day would process 2.00 GiB, above the cap of 1.00 GiB" in result.stderr
    assert "--max-bytes-billed" in result.stderr
    assert "paused" not in result.stderr and "Traceback" not in result.stderr
    tpc = package_files(data_dir)["threadpoolctl"]
    assert tpc["overall"].pop((old, "with_mirrors")) == 1
    assert tpc == expected(rows, START, END)["threadpoolctl"]
    pending = (data_dir / "_meta" / "backfill-pending.csv").read_text(encoding="utf-8")
    assert pending.split() == ["package", "django-crum", "enum34"]


def backfill_months(since: dt.date) -> set[str]:
    return {(since + dt.timedelta(days=i)).strftime("%Y-%m") for i in range((END - since).days + 1)}


def test_nightly_fetch_reads_known_packages_and_backfills_new_ones(
    tmp_path: Path, realdata: Path
) -> None:
    since = START - dt.timedelta(days=10)
    rows = raw_rows(realdata, since, END)
    config = write_config(tmp_path / "packages.yaml", since=since)
    data_dir = tmp_path / "data"
    old = (since - dt.timedelta(days=100)).isoformat()
    for name in ("cfn-flip", "threadpoolctl"):
        store.update_package(data_dir, name, {"overall": {(old, "with_mirrors"): 1}})
    with BigQueryStandIn(rows) as server:
        result = cli(server, *fetch_args(config, data_dir))
        asked = [job["params"]["packages"] for job in server.jobs_run]
    assert result.returncode == 0, result.stderr
    assert asked[0] == ["cfn-flip", "threadpoolctl"], "one nightly query for the known ones"
    assert all(names == ["django-crum", "enum34"] for names in asked[1:]) and len(asked) >= 2
    window, history = expected(rows, START, END), expected(rows, since, END)
    got = package_files(data_dir)
    assert got["django-crum"] == history["django-crum"]
    tpc = got["threadpoolctl"]
    assert tpc["overall"].pop((old, "with_mirrors")) == 1
    assert tpc == window["threadpoolctl"], "known packages get only the re-read days"
    log = runlog.read(data_dir)
    assert [r.command for r in log] == ["fetch"] + ["backfill"] * (len(asked) - 1)
