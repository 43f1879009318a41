"""The site built from the real histories (tests/realsite.py), checked against the CSVs by
hand: zero days, outages and no-data days, the one as-of date, stale packages, movers,
the chart grid and the missing-dimension notes."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest

from generator import store
from generator.site.listing import MOVERS_FLOOR
from tests.realsite import (
    REAL_PACKAGES,
    SEMCLONE,
    real_site,  # noqa: F401
)

AS_OF = "2026-08-21"  # the SemClone packages' last day, the newest of all


@pytest.fixture(scope="module")
def site(real_site: Path) -> Path:  # noqa: F811
    return real_site


def find(pattern: str, text: str, group: int = 0) -> str:
    match = re.search(pattern, text, re.S)
    assert match, pattern
    return match[group]


def _overall(site: Path, name: str) -> dict[tuple[str, str], int]:
    return store.read_series(site.parent / "data" / name / "overall.csv")


def _page(site: Path, name: str) -> str:
    return (site / "packages" / name / "index.html").read_text()


def _days(first: str, last: str) -> list[str]:
    start, end = dt.date.fromisoformat(first), dt.date.fromisoformat(last)
    return [(start + dt.timedelta(days=i)).isoformat() for i in range((end - start).days + 1)]


def _by_hand(site: Path, name: str) -> tuple[set[str], set[str], set[str]]:
    """(zero days, outage days, no-data days) of `name`, straight from the CSVs."""
    rows = {p: {d for (d, _c) in _overall(site, p)} for p in REAL_PACKAGES}
    mine = rows[name]
    counted = {d for (d, c) in _overall(site, name) if c == "without_mirrors"}
    others = [r for p, r in rows.items() if p != name]
    zero, missing, nodata = mine - counted, set(), set()
    for day in set(_days(min(mine), max(mine))) - mine:
        if any(day in r for r in others):
            zero.add(day)
        elif any(min(r) <= day <= max(r) for r in others):
            missing.add(day)
        else:
            nodata.add(day)
    return zero, missing, nodata


def test_icepyx_zero_days_are_zeros_and_only_the_real_outage_is_a_gap(site: Path):
    zero, missing, nodata = _by_hand(site, "icepyx")
    with_mirrors_only = {d for (d, c) in _overall(site, "icepyx") if c == "with_mirrors"}
    with_mirrors_only -= {d for (d, c) in _overall(site, "icepyx") if c == "without_mirrors"}
    assert len(with_mirrors_only) == 105 and with_mirrors_only <= zero  # the 105
    assert missing == {"2023-01-24"}
    text = _page(site, "icepyx")
    coverage = find(r'<p class="coverage".*?</p>', text, 0)
    assert f'data-zero-days="{len(zero)}"' in coverage
    assert f"{len(zero)} zero-download days" in coverage
    assert "133 missing days" not in text and "102 gaps" not in text
    # the one warning-coloured note is the real outage; no-data days are muted
    assert coverage.count('class="gap-note"') == 1
    assert "1 missing day in 1 outage" in coverage
    assert f'class="nodata-note muted" data-nodata-days="{len(nodata)}"' in coverage
    assert re.findall(r'<li class="gap">([^<]*)</li>', text) == ["2023-01-24"]
    # the chart gets the same days: the outage as data-gaps, the rest as data-nodata
    chart = find(r'<div class="chart"[^>]*data-kind="overall"[^>]*>', text, 0)
    assert json.loads(find(r"data-gaps='([^']*)'", chart, 1)) == [["2023-01-24"] * 2]
    bands = json.loads(find(r"data-nodata='([^']*)'", chart, 1))
    assert {d for a, b in bands for d in _days(a, b)} == nodata


def test_monthly_table_counts_reported_missing_and_no_data_days(site: Path):
    zero, missing, nodata = _by_hand(site, "icepyx")
    text = _page(site, "icepyx")
    table = text[text.index('class="data monthly"') :]
    row = find(r'<th scope="row">2023-01</th>(.*?)</tr>', table, 1)
    cells = re.findall(r'<td class="num">(.*?)</td>', row)
    reported = {d for (d, _c) in _overall(site, "icepyx") if d.startswith("2023-01")}
    reported |= {d for d in zero if d.startswith("2023-01")}
    assert cells[2] == str(len(reported)) == "30"  # 31 days, one outage
    assert '<span class="gap-note">1</span>' in cells[3]
    # every month: reported + missing + no data = the month's days inside the range
    for month, days, rest in re.findall(
        r'<th scope="row">(\d{4}-\d\d)</th>(?:<td class="num">[^<]*</td>){2}'
        r'<td class="num">(\d+)</td><td class="num">(.*?)</td>',
        table,
    ):
        in_range = [d for d in _days("2020-06-18", "2025-04-10") if d.startswith(month)]
        gaps = sum(int(n) for n in re.findall(r">(\d+)(?: no data)?<", rest))
        assert int(days) + gaps == len(in_range), month
        assert gaps == sum(d.startswith(month) for d in missing | nodata), month


def test_heudiconv_outage_is_a_gap_when_icepyx_covers_that_day(site: Path):
    text = _page(site, "heudiconv")
    assert re.findall(r'<li class="gap">([^<]*)</li>', text) == ["2023-01-24"]
    assert 'class="gap-note" data-gaps="1"' in text
    assert "zero-download" not in find(r'<p class="coverage".*?</p>', text, 0)


def test_semclone_absent_rows_are_zero_days_not_gaps(site: Path):
    for name in SEMCLONE:
        zero, missing, nodata = _by_hand(site, name)
        text = _page(site, name)
        assert not missing and not nodata, name
        assert f'data-zero-days="{len(zero)}"' in text, name
        assert 'class="gap-note"' not in text and "no outages" in text, name


def _window(site: Path, name: str, days: int) -> int:
    start = (dt.date.fromisoformat(AS_OF) - dt.timedelta(days=days - 1)).isoformat()
    overall = _overall(site, name)
    return sum(n for (d, c), n in overall.items() if c == "without_mirrors" and start <= d <= AS_OF)


def test_home_totals_are_sums_over_the_windows_ending_on_the_as_of_date(site: Path):
    text = (site / "index.html").read_text()
    for key, days in (("last_day", 1), ("last_week", 7), ("last_month", 30)):
        expected = sum(_window(site, p, days) for p in REAL_PACKAGES)
        assert f'data-total="{key}">{expected:,}<' in text, key
    assert f'data-as-of="{AS_OF}"' in text
    assert f'Data through <time datetime="{AS_OF}">' in text  # the footer: the same date
    # the stale packages had nothing in the window: they add 0, not their own last day
    assert _window(site, "icepyx", 30) == _window(site, "heudiconv", 30) == 0


def test_stale_packages_are_marked_everywhere_and_ranked_by_the_window(site: Path):
    stale = {"icepyx": "2025-04-10", "heudiconv": "2023-02-23"}
    home = (site / "index.html").read_text()
    top = (site / "top" / "index.html").read_text()
    for name, last in stale.items():
        for text in (home, top):
            item = find(rf'data-name="{name}\b.*?</(?:li|tr)>', text)
            assert f'data-stale="{last}"' in item, name
        page = _page(site, name)
        assert f'data-stale="{last}">Stale: data ends' in page
        assert f"the site's data runs through {AS_OF}" in page
    for name in SEMCLONE:
        assert "data-stale" not in _page(site, name)
        item = find(rf'<tr data-name="{name}".*?</tr>', top)
        assert "data-stale" not in item
    ranked = re.findall(r'<tr data-name="([^"]+)"', top)
    months = {p: _window(site, p, 30) for p in REAL_PACKAGES}
    assert ranked == sorted(REAL_PACKAGES, key=lambda p: (-months[p], p))
    assert ranked[-2:] == ["heudiconv", "icepyx"]  # nothing in the window: last
    index = json.loads((site / "api" / "packages.json").read_text())["packages"]
    flags = {p["name"]: p["stale"] for p in index}
    assert flags == {p: p in stale for p in REAL_PACKAGES}
    # the API's recent keeps pypistats.org's meaning: its own last date
    icepyx = next(p for p in index if p["name"] == "icepyx")
    recent = json.loads((site / "api/packages/icepyx/recent.json").read_text())["data"]
    assert icepyx["recent"] == recent and recent["last_day"] > 0


def test_movers_keys_only_packages_over_the_floor(site: Path):
    top = (site / "top" / "index.html").read_text()
    keys = dict(re.findall(r'<tr data-name="([^"]+)"[^>]*data-growth="([^"]*)"', top))
    assert set(keys) == set(REAL_PACKAGES)
    for name, key in keys.items():
        previous = _window(site, name, 60) - _window(site, name, 30)
        assert (key != "") == (previous >= MOVERS_FLOOR), (name, previous)
        if key:
            current = _window(site, name, 30)
            assert float(key) == round(100 * (current - previous) / previous, 4)
    assert any(keys.values()) and not all(keys.values())  # the floor matters here
    methodology = " ".join((site / "methodology" / "index.html").read_text().split())
    assert f"at least {MOVERS_FLOOR} downloads in the previous 30 days" in methodology


def test_no_half_row_is_left_empty_in_the_chart_grid(site: Path):
    for name in REAL_PACKAGES:
        cards = re.findall(r'<section class="card chart-card( wide)?"', _page(site, name))
        column = 0
        for wide in cards:
            assert not (wide and column == 1), name  # a wide card after a lone half
            column = 0 if wide else 1 - column
        assert column == 0, (name, cards)
    assert len(re.findall(r"chart-card", _page(site, "osslili"))) == 4  # 1 wide + 3


def test_a_dimension_without_data_says_which_and_why(site: Path):
    icepyx = _page(site, "icepyx")
    notes = find(r"<div class=\"dimension-notes.*?</div>", icepyx, 0)
    assert (
        "No Python-version or operating-system data: this package&#39;s history came from"
        " an import without python_minor or system." in notes
    )
    assert 'data-dimension-note="bigquery"' in notes and "come from BigQuery" in notes
    assert 'data-kind="python_minor"' not in icepyx
    osslili = _page(site, "osslili")
    assert "No Python-version" not in osslili and "come from BigQuery" in osslili
    assert 'data-kind="python_minor"' in osslili


def test_every_page_has_a_descriptive_og_title_and_description(site: Path):
    pages = [site / "index.html", site / "top" / "index.html"]
    pages += [site / "packages" / p / "index.html" for p in REAL_PACKAGES]
    pages += [site / s / "index.html" for s in ("methodology", "api", "faq", "about")]
    descriptions = set()
    for page in pages:
        text = page.read_text()
        title = re.search(r'<meta property="og:title" content="([^"]+)">', text)
        description = re.search(r'<meta property="og:description" content="([^"]+)">', text)
        assert title and description, page
        descriptions.add(description[1])
    home = (site / "index.html").read_text()
    assert f"6 tracked Python packages, through {AS_OF}" in home
    assert "heudiconv: 0 in the 30 days" not in _page(site, "heudiconv")
    assert "stale" in find(r'og:description" content="([^"]+)"', _page(site, "icepyx"), 1)
    assert len(descriptions) >= 8  # each package page says its own numbers
