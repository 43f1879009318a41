from __future__ import annotations

from generator.derive import python_major_from_minor, recent


def test_python_major_sums_minor_versions_and_keeps_null():
    minor = {
        ("2024-01-01", "3.10"): 5,
        ("2024-01-01", "3.9"): 4,
        ("2024-01-01", "2.7"): 1,
        ("2024-01-01", "null"): 2,
        ("2024-01-02", "3.12"): 7,
    }
    assert python_major_from_minor(minor) == {
        ("2024-01-01", "3"): 9,
        ("2024-01-01", "2"): 1,
        ("2024-01-01", "null"): 2,
        ("2024-01-02", "3"): 7,
    }


def _days(n, value, category="without_mirrors", end_day=31):
    return {(f"2024-01-{d:02d}", category): value for d in range(end_day - n + 1, end_day + 1)}


def test_recent_counts_1_7_30_days_ending_on_the_last_date_without_mirrors():
    overall = {**_days(31, 10), **_days(31, 1000, "with_mirrors")}
    assert recent(overall) == {"last_day": 10, "last_week": 70, "last_month": 300}


def test_recent_does_not_invent_missing_days():
    overall = _days(31, 10)
    del overall[("2024-01-30", "without_mirrors")]
    assert recent(overall) == {"last_day": 10, "last_week": 60, "last_month": 290}


def test_recent_of_nothing_is_zero():
    assert recent({}) == {"last_day": 0, "last_week": 0, "last_month": 0}
