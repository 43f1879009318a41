"""summary.json (the tracking scripts' summary format) and the API under packages.yaml's
own spelling, which the pypistats client asks for."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import jsonschema
import pytest

from generator import stats, store
from generator.config import load_config
from generator.model import Release
from generator.site import summary_api
from generator.site.build import build_site
from generator.store import releases as stored_releases
from tests import synthetic
from tests.servers.static_site import serve

REPO = Path(__file__).resolve().parent.parent
SCHEMA = json.loads((REPO / "content" / summary_api.SCHEMA_NAME).read_text())
END = dt.date(2026, 11, 20)


def _day(offset: int) -> str:
    return (END + dt.timedelta(days=offset)).isoformat()


def _summary_of(without: dict[str, int]) -> stats.Summary:
    overall = {(d, "without_mirrors"): n for d, n in without.items()}
    return stats.summarize(overall, END, stats.daily(overall), stats.Coverage())


# ---------------------------------------------------------------- the document, by hand


def test_the_summary_counts_the_last_30_days_and_its_shares_add_up():
    # 60 days: 10 a day for the first 30, then 20 a day, one peak of 500 on day -3
    without = {_day(-i): (20 if i < 30 else 10) for i in range(60)}
    without[_day(-3)] = 500
    summary = _summary_of(without)
    minor = {"3.12": 300, "3.11": 200, "null": 80, "2.7": 0}
    system = {"Linux": 500, "Windows": 80}
    releases = [
        Release("2026-10-01T10:00:00Z", "1.0.0"),
        Release("2026-11-10T09:30:00Z", "1.1.0", yanked=True),
        Release("2026-11-01T08:00:00Z", "1.0.1"),
    ]
    doc = summary_api.summary_document(
        "pkg",
        "2026-11-21T04:00:00Z",
        summary,
        stats.daily({(d, "without_mirrors"): n for d, n in without.items()}),
        {"python_minor": minor, "system": system},
        sorted(releases),
    )
    assert doc["window"] == {
        "start": _day(-29),
        "end": _day(0),
        "days": 30,
        "days_covered": 30,
    }
    assert doc["total_downloads"] == 29 * 20 + 500 == 1080
    assert doc["average_daily"] == 36.0
    # Python versions, most first; a version with no downloads is left out
    assert doc["top_versions"] == [
        {"version": "3.12", "downloads": 300},
        {"version": "3.11", "downloads": 200},
        {"version": "null", "downloads": 80},
    ]
    assert doc["top_systems"][0] == {"system": "Linux", "downloads": 500}
    assert doc["all_time_downloads"] == 30 * 10 + 1080
    assert doc["peak_day"] == {"date": _day(-3), "downloads": 500}
    # the week: 6 x 20 + 500 against 7 x 20
    assert doc["growth"]["last_week"] == {"downloads": 620, "previous": 140, "percent": 342.9}
    assert doc["growth"]["last_month"] == {"downloads": 1080, "previous": 300, "percent": 260.0}
    # the yanked 1.1.0 is newer, but the latest release is the newest one still installable
    assert doc["latest_release"] == {
        "version": "1.0.1",
        "date": "2026-11-01",
        "uploaded": "2026-11-01T08:00:00Z",
    }
    assert "top_releases" not in doc
    jsonschema.validate(doc, SCHEMA)


def test_a_package_tracked_for_a_week_averages_over_the_days_it_has():
    without = {_day(-i): 7 for i in range(7)}
    doc = summary_api.summary_document(
        "new", "2026-11-21T04:00:00Z", _summary_of(without), without, {}
    )
    assert doc["window"]["days_covered"] == 7
    assert doc["average_daily"] == 7.0
    assert doc["top_versions"] == [] and doc["top_systems"] == []
    assert doc["latest_release"] is None
    assert doc["growth"]["last_week"]["percent"] is None  # nothing before it
    jsonschema.validate(doc, SCHEMA)


def test_the_schema_refuses_what_a_script_could_not_read():
    without = {_day(-i): 3 for i in range(40)}
    doc = summary_api.summary_document(
        "p", "2026-11-21T04:00:00Z", _summary_of(without), without, {}
    )
    for broken in (
        {k: v for k, v in doc.items() if k != "total_downloads"},
        {**doc, "top_versions": [{"version": "3.12"}]},
        {**doc, "timestamp": "2026-11-21 04:00"},
        {**doc, "surprise": 1},
    ):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(broken, SCHEMA)


# ---------------------------------------------------------------- in a built site


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("summary")
    data = root / "data"
    synthetic.write_package(
        data / "beta-tool", seed=4, start=END - dt.timedelta(days=199), days=200, scale=300
    )
    synthetic.write_package(
        data / "extras-pkg",
        seed=3,
        start=END - dt.timedelta(days=99),
        days=100,
        scale=900,
        extras=True,
    )
    stored_releases.write(
        data,
        "beta-tool",
        [Release("2026-09-01T12:00:00Z", "0.9"), Release("2026-11-02T01:02:03Z", "1.0")],
    )
    config = root / "packages.yaml"
    config.write_text(
        "packages:\n  - name: Beta_Tool\n  - name: extras-pkg\n  - name: Never.Fetched\n"
    )
    build_site(load_config(config), data, root / "site", "")
    return root / "site"


def test_every_summary_validates_and_counts_the_history(site: Path):
    data = site.parent / "data"
    for name in ("beta-tool", "extras-pkg"):
        doc = json.loads((site / "api" / "packages" / name / "summary.json").read_text())
        jsonschema.validate(doc, SCHEMA)
        overall = store.read_series(data / name / "overall.csv")
        without = stats.daily(overall)
        window = doc["window"]
        assert window["end"] == max(without)
        month = sum(n for d, n in without.items() if window["start"] <= d <= window["end"])
        assert doc["total_downloads"] == month
        assert doc["all_time_downloads"] == sum(without.values())
        system = store.read_series(data / name / "system.csv")
        linux = sum(
            n
            for (d, c), n in system.items()
            if c == "Linux" and window["start"] <= d <= window["end"]
        )
        assert {"system": "Linux", "downloads": linux} in doc["top_systems"]
    beta = json.loads((site / "api" / "packages" / "beta-tool" / "summary.json").read_text())
    assert beta["latest_release"]["version"] == "1.0"
    extras = json.loads((site / "api" / "packages" / "extras-pkg" / "summary.json").read_text())
    assert extras["top_releases"], "the version kind gives the package's own versions"
    assert not (site / "api" / "packages" / "never-fetched" / "summary.json").exists()


def test_the_schema_and_the_api_page_document_the_summary(site: Path):
    published = json.loads((site / "api" / summary_api.SCHEMA_NAME).read_text())
    assert published == SCHEMA
    page = (site / "api" / "index.html").read_text()
    assert "summary.json" in page and 'href="summary.schema.json"' in page
    package_page = (site / "packages" / "beta-tool" / "index.html").read_text()
    assert 'href="../../api/packages/beta-tool/summary.json"' in package_page


def test_the_api_is_also_under_the_lowercased_spelling_of_packages_yaml(site: Path):
    normalised = site / "api" / "packages" / "beta-tool"
    spelled = site / "api" / "packages" / "beta_tool"
    assert sorted(p.name for p in spelled.iterdir()) == sorted(p.name for p in normalised.iterdir())
    for path in normalised.iterdir():
        assert (spelled / path.name).read_bytes() == path.read_bytes()
    # a name already in normal form is published once
    assert sorted(p.name for p in (site / "api" / "packages").iterdir()) == [
        "beta-tool",
        "beta_tool",
        "extras-pkg",
    ]


def test_the_pypistats_client_reads_a_package_by_its_packages_yaml_spelling(
    site: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    import pypistats
    import pypistats._cache

    monkeypatch.setattr(pypistats._cache, "CACHE_DIR", tmp_path / "cache")
    with serve(site, "/stats/") as base:
        monkeypatch.setattr(pypistats, "BASE_URL", base + "api/")
        recent = json.loads(pypistats.recent("Beta_Tool", format="json"))
        overall = json.loads(pypistats.overall("Beta_Tool", format="json", total="daily"))
    expected = json.loads((site / "api" / "packages" / "beta-tool" / "recent.json").read_text())
    assert recent == expected
    assert recent["package"] == "beta-tool"
    assert overall["type"] == "overall_downloads" and len(overall["data"]) > 180
