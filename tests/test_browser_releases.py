"""Release markers on a package page's downloads chart, in Debian's chromium: at the right
UTC days, dimmed when pre-releases, hidden by the toggle, with the version in the tooltip,
and only major and minor releases on a crowded range."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from generator.config import load_config
from generator.model import Release
from generator.site.build import build_site
from generator.store import releases as stored_releases
from tests import synthetic
from tests.servers.static_site import serve
from tests.test_browser_charts import Tab

pytestmark = pytest.mark.browser

END = dt.date(2026, 6, 30)  # before the counting change: its rule is not in the way
RECENT = [  # the last 90 days hold these five
    Release("2026-04-15T10:00:00Z", "1.0.0"),
    Release("2026-05-01T23:59:59Z", "1.0.1"),  # late in the UTC day: still May 1
    Release("2026-05-20T00:00:01Z", "1.1.0rc1"),
    Release("2026-06-01T12:00:00Z", "1.1.0"),
    Release("2026-06-10T08:00:00Z", "1.1.1", yanked=True),
]
# 40 earlier releases in January to March: 0.1.0 to 0.4.9, every tenth a minor
EARLIER = [
    Release(
        f"{dt.date(2026, 1, 1) + dt.timedelta(days=2 * i)}T09:00:00Z", f"0.{i // 10 + 1}.{i % 10}"
    )
    for i in range(40)
]


@pytest.fixture(scope="module")
def site_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("releases")
    data = root / "data"
    synthetic.write_package(data / "rel", seed=5, start=END - dt.timedelta(days=199), days=200)
    stored_releases.write(data, "rel", RECENT + EARLIER)
    config = synthetic.write_config(root / "packages.yaml", [("rel", None)])
    build_site(load_config(config), data, root / "site", "")
    with serve(root / "site", "/repo/") as url:
        yield url


@pytest.fixture
def tab(browser: Any) -> Iterator[Tab]:
    t = Tab(browser)  # in America/Los_Angeles: a UTC day must not shift by the time zone
    yield t
    t.close()


CHART = "document.querySelector('#chart-overall .chart')"


def markers(page: Any) -> list[dict[str, Any]]:
    """The release rules drawn: their x in the SVG, the x of their day on the chart's
    scale, their local calendar day and their opacity."""
    return page.evaluate(
        f"""() => {{
          const el = {CHART}, view = el._view, x = view.scale('x');
          const rows = view.data('releases');
          const lines = [...el.querySelectorAll('g[class*=release_rules] line')];
          return lines.map((line, i) => {{
            const d = new Date(rows[i].date);
            const day = [d.getFullYear(), String(d.getMonth() + 1).padStart(2, '0'),
                         String(d.getDate()).padStart(2, '0')].join('-');
            const drawn = +/translate\\(([-\\d.]+)/.exec(line.getAttribute('transform'))[1];
            return {{ drawn, expected: x(rows[i].date), day, version: rows[i].tt.Release,
                      opacity: +line.getAttribute('opacity') }};
          }});
        }}"""
    )


def test_markers_are_drawn_at_the_release_days(site_url: str, tab: Tab):
    page = tab.open(site_url + "packages/rel/#range=90d&agg=day")
    drawn = markers(page)
    assert [m["day"] for m in drawn] == [r.day for r in RECENT]
    assert [m["version"] for m in drawn] == [
        "1.0.0", "1.0.1", "1.1.0rc1, pre-release", "1.1.0", "1.1.1, yanked",
    ]  # fmt: skip
    for m in drawn:
        assert m["drawn"] == pytest.approx(m["expected"], abs=0.5)
    assert drawn[2]["opacity"] < drawn[0]["opacity"]  # the pre-release is dimmed
    toggle = page.locator("[data-releases-toggle]")
    assert toggle.get_attribute("aria-pressed") == "true"
    assert toggle.get_attribute("title") == "5 releases in this range"
    assert tab.console == []


def test_the_toggle_hides_and_shows_the_markers(site_url: str, tab: Tab):
    page = tab.open(site_url + "packages/rel/#range=90d")
    assert len(markers(page)) == 5
    page.locator("[data-releases-toggle]").click()
    page.wait_for_function(f"!{CHART}.querySelector('g[class*=release_rules] line')")
    assert page.locator("[data-releases-toggle]").get_attribute("aria-pressed") == "false"
    assert page.locator("g[class*=release_marks] path").count() == 0
    assert "releases=off" in page.evaluate("location.hash")
    # the state is in the URL: a reload keeps them hidden
    page = tab.open(page.url)
    assert page.locator("#chart-overall g[class*=release_rules] line").count() == 0
    page.locator("[data-releases-toggle]").click()
    page.wait_for_function(f"{CHART}.querySelectorAll('g[class*=release_rules] line').length === 5")
    assert tab.console == []


def test_the_tooltip_gives_version_and_date(site_url: str, tab: Tab):
    page = tab.open(site_url + "packages/rel/#range=90d")
    marker = page.locator("#chart-overall g[class*=release_marks] path").nth(3)  # 1.1.0
    box = marker.bounding_box()
    assert box
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    tip = page.locator("#vg-tooltip-element.visible")
    tip.wait_for(timeout=10_000)
    assert "1.1.0" in tip.inner_text() and "2026-06-01" in tip.inner_text()
    assert "rc1" not in tip.inner_text()


def test_a_crowded_range_shows_only_major_and_minor_releases(site_url: str, tab: Tab):
    page = tab.open(site_url + "packages/rel/#range=all")
    el = page.locator("#chart-overall .chart")
    assert el.get_attribute("data-releases-in-range") == "45"
    shown = [m["version"] for m in markers(page)]
    assert shown == ["0.1.0", "0.2.0", "0.3.0", "0.4.0", "1.0.0", "1.1.0"]
    title = page.locator("[data-releases-toggle]").get_attribute("title") or ""
    assert "6 of the 45" in title
    assert tab.console == []
