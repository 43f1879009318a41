"""The compare page and the group pages in Debian's chromium (the site of tests/test_compare.py).

Values are read from what the Vega views were given (`view.data("lines")`), so a test
sees what is drawn."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests import axe
from tests.realsite import real_site  # noqa: F401
from tests.servers.static_site import serve
from tests.test_compare import build

pytestmark = pytest.mark.browser

READY = """() => { const p = window.PYPISTATS_COMPARE;
  return !!p && p.box.dataset.ready === String(p.generation); }"""


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serve(build(tmp_path_factory.mktemp("compare-browser")), "/repo/") as base:
        yield base


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.errors = []
    tab.on("console", lambda m: m.type in ("warning", "error") and tab.errors.append(m.text))
    tab.on("pageerror", lambda e: tab.errors.append(str(e)))
    yield tab
    context.close()


def open_view(page: Any, address: str) -> Any:
    page.goto(address, wait_until="networkidle")
    page.wait_for_function(READY, timeout=30_000)
    return page


def wait(page: Any) -> None:
    page.wait_for_function(READY, timeout=30_000)


def lines(page: Any, chart: str = "overall") -> dict[str, list[float | None]]:
    """{label: values in date order} of the lines the chart's Vega view holds."""
    rows = page.evaluate(
        f"""document.querySelector('[data-compare-chart={chart}]')._view.data('lines')
             .map(r => [r.label, r.date, r.value])"""
    )
    out: dict[str, list[tuple[int, float | None]]] = defaultdict(list)
    for label, date, value in rows:
        out[label].append((date, value))
    return {k: [v for _, v in sorted(pairs, key=lambda p: p[0])] for k, pairs in out.items()}


def chosen(page: Any) -> list[str]:
    return page.evaluate(
        "[...document.querySelectorAll('[data-chosen-name]')].map(e => e.dataset.chosenName)"
    )


def pressed(page: Any, attribute: str) -> str:
    return page.evaluate(
        f"document.querySelector('[data-compare-toolbar] [{attribute}][aria-pressed=true]')"
        f".getAttribute('{attribute}')"
    )


def test_one_series_per_package_and_unknown_names_reported(url: str, page: Any):
    open_view(page, url + "compare/?packages=Alpha_Lib,beta.lib,gamma,no-such-thing")
    drawn = lines(page)
    assert sorted(drawn) == ["Alpha_Lib", "beta-lib", "gamma"]
    assert len({len(v) for v in drawn.values()}) == 1  # the same periods for each
    legend = page.evaluate(
        "[...document.querySelectorAll('[data-compare-chart=overall] .role-legend-label text')]"
        ".map(t => t.textContent)"
    )
    assert legend == ["Alpha_Lib", "beta-lib", "gamma"]
    assert "Not tracked here: no-such-thing" in page.inner_text("[data-compare-status]")
    assert page.url.endswith("compare/?packages=alpha-lib,beta-lib,gamma&range=1y")  # normalised
    table = page.evaluate(
        "[...document.querySelectorAll('[data-compare-table] tbody tr')].map(r => r.dataset.name)"
    )
    assert table == ["alpha-lib", "beta-lib", "gamma"]
    assert sorted(lines(page, "python")) == ["Alpha_Lib", "beta-lib", "gamma"]
    assert page.errors == []


def test_the_url_restores_selection_range_aggregation_and_mode(url: str, page: Any):
    open_view(page, url + "compare/?packages=gamma,alpha-lib&range=90d")
    assert chosen(page) == ["gamma", "alpha-lib"]
    assert pressed(page, "data-range") == "90" and pressed(page, "data-agg") == "day"
    page.click("[data-compare-mode=share]")
    wait(page)
    page.click("[data-agg=month]")
    wait(page)
    link = page.url
    assert "mode=share" in link and "per=month" in link and "range=90d" in link
    shared = lines(page)
    other = page.context.new_page()
    open_view(other, link)
    assert chosen(other) == ["gamma", "alpha-lib"]
    assert pressed(other, "data-compare-mode") == "share"
    assert pressed(other, "data-agg") == "month" and pressed(other, "data-range") == "90"
    assert lines(other) == shared
    other.close()


def test_indexed_mode_starts_at_100(url: str, page: Any):
    open_view(page, url + "compare/?packages=alpha-lib,beta-lib,gamma&range=all&mode=indexed")
    for label, values in lines(page).items():
        first = next(v for v in values if v is not None)
        assert first == pytest.approx(100), label
        assert any(v is not None and abs(v - 100) > 1 for v in values), label


def test_shares_sum_to_100_in_every_period(url: str, page: Any):
    open_view(page, url + "compare/?packages=alpha-lib,web-one,old-tool&range=1y&mode=share")
    drawn = lines(page)
    periods = len(next(iter(drawn.values())))
    for i in range(periods):
        values = [x for x in (v[i] for v in drawn.values()) if x is not None]
        assert sum(values) == pytest.approx(100), i
    # old-tool's data ends 40 days before the others': its line stops, it is not 0
    assert drawn["old-tool"][-1] is None and drawn["old-tool"][0] is not None


def test_the_picker_adds_and_removes_with_the_keyboard(url: str, page: Any):
    open_view(page, url + "compare/?packages=alpha-lib")
    assert "Add another package" in page.inner_text("[data-compare-status]")
    page.focus("[data-picker]")
    page.keyboard.type("web")
    options = page.evaluate(
        "[...document.querySelectorAll('[data-option]')].map(o => o.dataset.option)"
    )
    assert options == ["web-one"]
    assert page.get_attribute("[data-picker]", "aria-expanded") == "true"
    page.keyboard.press("Enter")
    wait(page)
    assert chosen(page) == ["alpha-lib", "web-one"]
    assert "packages=alpha-lib,web-one" in page.url
    assert sorted(lines(page)) == ["Alpha_Lib", "web-one"]
    page.keyboard.type("a")  # the picker keeps the focus; arrows choose among matches
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    wait(page)
    assert len(chosen(page)) == 3
    page.focus("[data-remove=alpha-lib]")
    page.keyboard.press("Enter")
    wait(page)
    assert "alpha-lib" not in chosen(page) and "alpha-lib" not in page.url
    assert "Alpha_Lib" not in lines(page)
    assert page.errors == []


def test_group_pages_rank_their_members_and_compare_them(url: str, page: Any):
    page.goto(url + "groups/data-science/", wait_until="networkidle")
    wait(page)
    ranked = page.evaluate(
        "[...document.querySelectorAll('[data-group-members] tbody tr')]"
        ".map(r => [r.dataset.name, +r.dataset.month])"
    )
    assert [n for n, _ in ranked] == ["alpha-lib", "beta-lib", "gamma"]
    assert [m for _, m in ranked] == sorted((m for _, m in ranked), reverse=True)
    page.wait_for_function(
        "+document.querySelector('.chart[data-chart=overall]').dataset.drawn >= 1"
    )
    assert sorted(lines(page)) == ["Alpha_Lib", "beta-lib", "gamma"]
    page.click("[data-range-group] [data-range='30']")  # the page's range drives both charts
    wait(page)
    assert len(next(iter(lines(page).values()))) == 30
    page.click("[data-compare-mode=indexed]")
    wait(page)
    assert all(
        next(v for v in vs if v is not None) == pytest.approx(100) for vs in lines(page).values()
    )
    href = page.get_attribute("[data-compare-link]", "href")
    assert href == "../../compare/?packages=alpha-lib,beta-lib,gamma"
    assert page.errors == []


def test_release_markers_of_the_compared_packages(url: str, page: Any):
    open_view(page, url + "compare/?packages=alpha-lib,beta-lib&range=1y")
    marks = "document.querySelector('[data-compare-chart=overall]')._view.data('releases')"
    assert page.evaluate(marks) == []  # off by default: up to 8 packages' releases crowd
    page.click("[data-compare-releases]")
    wait(page)
    assert "releases=on" in page.url
    drawn = page.evaluate(f"{marks}.map(r => [r.tt.Package, r.tt.Version, r.tt.Date])")
    assert drawn == [["Alpha_Lib", "1.1.0", "2026-06-01"], ["Alpha_Lib", "2.0.0", "2026-09-10"]]
    days = page.evaluate(
        f"""{marks}.map(r => {{ const d = new Date(r.date);
             return [d.getFullYear(), d.getMonth() + 1, d.getDate(), d.getHours()]; }})"""
    )
    assert days == [[2026, 6, 1, 0], [2026, 9, 10, 0]]  # on their UTC day, at local midnight
    open_view(page, page.url)
    assert len(page.evaluate(marks)) == 2
    assert page.errors == []


@pytest.mark.parametrize("path", ["compare/?packages=alpha-lib,beta-lib", "groups/web-http/"])
def test_axe_finds_nothing_serious(url: str, page: Any, path: str):
    source = axe.axe_source()
    open_view(page, url + path)
    page.focus("[data-picker]") if "compare" in path else None
    found = axe.violations(page, source)
    assert axe.serious(found) == [], axe.describe(axe.serious(found))


def test_real_histories_compare_without_errors(real_site: Path, page: Any):  # noqa: F811
    """Real histories are sparse and end on different dates."""
    with serve(real_site, "/repo/") as base:
        open_view(page, base + "compare/?packages=icepyx,heudiconv,osslili,upmex&range=all")
        drawn = lines(page)
        assert sorted(drawn) == ["heudiconv", "icepyx", "osslili", "upmex"]
        assert all(any(v is not None for v in vs) for vs in drawn.values())
        page.click("[data-range='365']")  # icepyx and heudiconv end years before the others
        wait(page)
        note = page.inner_text("#compare-downloads [data-chart-note]")
        assert note.startswith("No downloads in the range shown: ")
        assert "icepyx (data ends 20" in note and "heudiconv (data ends 20" in note
        assert "osslili" not in note
        for mode in ("share", "indexed"):
            page.click(f"[data-compare-mode={mode}]")
            wait(page)
        assert page.errors == []
