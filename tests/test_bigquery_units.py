"""The pure steps of the BigQuery source: parameters, cube → series, top K, day replacement,
backfill chunk planning, and the run log file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlglot

from generator import derive, sources, store
from generator.errors import CorruptFileError
from generator.pipeline import backfill
from generator.sources import bigquery, bigquery_sql
from generator.store import runlog


def test_the_query_is_googlesql_and_splices_no_values() -> None:
    parsed = sqlglot.parse_one(bigquery_sql.QUERY, read="bigquery")
    tables = {t.sql(dialect="bigquery") for t in parsed.find_all(sqlglot.exp.Table)}
    assert tables - {"downloads", "labelled"} == {"`bigquery-public-data.pypi.file_downloads`"}
    assert {p.name for p in parsed.find_all(sqlglot.exp.Parameter)} == {
        "packages",
        "start_ts",
        "end_ts",
    }
    # Only the columns it needs: never SELECT * over a multi-terabyte table.
    assert "*" not in bigquery_sql.QUERY.replace("COUNT(*)", "")


def test_parameters_cover_whole_utc_days() -> None:
    params = bigquery_sql.parameters(["b", "a", "a"], dt.date(2024, 2, 28), dt.date(2024, 3, 1))
    by_name = {p.name: p for p in params}
    assert by_name["packages"].value == ["a", "b"] and by_name["packages"].array
    assert by_name["start_ts"].value == dt.datetime(2024, 2, 28, tzinfo=dt.UTC)
    assert by_name["end_ts"].value == dt.datetime(2024, 3, 2, tzinfo=dt.UTC)  # exclusive
    text = bigquery_sql.describe(params)
    assert "@packages ARRAY<STRING> = ['a', 'b']" in text
    assert "@end_ts TIMESTAMP = 2024-03-02 00:00:00 UTC" in text
    with pytest.raises(ValueError, match="before"):
        bigquery_sql.parameters(["a"], dt.date(2024, 3, 2), dt.date(2024, 3, 1))


def _cube_row(day: str, project: str, **dims: object) -> dict[str, object]:
    row: dict[str, object] = dict.fromkeys(bigquery_sql.DIMENSIONS.values())
    row.update(download_date=dt.date.fromisoformat(day), project=project)
    row.update(dims)
    return row


def test_cube_rows_become_series_per_kind() -> None:
    rows = [
        _cube_row("2024-01-02", "Foo_Bar", with_mirrors=10, without_mirrors=7),
        _cube_row("2024-01-02", "Foo_Bar", python_minor="3.10", with_mirrors=6, without_mirrors=5),
        _cube_row("2024-01-02", "Foo_Bar", python_minor="3.9", with_mirrors=1, without_mirrors=1),
        _cube_row("2024-01-02", "Foo_Bar", python_minor="null", with_mirrors=3, without_mirrors=1),
        _cube_row("2024-01-02", "Foo_Bar", system_name="other", with_mirrors=2, without_mirrors=0),
        _cube_row(
            "2024-01-02", "Foo_Bar", installer_name="devpi", with_mirrors=3, without_mirrors=0
        ),
        _cube_row("2024-01-02", "Foo_Bar", ci_flag="true", with_mirrors=4, without_mirrors=4),
    ]
    updates = bigquery.cube_to_updates(rows, top_k=10)
    assert "python_major" not in updates["foo-bar"], "derived by the pipeline, not the source"
    foo = derive.with_python_major(updates["foo-bar"])
    assert foo["overall"] == {
        ("2024-01-02", "with_mirrors"): 10,
        ("2024-01-02", "without_mirrors"): 7,
    }
    assert foo["python_minor"] == {
        ("2024-01-02", "3.10"): 5,
        ("2024-01-02", "3.9"): 1,
        ("2024-01-02", "null"): 1,
    }
    assert foo["python_major"] == {("2024-01-02", "3"): 6, ("2024-01-02", "null"): 1}
    assert foo["system"] == {}, "a category with no non-mirror downloads is left out"
    assert foo["installer"] == {("2024-01-02", "devpi"): 3}, "installer counts mirrors too"
    assert foo["ci"] == {("2024-01-02", "true"): 4}
    assert foo["version"] == {} and foo["country"] == {}


def test_top_k_keeps_the_largest_per_day_and_sums_the_rest() -> None:
    series = {
        ("d1", "a"): 5,
        ("d1", "b"): 9,
        ("d1", "c"): 5,
        ("d1", "d"): 1,
        ("d2", "a"): 2,
    }
    assert bigquery.top_k_per_day(series, 2) == {
        ("d1", "b"): 9,
        ("d1", "a"): 5,  # ties broken by name: a before c
        ("d1", "other"): 6,
        ("d2", "a"): 2,
    }
    assert bigquery.top_k_per_day(series, 10) == series
    assert sum(bigquery.top_k_per_day(series, 1).values()) == sum(series.values())


def test_replace_days_takes_whole_days_from_the_new_answer() -> None:
    old = {("d1", "x"): 1, ("d2", "x"): 4, ("d2", "y"): 3, ("d2", "other"): 2}
    new = {("d2", "x"): 5, ("d2", "other"): 6, ("d3", "x"): 1}
    assert store.replace_days(old, new) == {
        ("d1", "x"): 1,
        ("d2", "x"): 5,
        ("d2", "other"): 6,
        ("d3", "x"): 1,
    }


def test_last_complete_day_is_yesterday_utc() -> None:
    assert sources.last_complete_day(dt.date(2024, 3, 1)) == dt.date(2024, 2, 29)


def test_month_chunks_are_calendar_months_clipped_at_both_ends() -> None:
    chunks = backfill.month_chunks(dt.date(2023, 12, 15), dt.date(2024, 2, 10))
    assert chunks == [
        (dt.date(2023, 12, 15), dt.date(2023, 12, 31)),
        (dt.date(2024, 1, 1), dt.date(2024, 1, 31)),
        (dt.date(2024, 2, 1), dt.date(2024, 2, 10)),
    ]
    assert backfill.month_chunks(dt.date(2024, 2, 11), dt.date(2024, 2, 10)) == []
    assert backfill.halves((dt.date(2024, 1, 1), dt.date(2024, 1, 31))) == [
        (dt.date(2024, 1, 1), dt.date(2024, 1, 16)),
        (dt.date(2024, 1, 17), dt.date(2024, 1, 31)),
    ]


def _record(command: str, packages: tuple[str, ...], start: str, end: str) -> runlog.RunRecord:
    return runlog.RunRecord("2024-01-01T00:00:00Z", command, packages, start, end, 1, 2)


def test_done_days_come_from_backfill_lines_naming_the_package() -> None:
    records = [
        _record("backfill", ("a", "b"), "2024-01-01", "2024-01-16"),
        _record("backfill", ("a",), "2024-01-17", "2024-01-31"),
        _record("fetch", ("b",), "2024-01-17", "2024-01-31"),
    ]
    january = (dt.date(2024, 1, 1), dt.date(2024, 1, 31))
    assert backfill.chunk_is_done(january, backfill.done_days(records, "a"))
    assert not backfill.chunk_is_done(january, backfill.done_days(records, "b"))
    assert len(backfill.done_days(records, "b")) == 16


def test_run_log_appends_and_reads_back(tmp_path: Path) -> None:
    first = _record("fetch", ("a", "b-c"), "2024-01-01", "2024-01-07")
    second = _record("backfill", ("d",), "2016-01-01", "2016-01-31")
    runlog.append(tmp_path, first)
    runlog.append(tmp_path, second)
    text = runlog.path_in(tmp_path).read_text(encoding="utf-8")
    assert text == (
        "run_at,command,packages,start_date,end_date,bytes_processed,bytes_billed\n"
        "2024-01-01T00:00:00Z,fetch,a b-c,2024-01-01,2024-01-07,1,2\n"
        "2024-01-01T00:00:00Z,backfill,d,2016-01-01,2016-01-31,1,2\n"
    )
    assert runlog.read(tmp_path) == [first, second]
    assert not list(runlog.path_in(tmp_path).parent.glob(".tmp-*"))


def test_a_corrupt_run_log_is_reported_with_its_line_and_kept(tmp_path: Path) -> None:
    path = runlog.path_in(tmp_path)
    path.parent.mkdir(parents=True)
    broken = runlog.HEADER + "\n2024-01-01T00:00:00Z,fetch,a,2024-13-01,2024-01-07,1,2\n"
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(CorruptFileError) as caught:
        runlog.append(tmp_path, _record("fetch", ("a",), "2024-01-01", "2024-01-07"))
    assert caught.value.line == 2 and str(path) in caught.value.message
    assert path.read_text(encoding="utf-8") == broken


def test_endpoint_override_uses_anonymous_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    from google.auth.credentials import AnonymousCredentials

    monkeypatch.setenv("BIGQUERY_API_ENDPOINT", "http://127.0.0.1:9")
    client = bigquery.make_client("billing-project")
    assert client.project == "billing-project"
    assert client._connection.API_BASE_URL == "http://127.0.0.1:9"
    assert isinstance(client._credentials, AnonymousCredentials)


def test_cap_message_names_the_fix() -> None:
    with pytest.raises(bigquery.BytesCapExceeded) as caught:
        bigquery.check_cap(3 * 2**30, 2**30, dt.date(2024, 1, 1), dt.date(2024, 1, 7), 5)
    message = caught.value.message
    assert "3.00 GiB" in message and "1.00 GiB" in message and "5 package(s)" in message
    assert "--max-bytes-billed" in message and "maximum_bytes_billed" in message
    assert caught.value.exit_code == 2
    bigquery.check_cap(2**30, 2**30, dt.date(2024, 1, 1), dt.date(2024, 1, 7), 5)  # at the cap: ok
