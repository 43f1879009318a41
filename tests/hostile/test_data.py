"""Hostile data: only what round-trips is stored, and no history file can freeze a package.

- The store refuses any row generator.rows refuses (a category with a line separator or a
  control character, a date after tomorrow, a count out of bounds): the package fails,
  every one of its files stays byte-identical, and the message names the package, the
  kind, the row and the problem.
- The parser splits lines at "\\n" (or "\\r\\n") only: a file with U+2028, U+0085 or a form
  feed in a category (as the old writer left them, unquoted) still reads, so the package
  is not frozen.
- Property tests (hypothesis): whatever `serialize` writes, `parse` (and the build's fast
  paths) read back identically; for any text at all, `parse` returns or raises
  CorruptFileError, and the fast paths agree with it.
- `import` applies the same rules to JSON and CSV, refuses a category that is not a string
  (3.10 never becomes "3.1", true never "True"), and turns deep nesting and 5,000-digit
  numbers into messages, never a traceback.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from generator import store
from generator.config import Package
from generator.errors import CorruptFileError, UnstorableRow
from generator.pipeline.storing import store_fetched
from generator.rows import MAX_CATEGORY_LENGTH, MAX_DOWNLOADS, row_problem
from generator.sources import Fetched
from generator.store import parse, parse_fast, parse_tail, serialize
from tests.cli_helpers import run_cli, snapshot

P = Path("data/pkg/system.csv")
HEADER = "date,category,downloads\n"
TODAY = dt.datetime.now(dt.UTC).date()
# Every character str.splitlines() ends a line at, besides \n and \r.
LINE_BREAKERS = ("\u2028", "\u2029", "\x85", "\x0c", "\x0b", "\x1c", "\x1d", "\x1e")


def seeded(data: Path) -> dict[str, bytes]:
    """A package `pkg` with a little history; returns its files."""
    store.update_package(
        data,
        "pkg",
        {
            "overall": {("2024-01-01", "with_mirrors"): 3, ("2024-01-01", "without_mirrors"): 2},
            "system": {("2024-01-01", "Linux"): 2},
        },
    )
    return snapshot(data / "pkg")


# ---------------------------------------------------------------- the store refuses


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        (("2024-01-02", "Linux\u2028x"), "U+2028"),
        (("2024-01-02", "Linux\x85"), "U+0085"),
        (("2024-01-02", "Lin\x0cux"), "U+000C"),
        (("2024-01-02", "Linux\nx"), "U+000A"),
        (("2024-01-02", "Linux\u200b"), "U+200B"),  # zero width space: invisible
        (("2024-01-02", ""), "empty"),
        (("2024-01-02", " Linux"), "starts or ends with a space"),
        (("2024-01-02", "x" * (MAX_CATEGORY_LENGTH + 1)), "characters long"),
        (("2099-12-31", "Linux"), "2099-12-31 is in the future"),
        ((str(TODAY + dt.timedelta(days=2)), "Linux"), "is in the future"),
        (("2024-02-30", "Linux"), "not a real day"),
    ],
)
def test_the_store_refuses_a_row_that_would_not_round_trip(
    tmp_path: Path, row: tuple[str, str], problem: str
):
    before = seeded(tmp_path)
    updates = {
        "overall": {("2024-01-02", "with_mirrors"): 9},  # a good kind, written first if at all
        "system": {("2024-01-02", "Darwin"): 1, row: 4},
    }
    with pytest.raises(UnstorableRow) as info:
        store.update_package(tmp_path, "pkg", updates)
    message = info.value.message
    assert message.startswith("pkg: refused the system row") and problem in message
    assert row[0] in message
    assert "\n" not in message and "\u2028" not in message  # the message stays on one line
    assert snapshot(tmp_path / "pkg") == before


@pytest.mark.parametrize(
    "count", [-1, MAX_DOWNLOADS + 1, pytest.param(10**5000, id="5001-digits"), True, 1.5]
)
def test_the_store_refuses_a_count_out_of_bounds(tmp_path: Path, count: object):
    before = seeded(tmp_path)
    with pytest.raises(UnstorableRow, match=r"pkg: refused the overall row `2024-01-02`"):
        store.update_package(
            tmp_path,
            "pkg",
            {"overall": {("2024-01-02", "with_mirrors"): count}},  # type: ignore[dict-item]
        )
    assert snapshot(tmp_path / "pkg") == before


def test_a_refused_row_fails_that_package_only_in_a_fetch(tmp_path: Path):
    """What storing does with a source's answer: the bad package is named, the next stored."""
    before = seeded(tmp_path)
    packages = [Package("pkg", "pkg"), Package("other", "other")]
    answers = [
        Fetched("pkg", {"system": {("2099-12-31", "Linux"): 5}}),
        Fetched("other", {"system": {("2024-01-02", "Linux"): 5}}),
    ]
    stored = store_fetched(tmp_path, packages, answers, store.merge_keys)
    assert list(stored.failed) == ["pkg"]
    assert (
        "system row `2099-12-31` `Linux`: the date 2099-12-31 is in the future"
        in (stored.failed["pkg"])
    )
    assert stored.changed == {"other": ["system"]}
    assert snapshot(tmp_path / "pkg") == before


# ---------------------------------------------------------------- no frozen history


@pytest.mark.parametrize("breaker", LINE_BREAKERS)
def test_a_file_with_an_odd_line_breaker_in_a_category_still_reads(tmp_path: Path, breaker: str):
    """The old writer left these unquoted; the old reader split the line there and froze
    the package ("expected 3 fields") until someone edited the file by hand."""
    path = tmp_path / "pkg" / "system.csv"
    path.parent.mkdir()
    category = f"Linux{breaker}x"
    path.write_bytes(f"{HEADER}2024-01-01,{category},3\n2024-01-02,Linux,4\n".encode())
    expected = {("2024-01-01", category): 3, ("2024-01-02", "Linux"): 4}
    assert store.read_series(path) == expected
    assert store.read_series_fast(path) == expected
    assert store.read_tail(path, "2024-01-02", "2024-01-02").rows == [("2024-01-02", "Linux", 4)]
    # and the package takes new rows: it is not frozen
    store.update_package(tmp_path, "pkg", {"system": {("2024-01-03", "Linux"): 5}})
    assert store.read_series(path) == {**expected, ("2024-01-03", "Linux"): 5}


def test_a_byte_order_mark_is_named_as_such(tmp_path: Path):
    path = tmp_path / "pkg" / "overall.csv"
    path.parent.mkdir()
    path.write_bytes(("\ufeff" + HEADER + "2024-01-01,with_mirrors,1\n").encode())
    for read in (store.read_series, store.read_series_fast):
        with pytest.raises(CorruptFileError) as info:
            read(path)
        assert info.value.line == 1
        assert "starts with a byte-order mark (saved by a spreadsheet?); remove it" in (
            info.value.reason
        )
        assert "found" not in info.value.reason


@pytest.mark.parametrize(
    ("body", "line", "reason"),
    [
        ("2024-01-01,a," + "9" * 5000 + "\n", 2, "above 1,000,000,000,000"),
        ("2024-01-01,a,1000000000001\n", 2, "above 1,000,000,000,000"),
        ("2024-01-01,a,1\r2024-01-02,a,1\n", 2, "carriage return"),
        ('2024-01-01,"a,1\n2024-01-02,a,1\n', 2, "quote is opened but not closed"),
        ("2024-01-01," + "x" * 200_000 + ",1\n", 2, "unreadable CSV"),
    ],
)
def test_more_corrupt_files_are_messages_not_crashes(body: str, line: int, reason: str):
    for read in (parse, parse_fast):
        with pytest.raises(CorruptFileError) as info:
            read(HEADER + body, P)
        assert (info.value.line, reason in info.value.reason) == (line, True), info.value
    with pytest.raises(CorruptFileError):
        parse_tail(HEADER + body, P, "2024-01-01", "2024-01-02")


def test_a_header_that_is_not_one_is_not_echoed():
    secret = "root:x:0:0:root:/root:/bin/bash\n"
    with pytest.raises(CorruptFileError) as info:
        parse(secret + "daemon:x:1:1::/usr/sbin:/usr/sbin/nologin\n", P)
    assert "root" not in info.value.message and "not shown" in info.value.message
    with pytest.raises(CorruptFileError, match="found `category,date,downloads`"):
        parse("category,date,downloads\n", P)


# ---------------------------------------------------------------- properties

categories = st.text(
    st.characters(
        exclude_categories=("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp", "Zs"),
        include_characters=' ,"<=>|',
    ),
    min_size=1,
    max_size=MAX_CATEGORY_LENGTH,
).filter(lambda c: c == c.strip())
dates = st.dates(dt.date(2000, 1, 1), TODAY).map(dt.date.isoformat)
counts = st.integers(0, MAX_DOWNLOADS)
series_strategy = st.dictionaries(st.tuples(dates, categories), counts, max_size=40)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(series_strategy)
@example({("2024-01-01", 'odd,"name"'): 3})
@example({("2024-01-01", "<<<<<<< x"): 1, ("2024-01-01", "a b"): MAX_DOWNLOADS})
def test_whatever_serialize_writes_parse_reads_back(series: dict[tuple[str, str], int]):
    assert all(row_problem(d, c, n) is None for (d, c), n in series.items())
    text = serialize(series)
    assert parse(text, P) == series
    assert parse_fast(text, P) == series
    dates_ = sorted(d for d, _ in series) or ["2024-01-01"]
    since, last = dates_[len(dates_) // 2], dates_[-1]
    tail = parse_tail(text, P, since, last)
    assert tail.rows == [(d, c, n) for (d, c), n in sorted(series.items()) if since <= d <= last]


_ALPHABET = [*'0123456789-,"\r\n\t ab<=>|', *LINE_BREAKERS, "\x00", "\ufeff", "é"]
texts = st.one_of(
    st.text(),
    st.text(st.sampled_from(_ALPHABET), max_size=200),
    st.text(st.sampled_from(_ALPHABET), max_size=200).map(lambda t: HEADER + t),
    st.lists(
        st.tuples(
            dates,
            st.text(st.sampled_from(_ALPHABET), max_size=8),
            st.text("0123456789-", max_size=14),
        ),
        max_size=8,
    ).map(lambda rows: HEADER + "".join(f"{d},{c},{n}\n" for d, c, n in rows)),
)


def _outcome(read, text: str) -> object:
    try:
        return read(text)
    except CorruptFileError as exc:
        return ("corrupt", exc.line)


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts)
@example(HEADER + "2024-01-01,a," + "9" * 5000 + "\n")
@example(HEADER + "2024-01-01,a,²\n")
@example(HEADER + "2024-01-01,a\u2028b,1\n")
@example(HEADER + "2024-01-01,a,1\r")
def test_any_text_parses_or_is_corrupt_and_the_fast_paths_agree(text: str):
    exact = _outcome(lambda t: parse(t, P), text)  # anything but CorruptFileError fails here
    assert _outcome(lambda t: parse_fast(t, P), text) == exact
    tail = _outcome(lambda t: parse_tail(t, P, "0001-01-01", "9999-12-31").rows, text)
    if isinstance(exact, tuple):
        assert tail == exact
    else:
        assert isinstance(tail, list) and isinstance(exact, dict)
        assert sorted(tail) == [(d, c, n) for (d, c), n in sorted(exact.items())]


# ---------------------------------------------------------------- import


def api_file(tmp_path: Path, rows: str, name: str = "x.json") -> Path:
    path = tmp_path / name
    path.write_text(
        '{"data": [' + rows + '], "package": "p", "type": "python_minor_downloads"}',
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize(
    ("category", "shown"),
    [
        ("3.10", "the category is the JSON number `3.10`, not a string"),
        ("3", "the category is the JSON number `3`, not a string"),
        ("true", "the category is the JSON value true, not a string"),
        ("[3, 10]", "the category is a JSON array, not a string"),
        ('{"v": 3}', "the category is a JSON object, not a string"),
    ],
)
def test_import_refuses_a_category_that_is_not_a_string(tmp_path: Path, category: str, shown: str):
    good = '{"category": "3.9", "date": "2024-01-01", "downloads": 1}'
    bad = '{"category": ' + category + ', "date": "2024-01-01", "downloads": 2}'
    source = api_file(tmp_path, f"{good}, {bad}")
    result = run_cli("import", "p", source, "--data-dir", tmp_path / "data")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"{source}:2: data item 2: {shown}" in result.stderr
    assert 'write it in quotes (pypistats.org sends "3.10", never 3.10)' in result.stderr
    assert not (tmp_path / "data").exists()  # 3.10 never became "3.1", true never "True"


ROWS = {
    "future date": ('"Linux"', '"2099-12-31"', "1", "the date 2099-12-31 is in the future"),
    "line separator": ('"Li\\u2028nux"', '"2024-01-01"', "1", "contains the character U+2028"),
    "form feed": ('"Li\\fnux"', '"2024-01-01"', "1", "contains the character U+000C"),
    "above the bound": ('"Linux"', '"2024-01-01"', str(MAX_DOWNLOADS + 1), "is outside 0.."),
    "5,000 digits": ('"Linux"', '"2024-01-01"', "9" * 5000, "the count has 5,000 digits"),
    "a float": ('"Linux"', '"2024-01-01"', "1.5", "found the JSON number `1.5`"),
    "NaN": ('"Linux"', '"2024-01-01"', "NaN", "found the JSON number `NaN`"),
}


@pytest.mark.parametrize("case", list(ROWS))
@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_import_applies_the_row_rules_to_every_format(tmp_path: Path, case: str, fmt: str):
    category, date, downloads, message = ROWS[case]
    if fmt == "json":
        row = f'{{"category": {category}, "date": {date}, "downloads": {downloads}}}'
        source = api_file(tmp_path, row)
    else:
        if downloads in ("NaN", "1.5"):
            message = f"found `{downloads}`"
        source = tmp_path / "x.csv"
        text = f"category,date,downloads\n{json.loads(category)},{json.loads(date)},{downloads}\n"
        source.write_text(text, encoding="utf-8")
    data = tmp_path / "data"
    (data / "p").mkdir(parents=True)
    before = snapshot(data)
    result = run_cli("import", "p", source, "--data-dir", data, "--kind", "system")
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert message in result.stderr and f"{source}:" in result.stderr
    assert "nothing imported" in result.stderr
    assert snapshot(data) == before


@pytest.mark.parametrize(
    "text",
    [
        "[" * 3000 + "]" * 3000,
        '{"data": ' + "[" * 100_000 + "]" * 100_000 + "}",
        '{"data": [{"category": ' + "[" * 50_000 + "]" * 50_000 + "}]}",
        '{"data": [{"category": "Linux", "date": "2024-01-01", "downloads": 1' + "0" * 5000 + "}]}",
    ],
)
def test_import_of_deep_or_huge_json_is_a_message(tmp_path: Path, text: str):
    source = tmp_path / "x.json"
    source.write_text(text, encoding="utf-8")
    result = run_cli("import", "p", source, "--data-dir", tmp_path / "data")
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert f"{source}:1:" in result.stderr
    assert "nested too deeply" in result.stderr or "5,001 digits" in result.stderr
    assert len(result.stderr) < 2000  # nothing deep is printed back
    assert not (tmp_path / "data").exists()


def test_import_of_a_csv_with_a_lone_carriage_return_is_a_message(tmp_path: Path):
    source = tmp_path / "x.csv"
    source.write_bytes(b"category,date,downloads\nLi\rnux,2024-01-01,1\n")
    result = run_cli("import", "p", source, "--data-dir", tmp_path / "data", "--kind", "system")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"{source}:2: a carriage return" in result.stderr
    assert not (tmp_path / "data").exists()
