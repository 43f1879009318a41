"""Milestones: computed from the history alone, the same on every rebuild."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

from generator import derive, stats, store
from generator.milestones import PEAK_SPACING, PEAK_WARMUP, milestones
from generator.model import Release

START = dt.date(2025, 1, 1)


def _days(counts: list[int], start: dt.date = START) -> dict[str, int]:
    return {(start + dt.timedelta(days=i)).isoformat(): n for i, n in enumerate(counts)}


def _day(i: int) -> str:
    return (START + dt.timedelta(days=i)).isoformat()


def _ids(found: list) -> list[str]:
    return [m.id for m in found]


def test_a_threshold_counts_when_the_record_shows_it_crossed():
    # 500 a day for 10 days, then 1,500 a day: the first day with 1k+ is day 10
    counts = [500] * 10 + [1500] * 30
    found = {m.id: m for m in milestones("p", _days(counts))}
    assert found["p/day-1000"].date == _day(10)
    assert "1,500 that day" in found["p/day-1000"].title
    # weeks: 7 x 500 = 3,500 ... the first week at 10k+ is 7 x 1,500 = 10,500, days 10-16
    assert found["p/week-10000"].date == _day(16)
    # months: the first 30-day window ends on day 29 (10 x 500 + 20 x 1,500 = 35,000) and
    # is already above 10k, so no month crossing of 10k is on record; 45,000 on day 39
    # is not 100k either
    assert "p/month-10000" not in found and "p/month-100000" not in found
    # the week of 1k: every complete week was above it, so it was never seen crossing
    assert "p/week-1000" not in found


def test_a_history_that_starts_big_has_no_first_day_above_what_it_always_had():
    found = _ids(milestones("big", _days([50_000] * 60)))
    assert not [i for i in found if i.startswith(("big/day-", "big/week-", "big/month-"))]
    assert found == ["big/total-1000000"]  # 20 days x 50k: the total still passes 1M
    assert milestones("big", _days([50_000] * 60))[0].date == _day(19)


def test_totals_pass_each_power_of_ten_once():
    found = [m for m in milestones("t", _days([400_000] * 30)) if m.kind == "total"]
    assert [(m.id, m.date) for m in found] == [
        ("t/total-1000000", _day(2)),  # 1.2M after three days
        ("t/total-10000000", _day(24)),  # 10M after 25 days
    ]


def test_peaks_wait_for_a_record_and_keep_their_distance():
    counts = [100] * PEAK_WARMUP + [200, 300, 400] + [100] * 40 + [500]
    peaks = [m for m in milestones("k", _days(counts)) if m.kind == "peak"]
    # day 90 beats 100 and is the first day after the warm-up; 300 and 400 follow too
    # soon; 500, 43 days after the first, is a new record after a quiet spell
    assert [(m.date, m.value) for m in peaks] == [
        (_day(PEAK_WARMUP), 200),
        (_day(PEAK_WARMUP + 43), 500),
    ]
    assert PEAK_WARMUP + 43 - PEAK_WARMUP >= PEAK_SPACING


def test_releases_are_final_and_not_yanked():
    releases = [
        Release("2025-01-05T10:00:00Z", "1.0rc1"),
        Release("2025-01-09T10:00:00Z", "1.0"),
        Release("2025-01-20T10:00:00Z", "1.1", yanked=True),
        Release("2025-02-01T10:00:00Z", "1.1.1"),
    ]
    found = [m for m in milestones("r", _days([10] * 40), releases) if m.kind == "release"]
    assert [(m.id, m.date) for m in found] == [
        ("r/release-1.0", "2025-01-09"),
        ("r/release-1.1.1", "2025-02-01"),
    ]


def test_a_python_version_passing_ten_percent_of_a_complete_month():
    # January to April 2025, 100 a day; 3.13 gets 30 a day from February 25 on
    daily = _days([100] * 120)
    minor = {}
    for i in range(120):
        new = 0 if _day(i) < "2025-02-25" else 30
        minor[(_day(i), "3.12")] = 100 - new
        minor[(_day(i), "3.13")] = new
        minor[(_day(i), "null")] = 0
    months = derive.monthly_counts(minor)
    found = [m for m in milestones("py", daily, python_months=months) if m.kind == "python"]
    # February: 4 x 30 = 120 of 2,800 (4.3%); March: 30%, dated its last day (April,
    # complete too, is not a new crossing)
    assert [(m.id, m.date) for m in found] == [("py/python-3.13", "2025-03-31")]
    assert "in March 2025" in found[0].title
    # the month so far never counts: cut the record on March 20
    cut = {d: n for d, n in daily.items() if d <= "2025-03-20"}
    early = [m for m in milestones("py", cut, python_months=months) if m.kind == "python"]
    assert early == []


def test_appending_days_never_changes_an_earlier_milestone():
    counts = [(i * 37) % 900 + i * 3 for i in range(500)]
    releases = [Release(f"{_day(i)}T08:00:00Z", f"1.{i}") for i in range(0, 500, 60)]
    whole = milestones("g", _days(counts), releases)
    for cut in (120, 250, 400):
        head = milestones("g", _days(counts[:cut]), [r for r in releases if r.day < _day(cut)])
        assert head == [m for m in whole if m.date < _day(cut)], cut
    assert milestones("g", _days(counts), releases) == whole  # the same on every run
    assert len({m.id for m in whole}) == len(whole)  # ids are unique


def test_the_real_icepyx_history_has_sensible_milestones(realdata: Path, tmp_path: Path):
    from tests.cli_helpers import run_cli
    from tests.synthetic import write_config

    config = write_config(tmp_path / "packages.yaml", [("icepyx", None)])
    data = tmp_path / "data"
    csv = realdata / "icesat2py-icepyx" / "downloads_data.csv"
    result = run_cli("import", "--config", config, "--data-dir", data, "icepyx", csv)
    assert result.returncode == 0, result.stderr
    without = stats.daily(store.read_series(data / "icepyx" / "overall.csv"))
    found = milestones("icepyx", without)
    # five years, 28,736 downloads in all: no total milestone, one month with 1k+
    assert sum(without.values()) < 1_000_000 and not [m for m in found if m.kind == "total"]
    assert [(m.id, m.date) for m in found if m.kind == "month"] == [
        ("icepyx/month-1000", "2024-07-18")
    ]
    peaks = [m for m in found if m.kind == "peak"]
    # each peak beats every day before it
    for m in peaks:
        assert m.value == without[m.date]
        assert all(n < m.value for d, n in without.items() if d < m.date)
    # and they keep their distance
    dates = [dt.date.fromisoformat(m.date) for m in peaks]
    assert len(dates) >= 3
    assert all((b - a).days >= PEAK_SPACING for a, b in itertools.pairwise(dates))
