"""The package pages' charts in Debian's chromium, on the real recorded histories.

The site is built from ../shared/realdata through `import` and `build`, as a user would
(tests/realsite.py); the tests skip with a reason where that data is absent. One test
uses a synthetic package with many releases.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from generator import store
from generator.config import load_config
from generator.site.build import build_site
from tests import synthetic
from tests.realsite import REAL_PACKAGES, real_site  # noqa: F401
from tests.servers.static_site import serve

pytestmark = pytest.mark.browser

BAD_TEXT = re.compile(r"NaN|undefined|Infinity|null%")
BAD_AXIS = re.compile(r"^-?0(\.\d+)?[kMB]$|^-?0\.\d+[kMB]$")
DRAWN = "[...document.querySelectorAll('.chart[data-chart]')].every(el => +(el.dataset.drawn || 0) >= {n})"


class Tab:
    """A page plus every console warning and error, failed request and data file fetched."""

    def __init__(self, browser: Any, width: int = 1280) -> None:
        self.context = browser.new_context(
            viewport={"width": width, "height": 900}, timezone_id="America/Los_Angeles"
        )
        self.page = self.context.new_page()
        self.console: list[str] = []
        self.data_requests: list[str] = []  # history CSVs and chart chunks
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda e: self.console.append(f"page error: {e}"))
        self.page.on("requestfailed", self._failed)
        self.page.on("request", self._request)

    def _request(self, request: Any) -> None:
        if ".csv" in request.url or "/chart-" in request.url:
            self.data_requests.append(request.url)

    def _failed(self, request: Any) -> None:
        if request.failure != "net::ERR_ABORTED":  # left behind by the next navigation
            self.console.append(f"failed: {request.url} ({request.failure})")

    def _console(self, message: Any) -> None:
        if message.type in ("warning", "error"):
            self.console.append(f"{message.type}: {message.text}")

    def open(self, url: str, drawn: int = 1) -> Any:
        self.page.goto("about:blank")  # a new load, even where only the hash differs
        self.page.goto(url, wait_until="networkidle")
        self.wait(drawn)
        return self.page

    def wait(self, drawn: int) -> None:
        self.page.wait_for_function(DRAWN.format(n=drawn), timeout=30_000)

    def click(self, selector: str) -> float:
        """Click, wait until the charts it affects have redrawn; return the milliseconds."""
        before = self.page.evaluate(
            "[...document.querySelectorAll('.chart[data-chart]')].map(e => +e.dataset.drawn)"
        )
        start = time.perf_counter()
        self.page.locator(selector).first.click()
        self.page.wait_for_function(
            """([before, sel]) => {
                 const card = document.querySelector(sel).closest('.chart-card');
                 return [...document.querySelectorAll('.chart[data-chart]')].every((e, i) =>
                   (card && !card.contains(e)) || +e.dataset.drawn > before[i]); }""",
            arg=[before, selector],
            timeout=30_000,
        )
        return (time.perf_counter() - start) * 1000

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def tab(browser: Any) -> Iterator[Tab]:
    t = Tab(browser)
    yield t
    t.close()


def built(page: Any, chart_id: str, what: str) -> Any:
    """What the chart drew (charts-page.js keeps it on the element for tests)."""
    return page.evaluate(f"document.querySelector('#{chart_id} .chart')._built.{what}")


def overall_rows(site: Path, package: str) -> dict[tuple[str, str], int]:
    return store.read_series(site / "data" / package / "overall.csv")


def line(page: Any, label: str) -> dict[str, Any]:
    """{date (ISO, local): value} of one line of the downloads chart."""
    return page.evaluate(
        """(label) => Object.fromEntries(document.querySelector('#chart-overall .chart')
             ._built.datasets.lines.filter(r => r.label === label).map(r => {
               const d = new Date(r.date);
               const iso = [d.getFullYear(), String(d.getMonth() + 1).padStart(2, '0'),
                            String(d.getDate()).padStart(2, '0')].join('-');
               return [iso, r.value]; }))""",
        label,
    )


# ---------------------------------------------------------------- zeros and gaps


def test_icepyx_zero_days_are_drawn_as_zero_not_as_gaps(real_url: str, real_site: Path, tab: Tab):  # noqa: F811
    rows = overall_rows(real_site, "icepyx")
    zero_days = sorted(
        d for d, c in rows if c == "with_mirrors" and (d, "without_mirrors") not in rows
    )
    assert len(zero_days) > 100  # the real file leaves out the days whose count is 0
    page = tab.open(real_url + "packages/icepyx/#range=all&agg=day")
    without = line(page, "Without mirrors")
    assert all(without[d] == 0 for d in zero_days)
    assert all(line(page, "With mirrors")[d] == rows[(d, "with_mirrors")] for d in zero_days)
    bands = built(page, "chart-overall", "drawn.gaps || []")
    in_bands = {b["label"] for b in bands}
    assert not in_bands & set(zero_days)
    # and the table (and so the tooltip) says 0
    table = {r[0].split()[-1]: r for r in built(page, "chart-overall", "rows")}
    assert table[zero_days[-1]][2] == "0"
    # weekly: the zero days count as covered days
    page = tab.open(real_url + "packages/icepyx/#range=all&agg=week")
    texts = [r[1] for r in built(page, "chart-overall", "rows")]
    assert not any("without data" in t for t in texts if zero_days[-1] in t)
    assert tab.console == []


def test_heudiconv_outage_is_a_gap(real_url: str, tab: Tab):
    page = tab.open(real_url + "packages/heudiconv/#range=all&agg=day")
    assert line(page, "Without mirrors")["2023-01-24"] is None  # the line is broken there
    assert line(page, "Without mirrors")["2023-01-23"] > 0
    bands = built(page, "chart-overall", "drawn.gaps")
    assert [b["label"] for b in bands] == ["2023-01-24"]
    assert page.locator("#chart-overall g.mark-rect path").count() == 1  # the band is drawn
    day = next(r for r in built(page, "chart-overall", "rows") if r[0].endswith("2023-01-24"))
    assert day[0] == "Tue 2023-01-24" and set(day[1:]) == {"no data (outage)"}
    page = tab.open(real_url + "packages/heudiconv/#range=all&agg=week")
    week = next(r for r in built(page, "chart-overall", "rows") if r[0].startswith("2023-01-23"))
    assert week[1] == "7 days, 1 without data"
    assert tab.console == []


# ---------------------------------------------------------------- no NaN anywhere


def hover_texts(page: Any, chart_id: str, steps: int) -> list[str]:
    svg = page.locator(f"#{chart_id} .chart svg")
    svg.scroll_into_view_if_needed()
    box = svg.bounding_box()
    seen = []
    for i in range(steps):
        x = box["x"] + 40 + (box["width"] - 50) * i / max(steps - 1, 1)
        page.mouse.move(x, box["y"] + box["height"] * 0.35)
        text = page.evaluate(
            "(() => { const t = document.getElementById('vg-tooltip-element');"
            " return t && t.classList.contains('visible') ? t.innerText : ''; })()"
        )
        if text:
            seen.append(text)
    page.mouse.move(0, 0)
    return seen


@pytest.mark.parametrize("package", REAL_PACKAGES)
def test_no_tooltip_or_table_says_nan(real_url: str, tab: Tab, package: str):
    checked = 0
    for view in (
        "",
        "#range=all&agg=day",
        "#range=all&agg=week&mode.python_minor=pct&mode.system=pct",
    ):
        page = tab.open(f"{real_url}packages/{package}/{view}")
        ids = page.evaluate("[...document.querySelectorAll('.chart-card')].map(c => c.id)")
        for chart_id in ids:
            for row in built(page, chart_id, "rows"):
                assert not any(BAD_TEXT.search(cell) for cell in row), (chart_id, row)
            label = page.locator(f"#{chart_id} .chart").get_attribute("aria-label")
            assert not BAD_TEXT.search(label), label
            texts = hover_texts(page, chart_id, 14)
            assert texts, chart_id  # the tooltips did show
            assert [t for t in texts if BAD_TEXT.search(t)] == []
            checked += len(texts)
    assert checked >= 30
    assert tab.console == []


# ---------------------------------------------------------------- state in the URL


def test_the_url_restores_range_aggregation_scale_and_mode(real_url: str, tab: Tab):
    page = tab.open(real_url + "packages/osslili/")
    assert page.locator("[data-range='365']").get_attribute("aria-pressed") == "true"
    assert page.locator("[data-agg=week]").get_attribute("aria-pressed") == "true"
    tab.click("[data-range='90']")
    assert page.locator("[data-agg=day]").get_attribute("aria-pressed") == "true"  # auto
    tab.click("[data-agg=week]")
    tab.click("#chart-overall [data-scale=log]")
    tab.click("#chart-python-minor [data-mode=pct]")
    assert page.url.endswith("#range=90d&agg=week&scale=log&mode.python_minor=pct")
    page.reload(wait_until="networkidle")
    tab.wait(1)
    assert page.locator("[data-range='90']").get_attribute("aria-pressed") == "true"
    assert page.locator("[data-agg=week]").get_attribute("aria-pressed") == "true"
    assert page.locator("[data-scale=log]").get_attribute("aria-pressed") == "true"
    card = page.locator("#chart-python-minor")
    assert card.get_by_role("button", name="Share %").get_attribute("aria-pressed") == "true"
    view = "document.querySelector('#chart-overall .chart')._view"
    assert page.evaluate(f"{view}.scale('y').type") == "symlog"
    span = page.evaluate(
        f"(() => {{ const d = {view}.scale('x').domain(); return d[1] - d[0]; }})()"
    )
    assert 88 <= span / 86_400_000 <= 90
    assert built(page, "chart-overall", "columns")[0] == "Week"
    assert built(page, "chart-python-minor", "rows")[-1][-1].endswith("%")
    # a shared link opens the same view in a new tab
    other = Tab(page.context.browser)
    try:
        shared = other.open(page.url)
        assert built(shared, "chart-overall", "columns")[0] == "Week"
        assert shared.evaluate(f"{view}.scale('y').type") == "symlog"
    finally:
        other.close()
    assert tab.console == []


def test_aggregation_is_chosen_by_range_and_partial_periods_are_marked(real_url: str, tab: Tab):
    page = tab.open(real_url + "packages/icepyx/")
    assert built(page, "chart-overall", "columns") == [
        "Week",
        "Days",
        "With mirrors",
        "Without mirrors",
    ]
    rows = built(page, "chart-overall", "rows")
    # 2024-04-11 is a Thursday, 2025-04-10 a Thursday: both ends are partial weeks
    assert (
        rows[0][1] == "4 of 7 days (partial week)" and rows[-1][1] == "4 of 7 days (partial week)"
    )
    assert rows[1][1] == "7 days"
    hollow = built(page, "chart-overall", "datasets.points.filter(p => p.partial).length")
    assert hollow == 4  # two series, two partial weeks: hollow points
    tab.click("[data-range=all]")  # five years: monthly
    rows = built(page, "chart-overall", "rows")
    assert rows[0][0] == "Jun 2020" and rows[0][1] == "13 of 30 days (partial month)"
    assert next(r[:2] for r in rows if r[0] == "Sep 2024") == ["Sep 2024", "30 of 30 days"]
    tab.click("[data-range='30']")
    assert built(page, "chart-overall", "columns")[:2] == ["Date", "With mirrors"]
    assert "7-day average" in built(page, "chart-overall", "columns")  # daily view only
    assert tab.console == []


@pytest.mark.parametrize(
    ("view", "period"),
    [
        ("#range=30&agg=day", "day"),
        ("#range=365&agg=week", "week"),
        ("#range=all&agg=month", "month"),
    ],
)
def test_the_downloads_chart_draws_the_csv_sums_for_each_aggregation(
    real_url: str,
    real_site: Path,  # noqa: F811
    tab: Tab,
    view: str,
    period: str,
) -> None:
    """What the chart draws is the CSV's rows summed per day, week (Monday) or month, for
    every whole period in the range: a guard for any change to how charts load data."""
    totals: dict[str, int] = {}
    for (day, category), downloads in overall_rows(real_site, "icepyx").items():
        if category != "without_mirrors":
            continue
        d = dt.date.fromisoformat(day)
        start = {"day": d, "week": d - dt.timedelta(days=d.weekday()), "month": d.replace(day=1)}
        key = start[period].isoformat()
        totals[key] = totals.get(key, 0) + downloads
    page = tab.open(real_url + "packages/icepyx/" + view)
    drawn = sorted((d, v) for d, v in line(page, "Without mirrors").items() if v is not None)
    whole = drawn[1:-1]  # the first and last periods may be cut by the range
    assert len(whole) >= {"day": 25, "week": 48, "month": 50}[period], drawn
    assert [(d, totals.get(d, 0)) for d, _ in whole] == whole
    assert tab.console == []


def period_start(day: str, period: str) -> str:
    d = dt.date.fromisoformat(day)
    start = {"day": d, "week": d - dt.timedelta(days=d.weekday()), "month": d.replace(day=1)}
    return start[period].isoformat()


@pytest.mark.parametrize(
    ("view", "period", "least"),
    [
        ("#range=30&agg=day", "day", 25),
        ("#range=all&agg=week", "week", 30),
        ("#range=all&agg=month", "month", 7),
    ],
)
def test_a_breakdown_chart_draws_the_csv_sums_for_each_aggregation(
    real_url: str,
    real_site: Path,  # noqa: F811
    tab: Tab,
    view: str,
    period: str,
    least: int,
) -> None:
    """Each Python version the chart shows, and "other" for the rest, is the CSV's rows
    summed per whole day, week or month: the same guard for the breakdown charts."""
    rows = store.read_series(real_site / "data" / "osslili" / "python_minor.csv")
    page = tab.open(real_url + "packages/osslili/" + view)
    cats = built(page, "chart-python-minor", "cats")
    expected: dict[tuple[str, str], int] = {}
    for (day, category), downloads in rows.items():
        key = (period_start(day, period), category if category in cats else "other")
        expected[key] = expected.get(key, 0) + downloads
    drawn = page.evaluate(
        """() => document.querySelector('#chart-python-minor .chart')._built.datasets.long
             .map(r => { const d = new Date(r.date);
               return [[d.getFullYear(), String(d.getMonth() + 1).padStart(2, '0'),
                        String(d.getDate()).padStart(2, '0')].join('-'), r.cat, r.value]; })"""
    )
    periods = sorted({d for d, _, _ in drawn})[1:-1]  # the first and last may be cut
    assert len(periods) >= least, periods
    assert len(cats) >= 4 and "3.11" in cats
    compared = [(d, c, v) for d, c, v in drawn if d in periods and v is not None]
    assert len(compared) >= least * len(cats) * 0.9
    assert [(d, c, expected.get((d, c), 0)) for d, c, _ in compared] == compared
    assert tab.console == []


# ---------------------------------------------------------------- data loaded once, quickly


def test_clicks_reuse_the_loaded_years_and_redraw_quickly(
    real_url: str, tab: Tab, capsys: pytest.CaptureFixture[str]
):
    page = tab.open(real_url + "packages/osslili/")
    years = page.locator("[data-range-group]").get_attribute("data-years").split()
    first = sorted(tab.data_requests)
    # the default year (with the 27 days before it) needs at most three calendar years,
    # however long the history; no CSV is fetched to draw
    assert 1 <= len(first) <= 3 and all("/chart-" in url for url in first), first
    times = []
    for key in ("30", "90", "180", "all", "365"):
        times.append(tab.click(f"[data-range='{key}']"))
    for agg in ("day", "month", "week"):
        times.append(tab.click(f"[data-agg={agg}]"))
    tab.click("#chart-system [data-mode=pct]")
    tab.click("#chart-overall [data-scale=log]")
    loaded = sorted(tab.data_requests)
    assert len(loaded) == len(set(loaded))  # not one year fetched twice
    assert len(loaded) == int(years[-1]) - int(years[0]) + 1  # "All" loaded the rest, once
    with capsys.disabled():
        print(f"\nclick to redraw (ms): {[round(t) for t in times]}")
    # a sanity bound, not a benchmark (parallel test workers share the CPU)
    assert sorted(times)[len(times) // 2] < 5000
    building = page.evaluate(  # the data part of a redraw: the parsed CSVs are reused
        "[...document.querySelectorAll('.chart[data-chart]')].map(e => +e.dataset.buildMs)"
    )
    assert max(building) < 500
    assert tab.console == []


# ---------------------------------------------------------------- text alternatives, axes


def test_each_chart_has_a_summary_and_its_table(real_url: str, tab: Tab):
    page = tab.open(real_url + "packages/icepyx/")
    chart = page.locator("#chart-overall .chart")
    label = chart.get_attribute("aria-label")
    assert re.fullmatch(
        r"Downloads per week of icepyx from 2024-04-11 to 2025-04-10, without mirrors: "
        r"median [\d,]+ a week, peak [\d,]+ in the week of \d{4}-\d\d-\d\d\.",
        label,
    ), label
    assert chart.get_attribute("role") == "img"
    assert (
        page.locator("#chart-overall svg").get_attribute("aria-label") == label
    )  # not "Vega visualization"
    details = page.locator("#chart-overall details[data-chart-table]")
    from playwright.sync_api import expect

    details.locator("summary").click()
    table = details.locator("table")
    # the table is filled on the details' toggle event, a task after the click: wait for it
    expect(table.locator("caption")).to_have_text(label)
    expect(table.locator("tbody tr")).to_have_count(53)
    tab.click("[data-range='30']")
    expect(table.locator("tbody tr")).to_have_count(30)  # updated on redraw
    assert table.locator("caption").inner_text() == chart.get_attribute("aria-label")
    assert "per day" in chart.get_attribute("aria-label")
    assert tab.console == []


def test_axis_numbers_read_like_people_write_them(real_url: str, tab: Tab):
    page = tab.open(real_url + "packages/osslili/")
    expr = page.evaluate(
        "window.PYPISTATS_CHARTS.templates.overall.axes.find(a => a.encode).encode"
        ".labels.update.text.signal"
    )
    assert expr == page.evaluate("window.PYPISTATS_CHARTS.numberExpr")
    values = [0, 200, 400, 1000, 1250, 1500, 2_000_000, 2_500_000, 0.5, 3e9]
    out = page.evaluate(
        """([expr, values]) => Promise.all(values.map(v => new vega.View(vega.parse(
             {signals: [{name: 'out', update: expr.replace(/datum\\.value/g, String(v))}]}))
             .runAsync().then(view => view.signal('out'))))""",
        [expr, values],
    )
    assert out == ["0", "200", "400", "1k", "1.25k", "1.5k", "2M", "2.5M", "0.5", "3B"]
    js = page.evaluate(f"{values}.map(window.PYPISTATS_CHART_DATA.compact)")
    assert js == out
    labels: list[str] = []
    for package in ("osslili", "icepyx", "heudiconv"):
        for view in ("", "#range=all", "#range=30d", "#range=all&scale=log"):
            page = tab.open(f"{real_url}packages/{package}/{view}")
            labels += page.evaluate(
                "[...document.querySelectorAll('.role-axis-label text')].map(t => t.textContent)"
            )
    assert "0" in labels and any(re.fullmatch(r"\d+(\.\d+)?k", t) for t in labels)
    assert [t for t in labels if BAD_AXIS.search(t)] == []
    assert tab.console == []


def test_no_console_warnings_on_any_real_page(real_url: str, tab: Tab):
    for package in REAL_PACKAGES:
        tab.open(f"{real_url}packages/{package}/")
        for key in ("30", "all"):
            tab.click(f"[data-range='{key}']")
    assert tab.console == []


# ---------------------------------------------------------------- versions: chosen per range


def _many_releases(root: Path) -> Path:
    """600 days of a package with a minor release every 100 days and a patch every 10
    (60 releases), plus a one-day release candidate every 50 days."""
    data = root / "data"
    synthetic.write_package(data / "many", seed=3, start=dt.date(2025, 1, 1), days=600)
    rows: dict[tuple[str, str], int] = {}
    for i in range(600):
        day = (dt.date(2025, 1, 1) + dt.timedelta(days=i)).isoformat()
        minor, patch = divmod(i // 10, 10)
        rows[(day, f"1.{minor}.{patch}")] = 500
        if patch:
            rows[(day, f"1.{minor}.{patch - 1}")] = 150
        if minor:
            rows[(day, f"1.{minor - 1}.9")] = 50
        if i % 50 == 7:
            rows[(day, f"1.{minor}.{patch}rc1")] = 30
    store.write_series(data / "many" / "version.csv", rows)
    config = synthetic.write_config(root / "packages.yaml", [("many", None)])
    site = root / "site"
    build_site(load_config(config), data, site, "")
    return site


def legend(page: Any, chart_id: str) -> list[str]:
    return page.evaluate(
        f"[...document.querySelectorAll('#{chart_id} .role-legend-label text')]"
        ".map(t => t.textContent)"
    )


def share_of_other(page: Any) -> float:
    long = built(page, "chart-version", "datasets.long")
    total = sum(r["value"] or 0 for r in long)
    return sum(r["value"] or 0 for r in long if r["cat"] == "other") / total


def test_versions_are_chosen_for_the_range_shown(tmp_path: Path, tab: Tab):
    with serve(_many_releases(tmp_path), "/repo/") as url:
        page = tab.open(url + "packages/many/#range=90d")
        cats = built(page, "chart-version", "cats")
        named = [c for c in cats if c != "other"]
        assert len(named) == 8 and cats[-1] == "other"
        assert named == sorted(named, key=lambda v: tuple(int(x) for x in v.split(".")))
        assert "1.5.8" in named and "1.4.0" not in named  # the releases of the range shown
        assert not any("rc" in c for c in cats)  # a one-day release takes no legend slot
        assert share_of_other(page) < 0.2
        assert legend(page, "chart-version") == cats
        # All: 60 releases; the top 8 would leave most in "other", so release series
        tab.click("[data-range=all]")
        cats = built(page, "chart-version", "cats")
        assert cats == ["1.0.x", "1.1.x", "1.2.x", "1.3.x", "1.4.x", "1.5.x"]
        assert legend(page, "chart-version") == cats
        assert share_of_other(page) == 0
        tab.click("[data-range='30']")
        assert built(page, "chart-version", "cats") == ["1.4.9", "1.5.6", "1.5.7", "1.5.8", "1.5.9"]
        assert tab.console == []
