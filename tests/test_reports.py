"""Monthly reports: the figures against a hand computation, the pages and Markdown of a
built site (synthetic and real histories), and axe on a report page and the index."""

from __future__ import annotations

import datetime as dt
import html.parser
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import markdown
import pytest

from generator import derive, impact, reports, store
from generator.config import load_config
from generator.milestones import Milestone
from generator.model import Release
from generator.site import report_links
from generator.site.build import build_site
from generator.site.reports_page import md, month_name
from tests import axe
from tests.realsite import REAL_PACKAGES, real_site  # noqa: F401
from tests.servers.static_site import serve
from tests.test_site_build import END, make_inputs


def days(month: str, count: int, per_day: int) -> dict[str, int]:
    return {f"{month}-{d:02d}": per_day for d in range(1, count + 1)}


# A: 1 a day in 2025-03 and 2025-04, 2 a day in 2026-02, 3 in 2026-03, 4 in 2026-04 (to the 10th)
A_DAILY = {
    **days("2025-03", 31, 1),
    **days("2025-04", 30, 1),
    **days("2026-02", 28, 2),
    **days("2026-03", 31, 3),
    **days("2026-04", 10, 4),
}
A_PYTHON = {
    ("2026-02-01", "3.12"): 100,
    ("2026-02-01", "3.13"): 90,
    ("2026-02-01", "2.7"): 10,
    ("2026-03-05", "3.12"): 150,
    ("2026-03-05", "3.13"): 49,
    ("2026-03-05", "2.7"): 1,
}


def months_of(daily: dict[str, int], **kw: Any) -> reports.PackageMonths:
    return reports.package_months(daily, {}, **kw)


def test_a_complete_month_against_the_previous_one_and_a_year_earlier():
    a = reports.package_months(A_DAILY, {"python_minor": derive.monthly_counts(A_PYTHON)})
    r = reports.package_report("2026-03", a, partial=False)
    assert (r.downloads, r.days, r.partial) == (93, 31, False)
    assert (r.previous.previous, r.year_ago.previous) == (56, 31)
    assert r.previous.percent == pytest.approx(100 * (93 - 56) / 56)
    assert r.year_ago.percent == pytest.approx(200.0)
    # shares of 200 downloads: 75%, 24.5%, and 0.5% (under the floor: "the rest");
    # the month before: 50%, 45% and 5%
    rows = [(s.category, s.share, s.shift) for s in r.shares["python_minor"]]
    assert rows == [
        ("3.12", pytest.approx(75.0), pytest.approx(25.0)),
        ("3.13", pytest.approx(24.5), pytest.approx(-20.5)),
        (reports.REST, pytest.approx(0.5), pytest.approx(-4.5)),
    ]
    assert "system" not in r.shares  # no system file: no table, not an empty one


def test_a_partial_month_is_compared_like_for_like():
    a = months_of(A_DAILY, part_month="2026-04", part_days=10)
    r = reports.package_report("2026-04", a, partial=True)
    assert (r.downloads, r.days, r.partial) == (40, 10, True)
    # the first 10 days of March 2026 (3 a day) and of April 2025 (1 a day)
    assert (r.previous.previous, r.year_ago.previous) == (30, 10)
    assert r.previous.percent == pytest.approx(100 * 10 / 30)
    # a complete month is still compared whole
    whole = reports.package_report("2026-03", a, partial=False)
    assert whole.previous.previous == 56


def test_no_percentage_against_nothing():
    r = reports.package_report("2026-02", months_of(A_DAILY), partial=False)
    assert (r.previous.previous, r.previous.percent) == (0, None)  # January 2026 had none


def test_a_month_the_record_starts_in_is_no_comparison():
    # a pypistats.org history of 180 days starts mid-month: its first month is partial, so
    # the next month's "growth" against it would be an artefact
    late = {**days("2026-02", 28, 5), **days("2026-03", 31, 5)}
    late = {d: n for d, n in late.items() if d >= "2026-02-20"}  # from February 20 on
    r = reports.package_report("2026-03", months_of(late), partial=False)
    assert r.downloads == 155
    assert r.previous.percent is None and r.year_ago.percent is None
    # on the site, the change counts only the packages whose record covers both months
    steady = {**days("2026-02", 28, 10), **days("2026-03", 31, 11)}
    entries = [
        reports.Entry("late", "late", months_of(late)),
        reports.Entry("steady", "steady", months_of(steady)),
    ]
    site = reports.site_report("2026-03", entries, partial=False, floor=100)
    assert site.downloads == 155 + 341
    assert (site.previous.current, site.previous.previous) == (341, 280)
    assert [(line.name, line.previous.percent) for line in site.packages] == [
        ("steady", pytest.approx(100 * 61 / 280)),
        ("late", None),
    ]


def test_a_month_the_record_ends_in_is_no_comparison():
    # a stale package whose data stops on March 10: March is not a month of 3 a day, and
    # the site's change leaves it out rather than count its missing days as a fall
    ended = {d: n for d, n in A_DAILY.items() if d <= "2026-03-10"}
    r = reports.package_report("2026-03", months_of(ended), partial=False)
    assert r.downloads == 30 and r.previous.percent is None
    steady = {**days("2026-02", 28, 10), **days("2026-03", 31, 11)}
    entries = [
        reports.Entry("ended", "ended", months_of(ended)),
        reports.Entry("steady", "steady", months_of(steady)),
    ]
    site = reports.site_report("2026-03", entries, partial=False, floor=100)
    assert (site.previous.current, site.previous.previous) == (341, 280)


def entry(name: str, before: int, now: int, found: tuple[Milestone, ...] = ()) -> reports.Entry:
    daily = {"2026-02-01": before, "2026-03-01": now, "2026-03-31": 0}  # through March
    return reports.Entry(name, name, months_of(daily), found)


def test_site_sums_top_and_movers_use_the_top_lists_floor():
    peak = Milestone("2026-03-01", "up/peak-2026-03-01", "up", "peak", "up: a new peak", 150)
    old = Milestone("2026-02-01", "up/peak-2026-02-01", "up", "peak", "up: older", 100)
    entries = [
        entry("up", 100, 150, (peak, old)),  # +50%
        entry("down", 200, 100),  # −50%
        entry("tiny", 50, 500),  # +900%, but under the floor of 100 the month before
        entry("flat", 300, 300),
    ]
    site = reports.site_report("2026-03", entries, partial=False, floor=100)
    assert site.downloads == 150 + 100 + 500 + 300
    assert site.previous.previous == 100 + 200 + 50 + 300
    assert [line.name for line in site.top] == ["tiny", "flat", "up", "down"]
    assert site.top[0].share == pytest.approx(100 * 500 / 1050)
    assert [line.name for line in site.growing] == ["up"]
    assert [line.name for line in site.falling] == ["down"]
    assert [p.id for p in site.peaks] == ["up/peak-2026-03-01"]


def test_releases_of_the_month_carry_their_impact_and_yanked_ones_are_left_out():
    effects = {7: impact.Effect(12.5), 28: impact.Effect(None, impact.INCOMPLETE)}
    found = [
        impact.Impact(Release("2026-03-04T10:00:00Z", "1.1.0"), False, True, effects),
        impact.Impact(Release("2026-03-09T10:00:00Z", "1.2.0", yanked=True), False, True, effects),
        impact.Impact(Release("2026-02-04T10:00:00Z", "1.0.0"), False, True, effects),
    ]
    a = reports.package_months(A_DAILY, {}, found)
    r = reports.package_report("2026-03", a, partial=False)
    assert [(rel.version, rel.effects, rel.reasons) for _, rel in r.releases] == [
        ("1.1.0", (12.5, None), (None, impact.INCOMPLETE))
    ]


def test_markdown_values_are_escaped():
    assert md("a|b *c* [d](e) <f>") == r"a\|b \*c\* \[d\](e) \<f\>"


# ---------------------------------------------------------------- a built site


class Cells(html.parser.HTMLParser):
    """The cells of every table of an HTML document: [[row, ...], ...]."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self.cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self.cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self.cell is not None:
            self.tables[-1][-1].append("".join(self.cell).strip())
            self.cell = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)


def html_tables(text: str) -> list[list[list[str]]]:
    parser = Cells()
    parser.feed(text)
    return parser.tables


def tables_of(text: str) -> list[list[list[str]]]:
    """The tables of Markdown `text`, as GitHub-flavoured tables render."""
    return html_tables(markdown.markdown(text, extensions=["tables"]))


@pytest.fixture(scope="module")
def synthetic_site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("reports-site")
    config, data = make_inputs(root)
    site = root / "site"
    build_site(load_config(config), data, site, "https://stats.example.org/")
    return site, data


def month_sum(data: Path, package: str, month: str) -> int:
    rows = store.read_series_fast(data / package / "overall.csv")
    return sum(n for (d, c), n in rows.items() if c == "without_mirrors" and d[:7] == month)


def test_a_report_for_each_complete_month_and_the_partial_one(synthetic_site):
    site, _ = synthetic_site
    first = (END - dt.timedelta(days=1000)).isoformat()  # big-package's first day
    months = report_links.months_between(first, END.isoformat())
    for month in months:
        assert (site / report_links.month_page(month) / "index.html").is_file(), month
        assert (site / report_links.month_markdown(month)).is_file(), month
    index = (site / report_links.INDEX / "index.html").read_text()
    listed = [row[0] for row in html_tables(index)[0][1:]]
    assert len(listed) == len(months)
    assert listed[0].startswith("November 2026") and "so far, 20 days" in listed[0]
    assert all("so far" not in text for text in listed[1:])
    newest = (site / report_links.month_page("2026-11") / "index.html").read_text()
    assert "data-partial" in newest and "first 20 days" in newest
    # small-pkg has 100 days of history: no Markdown of its own before its first month
    assert not (site / report_links.package_markdown(months[0], "small-pkg")).exists()
    assert (site / report_links.package_markdown("2026-10", "small-pkg")).is_file()


def test_the_markdown_renders_as_github_tables_with_the_months_figures(synthetic_site):
    site, data = synthetic_site
    text = (site / report_links.month_markdown("2026-10")).read_text()
    tables = tables_of(text)
    summary = tables[0]
    total = sum(month_sum(data, p, "2026-10") for p in ("big-package", "small-pkg", "extras-pkg"))
    before = sum(month_sum(data, p, "2026-09") for p in ("big-package", "small-pkg", "extras-pkg"))
    assert summary[1][:2] == ["October 2026", f"{total:,}"]
    assert summary[2][:2] == ["September 2026", f"{before:,}"]
    assert summary[2][2] == f"{100 * (total - before) / before:+.1f}%".replace("-", "−")
    top = tables[1]
    assert top[0] == ["package", "downloads", "share", "previous month", "a year earlier"]
    assert (
        top[1][0] == "Big-Package" and top[1][1] == f"{month_sum(data, 'big-package', '2026-10'):,}"
    )
    html_text = markdown.markdown(text, extensions=["tables"])
    assert 'href="https://stats.example.org/packages/big-package/"' in html_text  # linked
    assert "<img" not in html_text  # not embedded
    own = (site / report_links.package_markdown("2026-10", "extras-pkg")).read_text()
    shares = tables_of(own)[0]
    assert shares[0] == ["Python", "share", "shift"]
    assert sum(float(row[1].rstrip("%")) for row in shares[1:]) == pytest.approx(100, abs=0.3)
    assert own.startswith("# extras-pkg: October 2026\n")


def test_a_partial_months_markdown_says_so(synthetic_site):
    site, _ = synthetic_site
    text = (site / report_links.month_markdown("2026-11")).read_text()
    assert "(so far)" in text.splitlines()[0]
    assert "first 20 days of October 2026 and of November 2025" in text


def test_real_histories_have_a_report_for_each_complete_month(real_site):  # noqa: F811
    data = real_site.parent / "data"
    dates = [
        d
        for p in REAL_PACKAGES
        if (data / p / "overall.csv").is_file()
        for (d, _c) in store.read_series_fast(data / p / "overall.csv")
    ]
    as_of = max(dates)
    months = report_links.months_between(min(dates), as_of)
    complete = [m for m in months if report_links.is_complete(m, as_of)]
    assert len(complete) >= 24  # icepyx has five years
    for month in months:
        page = (real_site / report_links.month_page(month) / "index.html").read_text()
        assert ("data-partial" in page) == (month not in complete), month
        assert (real_site / report_links.month_markdown(month)).is_file()
    # a month with the SemClone packages' Python versions has their shares
    last = complete[-1]
    text = (real_site / report_links.month_markdown(last)).read_text()
    assert tables_of(text)[0][1][0] == month_name(last)


# ---------------------------------------------------------------- in the browser


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("reports-a11y")
    config, data = make_inputs(root)
    site = root / "site"
    site.mkdir()
    with serve(site, "/repo/") as url:
        build_site(load_config(config), data, site, url)
        yield url


@pytest.mark.browser
@pytest.mark.parametrize("scheme", ("light", "dark"))
@pytest.mark.parametrize("path", ("reports/", "reports/2026-10/", "reports/2026-11/"))
def test_axe_finds_nothing_serious_on_reports(browser: Any, served: str, path: str, scheme: str):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=scheme)
    page = context.new_page()
    try:
        page.goto(served + path, wait_until="networkidle")
        assert page.locator("h1").first.is_visible()
        found = axe.violations(page, axe.axe_source())
    finally:
        context.close()
    assert axe.serious(found) == [], axe.describe(axe.serious(found))


def test_package_markdown_is_kept_for_the_newest_24_complete_months_and_the_month_so_far():
    from generator.site import report_links

    # mid-month: November is so far, the 24 complete months run 2024-11 .. 2026-10
    assert report_links.is_kept("2026-11", "2026-11-20")
    assert report_links.is_kept("2024-11", "2026-11-20")
    assert not report_links.is_kept("2024-10", "2026-11-20")
    # on the last day November is complete: 2024-12 .. 2026-11
    assert report_links.is_kept("2024-12", "2026-11-30")
    assert not report_links.is_kept("2024-11", "2026-11-30")
    assert not report_links.is_kept("2026-12", "2026-11-30")
    assert not report_links.is_kept("2026-01", None)
