"""The pure parts of the ClickHouse source and of the runs built on it: the SQL and its
parameters, the request planner, reading answers, rows → series, provenance, the day
fill, and the window and backfill arithmetic. No server: see test_clickhouse_client.py.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.errors import CorruptFileError
from generator.pipeline import clickhouse as ch_pipeline
from generator.pipeline import clickhouse_backfill
from generator.pipeline.select import backfill_source
from generator.sources import clickhouse_sql
from generator.sources.clickhouse import (
    EXTRA_KINDS,
    ROWS_PER_ANSWER,
    SOURCE_KINDS,
    ClickHouseSource,
    Limits,
)
from generator.sources.clickhouse_answer import (
    BadRow,
    ServerError,
    Summary,
    Truncated,
    error_code,
    read_body,
    summary_counts,
    to_series,
)
from generator.store import clickhouse_log, provenance
from generator.store.merge import fill_days
from generator.store.provenance import Span

DAY = dt.date(2026, 1, 15)
HOSTILE = [
    "o'brien",
    "back\\slash",
    "x'); DROP DATABASE pypi; --",
    "\\'",
    "'",
    "\\",
    "{start:Date}",
    "a]b",
    "tab\there",
]


def parse_array_literal(text: str) -> list[str]:
    """ClickHouse's text form of Array(String), read the way the server reads it: quoted
    elements, a backslash escaping the next character. Raises ValueError otherwise."""
    if not (text.startswith("[") and text.endswith("]")):
        raise ValueError(f"not an array: {text!r}")
    values: list[str] = []
    i, inner = 0, text[1:-1]
    while i < len(inner):
        if inner[i] != "'":
            raise ValueError(f"expected a quote at {i} in {inner!r}")
        i += 1
        value = []
        while inner[i] != "'":
            if inner[i] == "\\":
                i += 1
            value.append(inner[i])
            i += 1
        values.append("".join(value))
        i += 1
        if i < len(inner):
            if inner[i] != ",":
                raise ValueError(f"expected a comma at {i} in {inner!r}")
            i += 1
    return values


ALL_SQL = {
    "probe": clickhouse_sql.PROBE,
    "first_days": clickhouse_sql.FIRST_DAYS,
    **{name: q.sql for name, q in clickhouse_sql.QUERIES.items()},
}
PLACEHOLDER = re.compile(r"\{(\w+):([A-Za-z0-9()]+)\}")


# ---------------------------------------------------------------- SQL and parameters


@given(st.lists(st.text(max_size=12), max_size=6))
def test_array_literal_reads_back_as_the_same_names_whatever_they_hold(names: list[str]) -> None:
    assert parse_array_literal(clickhouse_sql.array_literal(names)) == names


def test_array_literal_escapes_quotes_and_backslashes() -> None:
    assert clickhouse_sql.array_literal(["o'brien", "a\\b"]) == "['o\\'brien','a\\\\b']"
    assert clickhouse_sql.array_literal(["\\'"]) == "['\\\\\\'']"  # \' → \\\'
    assert clickhouse_sql.array_literal([]) == "[]"
    assert parse_array_literal(clickhouse_sql.array_literal(HOSTILE)) == HOSTILE


def test_the_sql_has_only_typed_placeholders_and_no_values() -> None:
    params = clickhouse_sql.parameters(HOSTILE, DAY, DAY, 10)
    for name, sql in ALL_SQL.items():
        used = dict(PLACEHOLDER.findall(sql))
        assert set(used) <= set(params), name
        assert "{" not in PLACEHOLDER.sub("", sql) and "}" not in PLACEHOLDER.sub("", sql), name
        for value in ("o'brien", "back\\slash", "DROP DATABASE", "2026-01-15"):
            assert value not in sql, name
    assert dict(PLACEHOLDER.findall(clickhouse_sql.EXTRAS)) == {
        "packages": "Array(String)",
        "start": "Date",
        "end": "Date",
        "top_k": "UInt32",
    }
    assert PLACEHOLDER.findall(clickhouse_sql.PROBE) == []


def test_a_hostile_name_travels_only_as_a_parameter() -> None:
    """What the source actually sends: the SQL is one of the fixed texts whatever the
    names, and param_packages reads back as exactly the names asked for."""
    sent: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        if request.content.decode() == clickhouse_sql.PROBE:
            data = [{"newest_day": DAY.isoformat(), "max_result_rows": "1000"}]
        else:
            data = []
        return httpx.Response(200, json={"meta": [], "data": data, "rows": len(data)})

    with ClickHouseSource(
        "http://clickhouse.invalid", "demo", 10, transport=httpx.MockTransport(answer)
    ) as source:
        fetched = list(source.fetch(HOSTILE, DAY, DAY))
    assert [f.name for f in fetched] == HOSTILE and not any(f.error for f in fetched)
    fixed = {clickhouse_sql.PROBE, *(q.sql for q in clickhouse_sql.QUERIES.values())}
    assert len(sent) == 4
    for request in sent:
        assert request.content.decode() in fixed
        if request.content.decode() != clickhouse_sql.PROBE:
            packages = request.url.params["param_packages"]
            assert parse_array_literal(packages) == sorted(HOSTILE)
            assert (
                request.url.params["param_start"] == request.url.params["param_end"] == "2026-01-15"
            )


def test_parameters_refuse_a_window_that_ends_before_it_starts() -> None:
    with pytest.raises(ValueError, match="before"):
        clickhouse_sql.parameters(["a"], DAY, DAY - dt.timedelta(days=1), 10)
    params = clickhouse_sql.parameters(["b", "a", "b"], DAY, DAY, 7)
    assert params == {"packages": "['a','b']", "start": "2026-01-15", "end": "2026-01-15"} | {
        "top_k": "7"
    }


def test_queries_for_reads_only_the_views_needed() -> None:
    def names(kinds: tuple[str, ...]) -> list[str]:
        return [q.name for q in clickhouse_sql.queries_for(kinds)]

    assert names(SOURCE_KINDS) == ["extras", "python", "system"]
    assert names(EXTRA_KINDS) == ["extras"]
    assert names(("python_minor",)) == ["python"]
    assert names(("system", "overall")) == ["extras", "system"]


def test_describe_shows_the_parameters_a_query_uses() -> None:
    params = clickhouse_sql.parameters(["o'brien"], DAY, DAY, 10)
    shown = clickhouse_sql.describe(params, clickhouse_sql.PYTHON)
    assert shown.splitlines() == [
        "param_packages = ['o\\'brien']",
        "param_start = 2026-01-15",
        "param_end = 2026-01-15",
    ]
    assert "param_top_k = 10" in clickhouse_sql.describe(params, clickhouse_sql.EXTRAS)


# ---------------------------------------------------------------- planning


@pytest.fixture(scope="module")
def planner() -> Iterator[ClickHouseSource]:
    with ClickHouseSource("http://clickhouse.invalid", "demo", 10) as source:
        yield source


def _check_plan(
    planner: ClickHouseSource,
    query: clickhouse_sql.Query,
    names: list[str],
    days: int,
    limits: Limits,
) -> None:
    start = dt.date(2015, 1, 1)
    end = start + dt.timedelta(days=days - 1)
    requests = planner.plan(query, names, start, end, limits)
    budget = planner.row_budget(limits)
    if limits.max_result_rows:
        assert budget < limits.max_result_rows
    assert budget <= ROWS_PER_ANSWER
    spans: dict[str, list[tuple[dt.date, dt.date]]] = {}
    for request in requests:
        assert request.query == query
        assert start <= request.start <= request.end <= end
        assert len(set(request.names)) == len(request.names)
        assert request.rows <= max(budget, query.rows_per_day)  # one package-day at least
        for name in request.names:
            spans.setdefault(name, []).append((request.start, request.end))
    assert set(spans) == set(names)
    for name, covered in spans.items():  # each day exactly once: contiguous, no overlap
        covered.sort()
        assert covered[0][0] == start and covered[-1][1] == end, name
        for (_, last), (first, _) in itertools.pairwise(covered):
            assert first == last + dt.timedelta(days=1), name


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_plan_stays_under_the_row_budget_and_covers_each_package_day_once(
    planner: ClickHouseSource, data: st.DataObject
) -> None:
    count = data.draw(st.sampled_from([1, 10, 1000]), label="packages")
    length = data.draw(st.sampled_from([6, 60]), label="name length")
    names = [f"{n:0{length}d}" for n in range(count)]
    days = data.draw(st.integers(1, 4000), label="days")
    # a server limit, or none; a low one only for few packages, to keep the plan small
    low = {1: 2, 10: 40, 1000: 1000}[count]
    rows = data.draw(st.one_of(st.just(0), st.integers(low, 10**6)), label="max_result_rows")
    query = data.draw(st.sampled_from(list(clickhouse_sql.QUERIES.values())), label="query")
    _check_plan(planner, query, names, days, Limits(DAY, rows, "break"))


@pytest.mark.parametrize("count", [1, 10, 1000])
@pytest.mark.parametrize("days", [1, 365, 4000])
@pytest.mark.parametrize("rows", [0, 1000])
def test_plan_edges(planner: ClickHouseSource, count: int, days: int, rows: int) -> None:
    names = [f"package-{n}" for n in range(count)]
    for query in clickhouse_sql.QUERIES.values():
        _check_plan(planner, query, names, days, Limits(DAY, rows, "break"))


def test_plan_of_a_night_is_one_request_per_view(planner: ClickHouseSource) -> None:
    names = [f"package-{n}" for n in range(100)]
    limits = Limits(DAY, 1000, "break")
    for query in clickhouse_sql.QUERIES.values():  # 100 × 3 days × ≤3 rows < 999
        assert len(planner.plan(query, names, DAY - dt.timedelta(days=2), DAY, limits)) == 1


# ---------------------------------------------------------------- reading answers


def body(data: Sequence[Mapping[str, object]], **extra: object) -> bytes:
    doc = {"meta": [], "data": list(data), "rows": len(data), "statistics": {}} | extra
    return json.dumps(doc).encode()


def test_a_complete_answer_gives_its_rows() -> None:
    rows = [{"a": 1}, {"a": 2}]
    assert read_body(body(rows), 1000, 10) == rows
    assert read_body(body([]), 1000, 10) == []


def test_an_answer_with_fewer_rows_than_it_says_is_cut() -> None:
    with pytest.raises(Truncated, match="2 rows arrived of 5"):
        read_body(body([{"a": 1}, {"a": 2}], rows=5), 1000, 10)
    with pytest.raises(Truncated):
        read_body(body([{"a": 1}], rows_before_limit_at_least=9), 1000, 10)


def test_an_answer_at_the_row_limit_counts_as_cut() -> None:
    rows = [{"n": n} for n in range(1000)]
    with pytest.raises(Truncated, match="limit of 1000"):
        read_body(body(rows), 1000, 3000)
    assert len(read_body(body(rows[:999]), 1000, 3000)) == 999
    assert len(read_body(body(rows), 0, 3000)) == 1000  # no limit known
    with pytest.raises(Truncated):  # more than the request can have
        read_body(body(rows[:4]), 0, 3)


def test_an_exception_key_is_the_servers_error() -> None:
    text = "Code: 396. DB::Exception: Limit for result exceeded, max rows: 1.00 thousand. (TOO_MANY_ROWS_OR_BYTES) (version 24.1)"
    with pytest.raises(ServerError) as raised:
        read_body(body([{"a": 1}], exception=text), 1000, 10)
    assert raised.value.code == 396 and raised.value.split
    assert "TOO_MANY_ROWS_OR_BYTES" in str(raised.value)


def test_an_error_after_partial_json_is_not_taken_for_an_answer() -> None:
    """HTTP 200 does not mean success: the error text ends a body that had begun."""
    late = (
        b'{\n\t"meta": [{"name": "project", "type": "String"}],\n\t"data": [\n'
        b'\t\t{"project": "a"},\n'
        b"Code: 159. DB::Exception: Timeout exceeded: elapsed 60.000123 seconds, maximum: 60. "
        b"(TIMEOUT_EXCEEDED) (version 26.9.2.1)\n"
    )
    with pytest.raises(ServerError) as raised:
        read_body(late, 1000, 10)
    assert raised.value.code == 159 and raised.value.split and not raised.value.retry
    assert "Timeout exceeded" in str(raised.value)
    with pytest.raises(ServerError, match="not JSON"):
        read_body(b'{"meta": [], "data": [', 1000, 10)
    with pytest.raises(ServerError, match="not ClickHouse's FORMAT JSON"):
        read_body(b"[1, 2]", 1000, 10)


def test_error_code_from_the_header_and_from_the_body() -> None:
    text = b"Code: 60. DB::Exception: Unknown table expression identifier 'pypi.nope'. (UNKNOWN_TABLE) (version 26.9.2.1)\n"
    from_header = error_code({"X-ClickHouse-Exception-Code": "60"}, text)
    from_body = error_code({}, text)
    assert from_header is not None and from_body is not None
    assert from_header.code == from_body.code == 60
    assert "(UNKNOWN_TABLE)" in str(from_header) and "Unknown table" in str(from_body)
    proxy = error_code({"X-ClickHouse-Exception-Code": "202"}, b"429 Too Many Requests\n")
    assert proxy is not None and proxy.code == 202 and proxy.retry
    # a header that is not ASCII digits is ignored, the body still read
    odd = error_code({"X-ClickHouse-Exception-Code": "６０"}, b"Code: 164. DB::Exception: x")
    assert odd is not None and odd.code == 164
    assert error_code({}, b"502 Bad Gateway") is None
    assert error_code({"X-ClickHouse-Exception-Code": "nope"}, b"") is None


@pytest.mark.parametrize(
    ("code", "split", "retry"),
    [
        (396, True, False),  # TOO_MANY_ROWS_OR_BYTES: ask in halves
        (159, True, False),  # TIMEOUT_EXCEEDED
        (241, True, False),  # MEMORY_LIMIT_EXCEEDED
        (202, False, True),  # TOO_MANY_SIMULTANEOUS_QUERIES: ask again later
        (209, False, True),  # SOCKET_TIMEOUT
        (60, False, False),  # UNKNOWN_TABLE: give up
        (516, False, False),  # AUTHENTICATION_FAILED
        (164, False, False),  # READONLY
    ],
)
def test_server_errors_say_whether_to_split_retry_or_give_up(
    code: int, split: bool, retry: bool
) -> None:
    error = ServerError(code, "x")
    assert (error.split, error.retry) == (split, retry)
    assert str(error).startswith(f"ClickHouse error {code}")


def test_a_long_server_message_still_names_the_error() -> None:
    scope = "SELECT project, date, sum(count) AS downloads FROM pypi.x WHERE " + "a AND " * 60
    text = f"Unknown table expression identifier 'pypi.x' in scope {scope}. (UNKNOWN_TABLE) (version 26.9.2.1)"
    found = error_code(
        {"X-ClickHouse-Exception-Code": "60"}, f"Code: 60. DB::Exception: {text}".encode()
    )
    assert found is not None and "UNKNOWN_TABLE" in str(found)


def test_summary_counts_read_string_numbers_and_ignore_garbage() -> None:
    header = '{"read_rows":"12","read_bytes":"3400","result_rows":"2","result_bytes":"99"}'
    assert summary_counts(header) == Summary(12, 3400, 99)
    assert summary_counts('{"read_rows":12,"read_bytes":5}') == Summary(12, 5, 0)
    for garbage in ("", "not json", "[1]", '"x"', "{" * 5000):
        assert summary_counts(garbage) == Summary()
    bad = {"read_rows": "-5", "read_bytes": "1e3", "result_bytes": True}
    assert summary_counts(json.dumps(bad)) == Summary()
    assert summary_counts(json.dumps({"read_rows": "²", "read_bytes": "9" * 25})) == Summary()
    assert summary_counts(json.dumps({"read_rows": -3, "read_bytes": 7.5})) == Summary()


# ---------------------------------------------------------------- rows → series


def extras_row(
    dimension: str, top: list[list[object]], measured: object, **more: object
) -> dict[str, object]:
    return {
        "project": "demo",
        "day": "2026-01-15",
        "dimension": dimension,
        "with_mirrors": more.get("with_mirrors", 10),
        "without_mirrors": more.get("without_mirrors", 8),
        "measured_total": measured,
        "top": top,
    }


def test_the_top_k_and_other_add_up_to_the_days_total() -> None:
    rows = [
        extras_row("installer", [["pip", 6], ["null", 2]], 10),
        extras_row("version", [["2.0", 5], ["1.0", 2]], 8),
        extras_row("country", [["US", 8]], 8),
    ]
    series = to_series("extras", rows)["demo"]
    d = "2026-01-15"
    assert series["overall"] == {(d, "with_mirrors"): 10, (d, "without_mirrors"): 8}
    assert series["installer"] == {(d, "pip"): 6, (d, "null"): 2, (d, "other"): 2}
    assert series["version"] == {(d, "2.0"): 5, (d, "1.0"): 2, (d, "other"): 1}
    assert series["country"] == {(d, "US"): 8}  # nothing left: no "other" row
    assert sum(series["installer"].values()) == 10  # installers count mirrors too
    assert sum(series["version"].values()) == sum(series["country"].values()) == 8


def test_null_from_sql_is_a_category_and_an_unstorable_one_is_counted_in_other() -> None:
    # the SQL turns '' into 'null'; a category the store cannot hold goes to "other"
    bad = ["", "1\x00", "a\nb", "2\u2028", " padded", "9" * 101]
    top = [["null", 3], *([c, 1] for c in bad), ["1,0", 2]]
    rows = [extras_row("version", top, 20)]
    version = to_series("extras", rows)["demo"]["version"]
    d = "2026-01-15"
    assert version == {(d, "null"): 3, (d, "1,0"): 2, (d, "other"): 20 - 5}
    python = to_series(
        "python",
        [{"project": "p", "day": d, "categories": [["3.10", 4], ["x\ty", 2], ["null", 1]]}],
    )
    assert python == {"p": {"python_minor": {(d, "3.10"): 4, (d, "other"): 2, (d, "null"): 1}}}


def test_counts_quoted_as_strings_are_read_and_others_refused() -> None:
    d = "2026-01-15"
    rows = [extras_row("installer", [["pip", "6"]], "10", with_mirrors="10", without_mirrors="6")]
    series = to_series("extras", rows)["demo"]
    assert series["overall"] == {(d, "with_mirrors"): 10, (d, "without_mirrors"): 6}
    assert series["installer"] == {(d, "pip"): 6, (d, "other"): 4}
    system = to_series("system", [{"project": "p", "day": d, "categories": [["Linux", "5"]]}])
    assert system == {"p": {"system": {(d, "Linux"): 5}}}
    for bad in (True, 5.0, "5.0", "", None, "0x10", "٥", [5]):
        with pytest.raises(BadRow, match="not a count"):
            to_series("system", [{"project": "p", "day": d, "categories": [["Linux", bad]]}])


def test_a_count_with_two_minus_signs_is_refused_as_a_bad_row() -> None:
    row = {"project": "p", "day": "2026-01-15", "categories": [["Linux", "--5"]]}
    with pytest.raises(BadRow):
        to_series("system", [row])


def test_zero_and_negative_counts_are_left_out_and_rows_must_be_whole() -> None:
    d = "2026-01-15"
    rows = [
        {"project": "p", "day": d, "categories": [["Linux", 0], ["Darwin", "-2"], ["Windows", 1]]}
    ]
    assert to_series("system", rows) == {"p": {"system": {(d, "Windows"): 1}}}
    for broken in (
        {"project": "p", "day": "2026-02-30", "categories": []},
        {"project": "p", "day": "2999-01-01", "categories": []},
        {"project": 5, "day": d, "categories": []},
        {"project": "p", "day": d, "categories": "Linux"},
        {"project": "p", "day": d, "categories": [["Linux"]]},
    ):
        with pytest.raises(BadRow):
            to_series("system", [broken])
    with pytest.raises(BadRow, match="dimension"):
        to_series("extras", [extras_row("python", [], 1)])
    with pytest.raises(BadRow, match="not a download count"):
        to_series("system", [{"project": "p", "day": d, "categories": [["Linux", 10**13]]}])


# ---------------------------------------------------------------- provenance


def days(first: str, last: str) -> list[str]:
    day, end, out = dt.date.fromisoformat(first), dt.date.fromisoformat(last), []
    while day <= end:
        out.append(day.isoformat())
        day += dt.timedelta(days=1)
    return out


def span(kind: str, first: str, last: str, source: str) -> Span:
    return Span(kind, dt.date.fromisoformat(first), dt.date.fromisoformat(last), source)


SOURCES = sorted(provenance.SOURCE_NAMES)
KINDS = ["overall", "python_minor", "version"]


@given(
    st.lists(
        st.tuples(
            st.sampled_from(KINDS),
            st.sampled_from(SOURCES),
            st.sets(st.dates(dt.date(2024, 1, 1), dt.date(2024, 3, 1)), max_size=20),
        ),
        max_size=6,
    )
)
def test_provenance_round_trips_and_recording_twice_changes_nothing(
    steps: list[tuple[str, str, set[dt.date]]],
) -> None:
    spans: list[Span] = []
    owner: dict[tuple[str, dt.date], str] = {}
    for kind, source, chosen in steps:
        spans = provenance.record(spans, kind, source, [d.isoformat() for d in chosen])
        owner |= {(kind, d): source for d in chosen}
    text = provenance.serialize(spans)
    assert provenance.parse(text, Path("provenance.csv")) == spans
    again = spans
    for kind, source, chosen in steps:  # the same runs once more: the same bytes
        again = provenance.record(again, kind, source, [d.isoformat() for d in chosen])
    assert provenance.serialize(again) == text
    expanded = {
        (s.kind, s.first + dt.timedelta(days=n)): s.source
        for s in spans
        for n in range((s.last - s.first).days + 1)
    }
    assert expanded == owner  # every day owned by the last source that gave it


def test_recording_the_same_days_twice_gives_the_same_bytes(tmp_path: Path) -> None:
    spans = provenance.record([], "overall", "pypistats", days("2026-01-01", "2026-01-10"))
    spans = provenance.record(spans, "version", "clickhouse", days("2026-01-01", "2026-01-10"))
    assert provenance.write(tmp_path, "demo", spans)
    twice = provenance.record(spans, "version", "clickhouse", days("2026-01-01", "2026-01-10"))
    assert twice == spans
    assert not provenance.write(tmp_path, "demo", twice)  # unchanged bytes: not rewritten
    assert provenance.read(tmp_path, "demo") == spans


def test_the_later_source_owns_overlapping_days() -> None:
    spans = provenance.record([], "overall", "pypistats", days("2026-01-01", "2026-01-10"))
    spans = provenance.record(spans, "overall", "clickhouse", days("2026-01-05", "2026-01-15"))
    assert spans == [
        span("overall", "2026-01-01", "2026-01-04", "pypistats"),
        span("overall", "2026-01-05", "2026-01-15", "clickhouse"),
    ]
    spans = provenance.record(spans, "overall", "pypistats", ["2026-01-07"])
    assert spans == [
        span("overall", "2026-01-01", "2026-01-04", "pypistats"),
        span("overall", "2026-01-05", "2026-01-06", "clickhouse"),
        span("overall", "2026-01-07", "2026-01-07", "pypistats"),
        span("overall", "2026-01-08", "2026-01-15", "clickhouse"),
    ]
    with pytest.raises(ValueError, match="unknown source"):
        provenance.record(spans, "overall", "clickpy", ["2026-01-07"])


def test_empty_days_are_the_covered_days_with_no_row() -> None:
    merged = {("2025-12-30", "a"): 1, ("2026-01-01", "a"): 1, ("2026-01-02", "b"): 2}
    assert provenance.empty_days(merged, ("2026-01-01", "2026-01-05")) == {
        "2026-01-03",
        "2026-01-04",
        "2026-01-05",
    }
    assert provenance.empty_days(merged, None) == set()
    assert provenance.empty_days({}, ("2026-01-01", "2026-01-01")) == {"2026-01-01"}


def test_days_taken_are_only_the_days_stored_as_the_source_gave_them() -> None:
    old = {("2026-01-01", "3.10"): 5, ("2026-01-01", "3.11"): 7}  # pypistats.org's day
    new = {
        ("2026-01-01", "3.10"): 9,
        ("2026-01-01", "3.11"): 7,
        ("2026-01-02", "3.10"): 4,
    }
    merged = fill_days(old, new)
    assert provenance.days_taken(new, merged) == {"2026-01-02"}
    replaced = {**old, **new}
    assert provenance.days_taken(new, replaced) == {"2026-01-01", "2026-01-02"}


def test_a_day_kept_by_the_fill_is_never_taken_even_when_some_counts_match() -> None:
    old = {("2026-01-01", "3.12"): 1, ("2026-01-01", "3.11"): 2}  # pypistats.org's day
    new = {("2026-01-01", "3.12"): 1}  # ClickHouse has one of its two categories
    merged = fill_days(old, new)
    assert merged == old  # the fill kept pypistats.org's day...
    assert provenance.days_taken(new, merged) == set()  # ...so it is not ClickHouse's


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("overall,clickpy,2026-01-01,2026-01-02", "unknown source 'clickpy'"),
        ("overall,clickhouse,2026-02-30,2026-03-01", "YYYY-MM-DD"),
        ("overall,clickhouse,2026-01-03,2026-01-01", "before the first"),
        ("overall,clickhouse,2026-01-01", "4 fields"),
        ("downloads,clickhouse,2026-01-01,2026-01-02", "unknown kind"),
    ],
)
def test_a_bad_provenance_line_is_named_by_file_and_line(
    tmp_path: Path, line: str, reason: str
) -> None:
    path = provenance.path_of(tmp_path, "demo")
    path.parent.mkdir(parents=True)
    good = "overall,pypistats,2025-12-01,2025-12-31"
    path.write_text(f"{provenance.HEADER}\n{good}\n{line}\n", encoding="utf-8")
    with pytest.raises(CorruptFileError) as raised:
        provenance.read(tmp_path, "demo")
    assert (raised.value.path, raised.value.line) == (path, 3)
    assert f"{path}:3:" in str(raised.value) and reason in str(raised.value)
    path.write_text("kind,source\n", encoding="utf-8")
    with pytest.raises(CorruptFileError, match=":1: expected the header"):
        provenance.read(tmp_path, "demo")
    assert provenance.read(tmp_path, "absent") == []


# ---------------------------------------------------------------- filling days


series_strategy = st.dictionaries(
    st.tuples(st.sampled_from(days("2026-01-01", "2026-01-06")), st.sampled_from(["a", "b", "c"])),
    st.integers(0, 50),
    max_size=12,
)


@given(series_strategy, series_strategy)
def test_fill_days_never_changes_a_stored_day_and_adds_new_days_whole(
    old: dict[tuple[str, str], int], new: dict[tuple[str, str], int]
) -> None:
    merged = fill_days(old, new)
    stored = {d for d, _ in old}
    for date in {d for d, _ in merged}:
        on_day = {k: v for k, v in merged.items() if k[0] == date}
        source = old if date in stored else new
        assert on_day == {k: v for k, v in source.items() if k[0] == date}, date
    assert {d for d, _ in merged} == stored | {d for d, _ in new}


# ---------------------------------------------------------------- backfill and window


def test_year_chunks_at_the_edges_of_years() -> None:
    d = dt.date
    assert clickhouse_backfill.year_chunks(d(2023, 12, 31), d(2024, 1, 1)) == [
        (d(2023, 12, 31), d(2023, 12, 31)),
        (d(2024, 1, 1), d(2024, 1, 1)),
    ]
    assert clickhouse_backfill.year_chunks(d(2024, 2, 29), d(2024, 2, 29)) == [
        (d(2024, 2, 29), d(2024, 2, 29))
    ]
    assert clickhouse_backfill.year_chunks(d(2020, 2, 29), d(2024, 2, 29)) == [
        (d(2020, 2, 29), d(2020, 12, 31)),
        (d(2021, 1, 1), d(2021, 12, 31)),
        (d(2022, 1, 1), d(2022, 12, 31)),
        (d(2023, 1, 1), d(2023, 12, 31)),
        (d(2024, 1, 1), d(2024, 2, 29)),
    ]
    assert clickhouse_backfill.year_chunks(d(2024, 1, 2), d(2024, 1, 1)) == []


@given(st.dates(dt.date(2015, 1, 1), dt.date(2027, 1, 1)), st.integers(0, 3000))
def test_year_chunks_cover_each_day_once_inside_one_year(since: dt.date, length: int) -> None:
    end = since + dt.timedelta(days=length)
    chunks = clickhouse_backfill.year_chunks(since, end)
    assert chunks[0][0] == since and chunks[-1][1] == end
    for first, last in chunks:
        assert first <= last and first.year == last.year
    for (_, last), (first, _) in itertools.pairwise(chunks):
        assert first == last + dt.timedelta(days=1) and first == dt.date(first.year, 1, 1)


def run(
    command: str,
    start: str,
    end: str,
    newest: str,
    *packages: str,
    at: str = "2026-01-20T03:00:00Z",
) -> clickhouse_log.ClickHouseRun:
    return clickhouse_log.ClickHouseRun(at, command, packages, start, end, newest, 3, 100, 1000)


def test_done_days_stop_at_the_newest_day_the_dataset_had() -> None:
    records = [
        run("backfill", "2025-01-01", "2025-12-31", "2025-06-30", "demo", "other"),
        run("backfill", "2024-01-01", "2024-12-31", "", "demo"),  # the dataset had no days
        run("fetch", "2026-01-01", "2026-01-10", "2026-01-10", "demo"),  # not a backfill
        run("backfill", "2023-01-01", "2023-12-31", "2023-12-31", "other"),
    ]
    done = clickhouse_backfill.done_days(records, "demo")
    assert min(done) == dt.date(2025, 1, 1) and max(done) == dt.date(2025, 6, 30)
    assert len(done) == 181
    chunk = (dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    assert clickhouse_backfill.needs(chunk, dt.date(2025, 1, 1), done)  # July on is missing
    assert not clickhouse_backfill.needs(
        (dt.date(2025, 1, 1), dt.date(2025, 6, 30)), dt.date(2024, 1, 1), done
    )
    assert not clickhouse_backfill.needs(chunk, dt.date(2026, 1, 1), done)  # it starts later


def test_window_start_reaches_back_to_the_first_missing_day(tmp_path: Path) -> None:
    end = dt.date(2026, 1, 20)
    assert ch_pipeline.window_start(tmp_path, end, 3) == dt.date(2026, 1, 18)
    clickhouse_log.append(
        tmp_path,
        run("fetch", "2026-01-10", "2026-01-12", "2026-01-12", "a", at="2026-01-13T03:00:00Z"),
    )
    assert ch_pipeline.window_start(tmp_path, end, 3) == dt.date(2026, 1, 18)  # not behind
    # the last fetch asked up to the 19th, the dataset stopped on the 14th
    clickhouse_log.append(
        tmp_path,
        run("fetch", "2026-01-17", "2026-01-19", "2026-01-14", "a", at="2026-01-19T03:00:00Z"),
    )
    # a later backfill does not count; nor does the order of the lines
    clickhouse_log.append(
        tmp_path,
        run("backfill", "2025-01-01", "2025-12-31", "2026-01-19", "a", at="2026-01-19T04:00:00Z"),
    )
    clickhouse_log.append(
        tmp_path,
        run("fetch", "2026-01-01", "2026-01-05", "2026-01-05", "a", at="2026-01-06T03:00:00Z"),
    )
    assert ch_pipeline.window_start(tmp_path, end, 3) == dt.date(2026, 1, 15)
    assert ch_pipeline.window_start(tmp_path, end, 10) == dt.date(2026, 1, 11)  # already earlier


def test_window_start_reaches_back_no_further_than_catch_up_days(tmp_path: Path) -> None:
    end = dt.date(2026, 1, 20)
    clickhouse_log.append(tmp_path, run("fetch", "2026-01-17", "2026-01-19", "2025-06-01", "a"))
    start = ch_pipeline.window_start(tmp_path, end, 3)
    assert start == end - dt.timedelta(days=ch_pipeline.CATCH_UP_DAYS - 1)
    assert (end - start).days + 1 == ch_pipeline.CATCH_UP_DAYS


def test_behind_note_names_the_newest_day_and_the_first_to_fill() -> None:
    end = dt.date(2026, 1, 20)
    assert ch_pipeline.behind_note(end, end, SOURCE_KINDS) == ""
    assert ch_pipeline.behind_note(end + dt.timedelta(days=1), end, SOURCE_KINDS) == ""
    note = ch_pipeline.behind_note(dt.date(2026, 1, 16), end, SOURCE_KINDS)
    assert note == (
        "ClickHouse is behind: its newest day is 2026-01-16, 4 days before the last complete "
        "day (2026-01-20). Every kind from 2026-01-17 on will be filled the first night they "
        "appear."
    )
    # One day late is the dataset's normal lag (LAG_DAYS): no alarm; two days is a stall.
    assert ch_pipeline.behind_note(dt.date(2026, 1, 19), end, EXTRA_KINDS) == ""
    two = ch_pipeline.behind_note(dt.date(2026, 1, 18), end, EXTRA_KINDS)
    assert "2026-01-18, 2 days before" in two
    assert "Versions, countries and installers from 2026-01-19 on" in two
    empty = ch_pipeline.behind_note(None, end, SOURCE_KINDS)
    assert empty == "ClickHouse is behind: its public dataset has no days at all right now."


CREDENTIALS = {"GOOGLE_APPLICATION_CREDENTIALS": "/secrets/key.json"}


@pytest.mark.parametrize(
    ("choice", "setting", "environ", "expected"),
    [
        (None, "auto", {}, "clickhouse"),  # free, and no credentials needed
        (None, "pypistats", {}, "clickhouse"),
        (None, "auto", CREDENTIALS, "bigquery"),
        (None, "auto", {"BIGQUERY_API_ENDPOINT": "http://127.0.0.1:9"}, "bigquery"),
        (None, "auto", {"GOOGLE_APPLICATION_CREDENTIALS": ""}, "clickhouse"),
        (None, "bigquery", {}, "bigquery"),
        ("clickhouse", "bigquery", CREDENTIALS, "clickhouse"),  # --source wins
        ("bigquery", "auto", {}, "bigquery"),
    ],
)
def test_backfill_source(
    choice: str | None, setting: str, environ: dict[str, str], expected: str
) -> None:
    assert backfill_source(choice, setting, environ) == expected


def test_source_clickhouse_in_packages_yaml_is_a_choice_credentials_do_not_override() -> None:
    assert backfill_source(None, "clickhouse", CREDENTIALS) == "clickhouse"
