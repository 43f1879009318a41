"""The real-data site (tests/realsite.py) in Debian's chromium: what a visitor sees of
zero days and outages, stale packages, the movers view and the chart grid."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.realsite import real_site  # noqa: F401
from tests.test_browser_site import Watched

pytestmark = pytest.mark.browser


@pytest.fixture
def watched(browser: Any) -> Iterator[Watched]:
    w = Watched(browser)
    yield w
    w.close()


def colour(page: Any, selector: str) -> str:
    return str(page.evaluate(f"getComputedStyle(document.querySelector({selector!r})).color"))


def test_icepyx_summary_shows_zero_days_and_only_the_outage_in_warning_colour(
    real_url: str, watched: Watched, artifacts_dir: Path
):
    page = watched.open(real_url + "packages/icepyx/")
    page.screenshot(path=str(artifacts_dir / "real-icepyx.png"), full_page=True)
    line = page.locator("[data-coverage]").inner_text()
    assert "zero-download days" in line and "1 missing day in 1 outage" in line
    assert "22 days without data" in line
    warn = colour(page, ".gap-note")
    assert colour(page, ".zero-note") != warn
    assert colour(page, ".nodata-note") == colour(page, ".muted") != warn
    assert page.locator(".gap-note").count() == 1 + 1  # the line, and 2023-01's table cell
    page.get_by_text("Outages in the record").click()
    assert page.locator("li.gap").all_inner_texts() == ["2023-01-24"]
    note = page.locator("[data-dimension-note^=python_minor]")
    assert note.is_visible() and "No Python-version or operating-system data" in note.inner_text()
    assert page.locator("[data-stale]").is_visible()
    assert "Stale: data ends 2025-04-10" in page.locator("[data-stale]").inner_text()


def test_stale_packages_are_marked_on_the_home_page(real_url: str, watched: Watched):
    page = watched.open(real_url)
    for name, last in (("icepyx", "2025-04-10"), ("heudiconv", "2023-02-23")):
        mark = page.locator(f'li.pkg[data-name^="{name}"] [data-stale]')
        assert mark.is_visible() and last in mark.inner_text()
    assert page.locator("[data-stale]").count() == 2
    assert "windows ending 2026-08-21" in page.locator("[data-as-of]").inner_text()
    watched.assert_clean()


VISIBLE_ROWS = """[...document.querySelectorAll('table.top tbody tr')]
  .filter(r => r.offsetParent !== null)
  .map(r => {
    const shown = (sel) => [...r.querySelectorAll(sel)].find(e => e.offsetParent !== null);
    const delta = shown('.delta[data-for]'), spark = shown('span[data-for]:has(> svg.spark)');
    return {name: r.dataset.name, growth: r.dataset.growth,
            rank: r.querySelector('[data-rank-cell]').textContent,
            change: delta && delta.classList[1],
            spark: spark && spark.querySelector('polyline').getAttribute('stroke')};
  })"""

SPARK = {"up": "#117733", "down": "#CC6677", "flat": "#6b7585", "none": "#6b7585"}


def test_movers_list_only_eligible_packages_by_growth_and_sparklines_match(
    real_url: str, watched: Watched, artifacts_dir: Path
):
    page = watched.open(real_url + "top/")
    everyone = page.evaluate(VISIBLE_ROWS)
    assert len(everyone) == 6
    eligible = [r["name"] for r in everyone if r["growth"]]
    assert 0 < len(eligible) < 6  # the floor leaves some out here
    for period in ("Last day", "Last week", "Last month", "Movers"):
        page.get_by_role("button", name=period).click()
        rows = page.evaluate(VISIBLE_ROWS)
        for row in rows:  # the sparkline is coloured like the change beside it
            assert row["spark"] == SPARK[row["change"]], (period, row)
        if period == "Movers":
            page.screenshot(path=str(artifacts_dir / "real-movers.png"), full_page=True)
            assert sorted(r["name"] for r in rows) == sorted(eligible)
            growth = [float(r["growth"]) for r in rows]
            assert growth == sorted(growth, reverse=True)
            assert [r["rank"] for r in rows] == [str(i + 1) for i in range(len(rows))]
        else:
            assert len(rows) == 6
    page.get_by_role("button", name="Last month").click()
    assert len(page.evaluate(VISIBLE_ROWS)) == 6  # leaving movers shows everyone again
    watched.assert_clean()


def test_chart_grid_has_no_hole(real_url: str, watched: Watched):
    page = watched.open(real_url + "packages/osslili/")
    boxes = page.evaluate(
        """[...document.querySelectorAll('.charts > .chart-card')].map(c => {
             const b = c.getBoundingClientRect(); return [b.left, b.top, b.width]; })"""
    )
    grid = page.evaluate("document.querySelector('.charts').getBoundingClientRect().width")
    assert len(boxes) == 4
    rows: dict[int, list[float]] = {}
    for _left, top, width in boxes:
        rows.setdefault(round(top), []).append(width)
    for widths in rows.values():  # each row is filled: one full card or two halves
        assert abs(sum(widths) - grid) < 40, rows
    assert abs(boxes[-1][2] - grid) < 2  # the third half-width chart spans the row
