"""The chart chunks (generator.site.chart_data): one JSON document per calendar year that
gives back exactly the history's rows, as the page's script reads them."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from generator import store
from generator.model import Series
from generator.site import chart_data
from generator.site.charts import category_key


def decode(texts: Mapping[int, str]) -> dict[str, Series]:
    """The rows the chunks hold, {kind: series}, read as charts-page.js reads them:
    day `start + i` for `values[j][i]`, null for no row."""
    out: dict[str, Series] = {}
    for year, text in texts.items():
        document = json.loads(text)
        assert document["year"] == year and document["start"] == f"{year}-01-01"
        start = dt.date.fromisoformat(document["start"])
        for kind, body in document["kinds"].items():
            series = out.setdefault(kind, {})
            assert len(body["cats"]) == len(body["values"]) > 0
            for cat, days in zip(body["cats"], body["values"], strict=True):
                assert days and days[-1] is not None  # trimmed after the last value
                for i, n in enumerate(days):
                    day = start + dt.timedelta(days=i)
                    assert day.year == year  # never past December 31
                    if n is not None:
                        assert isinstance(n, int) and not isinstance(n, bool)
                        series[(day.isoformat(), cat)] = n
    return out


def chunks_of(kinds: Mapping[str, Series]) -> dict[int, str]:
    return chart_data.chunks(chart_data.grid(kinds))


def test_the_format_is_exactly_as_the_script_reads_it():
    kinds = {
        "overall": {
            ("2024-01-01", "with_mirrors"): 12,
            ("2024-01-01", "without_mirrors"): 10,
            ("2024-01-02", "with_mirrors"): 15,
            ("2024-01-02", "without_mirrors"): 11,
            ("2024-01-04", "with_mirrors"): 9,
            ("2024-01-04", "without_mirrors"): 7,
        },
        "python_minor": {
            ("2024-01-02", "3.10"): 0,  # a row with 0 stays 0
            ("2024-01-01", "3.9"): 4,
            ("2024-01-01", "null"): 1,
            ("2024-01-04", "2.7"): 2,
        },
    }
    assert chunks_of(kinds) == {
        2024: '{"year":2024,"start":"2024-01-01","kinds":{'
        '"overall":{"cats":["with_mirrors","without_mirrors"],'
        '"values":[[12,15,null,9],[10,11,null,7]]},'
        '"python_minor":{"cats":["2.7","3.9","3.10","null"],'
        '"values":[[null,null,null,2],[4],[null,0],[1]]}}}'
    }


def test_every_year_from_the_first_row_to_the_last_is_written_an_empty_one_too():
    kinds = {
        "overall": {("2021-12-31", "with_mirrors"): 3, ("2023-01-01", "with_mirrors"): 5},
        "system": {},  # a file with a header and no rows
    }
    texts = chunks_of(kinds)
    assert sorted(texts) == [2021, 2022, 2023]
    assert texts[2022] == '{"year":2022,"start":"2022-01-01","kinds":{}}'
    assert json.loads(texts[2021])["kinds"]["overall"]["values"] == [[None] * 364 + [3]]
    assert json.loads(texts[2023])["kinds"]["overall"]["values"] == [[5]]
    assert decode(texts) == {"overall": kinds["overall"]}
    assert chart_data.grid(kinds).bounds == {"overall": ("2021-12-31", "2023-01-01")}


def test_no_rows_at_all_means_no_chunk():
    assert chunks_of({}) == {}
    assert chunks_of({"overall": {}}) == {}
    assert list(chart_data.grid({"overall": {}}).years) == []


def test_leap_years_have_366_days_and_the_next_year_starts_on_its_own_january_1():
    kinds = {
        "overall": {
            ("2024-02-29", "without_mirrors"): 29,
            ("2024-12-31", "without_mirrors"): 366,
            ("2025-01-01", "without_mirrors"): 1,
            ("2025-12-31", "without_mirrors"): 365,
        }
    }
    texts = chunks_of(kinds)
    leap = json.loads(texts[2024])["kinds"]["overall"]["values"][0]
    assert len(leap) == 366 and leap[59] == 29 and leap[365] == 366
    plain = json.loads(texts[2025])["kinds"]["overall"]["values"][0]
    assert len(plain) == 365 and plain[0] == 1 and plain[364] == 365
    assert decode(texts) == kinds


def test_a_kind_that_starts_mid_history_and_a_category_that_ends_are_left_out_of_other_years():
    overall = {
        (f"{y}-{m:02d}-15", c): y + m
        for y in (2019, 2020, 2021)
        for m in (1, 6, 12)
        for c in ("with_mirrors", "without_mirrors")
    }
    version = {("2020-07-01", "1.0"): 5, ("2021-03-01", "2.0"): 0, ("2020-12-31", "1.0"): 1}
    texts = chunks_of({"overall": overall, "version": version})
    documents = {year: json.loads(text) for year, text in texts.items()}
    assert list(documents[2019]["kinds"]) == ["overall"]  # no version rows in 2019
    assert documents[2020]["kinds"]["version"]["cats"] == ["1.0"]
    assert documents[2021]["kinds"]["version"] == {"cats": ["2.0"], "values": [[None] * 59 + [0]]}
    assert decode(texts) == {"overall": overall, "version": version}
    grid = chart_data.grid({"overall": overall, "version": version})
    assert grid.bounds["version"] == ("2020-07-01", "2021-03-01")
    assert grid.bounds["overall"] == ("2019-01-15", "2021-12-15")


def test_zero_rows_and_missing_rows_stay_apart():
    kinds = {"system": {("2026-03-01", "Linux"): 0, ("2026-03-03", "Linux"): 0}}
    texts = chunks_of(kinds)
    assert json.loads(texts[2026])["kinds"]["system"]["values"] == [[None] * 59 + [0, None, 0]]
    assert decode(texts) == kinds


def test_categories_follow_the_charts_order_and_quoted_ones_round_trip_through_the_csv(
    tmp_path: Path,
):
    odd = ["with, comma", 'say "hi"', "Linux", "linux", "3.10", "3.9", "2.7", "null", "other", "é"]
    series = {(f"2025-0{1 + i % 3}-0{1 + i % 7}", c): i for i, c in enumerate(odd)}
    path = tmp_path / "system.csv"
    path.write_text(store.serialize(series), encoding="utf-8")
    assert '"with, comma"' in path.read_text() and '"say ""hi"""' in path.read_text()
    read = store.read_series_fast(path)
    texts = chunks_of({"system": read})
    cats = json.loads(texts[2025])["kinds"]["system"]["cats"]
    assert cats == sorted(odd, key=lambda c: (category_key(c), c))
    assert cats[:3] == ["2.7", "3.9", "3.10"] and cats[-2:] == ["null", "other"]
    assert decode(texts) == {"system": store.read_series(path)}


def test_a_synthetic_history_round_trips_from_its_files(tmp_path: Path):
    from tests import synthetic

    synthetic.write_package(
        tmp_path / "pkg", seed=7, start=dt.date(2023, 11, 5), days=800, extras=True, gap_every=9
    )
    files = sorted((tmp_path / "pkg").glob("*.csv"))
    kinds = {p.stem: store.read_series_fast(p) for p in files}
    texts = chunks_of(kinds)
    assert sorted(texts) == [2023, 2024, 2025, 2026]
    assert decode(texts) == {k: s for k, s in kinds.items() if s}
    for path in files:  # the window the API and the charts' defaults read
        tail = store.read_tail(path, "2025-06-01", "2025-11-30")
        grid = chart_data.grid(kinds)
        assert chart_data.window(grid, path.stem, "2025-06-01", "2025-11-30") == tail.rows
        totals = chart_data.window_totals(grid, path.stem, "2025-06-01", "2025-11-30")
        assert totals == tail.totals


def test_the_window_is_clipped_to_the_grid_and_sorted_by_date_then_category():
    kinds = {"python_minor": {("2024-03-02", "3.9"): 1, ("2024-03-02", "3.10"): 2}}
    kinds["python_minor"][("2024-03-01", "3.9")] = 0
    grid = chart_data.grid(kinds)
    assert chart_data.window(grid, "python_minor", "2000-01-01", "2099-12-31") == [
        ("2024-03-01", "3.9", 0),
        ("2024-03-02", "3.10", 2),
        ("2024-03-02", "3.9", 1),
    ]
    assert chart_data.window(grid, "python_minor", "2024-03-03", "2099-12-31") == []
    assert chart_data.window(grid, "system", "2000-01-01", "2099-12-31") == []
    assert chart_data.window_totals(grid, "python_minor", "2024-03-01", "2024-03-01") == {"3.9": 0}
    assert chart_data.window_totals(grid, "python_minor", "2024-03-03", "2099-12-31") == {}


_days = st.dates(dt.date(2015, 12, 25), dt.date(2027, 1, 5)).map(dt.date.isoformat)
_categories = st.sampled_from(["3.10", "3.9", "null", "Linux", "a,b", 'q"', "other", "0"])
_series = st.dictionaries(st.tuples(_days, _categories), st.integers(0, 10**12), max_size=60)


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.sampled_from(["overall", "system", "version", "ci"]), _series))
def test_decoding_the_chunks_gives_back_exactly_the_rows(kinds: dict[str, Series]):
    texts = chunks_of(kinds)
    assert decode(texts) == {k: s for k, s in kinds.items() if s}
    present = [s for s in kinds.values() if s]
    if present:
        first = min(d for s in present for d, _ in s)
        last = max(d for s in present for d, _ in s)
        assert sorted(texts) == list(range(int(first[:4]), int(last[:4]) + 1))
    else:
        assert texts == {}


@settings(max_examples=60, deadline=None)
@given(
    st.dictionaries(
        st.tuples(
            st.dates(dt.date(2023, 11, 1), dt.date(2025, 3, 31)).map(dt.date.isoformat),
            st.sampled_from(["3.12", "3.13", "null", "2.7"]),
        ),
        st.integers(0, 10_000),
        max_size=200,
    ),
    st.integers(1, 31),
)
def test_month_totals_from_the_grid_equal_the_rows_summed_by_month(series: Series, days: int):
    """The build's fast path (chart_data.month_totals) against the rule (derive)."""
    from generator import derive

    grid = chart_data.grid({"python_minor": series})
    assert chart_data.month_totals(grid, "python_minor") == derive.monthly_counts(series)
    first = {(d, c): n for (d, c), n in series.items() if int(d[8:10]) <= days}
    assert chart_data.month_totals(grid, "python_minor", days) == derive.monthly_counts(first)
    assert chart_data.month_totals(grid, "system") == {}
