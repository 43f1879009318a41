"""The built site in Debian's chromium, served on 127.0.0.1 under a sub-path (/repo/)."""

from __future__ import annotations

import datetime as dt
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from generator.config import load_config
from generator.site.build import build_site
from tests.servers.static_site import serve
from tests.test_site_build import make_inputs

pytestmark = pytest.mark.browser

MARKS = "g.mark-area path, g.mark-line path, g.mark-rect path"
DAY_MS = 86_400_000


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("browser-site")
    config, data = make_inputs(root, runs=True)
    site = root / "site"
    site.mkdir()
    with serve(site, "/repo/") as url:
        # --base-url is the served address: the 404 page needs it (it is served at any depth)
        build_site(load_config(config), data, site, url)
        yield url


class Watched:
    """A page plus everything that went wrong while it loaded."""

    def __init__(self, browser: Any, width: int = 1280) -> None:
        self.context = browser.new_context(
            viewport={"width": width, "height": 900}, timezone_id="America/Los_Angeles"
        )
        self.page = self.context.new_page()
        self.problems: list[str] = []
        self.requests: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        self.page.on("requestfailed", lambda r: self.problems.append(f"failed: {r.url}"))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("response", self._response)

    def _console(self, message: Any) -> None:
        if message.type == "error":
            self.problems.append(f"console: {message.text}")

    def _response(self, response: Any) -> None:
        if response.status >= 400:
            self.problems.append(f"HTTP {response.status}: {response.url}")

    def open(self, url: str) -> Any:
        self.page.goto(url, wait_until="networkidle")
        return self.page

    def assert_clean(self, expected_404: str | None = None) -> None:
        problems = [p for p in self.problems if not (expected_404 and expected_404 in p)]
        if expected_404:  # the browser also logs the page's own 404 status, without its URL
            problems.remove(
                "console: Failed to load resource: the server responded with a status of 404 (Not Found)"
            )
        assert problems == []
        outside = [
            u
            for u in self.requests
            if urlsplit(u).hostname != "127.0.0.1" and not u.startswith("data:")
        ]
        assert outside == []

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def watched(browser: Any) -> Iterator[Watched]:
    w = Watched(browser)
    yield w
    w.close()


def wait_drawn(page: Any, count: int) -> None:
    page.wait_for_function(
        f"[...document.querySelectorAll('.chart[data-chart]')].every(el => +(el.dataset.drawn || 0) >= {count})",
        timeout=30_000,
    )


def marks_per_chart(page: Any) -> dict[str, int]:
    return page.evaluate(
        f"""Object.fromEntries([...document.querySelectorAll('.chart-card')].map(card =>
            [card.id, card.querySelectorAll('.chart svg').length ? card.querySelectorAll({MARKS!r}).length : 0]))"""
    )


def texts(page: Any, selector: str) -> list[str]:
    return page.evaluate(f"[...document.querySelectorAll({selector!r})].map(t => t.textContent)")


def x_domain_days(page: Any, chart_id: str) -> float:
    span = page.evaluate(
        f"(() => {{ const d = document.querySelector('#{chart_id} .chart')._view.scale('x').domain();"
        " return d[1] - d[0]; })()"
    )
    return float(span) / DAY_MS


@pytest.mark.parametrize(
    "path",
    ["", "top/", "about/", "faq/", "methodology/", "api/", "costs/", "packages/not-fetched/"],
)
def test_page_loads_cleanly(base_url: str, watched: Watched, path: str):
    page = watched.open(base_url + path)
    assert page.locator("h1").count() == 1
    assert page.locator("link[rel=stylesheet]").count() == 1
    # the stylesheet applied (the browser default would be transparent / Times)
    style = page.evaluate(
        "(() => { const s = getComputedStyle(document.querySelector('.topbar'));"
        " return [s.backgroundColor, getComputedStyle(document.body).fontFamily]; })()"
    )
    assert style[0] == "rgb(255, 255, 255)" and "system-ui" in style[1]
    watched.assert_clean()


def test_404_page_is_served_for_unknown_paths(base_url: str, watched: Watched):
    page = watched.open(base_url + "packages/no-such-package/")
    assert "Page not found" in page.locator("h1").inner_text()
    # styled and linked although served two levels down (it uses --base-url)
    assert page.evaluate("getComputedStyle(document.querySelector('.topbar')).backgroundColor") == (
        "rgb(255, 255, 255)"
    )
    page.get_by_role("link", name="Go to the package list").click()
    page.wait_for_load_state("networkidle")
    assert page.url == base_url
    watched.assert_clean(expected_404="no-such-package")


def test_package_page_charts_draw_and_respond(base_url: str, watched: Watched, artifacts_dir: Path):
    page = watched.open(base_url + "packages/extras-pkg/#agg=day")  # averages: daily view
    wait_drawn(page, 1)
    marks = marks_per_chart(page)
    assert set(marks) == {
        "chart-overall",
        "chart-python-minor",
        "chart-python-major",
        "chart-system",
        "chart-version",
        "chart-country",
        "chart-installer",
        "chart-ci",
    }
    assert all(n > 0 for n in marks.values()), marks
    assert marks["chart-overall"] == 4  # with, without, 7-day and 28-day average lines
    assert marks["chart-country"] == 11  # top 10 countries + other
    # Python versions: numeric legend order
    legend = texts(page, "#chart-python-minor .role-legend-label text")
    versions = [v for v in legend if v[0].isdigit()]
    assert versions == sorted(versions, key=lambda v: tuple(int(x) for x in v.split(".")))
    assert "3.10" in versions
    # the counting change is marked, with its label
    assert "PyPI counting change" in texts(page, "#chart-overall svg text")
    # tooltips carry exact numbers
    box = page.locator("#chart-overall svg").bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.6, box["y"] + box["height"] * 0.4)
    tooltip = page.locator("#vg-tooltip-element")
    tooltip.wait_for(state="visible", timeout=10_000)
    assert "Without mirrors" in tooltip.inner_text()
    page.mouse.move(0, 0)
    page.screenshot(path=str(artifacts_dir / "site-package.png"), full_page=True)
    watched.assert_clean()


def test_range_buttons_change_what_is_drawn(base_url: str, watched: Watched):
    page = watched.open(base_url + "packages/big-package/")
    wait_drawn(page, 1)
    assert 360 <= x_domain_days(page, "chart-overall") <= 366  # default: 1 year
    before = page.locator("#chart-overall g.mark-line path").first.get_attribute("d")
    page.get_by_role("button", name="30d").click()
    wait_drawn(page, 2)
    assert 28 <= x_domain_days(page, "chart-overall") <= 30
    assert 28 <= x_domain_days(page, "chart-system") <= 30
    assert page.locator("#chart-overall g.mark-line path").first.get_attribute("d") != before
    assert page.get_by_role("button", name="30d").get_attribute("aria-pressed") == "true"
    page.get_by_role("button", name="All").click()
    wait_drawn(page, 3)
    assert x_domain_days(page, "chart-overall") >= 999
    watched.assert_clean()


def test_percentage_toggle_switches_units(base_url: str, watched: Watched):
    page = watched.open(base_url + "packages/big-package/")
    wait_drawn(page, 1)
    card = page.locator("#chart-python-minor")
    y_max = "document.querySelector('#chart-python-minor .chart')._view.scale('y').domain()[1]"
    assert page.evaluate(y_max) > 1000
    card.get_by_role("button", name="Share %").click()
    page.wait_for_function(
        "+document.querySelector('#chart-python-minor .chart').dataset.drawn >= 2"
    )
    assert page.evaluate(y_max) == pytest.approx(1.0)
    labels = texts(page, "#chart-python-minor .role-axis-label text")
    assert any(t.endswith("%") for t in labels)
    assert card.locator(MARKS).count() > 0
    card.get_by_role("button", name="Count").click()
    page.wait_for_function(
        "+document.querySelector('#chart-python-minor .chart').dataset.drawn >= 3"
    )
    assert page.evaluate(y_max) > 1000
    watched.assert_clean()


def test_search_narrows_the_list(base_url: str, watched: Watched, artifacts_dir: Path):
    page = watched.open(base_url)
    page.screenshot(path=str(artifacts_dir / "site-home.png"), full_page=True)
    visible = "document.querySelectorAll('li.pkg:not([hidden])').length"
    assert page.evaluate(visible) == 4
    page.locator("[data-search]").fill("small")
    assert page.evaluate(visible) == 1
    assert page.locator("li.pkg:not([hidden])").inner_text().startswith("small_pkg")
    assert page.locator("[data-search-status]").inner_text() == "1 of 4 packages"
    page.locator("[data-search]").fill("SMALL.PKG")  # normalised like PEP 503
    assert page.evaluate(visible) == 1
    page.locator("[data-search]").fill("zzz")
    assert page.evaluate(visible) == 0
    assert page.locator("[data-search-empty]").is_visible()
    page.locator("[data-search]").fill("")
    assert page.evaluate(visible) == 4
    watched.assert_clean()


def test_top_list_switches_ranking(base_url: str, watched: Watched, artifacts_dir: Path):
    page = watched.open(base_url + "top/")
    page.screenshot(path=str(artifacts_dir / "site-top.png"), full_page=True)
    order = "[...document.querySelectorAll('table.top tbody tr')].map(r => r.dataset.name)"
    shown = "[...document.querySelectorAll('table.top tbody tr')].map(r => r.querySelector('.figure [data-for]:not([style*=none])') && getComputedStyle(r.querySelector('.figure [data-for=day]')).display)"
    assert page.evaluate(order)[0] == "big-package"
    page.get_by_role("button", name="Last day").click()
    assert page.locator("table.top").get_attribute("data-period") == "day"
    assert set(page.evaluate(shown)) == {"inline"}  # the day figures are the ones shown
    days = page.evaluate(
        "[...document.querySelectorAll('table.top tbody tr')].map(r => +r.dataset.day)"
    )
    assert days == sorted(days, reverse=True)
    page.get_by_role("button", name="Movers").click()
    assert page.locator("[data-movers-note]").is_visible()
    growth = page.evaluate(
        "[...document.querySelectorAll('table.top tbody tr')].map(r => r.dataset.growth)"
    )
    ranked = [float(g) for g in growth if g]
    assert ranked == sorted(ranked, reverse=True) and growth[: len(ranked)] == [
        g for g in growth if g
    ]
    watched.assert_clean()


def test_mobile_layout_has_no_horizontal_scroll(base_url: str, browser: Any, artifacts_dir: Path):
    w = Watched(browser, width=390)
    try:
        page = w.open(base_url + "packages/big-package/")
        wait_drawn(page, 1)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.screenshot(path=str(artifacts_dir / "site-package-mobile.png"), full_page=False)
        w.assert_clean()
    finally:
        w.close()


def test_dates_do_not_shift_in_a_western_timezone(base_url: str, watched: Watched):
    """Dates are parsed as local days, so the last day is the last day everywhere."""
    page = watched.open(base_url + "packages/big-package/")
    wait_drawn(page, 1)
    last = page.evaluate(
        "(() => { const d = new Date(document.querySelector('#chart-overall .chart')._view.scale('x').domain()[1]);"
        " return [d.getFullYear(), d.getMonth() + 1, d.getDate()]; })()"
    )
    assert last == [2026, 11, 20]
    assert dt.date(*last).isoformat() == page.locator("[data-fresh] time").get_attribute("datetime")


def test_without_javascript_the_monthly_totals_remain(base_url: str, browser: Any):
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(base_url + "packages/big-package/")
        table = page.locator("table.monthly")
        assert table.is_visible()
        assert table.locator("tbody tr").count() > 30
        assert page.locator(".chart svg").count() == 0
        assert page.get_by_text("Charts need JavaScript").first.is_visible()
    finally:
        context.close()


def test_gaps_are_shaded_on_the_daily_chart(base_url: str, watched: Watched):
    # small-pkg skips every 30th day, but the other packages were reported on those days:
    # they are zero days, drawn as 0, not gaps (a real outage: tests/test_browser_charts.py)
    page = watched.open(base_url + "packages/small-pkg/#agg=day")
    wait_drawn(page, 1)
    bands = "#chart-overall g.mark-rect path"
    assert page.locator(bands).count() == 0
    rows = page.evaluate("document.querySelector('#chart-overall .chart')._built.rows")
    assert sum(1 for r in rows if r[1] == "0" and r[2] == "0") == 3
    other = watched.open(base_url + "packages/big-package/#agg=day")  # no bands, no errors
    wait_drawn(other, 1)
    assert other.locator(bands).count() == 0
    assert other.locator("#chart-overall g.mark-line path").count() == 4
    watched.assert_clean()


TIME_CHARTS = (
    "chart-overall",
    "chart-python-minor",
    "chart-python-major",
    "chart-system",
    "chart-version",
    "chart-installer",
    "chart-ci",
)


def csv_counts(base_url: str, path: str) -> dict[tuple[str, str], int]:
    with urllib.request.urlopen(base_url + path) as response:
        lines = response.read().decode().splitlines()[1:]
    return {(d, c): int(n) for d, c, n in (line.split(",") for line in lines)}


def tooltip_rows(page: Any, chart_id: str, x_fraction: float) -> dict[str, str]:
    svg = page.locator(f"#{chart_id} .chart svg")
    svg.scroll_into_view_if_needed()
    box = svg.bounding_box()
    page.mouse.move(box["x"] + box["width"] * x_fraction, box["y"] + box["height"] * 0.4, steps=4)
    page.locator("#vg-tooltip-element").wait_for(state="visible", timeout=10_000)
    rows: dict[str, str] = page.evaluate(
        "Object.fromEntries([...document.querySelectorAll('#vg-tooltip-element tr')]"
        ".map(r => [r.querySelector('.key').textContent.replace(/:$/, ''),"
        " r.querySelector('.value').textContent]))"
    )
    return rows


def test_tooltips_give_exact_numbers(base_url: str, watched: Watched):
    page = watched.open(base_url + "packages/extras-pkg/#agg=day")  # daily numbers
    wait_drawn(page, 1)
    overall = csv_counts(base_url, "data/extras-pkg/overall.csv")
    rows = tooltip_rows(page, "chart-overall", 0.55)
    day = rows["Date"].split()[-1]
    assert rows["Without mirrors"] == f"{overall[(day, 'without_mirrors')]:,}"
    assert rows["With mirrors"] == f"{overall[(day, 'with_mirrors')]:,}"
    minor = csv_counts(base_url, "data/extras-pkg/python_minor.csv")
    page = watched.open(base_url + "packages/extras-pkg/#agg=day")  # one tooltip element
    wait_drawn(page, 1)
    rows = tooltip_rows(page, "chart-python-minor", 0.45)
    day = rows["Date"].split()[-1]
    assert rows["3.10"] == f"{minor[(day, '3.10')]:,}"
    watched.assert_clean()


def test_every_time_chart_marks_the_counting_change_and_has_a_legend(
    base_url: str, watched: Watched
):
    page = watched.open(base_url + "packages/extras-pkg/#agg=day")  # averages: daily view
    wait_drawn(page, 1)
    for chart_id in TIME_CHARTS:
        assert "PyPI counting change" in texts(page, f"#{chart_id} svg text"), chart_id
        assert page.locator(f"#{chart_id} .role-legend").count() == 1, chart_id
    labels = texts(page, "#chart-overall .role-legend-label text")
    assert labels == ["With mirrors", "Without mirrors", "7-day average", "28-day average"]
    page.get_by_role("button", name="30d").click()  # 2026-08-24 is before the last 30 days
    wait_drawn(page, 2)
    for chart_id in TIME_CHARTS:
        assert "PyPI counting change" not in texts(page, f"#{chart_id} svg text"), chart_id
    watched.assert_clean()


def test_range_buttons_and_units_toggle_work_on_every_chart(base_url: str, watched: Watched):
    page = watched.open(base_url + "packages/extras-pkg/")
    wait_drawn(page, 1)
    countries = "document.querySelector('#chart-country .chart')._view.scale('x').domain()[1]"
    all_countries = page.evaluate(countries)
    page.get_by_role("button", name="30d").click()
    wait_drawn(page, 2)
    for chart_id in TIME_CHARTS:
        assert 28 <= x_domain_days(page, chart_id) <= 30, chart_id
    assert page.evaluate(countries) < all_countries / 3  # 30 of 300 days
    toggled = page.locator(".chart-card:has(button[data-mode])")
    ids = [toggled.nth(i).get_attribute("id") for i in range(toggled.count())]
    assert set(ids) == set(TIME_CHARTS[1:]) | {"chart-country"}
    for chart_id in ids:
        card = page.locator(f"#{chart_id}")
        chart = f"document.querySelector('#{chart_id} .chart')"
        pct_before = any(t.endswith("%") for t in texts(page, f"#{chart_id} .role-axis-label text"))
        other = "Count" if pct_before else "Share %"
        drawn = page.evaluate(f"+{chart}.dataset.drawn")
        card.get_by_role("button", name=other).click()
        page.wait_for_function(f"+{chart}.dataset.drawn > {drawn}")
        pct_after = any(t.endswith("%") for t in texts(page, f"#{chart_id} .role-axis-label text"))
        assert pct_after != pct_before, chart_id
        assert card.locator(MARKS + ", g.mark-rect path").count() > 0, chart_id
        assert card.get_by_role("button", name=other).get_attribute("aria-pressed") == "true"
    watched.assert_clean()


def test_legends_fit_on_a_phone(base_url: str, browser: Any):
    w = Watched(browser, width=390)
    try:
        page = w.open(base_url + "packages/extras-pkg/#agg=day")  # the longest legend
        wait_drawn(page, 1)
        overflow = page.evaluate(
            """[...document.querySelectorAll('.chart svg')].flatMap(svg => {
                 const right = svg.getBoundingClientRect().right;
                 return [...svg.querySelectorAll('.role-legend-label text')]
                   .filter(t => t.getBoundingClientRect().right > right + 1)
                   .map(t => t.textContent); })"""
        )
        assert overflow == []
        assert len(texts(page, "#chart-overall .role-legend-label text")) == 4
        w.assert_clean()
    finally:
        w.close()


def test_404_without_base_url_is_styled_and_finds_the_root(
    tmp_path: Path, browser: Any, artifacts_dir: Path
):
    config, data = make_inputs(tmp_path)
    site = tmp_path / "site"
    build_site(load_config(config), data, site, "")
    w = Watched(browser)
    try:
        with serve(site, "/repo/") as url:
            page = w.open(url + "packages/no-such-package/deeper")
            assert "Page not found" in page.locator("h1").inner_text()
            assert page.evaluate(
                "getComputedStyle(document.querySelector('.topbar')).backgroundColor"
            ) == ("rgb(255, 255, 255)")
            link = page.get_by_role("link", name="Go to the package list")
            page.wait_for_function(
                "document.querySelector('a.button').href.endsWith('/repo/')", timeout=10_000
            )
            page.screenshot(path=str(artifacts_dir / "site-404.png"))
            link.click()
            page.wait_for_load_state("networkidle")
            assert page.url == url
            assert page.locator("[data-search]").count() == 1
    finally:
        w.close()
