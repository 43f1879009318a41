"""`build`: the site a visitor gets from data/ and packages.yaml (no browser needed here)."""

from __future__ import annotations

import datetime as dt
import html.parser
import json
import re
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from generator import derive, store
from generator.config import load_config
from generator.errors import CorruptFileError, UsageError
from generator.model import EXTRA_KINDS
from generator.site import charts
from generator.site.build import build_site
from generator.store import clickhouse_log, provenance, runlog
from tests import synthetic
from tests.cli_helpers import run_cli
from tests.servers.static_site import serve

END = dt.date(2026, 11, 20)
PACKAGES = [
    ("Big-Package", "Web"),
    ("small_pkg", "Data"),
    ("extras-pkg", None),
    ("not-fetched", None),
]


def make_inputs(
    root: Path, sample: bool = False, runs: bool = False, settings: dict[str, str] | None = None
) -> tuple[Path, Path]:
    """packages.yaml + data/ with synthetic history (one package has BigQuery extras);
    `settings` are added to packages.yaml's."""
    data = root / "data"
    synthetic.write_package(
        data / "big-package",
        seed=1,
        start=END - dt.timedelta(days=1000),
        days=1001,
        scale=50_000,
        gap_every=0,
    )
    synthetic.write_package(
        data / "small-pkg",
        seed=2,
        start=END - dt.timedelta(days=99),
        days=100,
        scale=40,
        gap_every=30,
    )
    synthetic.write_package(
        data / "extras-pkg",
        seed=3,
        start=END - dt.timedelta(days=299),
        days=300,
        scale=900,
        extras=True,
    )
    if sample:
        (data / "_meta").mkdir(parents=True, exist_ok=True)
        (data / "_meta" / "sample.txt").write_text("sample\n")
    if runs:
        runlog.append(
            data,
            runlog.RunRecord(
                "2026-11-20T03:10:00Z",
                "fetch",
                ("big-package", "extras-pkg"),
                "2026-11-13",
                "2026-11-19",
                3 * 2**30,
                3 * 2**30,
            ),
        )
        runlog.append(
            data,
            runlog.RunRecord(
                "2026-11-21T03:10:00Z",
                "fetch",
                ("big-package", "extras-pkg"),
                "2026-11-14",
                "2026-11-20",
                5 * 2**30,
                5 * 2**30,
            ),
        )
        add_clickhouse(data)
    config = synthetic.write_config(
        root / "packages.yaml", PACKAGES, {"site_title": "Test stats", **(settings or {})}
    )
    return config, data


def add_clickhouse(data: Path) -> None:
    """A ClickHouse run that found the dataset behind, and extras-pkg's provenance: its
    older days from ClickHouse, its last 181 days from pypistats.org, extras from BigQuery."""
    clickhouse_log.append(
        data,
        clickhouse_log.ClickHouseRun(
            "2026-11-21T03:20:00Z",
            "fetch",
            ("extras-pkg",),
            "2026-11-14",
            "2026-11-20",
            "2026-11-18",
            3,
            1_234_567,
            2**30,
        ),
    )
    first, split = END - dt.timedelta(days=299), END - dt.timedelta(days=180)
    spans = [
        span
        for kind in ("overall", "python_major", "python_minor", "system")
        for span in (
            provenance.Span(kind, first, split - dt.timedelta(days=1), "clickhouse"),
            provenance.Span(kind, split, END, "pypistats"),
        )
    ]
    spans += [provenance.Span(k, first, END, "bigquery") for k in EXTRA_KINDS]
    provenance.write(data, "extras-pkg", spans)


REPOSITORY = "https://github.com/example-org/pypi-stats"
RAW = "https://raw.githubusercontent.com/example-org/pypi-stats/HEAD/"
ALL_KINDS_OF_EXTRAS = (
    "overall",
    "python_minor",
    "python_major",
    "system",
    "version",
    "country",
    "installer",
    "ci",
)


def _build(root: Path, settings: dict[str, str] | None = None) -> Path:
    config, data = make_inputs(root, runs=True, settings=settings)
    out = root / "site"
    build_site(load_config(config), data, out, "")  # outside GitHub Actions (conftest)
    return out


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site as a local build makes it: no repository known, the history copied."""
    return _build(tmp_path_factory.mktemp("site-build"))


@pytest.fixture(scope="module")
def repo_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site as the nightly deploy builds it: it knows its GitHub repository."""
    return _build(tmp_path_factory.mktemp("repo-site-build"), {"repository_url": REPOSITORY})


def pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


class _Links(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value and name in ("href", "src"):
                self.links.append(value)


def links_of(page: Path) -> _Links:
    parser = _Links()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


# ---------------------------------------------------------------- structure and links


def test_every_page_type_is_built(site: Path):
    for path in (
        "index.html",
        "top/index.html",
        "packages/big-package/index.html",
        "packages/not-fetched/index.html",
        "about/index.html",
        "faq/index.html",
        "methodology/index.html",
        "api/index.html",
        "costs/index.html",
        "404.html",
        "api/packages.json",
    ):
        assert (site / path).is_file(), path


@pytest.mark.parametrize("which", ["site", "repo_site"])
def test_every_internal_link_is_relative_and_resolves_under_a_sub_path(
    request: pytest.FixtureRequest, which: str
):
    """Served from https://user.github.io/repo/, a link starting with "/" would leave /repo/."""
    site = request.getfixturevalue(which)
    base = "http://host/repo/"
    checked = 0
    for page in pages(site):
        if page.name == "404.html":
            continue  # uses --base-url (see test_404_page_uses_base_url)
        page_url = urljoin(base, page.relative_to(site).as_posix())
        found = links_of(page)
        for link in found.links:
            if link.startswith(("https://", "mailto:", "#")):
                continue
            assert not link.startswith(("/", "http:")), f"{page}: {link} is not relative"
            target = urlsplit(urljoin(page_url, link)).path
            assert target.startswith("/repo/"), f"{page}: {link} leaves the sub-path"
            path = site / target.removeprefix("/repo/")
            if target.endswith("/"):
                path = path / "index.html"
            assert path.is_file(), f"{page}: broken link {link}"
            checked += 1
    assert checked > 100


def test_a_local_build_publishes_copies_of_the_history_files_and_links_to_them(
    site: Path, tmp_path: Path
):
    page = site / "packages" / "extras-pkg" / "index.html"
    text = page.read_text()
    urls = [a["href"] for a in _attributes(text, "csv")]  # each chart's "CSV" link
    assert sorted(urls) == sorted(f"../../data/extras-pkg/{k}.csv" for k in ALL_KINDS_OF_EXTRAS)
    for url in urls:  # the same files are the Data card's links
        assert text.count(f'href="{url}" download') == 2
    data = site.parent / "data"
    for kind_file in (data / "extras-pkg").iterdir():
        assert (
            site / "data" / "extras-pkg" / kind_file.name
        ).read_bytes() == kind_file.read_bytes()
    # no inline copy of the data: not a single history row appears in the page
    first_row = (data / "extras-pkg" / "python_minor.csv").read_text().splitlines()[1]
    assert first_row not in text
    assert '"values"' not in text


# ---------------------------------------------------------------- chart chunks, history links


class _Elements(html.parser.HTMLParser):
    """The attributes of every element with the class `wanted`."""

    def __init__(self, wanted: str) -> None:
        super().__init__()
        self.wanted = wanted
        self.found: list[dict[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if self.wanted in values.get("class", "").split():
            self.found.append(values)


def _attributes(page: str, css_class: str) -> list[dict[str, str]]:
    parser = _Elements(css_class)
    parser.feed(page)
    return parser.found


@pytest.mark.parametrize("which", ["site", "repo_site"])
def test_chart_chunks_hold_every_row_and_the_page_says_where_and_which_years(
    request: pytest.FixtureRequest, which: str
):
    from tests.test_chart_data import decode

    site = request.getfixturevalue(which)
    data = site.parent / "data"
    for name in ("big-package", "small-pkg", "extras-pkg"):
        history = {p.stem: store.read_series(p) for p in (data / name).glob("*.csv")}
        chunks = {
            int(p.stem.removeprefix("chart-")): p.read_text(encoding="utf-8")
            for p in (site / "data" / name).glob("chart-*.json")
        }
        assert decode(chunks) == history, name
        first = min(d for s in history.values() for d, _ in s)
        last = max(d for s in history.values() for d, _ in s)
        assert sorted(chunks) == list(range(int(first[:4]), int(last[:4]) + 1)), name
        page = (site / "packages" / name / "index.html").read_text(encoding="utf-8")
        (toolbar,) = _attributes(page, "toolbar")
        assert toolbar["data-chart-data"] == f"../../data/{name}/chart-"
        assert toolbar["data-years"] == f"{first[:4]} {last[:4]}"
        charts = _attributes(page, "chart")
        assert charts and all(c["data-kind"] in history for c in charts)
        for chart in charts:
            days = sorted(d for d, _ in history[chart["data-kind"]])
            assert (chart["data-kind-first"], chart["data-kind-last"]) == (days[0], days[-1])
    assert not (site / "data" / "not-fetched").exists()  # no rows, no chunk
    big = sorted(p.name for p in (site / "data" / "big-package").glob("chart-*.json"))
    assert big == ["chart-2024.json", "chart-2025.json", "chart-2026.json"]


def test_a_local_build_says_the_csv_files_are_copies(site: Path):
    page = (site / "packages" / "extras-pkg" / "index.html").read_text(encoding="utf-8")
    assert 'data-history-home="site"' in page
    assert "published with this site under <code>data/extras-pkg/</code>" in page
    index = json.loads((site / "api" / "packages.json").read_text())
    (entry,) = [p for p in index["packages"] if p["normalized"] == "extras-pkg"]
    assert entry["data"] == "data/extras-pkg/"  # relative: no base_url given


def test_with_a_github_repository_the_history_links_are_its_raw_files_and_site_has_no_copy(
    repo_site: Path,
):
    data = repo_site.parent / "data"
    page_path = repo_site / "packages" / "extras-pkg" / "index.html"
    page = page_path.read_text(encoding="utf-8")
    expected = [f"{RAW}data/extras-pkg/{k}.csv" for k in ALL_KINDS_OF_EXTRAS]
    assert sorted(a["href"] for a in _attributes(page, "csv")) == sorted(expected)
    for url in expected:  # the Data card's links and each chart's "CSV" link
        assert page.count(f'href="{url}" download') == 2
    assert 'data-history-home="repository"' in page
    assert f'committed to <a href="{REPOSITORY}">the repository</a>' in page
    # the provenance file is still published with the site, as committed
    provenance_copy = repo_site / "data" / "_meta" / "provenance" / "extras-pkg.csv"
    assert (
        provenance_copy.read_bytes()
        == (data / "_meta" / "provenance" / "extras-pkg.csv").read_bytes()
    )
    assert 'href="../../data/_meta/provenance/extras-pkg.csv"' in page
    # no copy of any history file anywhere in site/: only the chart chunks
    published = sorted(p.relative_to(repo_site).as_posix() for p in (repo_site / "data").rglob("*"))
    assert [p for p in published if p.endswith(".csv") and not p.startswith("data/_meta/")] == []
    for name in ("big-package", "small-pkg", "extras-pkg"):
        names = {p.name for p in (repo_site / "data" / name).iterdir()}
        assert names and all(re.fullmatch(r"chart-\d{4}\.json", n) for n in names), names
    # every link to a history file on every page goes to the repository
    for html_page in pages(repo_site):
        for link in links_of(html_page).links:
            if link.endswith(".csv") and "/_meta/" not in link:
                assert link.startswith(f"{RAW}data/"), (html_page, link)
    index = json.loads((repo_site / "api" / "packages.json").read_text())
    assert {p["normalized"]: p["data"] for p in index["packages"]}["extras-pkg"] == (
        f"{RAW}data/extras-pkg/"
    )


def _one_package_site(root: Path, settings: dict[str, str] | None = None) -> Path:
    data = root / "data"
    synthetic.write_package(data / "solo", seed=5, start=END - dt.timedelta(days=40), days=41)
    config = synthetic.write_config(root / "packages.yaml", [("solo", None)], settings)
    build_site(load_config(config), data, root / "site", "")
    return root / "site"


def test_inside_github_actions_the_job_repository_is_where_the_history_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("GITHUB_SERVER_URL", "https://github.com")
    monkeypatch.setenv("GITHUB_REPOSITORY", "someone/stats")
    site = _one_package_site(tmp_path)
    page = (site / "packages" / "solo" / "index.html").read_text(encoding="utf-8")
    raw = "https://raw.githubusercontent.com/someone/stats/HEAD/data/solo/overall.csv"
    assert f'href="{raw}" download' in page
    assert sorted(p.name for p in (site / "data" / "solo").iterdir()) == ["chart-2026.json"]


@pytest.mark.parametrize(
    "repository",
    ["https://gitlab.com/someone/stats", "https://github.example.org/someone/stats"],
)
def test_a_repository_not_on_github_com_keeps_the_copies(tmp_path: Path, repository: str):
    site = _one_package_site(tmp_path, {"repository_url": repository})
    page = (site / "packages" / "solo" / "index.html").read_text(encoding="utf-8")
    assert 'href="../../data/solo/overall.csv" download' in page
    assert "raw.githubusercontent.com" not in page
    published = sorted(p.name for p in (site / "data" / "solo").iterdir())
    assert published == [
        "chart-2026.json",
        "overall.csv",
        "python_major.csv",
        "python_minor.csv",
        "system.csv",
    ]


@pytest.mark.parametrize(
    ("repository", "raw"),
    [
        ("https://github.com/o/r", "https://raw.githubusercontent.com/o/r/HEAD/"),
        ("https://github.com/o/r/", "https://raw.githubusercontent.com/o/r/HEAD/"),
        ("https://github.com/o/r.git", "https://raw.githubusercontent.com/o/r/HEAD/"),
        ("https://www.github.com/o/r", "https://raw.githubusercontent.com/o/r/HEAD/"),
        ("https://github.com/o", ""),
        ("https://github.com/o/r/tree/main", ""),
        ("http://github.com/o/r", ""),
        ("https://gitlab.com/o/r", ""),
        ("", ""),
    ],
)
def test_only_a_github_com_repository_has_raw_files(repository: str, raw: str):
    from generator.site import history_links

    assert history_links.raw_files_url(repository) == raw
    assert history_links.history_home(repository, {}) == raw
    assert history_links.history_url(raw, "../../", "p", "system") == (
        f"{raw or '../../'}data/p/system.csv"
    )


def test_extra_charts_appear_only_where_their_file_exists(site: Path):
    extras = (site / "packages" / "extras-pkg" / "index.html").read_text()
    plain = (site / "packages" / "big-package" / "index.html").read_text()
    for title in ("Package versions", "Top countries", "Installers", "CI share"):
        assert title in extras
        assert title not in plain
    for title in (
        "Downloads per day",
        "Python versions",
        "Python major versions",
        "Operating systems",
    ):
        assert title in plain


def test_package_page_summary_numbers(site: Path):
    data = site.parent / "data"
    overall = store.read_series(data / "small-pkg" / "overall.csv")
    recent = derive.recent(overall)
    text = (site / "packages" / "small-pkg" / "index.html").read_text()
    assert f'data-stat="last_month">{recent["last_month"]:,}<' in text
    assert f'data-stat="last_week">{recent["last_week"]:,}<' in text
    total = sum(n for (_, c), n in overall.items() if c == "without_mirrors")
    assert f'data-stat="total">{total:,}<' in text
    assert 'Data through <time datetime="2026-11-20">' in text
    # small-pkg skips every 30th day, days big-package reported: zero-download days, no gaps
    assert 'data-zero-days="3"' in text and "3 zero-download days" in text
    assert "100 days reported" in text
    assert 'class="gap-note"' not in text and '<li class="gap">' not in text
    assert "no outages" in text


def test_a_day_no_tracked_package_reported_is_an_outage(tmp_path: Path):
    """The same day missing from every package is a gap (warning colour), not a zero."""
    data = tmp_path / "data"
    for i, name in enumerate(("one", "two")):
        synthetic.write_package(
            data / name, seed=i, start=END - dt.timedelta(days=60), days=61, gap_every=20
        )
    config = synthetic.write_config(tmp_path / "packages.yaml", [("one", None), ("two", None)])
    build_site(load_config(config), data, tmp_path / "site", "")
    text = (tmp_path / "site" / "packages" / "one" / "index.html").read_text()
    assert 'data-gaps="3"' in text and "3 missing days in 3 outages" in text
    assert text.count('<li class="gap">') == 3
    assert "data-zero-days" not in text
    bands = re.search(r"data-gaps='([^']*)'", text)  # the chart's bands
    assert bands
    gaps = json.loads(bands[1])
    assert gaps == [[d, d] for d in ("2026-10-10", "2026-10-30", "2026-11-19")]


def test_monthly_totals_table_is_in_the_html(site: Path):
    text = (site / "packages" / "big-package" / "index.html").read_text()
    table = text[text.index('class="data monthly"') :]
    assert table.count("<tr>") > 30  # 1001 days ≈ 33 months, plus the header row
    assert '<th scope="row">2026-11</th>' in table


def test_python_versions_sort_numerically_in_charts():
    totals = {"3.9": 5, "3.10": 50, "3.14": 1, "2.7": 3, "null": 9, "3.8": 2}
    assert charts.choose_categories(totals, limit=10) == [
        "2.7",
        "3.8",
        "3.9",
        "3.10",
        "3.14",
        "null",
    ]
    # folded: the 3 biggest named versions are kept, in numeric order, then null and other
    kept = charts.choose_categories(totals, limit=3)
    assert kept == ["2.7", "3.9", "3.10", "null", "other"]
    assert sorted(["3.10", "3.9", "3.14", "3.8"], key=charts.category_key) == [
        "3.8",
        "3.9",
        "3.10",
        "3.14",
    ]


def test_page_lists_python_categories_in_numeric_order(site: Path):
    text = (site / "packages" / "big-package" / "index.html").read_text()
    (chart,) = [c for c in _attributes(text, "chart") if c["data-kind"] == "python_minor"]
    assert chart["data-chart"] == "category" and chart["data-mode"] == "abs"
    cats = json.loads(chart["data-cats"])
    versions = [c for c in cats if c[0].isdigit()]
    assert versions == sorted(versions, key=lambda v: tuple(int(x) for x in v.split(".")))
    assert "3.10" in versions and versions.index("3.10") > versions.index("3.9")


def test_package_page_weight_and_not_fetched_package(site: Path):
    page = site / "packages" / "big-package" / "index.html"
    # 30 kB before issue 11; since then a missing-days column, a text table per chart and a
    # copy button for each badge snippet (all asked for by the issue); issues 14 and 15 add
    # the Compare, Reports and feed links (the Releases card only where there are releases)
    assert page.stat().st_size <= 32_500
    empty = (site / "packages" / "not-fetched" / "index.html").read_text()
    assert "No downloads recorded yet" in empty
    assert "data-chart=" not in empty


def test_badges_are_written_and_offered_on_the_page(site: Path):
    assert (site / "badges" / "big-package" / "month.svg").is_file()
    text = (site / "packages" / "big-package" / "index.html").read_text()
    assert 'id="badges"' in text
    assert "../../badges/big-package/month.svg" in text
    assert "https://USER.github.io/REPO/badges/big-package/month.svg" in text  # no base_url


# ---------------------------------------------------------------- JSON API


def test_api_matches_pypistats_shapes(site: Path):
    data = site.parent / "data"
    overall = store.read_series(data / "big-package" / "overall.csv")
    api = site / "api" / "packages" / "big-package"
    recent = json.loads((api / "recent.json").read_text())
    assert recent == {
        "data": derive.recent(overall),
        "package": "big-package",
        "type": "recent_downloads",
    }
    assert list(recent["data"]) == ["last_day", "last_month", "last_week"]
    for kind in ("overall", "python_major", "python_minor", "system"):
        body = json.loads((api / f"{kind}.json").read_text())
        assert set(body) == {"data", "package", "type"}
        assert body["type"] == f"{kind}_downloads"
        rows = body["data"]
        assert all(list(r) == ["category", "date", "downloads"] for r in rows)
        assert rows == sorted(rows, key=lambda r: (r["category"], r["date"]))
        dates = sorted({r["date"] for r in rows})
        # like pypistats.org: from 180 days before the last date, through the last date
        assert (dates[0], dates[-1]) == ("2026-05-24", "2026-11-20")
        assert all(isinstance(r["category"], str) for r in rows)
        assert (api / kind).read_bytes() == (api / f"{kind}.json").read_bytes()
    minor = json.loads((api / "python_minor.json").read_text())["data"]
    assert {"3.10", "null"} <= {r["category"] for r in minor}
    whole = store.read_series(data / "big-package" / "python_minor.csv")
    assert all(whole[(r["date"], r["category"])] == r["downloads"] for r in minor)


def test_packages_index_lists_recent_numbers(site: Path):
    index = json.loads((site / "api" / "packages.json").read_text())["packages"]
    by_name = {p["normalized"]: p for p in index}
    assert set(by_name) == {"big-package", "small-pkg", "extras-pkg", "not-fetched"}
    data = site.parent / "data"
    overall = store.read_series(data / "extras-pkg" / "overall.csv")
    assert by_name["extras-pkg"]["recent"] == derive.recent(overall)
    assert by_name["not-fetched"]["recent"] == {"last_day": 0, "last_week": 0, "last_month": 0}


def test_pypistats_client_reads_the_static_api(
    site: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    import pypistats
    import pypistats._cache

    monkeypatch.setattr(pypistats._cache, "CACHE_DIR", tmp_path / "cache")
    with serve(site, "/repo/") as base:
        monkeypatch.setattr(pypistats, "BASE_URL", base + "api/")
        recent = json.loads(pypistats.recent("big-package", format="json"))
        minor = json.loads(pypistats.python_minor("big-package", format="json", total="daily"))
    expected = json.loads((site / "api" / "packages" / "big-package" / "recent.json").read_text())
    assert recent == expected
    assert minor["type"] == "python_minor_downloads" and len(minor["data"]) > 180


# ---------------------------------------------------------------- other pages


def test_home_page_totals_search_and_groups(site: Path):
    text = (site / "index.html").read_text()
    index = json.loads((site / "api" / "packages.json").read_text())["packages"]
    month = sum(p["recent"]["last_month"] for p in index)
    assert f'data-total="last_month">{month:,}<' in text
    assert "data-search" in text
    assert 'id="group-web"' in text and 'id="group-data"' in text
    assert (
        text.index(">Data</a> <span") < text.index(">Web</a> <span") < text.index("Other packages")
    )
    # each group heading opens the group's page; "Other packages" is no group
    assert 'href="groups/data/" data-group-page>Data<' in text
    assert "groups/other-packages/" not in text
    assert text.count('class="pkg"') == 4
    card = text[text.index('data-name="not-fetched ') :]
    assert "no data yet" in card[: card.index("</li>")] and "0<small>" not in card


def test_top_list_ranks_by_month_with_trends(site: Path):
    text = (site / "top" / "index.html").read_text()
    names = re.findall(r'<tr data-name="([^"]+)"', text)
    assert names[0] == "big-package" and names[-1] == "not-fetched"
    # one sparkline per period (day, week, month), coloured like the change beside it;
    # not-fetched has no trend
    assert text.count('<svg class="spark') == 9
    for row in re.findall(r'<tr data-name=".*?</tr>', text, re.S):
        for period in ("day", "week", "month"):
            change = re.search(rf'<span data-for="{period}" class="delta (\w+)"', row)
            spark = re.search(rf'<span data-for="{period}"><svg class="spark (\w+)"', row)
            if spark:
                assert change and change[1] == spark[1], (row[:60], period)
    row = text[text.index('<tr data-name="not-fetched"') :]
    assert "no data yet" in row[: row.index("</tr>")]
    assert 'data-rank="movers"' in text


def test_content_pages_explain_mirrors_delay_history_and_counting_change(site: Path):
    methodology = (site / "methodology" / "index.html").read_text()
    for phrase in (
        "bandersnatch",
        "z3c.pypimirror",
        "Artifactory",
        "devpi",
        "2026-08-24",
        ".whl",
        "180 days",
        "one-to-two-day",
    ):
        assert phrase.lower() in methodology.lower(), phrase
    api_page = (site / "api" / "index.html").read_text()
    assert "pypistats.BASE_URL" in api_page
    assert "<table>" in api_page  # Markdown tables rendered


def test_costs_page_shows_the_run_log(site: Path):
    text = (site / "costs" / "index.html").read_text()
    assert "5.00 GiB" in text and "3.00 GiB" in text
    assert text.index("2026-11-21 03:10:00") < text.index("2026-11-20 03:10:00")  # newest first
    assert (site / "data" / "_meta" / "bigquery-runs.csv").is_file()
    assert 'href="../costs/"' in (site / "about" / "index.html").read_text()


def test_no_costs_page_without_a_run_log(tmp_path: Path):
    config, data = make_inputs(tmp_path)
    build_site(load_config(config), data, tmp_path / "site", "")
    assert not (tmp_path / "site" / "costs").exists()
    assert "costs/" not in (tmp_path / "site" / "index.html").read_text()


def test_sample_banner_on_every_page_only_for_sample_data(tmp_path: Path, site: Path):
    config, data = make_inputs(tmp_path, sample=True)
    build_site(load_config(config), data, tmp_path / "site", "")
    for page in pages(tmp_path / "site"):
        assert "data-sample-banner" in page.read_text(), page
    for page in pages(site):
        assert "data-sample-banner" not in page.read_text(), page


# ---------------------------------------------------------------- command line and safety


def test_cli_build_uses_base_url_for_snippets_canonical_and_404(tmp_path: Path):
    config, data = make_inputs(tmp_path)
    out = tmp_path / "public"
    result = run_cli(
        "build",
        "--config",
        config,
        "--data-dir",
        data,
        "--out",
        out,
        "--base-url",
        "https://me.github.io/stats",
    )
    assert result.returncode == 0, result.stderr
    page = (out / "packages" / "big-package" / "index.html").read_text()
    assert '<link rel="canonical" href="https://me.github.io/stats/packages/big-package/">' in page
    assert "https://me.github.io/stats/badges/big-package/month.svg" in page
    not_found = (out / "404.html").read_text()  # served at any depth: absolute links
    assert 'href="https://me.github.io/stats/top/"' in not_found
    assert 'href="#main"' in not_found  # the skip link stays on the page
    packages = json.loads((out / "api" / "packages.json").read_text())["packages"]
    assert packages[0]["page"].startswith("https://me.github.io/stats/packages/")


def test_base_url_defaults_to_the_config_setting(tmp_path: Path):
    config, data = make_inputs(tmp_path)
    config.write_text("base_url: https://example.org/s/\n" + config.read_text())
    result = run_cli("build", "--config", config, "--data-dir", data, "--out", tmp_path / "site")
    assert result.returncode == 0, result.stderr
    assert (
        "https://example.org/s/badges/"
        in (tmp_path / "site" / "packages" / "small-pkg" / "index.html").read_text()
    )


def test_rebuild_wipes_stale_files(tmp_path: Path):
    config, data = make_inputs(tmp_path)
    out = tmp_path / "site"
    build_site(load_config(config), data, out, "")
    (out / "packages" / "gone").mkdir()
    (out / "packages" / "gone" / "index.html").write_text("stale")
    build_site(load_config(config), data, out, "")
    assert not (out / "packages" / "gone").exists()


def test_refuses_to_wipe_a_directory_it_did_not_build(tmp_path: Path):
    config, data = make_inputs(tmp_path)
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "notes.txt").write_text("keep me")
    with pytest.raises(UsageError, match="refusing to wipe"):
        build_site(load_config(config), data, precious, "")
    assert (precious / "notes.txt").read_text() == "keep me"
    with pytest.raises(UsageError, match="overlaps the data directory"):
        build_site(load_config(config), data, data, "")
    result = run_cli("build", "--config", config, "--data-dir", data, "--out", precious)
    assert result.returncode == 2
    assert "refusing to wipe" in result.stderr and "Traceback" not in result.stderr


def test_corrupt_history_names_file_and_line_and_other_packages_still_build(tmp_path: Path):
    config, data = make_inputs(tmp_path)
    bad = data / "small-pkg" / "overall.csv"
    lines = bad.read_text().splitlines(keepends=True)
    lines[4] = "2026-99-01,without_mirrors,3\n"
    bad.write_text("".join(lines))
    out = tmp_path / "site"
    with pytest.raises(CorruptFileError) as info:
        build_site(load_config(config), data, out, "")
    assert info.value.line == 5 and info.value.path == bad
    assert (out / "packages" / "big-package" / "index.html").is_file()
    assert not (out / "packages" / "small-pkg").exists()
    result = run_cli("build", "--config", config, "--data-dir", data, "--out", out)
    assert result.returncode == 1
    assert f"{bad}:5" in result.stderr and "Traceback" not in result.stderr


def test_conflict_marker_in_a_category_file_is_reported(tmp_path: Path):
    config, data = make_inputs(tmp_path)
    bad = data / "big-package" / "system.csv"
    lines = bad.read_text().splitlines(keepends=True)
    lines.insert(10, "<<<<<<< HEAD\n")
    bad.write_text("".join(lines))
    with pytest.raises(CorruptFileError) as info:
        build_site(load_config(config), data, tmp_path / "site", "")
    assert info.value.line == 11 and "conflict" in info.value.reason


def test_parallel_build_matches_sequential(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from generator.site import build as build_module

    names = [f"pkg-{i:02d}" for i in range(30)]
    synthetic.write_history(tmp_path / "data", names, END, 60)
    config = synthetic.write_config(tmp_path / "packages.yaml", [(n, None) for n in names])
    build_site(load_config(config), tmp_path / "data", tmp_path / "parallel", "")
    monkeypatch.setattr(build_module, "PARALLEL_FROM", 10_000)
    build_site(load_config(config), tmp_path / "data", tmp_path / "sequential", "")
    for page in ("top/index.html", "packages/pkg-07/index.html", "api/packages/pkg-29/system.json"):
        a = re.sub(r"Built [^<]*", "", (tmp_path / "parallel" / page).read_text())
        b = re.sub(r"Built [^<]*", "", (tmp_path / "sequential" / page).read_text())
        assert a == b, page


def test_real_heudiconv_history_shows_its_gap_and_the_api_is_byte_identical(
    tmp_path: Path, realdata: Path
):
    """The recorded response is pypistats.org's exact wire format; ours must match it."""
    recorded = (realdata / "nipy-heudiconv" / "pypistats.json").read_bytes()
    raw = json.loads(recorded)
    series = {(r["date"], r["category"]): r["downloads"] for r in raw["data"]}
    store.write_series(tmp_path / "data" / "heudiconv" / "overall.csv", series)
    config = synthetic.write_config(tmp_path / "packages.yaml", [("heudiconv", "Neuroimaging")])
    build_site(load_config(config), tmp_path / "data", tmp_path / "site", "")
    text = (tmp_path / "site" / "packages" / "heudiconv" / "index.html").read_text()
    # alone, nothing tells the outage from a day without downloads: "no data", lightly
    assert '<li class="nodata-day">2023-01-24</li>' in text
    assert "1 day without data" in text and 'class="gap-note"' not in text
    api = tmp_path / "site" / "api" / "packages" / "heudiconv"
    assert (api / "overall.json").read_bytes() == recorded
    assert (api / "overall").read_bytes() == recorded


def test_real_semclone_responses_come_back_unchanged(tmp_path: Path, realdata: Path):
    """Each dimension of a real 180-day snapshot, stored and served again, equals the original."""
    snapshot = realdata / "semclone-status" / "extracted" / "2026-08-22" / "purl2src"
    originals = {
        k: json.loads((snapshot / f"{k}.json").read_text())
        for k in ("overall", "python_minor", "system")
    }
    for kind, body in originals.items():
        store.write_series(
            tmp_path / "data" / "purl2src" / f"{kind}.csv",
            {(r["date"], r["category"]): r["downloads"] for r in body["data"]},
        )
    config = synthetic.write_config(tmp_path / "packages.yaml", [("purl2src", None)])
    build_site(load_config(config), tmp_path / "data", tmp_path / "site", "")
    api = tmp_path / "site" / "api" / "packages" / "purl2src"
    for kind, body in originals.items():
        assert json.loads((api / f"{kind}.json").read_text()) == body, kind
    page = (tmp_path / "site" / "packages" / "purl2src" / "index.html").read_text()
    (chart,) = [c for c in _attributes(page, "chart") if c["data-kind"] == "python_minor"]
    cats = json.loads(chart["data-cats"])
    versions = [c for c in cats if c[0].isdigit()]
    assert versions == sorted(versions, key=lambda v: tuple(map(int, v.split("."))))
    assert versions.index("3.9") < versions.index("3.10") < versions.index("3.14")


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("2026-02-30,without_mirrors,3", "bad date"),
        ("20260201,without_mirrors,3", "bad date"),
        ("2026-02-01,without_mirrors,-3", "non-negative integer"),
        ("2026-02-01,without_mirrors,3.0", "non-negative integer"),
        ("2026-02-01,without_mirrors", "expected 3 fields"),
        ("", "blank line"),
    ],
)
def test_fast_overall_reader_reports_like_the_store(tmp_path: Path, line: str, reason: str):

    path = tmp_path / "overall.csv"
    path.write_text(
        "date,category,downloads\n2026-01-31,without_mirrors,1\n"
        + line
        + "\n2026-03-01,with_mirrors,2\n"
    )
    with pytest.raises(CorruptFileError) as info:
        store.read_series_fast(path)
    assert info.value.line == 3 and reason in info.value.reason
    good = tmp_path / "good.csv"
    store.write_series(good, {("2026-01-01", "with_mirrors"): 5, ("2026-01-01", 'a,"b'): 1})
    assert store.read_series_fast(good) == store.read_series(good)


def test_duplicate_row_in_overall_is_reported(tmp_path: Path):

    path = tmp_path / "overall.csv"
    path.write_text(
        "date,category,downloads\n2026-01-31,without_mirrors,1\n2026-01-31,without_mirrors,2\n"
    )
    with pytest.raises(CorruptFileError, match="duplicate"):
        store.read_series_fast(path)


def test_published_history_is_a_copy_so_writing_into_site_never_changes_data(tmp_path: Path):
    config, data = make_inputs(tmp_path)
    site = tmp_path / "site"
    build_site(load_config(config), data, site, "")
    source = data / "big-package" / "overall.csv"
    published = site / "data" / "big-package" / "overall.csv"
    kept = source.read_bytes()
    assert published.read_bytes() == kept
    with published.open("r+b") as handle:  # an editor or a minifier writing in place
        handle.write(b"tampered")
    with published.open("ab") as handle:
        handle.write(b"2099-12-31,with_mirrors,1\n")
    assert source.read_bytes() == kept  # data/ is untouched
    store.read_series(source)
    for path in site.rglob("*"):  # no link of any kind, inside site/ or out of it
        assert not path.is_symlink(), path
        if path.is_file():
            assert path.stat().st_nlink == 1, path
    series = store.read_series(source)
    series[("2026-11-21", "with_mirrors")] = 7
    series[("2026-11-21", "without_mirrors")] = 5
    store.write_series(source, series)  # what fetch does: a new file renamed over the old
    build_site(load_config(config), data, site, "")  # the next build wipes site/, not data/
    assert "2026-11-21,without_mirrors,5" in published.read_text()


def test_history_is_copied_through_memory_when_the_kernel_cannot_copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    def refuse(*args: object) -> int:
        raise OSError(18, "Invalid cross-device link")

    config, data = make_inputs(tmp_path)
    site = tmp_path / "site"
    monkeypatch.setattr("generator.site.package_page.os.copy_file_range", refuse)
    monkeypatch.setattr("generator.site.package_page.fcntl.ioctl", refuse)
    build_site(load_config(config), data, site, "")
    source = data / "small-pkg" / "system.csv"
    published = site / "data" / "small-pkg" / "system.csv"
    assert published.read_bytes() == source.read_bytes()
    assert published.stat().st_ino != source.stat().st_ino


@pytest.mark.parametrize(
    "text",
    [
        "date,category,downloads\n",
        "date,category,downloads",
        "date,category,downloads\n2026-01-01,with_mirrors,5\n2026-01-01,without_mirrors,4\n",
        "date,category,downloads\n2026-01-01,with_mirrors,5\n2026-01-02,without_mirrors,4",
        "date,category,downloads\r\n2026-01-01,with_mirrors,5\r\n2026-01-02,null,0\r\n",
    ],
)
def test_fast_readers_agree_with_the_store(tmp_path: Path, text: str):

    path = tmp_path / "python_minor.csv"
    path.write_bytes(text.encode())
    expected = store.read_series(path)
    assert store.read_series_fast(path) == expected
    tail = store.read_tail(path, "2026-01-02", "2026-01-02")
    assert tail.rows == [(d, c, n) for (d, c), n in sorted(expected.items()) if d == "2026-01-02"]
    assert tail.totals == {c: n for (d, c), n in expected.items() if d == "2026-01-02"}


@pytest.mark.parametrize(
    "row", ["2026-01-02,3.10,-4", "2026-01-02,3.10,+4", "2026-01-02,3.10, 4", "2026-01-02,3.10"]
)
def test_fast_tail_reader_reports_bad_rows_with_their_line(tmp_path: Path, row: str):

    path = tmp_path / "python_minor.csv"
    path.write_text(f"date,category,downloads\n2026-01-01,3.9,1\n{row}\n2026-01-03,3.9,2\n")
    with pytest.raises(CorruptFileError) as info:
        store.read_tail(path, "2026-01-02", "2026-01-03")
    assert info.value.line == 3


def test_fast_readers_match_the_store_on_generated_history(tmp_path: Path):

    _, data = make_inputs(tmp_path)
    for path in sorted((data / "extras-pkg").glob("*.csv")):
        expected = store.read_series(path)
        assert store.read_series_fast(path) == expected, path.name
        tail = store.read_tail(path, "2026-06-01", "2026-11-19")  # ends before the last day
        assert tail.rows == [
            (d, c, n) for (d, c), n in sorted(expected.items()) if "2026-06-01" <= d <= "2026-11-19"
        ], path.name


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("2019-13-01,Linux,3", "bad date"),
        ("2019-01-01,Linux,-3", "non-negative integer"),
        ("2026-02-01,Linux,3\n2026-02-01,Linux,4", "duplicate row"),  # in the window
    ],
)
def test_category_file_is_checked_outside_the_charted_window_too(
    tmp_path: Path, line: str, reason: str
):
    """Category files are published as they are, so an old bad row must stop them too."""

    path = tmp_path / "system.csv"
    path.write_text(
        "date,category,downloads\n2019-01-01,Darwin,1\n" + line + "\n2026-03-01,Linux,2\n"
    )
    with pytest.raises(CorruptFileError) as info:
        store.read_tail(path, "2026-01-01", "2026-03-01")
    assert reason in info.value.reason and info.value.line >= 3
    good = tmp_path / "good.csv"
    good.write_text("date,category,downloads\n2019-01-01,Darwin,1\n2026-03-01,Linux,2\n")
    tail = store.read_tail(good, "2026-01-01", "2026-03-01")
    assert tail.rows == [("2026-03-01", "Linux", 2)] and tail.totals == {"Linux": 2}
