"""`fetch --source clickhouse`, the nightly extras and the free backfill, end to end.

`python -m generator` runs in a subprocess against tests/servers/clickhouse_standin.py, a
ClickHouse HTTP stand-in on 127.0.0.1 that runs each submitted query in chdb over the
public dataset's schema (raw table and per-day materialized views), with the public
user's limits. The raw rows are real Linehaul rows (../shared/realdata) plus generated
ones for every edge (each mirror, no installer, "3.10", an unknown Python, unknown and
empty systems, many versions for the top-K cut, days at the year edges). The expected
CSVs are computed here, in plain Python, from the rules the source documents.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from generator import store
from generator.store import clickhouse_log, provenance
from tests.cli_helpers import run_cli
from tests.linehaul import MIRRORS, SYSTEMS, clickhouse_row, event_rows, log_rows, ua_details
from tests.servers.clickhouse_standin import ClickHouseStandIn

TODAY = dt.datetime.now(dt.UTC).date()
END = TODAY - dt.timedelta(days=1)  # the last complete day
FIRST = dt.date(END.year - 1, 12, 29)  # the stand-in's first day: a year edge inside
TOP_K = 2
PACKAGES = ["cfn-flip", "django-crum", "enum34", "threadpoolctl"]
CH_KINDS = ("overall", "python_major", "python_minor", "system", "version", "country", "installer")
Expected = dict[str, dict[str, dict[tuple[str, str], int]]]


# ---------------------------------------------------------------- the raw rows


def _days() -> list[dt.date]:
    """Days with downloads: the year edge, a sparse middle, and the last week."""
    days = [FIRST + dt.timedelta(days=i) for i in range(6)]
    days += [FIRST + dt.timedelta(days=i) for i in range(40, (END - FIRST).days - 10, 37)]
    days += [END - dt.timedelta(days=i) for i in range(8)]
    return sorted(set(days))


def generated(project: str, day: dt.date, rnd: random.Random) -> list[dict[str, Any]]:
    """Edge cases the real fixtures do not cover, for one project and day."""

    def row(python: Any, installer: Any, system: Any, version: str, country: Any) -> dict[str, Any]:
        return {
            "project": project,
            "country_code": country,
            "file": {"version": version, "type": "bdist_wheel"},
            "details": {
                "installer": None if installer is None else {"name": installer},
                "python": python,
                "system": None if system is None else {"name": system},
            },
        }

    pythons = (None, "3.10", "3.10.12", "2.7.18", "3", "cpython", "10.1.2", "", "3.11\n", "3.9.1")
    installers = (*sorted(MIRRORS), None, "uv", "poetry", "pip", "pip", "pip")
    systems = ("Linux", "Windows", "Darwin", "FreeBSD", "", None)
    out = []
    for _ in range(rnd.randint(3, 12)):
        out.append(
            row(
                rnd.choice(pythons),
                rnd.choice(installers),
                rnd.choice(systems),
                f"1.{rnd.randint(0, 6)}",  # many versions: the top-K cut matters
                rnd.choice(("US", "DE", "NZ", None)),
            )
        )
    return out


def raw_rows(realdata: Path) -> list[dict[str, str]]:
    """pypi.pypi rows, as ClickPy's loader makes them from BigQuery rows."""
    rnd = random.Random(20261202)
    real = log_rows(realdata) + event_rows(realdata)
    for details in ua_details(realdata):  # every installer Linehaul knows, mirrors too
        real.append({"project": "threadpoolctl", "country_code": "JP",
                     "file": {"version": "3.1.0", "type": "sdist"}, "details": details})  # fmt: skip
    rows = []
    for day in _days():
        for bq in real:
            if bq["project"] in ("cfn-flip", "django-crum", "enum34", "threadpoolctl"):
                rows.append(clickhouse_row(bq, day))
        for project in PACKAGES:
            rows += [clickhouse_row(bq, day) for bq in generated(project, day, rnd)]
    return rows


# ---------------------------------------------------------------- expected (plain Python)


def top(series: dict[tuple[str, str], int], k: int) -> dict[tuple[str, str], int]:
    by_day: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for (day, category), n in series.items():
        by_day[day].append((category, n))
    out: dict[tuple[str, str], int] = {}
    for day, items in by_day.items():
        items.sort(key=lambda item: (-item[1], item[0]))
        out.update({(day, c): n for c, n in items[:k]})
        rest = sum(n for _, n in items[k:])
        if rest:
            out[(day, "other")] = rest
    return out


def expected(rows: list[dict[str, str]], first: dt.date, last: dt.date) -> Expected:
    """The CSVs the ClickHouse source must write, by the rules it documents."""
    counts: dict[str, dict[str, Counter[tuple[str, str]]]] = defaultdict(
        lambda: defaultdict(Counter)
    )
    for row in rows:
        day = row["date"]
        if not first.isoformat() <= day <= last.isoformat():
            continue
        c = counts[row["project"]]
        clean = row["installer"] not in MIRRORS and row["installer"] != ""
        c["overall"][(day, "with_mirrors")] += 1
        c["installer"][(day, row["installer"] or "null")] += 1
        if clean:
            c["overall"][(day, "without_mirrors")] += 1
            c["version"][(day, row["version"] or "null")] += 1
            c["country"][(day, row["country_code"] or "null")] += 1
        minor = row["python_minor"]  # every download: these views have no installer
        if minor == "" or (len(minor) >= 3 and minor[0].isdigit() and minor[1] == "."
                           and minor[2:].isdigit() and minor[2:].isascii()):  # fmt: skip
            c["python_minor"][(day, minor or "null")] += 1
            c["python_major"][(day, minor.split(".")[0] if minor else "null")] += 1
        system = row["system"]
        c["system"][
            (day, system if system in SYSTEMS else "null" if system == "" else "other")
        ] += 1
    out: Expected = {}
    for project, kinds in counts.items():
        out[project] = {kind: dict(kinds[kind]) for kind in CH_KINDS}
        for kind in ("version", "country", "installer"):
            out[project][kind] = top(out[project][kind], TOP_K)
    return out


# ---------------------------------------------------------------- fixtures and helpers


@pytest.fixture(scope="module")
def rows(realdata: Path) -> list[dict[str, str]]:
    return raw_rows(realdata)


@pytest.fixture
def clickhouse(rows: list[dict[str, str]]) -> Iterator[ClickHouseStandIn]:
    with ClickHouseStandIn() as ch:  # the `play` user's limits: 1,000 result rows
        ch.insert(rows)
        yield ch


def write_config(path: Path, url: str, names: list[str] = PACKAGES, **settings: Any) -> Path:
    lines = [f"top_k: {TOP_K}", f"clickhouse_url: {url}", f'backfill_since: "{FIRST}"']
    lines += [f"{key}: {value}" for key, value in settings.items()]
    lines += ["packages:", *(f"  - name: {name}" for name in names)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def cli(*args: str | Path) -> Any:
    """The CLI with no Google credentials at all."""
    return run_cli(*args, env={"GOOGLE_APPLICATION_CREDENTIALS": "", "BIGQUERY_API_ENDPOINT": ""})


def files(data_dir: Path, names: list[str] = PACKAGES) -> Expected:
    return {
        name: {kind: store.read_series(data_dir / name / f"{kind}.csv") for kind in CH_KINDS}
        for name in names
    }


def seed(data_dir: Path, names: list[str]) -> None:
    """An old day of history, so the packages count as known (no backfill)."""
    old = (FIRST - dt.timedelta(days=400)).isoformat()
    for name in names:
        store.update_package(data_dir, name, {"overall": {(old, "with_mirrors"): 1}})


def without_seed(found: Expected) -> Expected:
    old = (FIRST - dt.timedelta(days=400)).isoformat()
    return {
        name: {kind: {k: v for k, v in s.items() if k[0] != old} for kind, s in kinds.items()}
        for name, kinds in found.items()
    }


# ---------------------------------------------------------------- tests


def test_the_stand_in_covers_every_edge(rows: list[dict[str, str]]) -> None:
    installers = {r["installer"] for r in rows}
    assert MIRRORS | {"", "pip", "uv"} <= installers
    assert {"", "3.10", "cpython", "3", "10.1"} <= {r["python_minor"] for r in rows}
    assert {"", "FreeBSD", "Linux"} <= {r["system"] for r in rows}
    days = {r["date"] for r in rows}
    assert {f"{FIRST.year}-12-31", f"{END.year}-01-01"} <= days  # a chunk edge inside


def test_a_backfill_writes_exactly_the_documented_counts(
    tmp_path: Path, clickhouse: ClickHouseStandIn, rows: list[dict[str, str]]
) -> None:
    config = write_config(tmp_path / "packages.yaml", clickhouse.url)
    data_dir = tmp_path / "data"
    result = cli("backfill", "--config", config, "--data-dir", data_dir)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "backfill from ClickHouse" in result.stdout
    assert files(data_dir) == expected(rows, FIRST, END)
    assert not (data_dir / "_meta" / "backfill-pending.csv").exists()
    for name in PACKAGES:
        spans = provenance.read(data_dir, name)
        assert {s.kind for s in spans} == set(CH_KINDS)
        assert {(s.source, s.last) for s in spans} == {("clickhouse", END)}
    # The public user's 1,000-row limit: the client planned several requests per view.
    assert max(r.result_rows or 0 for r in clickhouse.requests) < 1000


def test_an_interrupted_backfill_resumes_and_counts_no_day_twice(
    tmp_path: Path, clickhouse: ClickHouseStandIn, rows: list[dict[str, str]]
) -> None:
    config = write_config(tmp_path / "packages.yaml", clickhouse.url)
    data_dir = tmp_path / "data"
    # The newest year is answered; then the service refuses every query for older days
    # (an error that no retry fixes), so the run gives up on the older year.
    year = f"{END.year}-01-01"

    def refuse_older_days(request: Any) -> Any:
        if "{end:Date}" in request.sql and request.params.get("end", year) < year:
            return ("status", 400, {})
        return None

    clickhouse.fault_for = refuse_older_days
    first = cli("backfill", "--config", config, "--data-dir", data_dir)
    assert first.returncode == 1, first.stdout + first.stderr
    assert "HTTP 400" in first.stdout
    assert (data_dir / "_meta" / "backfill-pending.csv").read_text().split() == [
        "package",
        *PACKAGES,
    ]
    newest_year = files(data_dir)
    assert all(k[0] >= f"{END.year}-01-01" for kinds in newest_year.values()
               for s in kinds.values() for k in s)  # fmt: skip

    clickhouse.fault_for = None
    second = cli("backfill", "--config", config, "--data-dir", data_dir)
    assert second.returncode == 0, second.stdout + second.stderr
    assert files(data_dir) == expected(rows, FIRST, END), "each day once, none twice"
    third = cli("backfill", "--config", config, "--data-dir", data_dir)
    assert "nothing to do" in third.stdout


def test_the_nightly_fetch_sends_the_same_queries_for_10_or_1000_packages(
    tmp_path: Path,
) -> None:
    names = [f"pkg-{i:04d}" for i in range(1000)]
    counts = []
    # The demo user answered 15,000 rows in one response (hugovk/top-pypi-packages).
    with ClickHouseStandIn(max_result_rows=15_000) as ch:
        ch.insert(
            {
                "date": END - dt.timedelta(days=d),
                "country_code": "US",
                "project": name,
                "type": "sdist",
                "installer": "pip",
                "python_minor": "3.12",
                "system": "Linux",
                "version": "1.0",
            }
            for name in names
            for d in range(2)
        )
        for size in (10, 1000):
            work = tmp_path / str(size)
            data_dir = work / "data"
            seed(data_dir, names[:size])
            config = write_config(work / "packages.yaml", ch.url, names[:size], source="clickhouse")
            before = len(ch.requests)
            result = cli("fetch", "--config", config, "--data-dir", data_dir)
            assert result.returncode == 0, result.stdout + result.stderr
            counts.append(len(ch.requests) - before)
            assert store.read_series(data_dir / names[size - 1] / "installer.csv") == {
                ((END - dt.timedelta(days=d)).isoformat(), "pip"): 1 for d in range(2)
            }
    print(f"queries per night: 10 packages → {counts[0]}, 1,000 packages → {counts[1]}")
    assert counts[0] == counts[1] == 4, "the probe and one query per view, whatever N is"


def test_stalls_are_reported_and_filled_the_first_night_the_days_appear(
    tmp_path: Path, rows: list[dict[str, str]]
) -> None:
    late = END - dt.timedelta(days=3)
    config_path = tmp_path / "packages.yaml"
    data_dir = tmp_path / "data"
    seed(data_dir, PACKAGES)
    with ClickHouseStandIn() as ch:
        ch.insert(r for r in rows if r["date"] <= late.isoformat())
        config = write_config(config_path, ch.url, source="clickhouse", refetch_days=1)
        result = cli("fetch", "--config", config, "--data-dir", data_dir)
        assert result.returncode == 0, result.stdout + result.stderr
        assert f"ClickHouse is behind: its newest day is {late}, 3 days before" in result.stdout
        record = clickhouse_log.last_status(data_dir)
        assert record is not None and record.behind and record.newest_day == late.isoformat()

        ch.insert(r for r in rows if r["date"] > late.isoformat())  # the loader caught up
        result = cli("fetch", "--config", config, "--data-dir", data_dir)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "behind" not in result.stdout
    want = expected(rows, late + dt.timedelta(days=1), END)
    got = without_seed(files(data_dir))
    for name in PACKAGES:
        for kind in CH_KINDS:
            filled = {k: v for k, v in got[name][kind].items() if k[0] > late.isoformat()}
            assert filled == want.get(name, {}).get(kind, {}), (name, kind)


def test_a_backfill_never_overwrites_a_day_another_source_gave(
    tmp_path: Path, clickhouse: ClickHouseStandIn, rows: list[dict[str, str]]
) -> None:
    data_dir = tmp_path / "data"
    day = END.isoformat()
    mine = {(day, "with_mirrors"): 123456, (day, "without_mirrors"): 1234}
    store.update_package(data_dir, "enum34", {"overall": mine}, source="pypistats")
    config = write_config(tmp_path / "packages.yaml", clickhouse.url)
    result = cli("backfill", "--config", config, "--data-dir", data_dir, "--package", "enum34")
    assert result.returncode == 0, result.stdout + result.stderr
    overall = store.read_series(data_dir / "enum34" / "overall.csv")
    assert {k: v for k, v in overall.items() if k[0] == day} == mine
    want = expected(rows, FIRST, END)["enum34"]["overall"]
    assert {k: v for k, v in overall.items() if k[0] != day} == {
        k: v for k, v in want.items() if k[0] != day
    }
    spans = [s for s in provenance.read(data_dir, "enum34") if s.kind == "overall"]
    assert (END, END, "pypistats") in {(s.first, s.last, s.source) for s in spans}
    assert {s.source for s in spans} == {"clickhouse", "pypistats"}


def test_print_sql_shows_exactly_what_is_sent(
    tmp_path: Path, clickhouse: ClickHouseStandIn
) -> None:
    data_dir = tmp_path / "data"
    seed(data_dir, PACKAGES)
    config = write_config(tmp_path / "packages.yaml", clickhouse.url, source="clickhouse")
    printed = cli("fetch", "--config", config, "--data-dir", data_dir, "--print-sql")
    assert printed.returncode == 0, printed.stderr
    assert not clickhouse.requests, "--print-sql sends nothing"
    result = cli("fetch", "--config", config, "--data-dir", data_dir)
    assert result.returncode == 0, result.stdout + result.stderr
    for request in clickhouse.requests:
        assert request.sql.strip() in printed.stdout
        for name, value in request.params.items():
            assert f"param_{name} = {value}" in printed.stdout
        assert all(name not in request.sql for name in PACKAGES), "names travel as parameters"


def test_clickhouse_counts_beside_pypistats_rules_measured(
    rows: list[dict[str, str]], capsys: pytest.CaptureFixture[str], artifacts_dir: Path
) -> None:
    """How far the ClickHouse source's numbers are from pypistats.org's rules, on rows whose
    every field we know: printed, and kept in tests/artifacts/."""
    ours = expected(rows, FIRST, END)
    theirs: dict[str, Counter[str]] = defaultdict(Counter)
    for row in rows:
        python = row["python_minor"]
        valid = python == "" or (
            python[:1].isdigit() and python[1:2] == "." and python[2:].isdigit()
        )
        if not valid:
            continue  # pypistats.org's ETL drops the row (approximately: it sees the full version)
        theirs["with_mirrors"][row["project"]] += 1
        if row["installer"] in MIRRORS or row["installer"] == "":
            continue
        for kind in ("without_mirrors", "python_minor", "system", "version", "country"):
            theirs[kind][row["project"]] += 1
    why = {
        "with_mirrors": "no Python column beside the installer: malformed Python versions count",
        "without_mirrors": "the same, for downloads that are not from mirrors",
        "python_minor": "no installer column: mirrors and unknown installers count",
        "system": "no installer column: mirrors, unknown installers, malformed Pythons count",
        "version": "malformed Python versions count",
        "country": "malformed Python versions count",
    }
    lines = [
        "| kind | package | pypistats.org rules | ClickHouse source | difference | why |",
        "|---|---|---|---|---|---|",
    ]

    for kind in ("with_mirrors", "without_mirrors", "python_minor", "system", "version", "country"):
        for name in PACKAGES:
            if kind in ("with_mirrors", "without_mirrors"):
                mine = sum(v for (_, c), v in ours[name]["overall"].items() if c == kind)
            else:
                mine = sum(ours[name][kind].values())
            other = theirs[kind][name]
            lines.append(
                f"| {kind} | {name} | {other} | {mine} | {mine - other:+d} | {why[kind]} |"
            )
    table = "\n".join(lines)
    (artifacts_dir / "clickhouse-vs-pypistats.md").write_text(table + "\n", encoding="utf-8")
    with capsys.disabled():
        print("\nClickHouse source vs pypistats.org's rules, on the stand-in's rows:\n" + table)
    # The documented differences, and only those:
    mirrors_or_unknown = Counter(
        r["project"] for r in rows if r["installer"] in MIRRORS or r["installer"] == ""
    )
    for name in PACKAGES:
        python_diff = sum(ours[name]["python_minor"].values()) - theirs["python_minor"][name]
        assert python_diff > 0  # mirrors and unknown installers are inside ClickHouse's
        assert python_diff <= mirrors_or_unknown[name]
        assert sum(ours[name]["version"].values()) >= theirs["version"][name]


def test_an_unreachable_service_fails_each_package_and_keeps_history(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    seed(data_dir, PACKAGES)
    before = {name: (data_dir / name / "overall.csv").read_bytes() for name in PACKAGES}
    config = write_config(tmp_path / "packages.yaml", "http://127.0.0.1:9", source="clickhouse")
    result = cli("fetch", "--config", config, "--data-dir", data_dir, "--timeout", "1")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert result.stdout.count("connection failed") >= len(PACKAGES)
    assert {name: (data_dir / name / "overall.csv").read_bytes() for name in PACKAGES} == before
    assert not (data_dir / "_meta" / "clickhouse-runs.csv").exists(), "nothing read: no log"
