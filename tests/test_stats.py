"""generator.stats: the numbers a package page shows, checked on small hand-made and real data."""

from __future__ import annotations

import datetime as dt
import json

from generator import derive, stats
from generator.model import Series


def _overall(counts: dict[str, int], mirror_extra: int = 1) -> Series:
    series: Series = {}
    for date, n in counts.items():
        series[(date, "without_mirrors")] = n
        series[(date, "with_mirrors")] = n + mirror_extra
    return series


def _days(start: str, values: list[int]) -> dict[str, int]:
    first = dt.date.fromisoformat(start)
    return {(first + dt.timedelta(days=i)).isoformat(): v for i, v in enumerate(values)}


def test_change_compares_last_30_days_with_the_30_before():
    counts = _days("2024-01-01", [1] * 30 + [3] * 30)  # Jan 1..Feb 29
    summary = stats.summarize(_overall(counts), today=dt.date(2024, 3, 1))
    assert summary.change_month == stats.Change(current=90, previous=30)
    assert summary.change_month.percent == 200.0


def test_change_without_previous_data_has_no_percent():
    change = stats.change(_days("2024-01-01", [5, 5]), "2024-01-02", 30)
    assert change == stats.Change(10, 0)
    assert change.percent is None


def test_totals_recent_and_peak():
    counts = _days("2024-01-01", [10, 50, 20, 50])
    s = stats.summarize(_overall(counts, mirror_extra=2), today=dt.date(2024, 1, 6))
    assert s.total == 130
    assert s.total_with_mirrors == 138
    assert (s.last_day, s.last_week, s.last_month) == (50, 130, 130)
    assert (s.peak_date, s.peak_downloads) == ("2024-01-02", 50)  # earliest of the tie
    assert (s.first_date, s.last_date, s.days_reported) == ("2024-01-01", "2024-01-04", 4)
    assert s.age_days == 2


def test_recent_matches_derive_recent_which_the_api_and_badges_use():
    counts = _days("2023-05-01", [i * 7 % 13 for i in range(100)])
    overall = _overall(counts)
    s = stats.summarize(overall, today=dt.date(2023, 9, 1))
    assert derive.recent(overall) == {
        "last_day": s.last_day,
        "last_week": s.last_week,
        "last_month": s.last_month,
    }


def test_gaps_are_runs_of_missing_days():
    dates = ["2024-02-27", "2024-02-28", "2024-03-02", "2024-03-04"]
    assert stats.gaps(dates) == [
        stats.Gap("2024-02-29", "2024-03-01"),  # leap day included
        stats.Gap("2024-03-03", "2024-03-03"),
    ]
    assert [g.days for g in stats.gaps(dates)] == [2, 1]
    assert stats.gaps(["2024-01-01", "2024-01-02"]) == []
    assert stats.gaps([]) == []


def test_monthly_totals_split_with_and_without_mirrors():
    counts = _days("2024-01-30", [1, 2, 3, 4])  # Jan 30, 31, Feb 1, 2
    months = stats.monthly_totals(_overall(counts, mirror_extra=10))
    assert months == [
        stats.MonthTotal("2024-01", 3, 23, 2),
        stats.MonthTotal("2024-02", 7, 27, 2),
    ]


def test_empty_history_summarizes_to_zeros():
    s = stats.summarize({}, today=dt.date(2024, 1, 1))
    assert (s.total, s.last_month, s.peak_date, s.last_date, s.age_days) == (0, 0, None, None, None)
    assert s.gaps == () and s.monthly == ()


def test_period_changes_and_weekly_trend():
    counts = _days("2024-01-01", list(range(1, 61)))
    ch = stats.period_changes(counts, "2024-02-29")
    assert ch["day"] == stats.Change(60, 59)
    assert ch["week"] == stats.Change(sum(range(54, 61)), sum(range(47, 54)))
    assert stats.trend(counts, "2024-02-29", weeks=2) == [sum(range(47, 54)), sum(range(54, 61))]


def test_real_heudiconv_history_shows_its_missing_day(realdata):
    raw = json.loads((realdata / "nipy-heudiconv" / "pypistats.json").read_text())
    overall: Series = {(r["date"], r["category"]): r["downloads"] for r in raw["data"]}
    s = stats.summarize(overall, today=dt.date(2023, 2, 25))
    # alone, nothing tells the outage from a day without downloads: no data, not a gap
    assert s.nodata == (stats.Gap("2023-01-24", "2023-01-24"),) and s.gaps == ()
    assert (s.first_date, s.last_date) == ("2022-08-27", "2023-02-23")
    assert s.days_reported == 180  # 181 calendar days, one without data
    other = {d for (d, _c) in overall} | {"2023-01-25"}  # another package, same outage
    s = stats.summarize(
        overall, dt.date(2023, 2, 25), cover=stats.coverage([other, {d for (d, _c) in overall}])
    )
    assert s.gaps == (stats.Gap("2023-01-24", "2023-01-24"),) and s.nodata == ()
    assert s.missing_days == 1 and s.zero_days == 0
    without = [r["downloads"] for r in raw["data"] if r["category"] == "without_mirrors"]
    assert s.total == sum(without)
    assert s.peak_downloads == max(without)
    assert sum(m.without_mirrors for m in s.monthly) == s.total


def _rows(dates: list[str], without: bool = True) -> Series:
    series: Series = {(d, "with_mirrors"): 3 for d in dates}
    if without:
        series.update({(d, "without_mirrors"): 2 for d in dates})
    return series


def test_zero_days_outages_and_no_data_follow_one_rule():
    """Jan 1-10: this package skips 3, 5-6 and 9; has with_mirrors only on the 2nd."""
    mine = _rows(["2024-01-01", "2024-01-04", "2024-01-07", "2024-01-08", "2024-01-10"])
    mine.update(_rows(["2024-01-02"], without=False))
    other = ["2024-01-01", "2024-01-03", "2024-01-04", "2024-01-07"]  # covers 1-7 only
    cover = stats.coverage([{d for d, _c in mine}, other])
    days = stats.classify_days(mine, cover)
    assert days.zero == ("2024-01-02", "2024-01-03")  # with_mirrors only; other reported
    assert days.gaps == (stats.Gap("2024-01-05", "2024-01-06"),)  # nobody reported, covered
    assert days.nodata == (stats.Gap("2024-01-09", "2024-01-09"),)  # outside the other's range
    s = stats.summarize(mine, dt.date(2024, 1, 11), cover=cover)
    assert (s.days_reported, s.zero_days, s.missing_days, s.nodata_days) == (7, 2, 2, 1)
    assert s.monthly[0] == stats.MonthTotal("2024-01", 10, 18, 7, missing=2, nodata=1)
    alone = stats.classify_days(mine)  # a single tracked package: no outages, only no data
    assert alone.gaps == () and alone.zero == ("2024-01-02",)
    assert [g.days for g in alone.nodata] == [1, 2, 1]


def test_as_of_windows_count_what_a_stale_package_had():
    counts = _days("2024-01-01", [1] * 40)  # ends 2024-02-09
    assert derive.as_of_date(["2024-02-09", None, "2024-03-01"]) == "2024-03-01"
    assert derive.is_stale("2024-02-09", "2024-03-01") and not derive.is_stale("x", None)
    assert derive.recent_ending(counts, "2024-02-09") == derive.recent_of_daily(counts)
    # 30 days ending 2024-03-01 start on 2024-02-01: 9 days of data in them
    assert derive.recent_ending(counts, "2024-03-01") == {
        "last_day": 0,
        "last_week": 0,
        "last_month": 9,
    }
