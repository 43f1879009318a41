"""The ClickHouse stand-in answers over HTTP the way the public server does, where a client
depends on it: the schema and its materialized views, parameters, formats, status codes and
exception headers, the public user's limits, and the injected faults.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.linehaul import clickhouse_row, event_rows, log_rows, python_minor, ua_details
from tests.servers.clickhouse_standin import ClickHouseStandIn

DAY = dt.date(2026, 1, 15)
INSTALLER_TABLE = "pypi.pypi_downloads_per_day_by_version_by_installer_by_type"


def row(installer: str = "pip", day: dt.date | str = DAY, **fields: str) -> dict[str, Any]:
    base = {"country_code": "NZ", "project": "requests", "type": "bdist_wheel"}
    base |= {"python_minor": "3.12", "system": "Linux", "version": "2.32.3"}
    return {"date": day, "installer": installer, **base, **fields}


ROWS = [row("pip"), row("pip"), row(""), row("uv"), row("bandersnatch"), row("", version="1.0")]
ROWS += [row("pip", DAY + dt.timedelta(days=1)), row("pip", project="numpy", country_code="")]


def ask(ch: ClickHouseStandIn, sql: str, **params: str) -> httpx.Response:
    """POST the SQL as the public user does: user in the URL, no password."""
    return httpx.post(ch.url, params={"user": "demo", **params}, content=sql, timeout=30)


def rows_of(response: httpx.Response) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    return [json.loads(line) for line in response.text.splitlines()]


def array_param(values: list[str]) -> str:
    """An Array(String) query parameter in ClickHouse's text form."""
    escapes = {"\\": "\\\\", "'": "\\'", "\n": "\\n", "\t": "\\t"}
    return "[" + ",".join("'" + "".join(escapes.get(c, c) for c in v) + "'" for v in values) + "]"


@pytest.fixture
def ch() -> Iterator[ClickHouseStandIn]:
    with ClickHouseStandIn() as standin:
        yield standin


# ---------------------------------------------------------------- the schema and its views


def test_views_fill_on_insert_and_sum_count_matches_the_raw_rows(ch: ClickHouseStandIn) -> None:
    assert ch.insert(ROWS) == len(ROWS)
    sql = (
        f"SELECT installer, sum(count) AS n FROM {INSTALLER_TABLE} "
        "WHERE project = {p:String} AND date = {d:Date} GROUP BY installer FORMAT JSONEachRow"
    )
    got = rows_of(ask(ch, sql, param_p="requests", param_d="2026-01-15"))
    assert {r["installer"]: r["n"] for r in got} == {"pip": 2, "": 2, "uv": 1, "bandersnatch": 1}
    per_day = (
        "SELECT date, sum(count) AS n FROM pypi.pypi_downloads_per_day "
        "WHERE project = 'requests' GROUP BY date ORDER BY date FORMAT JSONEachRow"
    )
    two_days = [{"date": "2026-01-15", "n": 6}, {"date": "2026-01-16", "n": 1}]
    assert rows_of(ask(ch, per_day)) == two_days
    assert ch.query("SELECT * FROM pypi.pypi_downloads_max_min FINAL ORDER BY project") == [
        {"project": "numpy", "max_date": "2026-01-15", "min_date": "2026-01-15"},
        {"project": "requests", "max_date": "2026-01-16", "min_date": "2026-01-15"},
    ]
    assert ch.newest_day() == DAY + dt.timedelta(days=1)


def test_two_inserts_of_the_same_rows_count_twice_after_sum(ch: ClickHouseStandIn) -> None:
    ch.insert(ROWS)
    ch.insert(ROWS)
    key = "project = 'requests' AND date = '2026-01-15' AND installer = 'pip'"
    parts = ch.query(f"SELECT count FROM {INSTALLER_TABLE} WHERE {key}")
    assert sorted(p["count"] for p in parts) == [2, 2], "two unmerged rows for one key"
    summed = f"SELECT sum(count) AS n FROM {INSTALLER_TABLE} WHERE {key} FORMAT JSONEachRow"
    assert rows_of(ask(ch, summed)) == [{"n": 4}]


def test_tables_have_the_columns_of_the_public_dataset_in_order(ch: ClickHouseStandIn) -> None:
    described = rows_of(ask(ch, f"DESCRIBE TABLE {INSTALLER_TABLE} FORMAT JSONEachRow"))
    columns = [(c["name"], c["type"]) for c in described]
    names = ["project", "version", "date", "installer", "type", "count"]
    types = ["String", "String", "Date", "String", "LowCardinality(String)", "Int64"]
    assert columns == list(zip(names, types, strict=True))
    tables = {r["name"] for r in ch.query("SELECT name FROM system.tables WHERE database = 'pypi'")}
    assert len(tables) == 2 * 14 + 1  # 14 target tables, their views, and pypi.pypi


def test_per_month_keeps_only_recent_rows_as_its_view_does(ch: ClickHouseStandIn) -> None:
    recent = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)
    ch.insert([row(day=recent), row(day=recent - dt.timedelta(days=400))])
    assert ch.query("SELECT sum(count) AS n FROM pypi.pypi_downloads_per_month") == [{"n": 1}]


def test_values_are_inserted_as_data_never_as_sql(ch: ClickHouseStandIn) -> None:
    hostile = "x'); DROP DATABASE pypi; --\t\"\\\n"
    ch.insert([row(version=hostile), row(version=hostile, day=DAY.isoformat())])
    got = ch.query("SELECT version, count() AS n FROM pypi.pypi GROUP BY version")
    assert got == [{"version": hostile, "n": 2}]
    with pytest.raises(ValueError, match=r"not a pypi\.pypi column"):
        ch.insert([{**row(), "python": "3.12.1"}])


def test_real_linehaul_rows_sum_up_in_every_view(ch: ClickHouseStandIn, realdata: Path) -> None:
    bq_rows = log_rows(realdata) + event_rows(realdata)
    file = {"version": "1", "type": "sdist"}
    for details in ua_details(realdata):  # pip, uv, poetry, mirrors, browsers...
        bq_rows.append(
            {"project": "cfn-flip", "country_code": "US", "file": file, "details": details}
        )
    rows = [clickhouse_row(r, DAY + dt.timedelta(days=i % 3)) for i, r in enumerate(bq_rows)]
    assert any(r["installer"] == "" for r in rows) and any(r["python_minor"] == "" for r in rows)
    ch.insert(rows)
    sql = (
        f"SELECT project, installer, sum(count) AS n FROM {INSTALLER_TABLE} "
        "GROUP BY project, installer FORMAT JSONEachRow"
    )
    got = {(r["project"], r["installer"]): r["n"] for r in rows_of(ask(ch, sql))}
    assert got == Counter((r["project"], r["installer"]) for r in rows)
    sql = (
        "SELECT python_minor, sum(count) AS n FROM pypi.pypi_downloads_per_day_by_version_by_python"
        " GROUP BY python_minor FORMAT JSONEachRow"
    )
    got_python = {r["python_minor"]: r["n"] for r in rows_of(ask(ch, sql))}
    assert got_python == Counter(r["python_minor"] for r in rows)
    views = ch.query(
        "SELECT name FROM system.tables WHERE database = 'pypi' AND endsWith(name, '_mv')"
    )
    assert len(views) == 14
    for view in views:
        table = view["name"].removesuffix("_mv")
        if table not in ("pypi_downloads_max_min", "pypi_downloads_per_month"):
            [total] = rows_of(
                ask(ch, f"SELECT sum(count) AS n FROM pypi.{table} FORMAT JSONEachRow")
            )
            assert total == {"n": len(rows)}, table


def test_python_minor_agrees_with_clickpys_sql(ch: ClickHouseStandIn, realdata: Path) -> None:
    found = [d.get("python") for d in ua_details(realdata)]
    found += [r["details"]["python"] for r in log_rows(realdata) if r["details"]]
    pythons = {str(p) for p in found if p is not None}
    pythons |= {"3.10.12", "3", "cpython", "", ".", "3.x", "10.1.2", "3.8 (main)"}
    pythons |= {"3.11\n", "3.9\t1", "a'b\\c"}
    sql = (
        "SELECT p, arrayStringConcat(arraySlice(splitByChar('.', p), 1, 2), '.') AS minor "
        "FROM (SELECT arrayJoin({ps:Array(String)}) AS p) FORMAT JSONEachRow"
    )
    got = {r["p"]: r["minor"] for r in rows_of(ask(ch, sql, param_ps=array_param(sorted(pythons))))}
    assert got == {p: python_minor(p) for p in pythons}
    assert python_minor(None) == ""


# ---------------------------------------------------------------- the HTTP surface


def test_array_and_date_parameters_substitute(ch: ClickHouseStandIn) -> None:
    ch.insert(ROWS)
    sql = (
        "SELECT project, sum(count) AS n FROM pypi.pypi_downloads_per_day WHERE project IN "
        "{ps:Array(String)} AND date >= {d:Date} GROUP BY project FORMAT JSONEachRow"
    )
    got = rows_of(ask(ch, sql, param_ps="['requests','numpy','nope']", param_d="2026-01-16"))
    assert got == [{"project": "requests", "n": 1}]
    assert ch.requests[-1].params == {"ps": "['requests','numpy','nope']", "d": "2026-01-16"}


def test_the_query_parameter_and_the_body_are_joined(ch: ClickHouseStandIn) -> None:
    response = ask(ch, "FORMAT JSONEachRow", query="SELECT 1 AS one")
    assert rows_of(response) == [{"one": 1}]
    assert ch.requests[-1].sql == "SELECT 1 AS one\nFORMAT JSONEachRow"


@pytest.mark.parametrize(
    ("sql", "params", "status", "code"),
    [
        ("SELECT {x:String}", {}, 500, 456),  # UNKNOWN_QUERY_PARAMETER
        ("SELECT {d:Date}", {"param_d": "not a date"}, 400, 38),  # CANNOT_PARSE_DATE
        ("SELEC 1", {}, 400, 62),  # SYNTAX_ERROR
        ("SELECT 1; SELECT 2", {}, 400, 62),  # multi-statements are not allowed
        ("SELECT * FROM pypi.nope", {}, 404, 60),  # UNKNOWN_TABLE
        ("SELECT nope FROM pypi.pypi", {}, 404, 47),  # UNKNOWN_IDENTIFIER
        ("SELECT 1 FORMAT Nope", {}, 404, 73),  # UNKNOWN_FORMAT
        ("INSERT INTO pypi.pypi (project) VALUES ('x')", {}, 500, 164),  # READONLY
        ("DROP DATABASE pypi", {}, 500, 164),
        ("SELECT 1 SETTINGS max_result_rows = 5", {}, 500, 164),  # the engine refuses it
        ("SELECT 1", {"max_result_rows": "5"}, 500, 164),  # a setting in the URL
    ],
)
def test_errors_have_the_servers_status_header_and_body(
    ch: ClickHouseStandIn, sql: str, params: dict[str, str], status: int, code: int
) -> None:
    response = ask(ch, sql, **params)
    assert response.status_code == status, response.text
    assert response.headers["X-ClickHouse-Exception-Code"] == str(code)
    assert response.text.startswith(f"Code: {code}. DB::Exception: ")
    assert response.text.rstrip().endswith("(version 26.9.2.1)")
    assert response.text.count("DB::Exception") == 1
    assert ch.requests[-1].status == status and ch.requests[-1].exception_code == code
    assert ch.query("SELECT count() AS n FROM pypi.pypi") == [{"n": 0}]


def test_url_settings_are_refused_and_database_is_not(ch: ClickHouseStandIn) -> None:
    refused = ask(ch, "SELECT 1", max_threads="1")
    assert "Cannot modify 'max_threads' setting in readonly mode" in refused.text
    assert ch.requests[-1].settings == {"max_threads": "1"}
    compressed = ask(ch, "SELECT 1", enable_http_compression="1", wait_end_of_query="1")
    assert (compressed.headers["Content-Encoding"], compressed.text) == ("gzip", "1\n")
    assert "Content-Encoding" not in ask(ch, "SELECT 1").headers
    in_pypi = ask(ch, "SELECT currentDatabase(), count() FROM pypi_downloads", database="pypi")
    assert in_pypi.text == "pypi\t0\n"
    assert ask(ch, "SELECT currentDatabase()").text == "default\n"
    unknown = ask(ch, "SELECT 1", database="nope")
    assert (unknown.status_code, unknown.headers["X-ClickHouse-Exception-Code"]) == (404, "81")


def test_only_the_configured_user_gets_in(ch: ClickHouseStandIn) -> None:
    sql = {"query": "SELECT currentDatabase()"}
    assert httpx.get(ch.url, params={**sql, "user": "demo"}).status_code == 200
    assert httpx.get(ch.url, params=sql, auth=("demo", "")).status_code == 200
    assert httpx.get(ch.url, params=sql, headers={"X-ClickHouse-User": "demo"}).status_code == 200
    for wrong in (
        httpx.get(ch.url, params=sql),  # no user at all: `default`
        httpx.get(ch.url, params={**sql, "user": "demo", "password": "secret"}),
        httpx.get(ch.url, params=sql, auth=("play", "")),
        httpx.get(ch.url, params=sql, headers={"X-ClickHouse-User": "bob"}),
    ):
        assert wrong.status_code == 403
        assert wrong.headers["X-ClickHouse-Exception-Code"] == "516"
        assert "(AUTHENTICATION_FAILED)" in wrong.text
    assert [r.user for r in ch.requests] == ["demo"] * 3 + ["default", "demo", "play", "bob"]


def test_format_comes_from_the_clause_then_the_parameter_then_the_header(
    ch: ClickHouseStandIn,
) -> None:
    header = {"X-ClickHouse-Format": "CSV"}
    cases = {
        "JSONEachRow": ask(ch, "SELECT 1 AS a FORMAT JSONEachRow", default_format="CSV"),
        "JSON": ask(ch, "SELECT 1 AS a", default_format="JSON"),
        "CSV": httpx.post(ch.url, params={"user": "demo"}, content="SELECT 1", headers=header),
        "TabSeparated": ask(ch, "SELECT 1 AS a"),
    }
    types = ["application/json", "application/json", "text/csv", "text/tab-separated-values"]
    for (fmt, response), content_type in zip(cases.items(), types, strict=True):
        assert response.status_code == 200
        assert response.headers["X-ClickHouse-Format"] == fmt
        assert response.headers["Content-Type"] == f"{content_type}; charset=UTF-8"
        assert response.headers["X-ClickHouse-Timezone"] == "UTC"
        uuid.UUID(response.headers["X-ClickHouse-Query-Id"])
    assert cases["TabSeparated"].text == "1\n"
    assert cases["JSON"].json()["data"] == [{"a": 1}]


def test_the_summary_header_is_json_with_string_numbers(ch: ClickHouseStandIn) -> None:
    ch.insert(ROWS)
    response = ask(ch, "SELECT project FROM pypi.pypi FORMAT JSON")
    summary = json.loads(response.headers["X-ClickHouse-Summary"])
    assert set(summary) >= {"read_rows", "read_bytes", "written_rows", "written_bytes"}
    assert set(summary) >= {"total_rows_to_read", "result_rows", "result_bytes", "elapsed_ns"}
    assert all(isinstance(v, str) and v.isdigit() for v in summary.values())
    assert summary["read_rows"] == str(len(ROWS)) and summary["result_rows"] == str(len(ROWS))
    assert summary["result_bytes"] == str(len(response.content))


# ---------------------------------------------------------------- the public user's limits


def test_break_truncates_a_large_result_without_an_error(ch: ClickHouseStandIn) -> None:
    response = ask(ch, "SELECT number FROM numbers(100000) ORDER BY number FORMAT JSON")
    assert response.status_code == 200 and "X-ClickHouse-Exception-Code" not in response.headers
    body = response.json()
    assert 1000 <= body["rows"] < 100000  # whole blocks: the last one is not cut
    assert [r["number"] for r in body["data"]] == list(range(body["rows"]))
    assert ch.requests[-1].result_rows == body["rows"]


def test_get_setting_sees_the_emulated_limits(ch: ClickHouseStandIn) -> None:
    expected = {"max_result_rows": "1000", "max_result_bytes": "10000000", "readonly": "1"}
    expected |= {"result_overflow_mode": "break", "max_execution_time": "60"}
    expected |= {"max_block_size": "100"}
    columns = ", ".join(f"toString(getSetting('{name}')) AS {name}" for name in expected)
    assert rows_of(ask(ch, f"SELECT {columns} FORMAT JSONEachRow")) == [expected]
    unlimited = ch.query("SELECT getSetting('max_result_rows') AS n")
    assert unlimited == [{"n": 0}], "the tests' own queries have no limits"


def test_limits_are_configurable_and_throw_mode_fails() -> None:
    with ClickHouseStandIn(max_result_rows=10, result_overflow_mode="throw", readonly=False) as ch:
        response = ask(ch, "SELECT number FROM numbers(1000)")
        assert response.status_code == 500
        assert response.headers["X-ClickHouse-Exception-Code"] == "396"  # TOO_MANY_ROWS_OR_BYTES
        # readonly=False takes URL settings for that one query only
        unlimited = ask(ch, "SELECT number FROM numbers(1000)", max_result_rows="0")
        assert unlimited.text.count("\n") == 1000
        assert ask(ch, "SELECT getSetting('max_result_rows')").text == "10\n"
        threads = ask(ch, "SELECT getSetting('max_threads')").text
        assert ask(ch, "SELECT getSetting('max_threads')", max_threads="3").text == "3\n"
        assert ask(ch, "SELECT getSetting('max_threads')").text == threads
        assert ask(ch, "INSERT INTO pypi.pypi (project) VALUES ('x')").status_code == 500


def test_only_one_stand_in_at_a_time(ch: ClickHouseStandIn) -> None:
    with pytest.raises(RuntimeError, match="already open"), ClickHouseStandIn():
        pass
    assert ask(ch, "SELECT 1").status_code == 200


def test_each_stand_in_starts_empty() -> None:
    with ClickHouseStandIn() as first:
        first.insert(ROWS)
    with ClickHouseStandIn() as second:
        assert second.query("SELECT count() AS n FROM pypi.pypi_downloads") == [{"n": 0}]
        assert second.newest_day() is None


# ---------------------------------------------------------------- faults and the log


def test_status_faults_are_answered_in_order(ch: ClickHouseStandIn) -> None:
    ch.faults += [("status", 429, {"Retry-After": "1"}), ("status", 503, {})]
    first, second, third = (ask(ch, "SELECT 1") for _ in range(3))
    assert first.status_code == 429 and first.headers["Retry-After"] == "1"
    assert first.headers["X-ClickHouse-Exception-Code"] == "202"
    assert "(TOO_MANY_SIMULTANEOUS_QUERIES)" in first.text
    assert second.status_code == 503 and third.status_code == 200
    answered = [(r.status, r.fault) for r in ch.requests]
    assert answered == [(429, "status"), (503, "status"), (200, None)]


def test_an_exception_after_the_200_is_in_the_body(ch: ClickHouseStandIn) -> None:
    ch.faults.append(("exception_after_200",))
    response = ask(ch, "SELECT number FROM numbers(50) FORMAT JSON")
    assert response.status_code == 200
    assert "X-ClickHouse-Exception-Code" not in response.headers
    assert response.text.startswith('{\n\t"meta":')
    assert "Code: 159. DB::Exception: Timeout exceeded" in response.text
    assert "(TIMEOUT_EXCEEDED)" in response.text
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.text)
    assert ch.requests[-1].status == 200 and ch.requests[-1].exception_code == 159


def test_a_slow_answer_trips_the_clients_deadline(ch: ClickHouseStandIn) -> None:
    ch.faults.append(("slow", 5))
    with pytest.raises(httpx.ReadTimeout):
        httpx.post(ch.url, params={"user": "demo"}, content="SELECT 1", timeout=0.2)
    ch.faults.append(("slow", 0.1))
    assert ask(ch, "SELECT 1").text == "1\n"


def test_a_dropped_connection_has_no_answer(ch: ClickHouseStandIn) -> None:
    ch.faults.append(("drop",))
    with pytest.raises(httpx.RemoteProtocolError):
        ask(ch, "SELECT 1")
    assert ask(ch, "SELECT 1").status_code == 200


def test_fail_every_answers_429_to_every_nth_request() -> None:
    with ClickHouseStandIn(fail_every=3) as ch:
        statuses = [ask(ch, "SELECT 1").status_code for _ in range(7)]
    assert statuses == [200, 200, 429, 200, 200, 429, 200]


def test_fault_for_picks_faults_by_request(ch: ClickHouseStandIn) -> None:
    ch.fault_for = lambda r: ("status", 400, {}) if r.params.get("d", "") < "2026" else None
    refused = ask(ch, "SELECT {d:Date} AS d", param_d="2025-12-31")
    assert (refused.status_code, refused.text) == (400, "400 Bad Request\n")
    assert ask(ch, "SELECT {d:Date} AS d", param_d="2026-01-01").text == "2026-01-01\n"
    assert [r.fault for r in ch.requests] == ["status", None]


def test_the_log_records_each_request(ch: ClickHouseStandIn) -> None:
    ch.insert(ROWS)
    sql = "SELECT project FROM pypi.pypi WHERE project = {p:String} FORMAT JSONEachRow"
    ask(ch, sql, param_p="requests")
    httpx.get(ch.url, params={"query": "SELECT 1", "user": "demo", "max_threads": "4"})
    ok, refused = ch.requests
    assert (ok.method, ok.sql, ok.format, ok.params) == (
        "POST",
        sql,
        "JSONEachRow",
        {"p": "requests"},
    )
    assert (ok.status, ok.result_rows, ok.user, ok.settings) == (200, 7, "demo", {})
    assert (refused.method, refused.status, refused.settings) == ("GET", 500, {"max_threads": "4"})
    assert len([r for r in ch.requests if r.status == 200]) == 1
