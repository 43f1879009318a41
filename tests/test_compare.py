"""The compare page and the group pages, as built (the browser tests draw them:
tests/test_browser_compare.py)."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest

from generator import stats
from generator.config import load_config
from generator.model import Release
from generator.site import compare
from generator.site.build import build_site
from generator.store import releases as store_releases
from tests import synthetic

END = dt.date(2026, 11, 20)
# (name, group, first day, days, scale): "old-tool" ends 40 days before the others (stale)
PACKAGES = (
    ("Alpha_Lib", "Data science", 0, 800, 5000.0),
    ("beta-lib", "Data science", 300, 500, 200.0),
    ("gamma", "Data science", 600, 200, 20.0),
    ("web-one", "Web & HTTP", 100, 700, 900.0),
    ("old-tool", "Web & HTTP", 0, 760, 300.0),
    ("loner", None, 0, 800, 50.0),
)


RELEASES = (  # alpha-lib's: of these, the compare page marks 1.1.0 and 2.0.0 (no patch, no rc)
    Release("2026-06-01T10:00:00Z", "1.1.0"),
    Release("2026-06-20T10:00:00Z", "1.1.1"),
    Release("2026-09-01T08:00:00Z", "2.0.0rc1"),
    Release("2026-09-10T23:30:00Z", "2.0.0"),
)


def build(root: Path) -> Path:
    data = root / "data"
    start = END - dt.timedelta(days=799)
    for seed, (name, _group, offset, days, scale) in enumerate(PACKAGES):
        synthetic.write_package(
            data / name.lower().replace("_", "-"),
            seed=seed + 1,
            start=start + dt.timedelta(days=offset),
            days=days,
            scale=scale,
        )
    store_releases.write(data, "alpha-lib", RELEASES)
    config = synthetic.write_config(root / "packages.yaml", [(n, g) for n, g, *_ in PACKAGES])
    site = root / "site"
    build_site(load_config(config), data, site, "")
    return site


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("compare-site"))


def index(site: Path) -> dict:
    return json.loads((site / compare.INDEX).read_text(encoding="utf-8"))


def test_the_compare_page_and_its_index_are_written(site: Path):
    html = (site / "compare" / "index.html").read_text(encoding="utf-8")
    assert "data-compare " in html and "compare-page." in html
    for key in ("30d", "90d", "180d", "1y", "All"):
        assert f">{key}</button>" in html
    doc = index(site)
    assert doc["as_of"] == END.isoformat()
    names = [p["normalized"] for p in doc["packages"]]
    assert names == sorted(names) and "alpha-lib" in names and len(names) == len(PACKAGES)
    alpha = next(p for p in doc["packages"] if p["normalized"] == "alpha-lib")
    assert alpha["name"] == "Alpha_Lib" and alpha["group"] == "Data science"
    assert alpha["years"] == [2024, 2026]
    assert set(alpha["change"]) == set(stats.PERIODS)
    for year in range(alpha["years"][0], alpha["years"][1] + 1):  # the chunks the page loads
        assert (site / "data" / "alpha-lib" / f"chart-{year}.json").is_file()
    assert alpha["releases"] and (site / "data" / "alpha-lib" / "releases.json").is_file()
    assert not any(p["releases"] for p in doc["packages"] if p["normalized"] != "alpha-lib")
    old = next(p for p in doc["packages"] if p["normalized"] == "old-tool")
    assert old["stale"] and old["last_date"] == (END - dt.timedelta(days=40)).isoformat()


def test_the_index_figures_are_the_home_pages(site: Path):
    home = (site / "index.html").read_text(encoding="utf-8")
    match = re.search(r'data-total="last_month">([\d,]+)<', home)
    assert match, "the home page shows the 30-day total"
    shown = int(match[1].replace(",", ""))
    assert sum(p["last_month"] for p in index(site)["packages"]) == shown


def test_outages_are_runs_of_days_no_package_reported():
    cover = stats.coverage([["2026-01-01", "2026-01-02", "2026-01-06"], ["2026-01-04"]])
    assert compare.outages(cover) == [["2026-01-03", "2026-01-03"], ["2026-01-05", "2026-01-05"]]
    assert compare.outages(stats.Coverage()) == []


def test_every_group_has_a_page_linked_from_home(site: Path):
    home = (site / "index.html").read_text(encoding="utf-8")
    for slug, members in (("data-science", 3), ("web-http", 2)):
        page = site / "groups" / slug / "index.html"
        assert page.is_file()
        assert f'href="groups/{slug}/" data-group-page' in home
        html = page.read_text(encoding="utf-8")
        assert html.count("<tr data-name=") == members
        assert (site / "data" / "_groups" / slug / "chart-2026.json").is_file()
    assert "Other packages</h2>" not in home  # the ungrouped heading has no page
    assert re.search(r"<h2>Other packages <span", home)
    assert sorted(p.name for p in (site / "groups").iterdir()) == ["data-science", "web-http"]


def test_a_group_page_ranks_its_members_and_links_the_compare_page(site: Path):
    html = (site / "groups" / "data-science" / "index.html").read_text(encoding="utf-8")
    ranked = re.findall(r'<tr data-name="([^"]+)" data-month="(\d+)"', html)
    assert [n for n, _ in ranked] == ["alpha-lib", "beta-lib", "gamma"]
    months = [int(m) for _, m in ranked]
    assert months == sorted(months, reverse=True)
    assert 'href="../../compare/?packages=alpha-lib,beta-lib,gamma" data-compare-link' in html
    assert html.count('class="spark ') == 3


def test_a_group_share_of_the_tracked_total(site: Path):
    doc = index(site)["packages"]
    everyone = sum(p["last_month"] for p in doc)
    web = sum(p["last_month"] for p in doc if p["group"] == "Web & HTTP")
    html = (site / "groups" / "web-http" / "index.html").read_text(encoding="utf-8")
    found = re.search(r'data-group-share="([\d.]+)"', html)
    assert found, "the group page shows its share of the tracked total"
    share = float(found[1])
    assert share == pytest.approx(100 * web / everyone, abs=1e-3)
    assert f"{100 * web / everyone:.1f}%" in html


def test_the_combined_chunks_sum_the_members(site: Path):
    chunk = json.loads((site / "data" / "_groups" / "web-http" / "chart-2026.json").read_text())
    parts = [
        json.loads((site / "data" / n / "chart-2026.json").read_text())["kinds"]["overall"]
        for n in ("web-one", "old-tool")
    ]
    overall = chunk["kinds"]["overall"]
    j = overall["cats"].index("without_mirrors")
    day = 100  # 2026-04-11: both members have a row
    expected = sum(p["values"][p["cats"].index("without_mirrors")][day] for p in parts)
    assert overall["values"][j][day] == expected


def test_every_package_page_links_to_compare_with_itself(site: Path):
    html = (site / "packages" / "alpha-lib" / "index.html").read_text(encoding="utf-8")
    assert 'href="../../compare/?packages=alpha-lib" data-compare-with>Compare with…</a>' in html
