"""Release impact (generator.impact) against hand computations, the n/a cases, days to
half, and version classes on real PyPI version strings; then a built site's Releases card
and releases.json."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest

from generator import impact, stats
from generator.config import load_config
from generator.model import Release, Series
from generator.site.build import build_site
from generator.store import releases as stored_releases
from tests import synthetic

TODAY = dt.date(2027, 1, 1)


def day(start: str, i: int) -> str:
    return (dt.date.fromisoformat(start) + dt.timedelta(days=i)).isoformat()


def overall_of(counts: dict[str, int]) -> Series:
    series: Series = {}
    for d, n in counts.items():
        series[(d, "without_mirrors")] = n
        series[(d, "with_mirrors")] = n + 10
    return series


def record_of(overall: Series, cover: stats.Coverage | None = None) -> impact.Record:
    without = stats.daily(overall)
    return impact.record(without, stats.summarize(overall, TODAY, without, cover))


def release(d: str, version: str = "1.0.0", yanked: bool = False) -> Release:
    return Release(f"{d}T12:00:00Z", version, yanked)


def alternating() -> dict[str, int]:
    """2024-01-01 (i = 0) to 2024-03-21 (i = 80): 80 on even i and 120 on odd i up to
    i = 44, 999 on the release day i = 45 (2024-02-15), 130 on i = 46..52, 160 after."""
    counts = {}
    for i in range(81):
        if i < 45:
            counts[day("2024-01-01", i)] = 80 if i % 2 == 0 else 120
        elif i == 45:
            counts[day("2024-01-01", i)] = 999
        elif i <= 52:
            counts[day("2024-01-01", i)] = 130
        else:
            counts[day("2024-01-01", i)] = 160
    return counts


# ---------------------------------------------------------------- impact by hand


def test_impact_equals_the_hand_computation():
    rec = record_of(overall_of(alternating()))
    [found] = impact.impacts([release("2024-02-15")], rec)
    # 7 days before: i = 38..44 = 80+120+80+120+80+120+80 = 680 (mean 97.14)
    # 7 days after:  i = 46..52 = 7 × 130 = 910 (mean 130); the release day's 999 in neither
    # (910 − 680) / 680 = 33.8235…%
    assert found.effects[7].percent == pytest.approx(33.8235294, abs=1e-6)
    # 28 before: i = 17..44, 14 × 80 + 14 × 120 = 2800 (mean 100)
    # 28 after: i = 46..73, 7 × 130 + 21 × 160 = 4270 (mean 152.5): +52.5%
    assert found.effects[28].percent == pytest.approx(52.5)
    assert found.effects[7].reason is None and found.effects[28].reason is None


def test_no_change_is_zero_and_a_span_before_the_history_is_na():
    rec = record_of(overall_of(alternating()))
    [found] = impact.impacts([release("2024-01-11")], rec)  # i = 10
    # before i = 3..9: 4 × 120 + 3 × 80 = 720; after i = 11..17: 4 × 120 + 3 × 80 = 720
    assert found.effects[7].percent == 0.0
    # 28 days before i = 10 start on i = −18, before the history
    assert found.effects[28] == impact.Effect(None, impact.INCOMPLETE)


def test_a_span_after_the_last_day_is_na():
    rec = record_of(overall_of(alternating()))
    [found] = impact.impacts([release("2024-03-16")], rec)  # i = 75; the history ends on 80
    assert found.effects[7] == impact.Effect(None, impact.INCOMPLETE)
    assert found.effects[28] == impact.Effect(None, impact.INCOMPLETE)
    [last] = impact.impacts([release("2024-03-14")], rec)  # i = 73: after is i = 74..80
    assert last.effects[7].percent == 0.0  # 160 a day on both sides


def test_an_outage_makes_a_span_na_but_a_zero_day_counts_as_zero():
    """Two packages, May 2024: A 10 a day, B 5 a day. 05-10 is missing from both (an
    outage); 05-20 from A only (B was reported that day: a zero-download day of A)."""
    a = {day("2024-05-01", i): 10 for i in range(31)}
    b = {day("2024-05-01", i): 5 for i in range(31)}
    for d in ("2024-05-10",):
        del a[d], b[d]
    del a["2024-05-20"]
    cover = stats.coverage([a, b])
    rec = record_of(overall_of(a), cover)
    outage, zero = impact.impacts([release("2024-05-16"), release("2024-05-24")], rec)
    assert outage.effects[7] == impact.Effect(None, impact.INCOMPLETE)  # 05-09..05-15
    # before 05-17..05-23: six days of 10 and the zero day = 60; after 05-25..05-31: 70
    assert zero.effects[7].percent == pytest.approx(100 * (70 - 60) / 60)


def test_a_day_without_data_on_a_single_package_site_is_na_too():
    a = {day("2024-05-01", i): 10 for i in range(31)}
    del a["2024-05-10"]
    [found] = impact.impacts([release("2024-05-16")], record_of(overall_of(a)))
    assert found.effects[7] == impact.Effect(None, impact.INCOMPLETE)


def test_no_downloads_before_is_na():
    counts = {day("2024-05-01", i): 0 if i < 7 else 50 for i in range(20)}
    [found] = impact.impacts([release("2024-05-08")], record_of(overall_of(counts)))
    assert found.effects[7] == impact.Effect(None, impact.ZERO_BEFORE)


def test_spans_across_the_counting_change_are_na():
    counts = {day("2026-06-01", i): 100 for i in range(150)}
    rec = record_of(overall_of(counts))
    near, earlier = impact.impacts(
        [release("2026-08-20"), release("2026-08-10")], rec, counting_change="2026-08-24"
    )
    assert near.effects[7] == impact.Effect(None, impact.COUNTING_CHANGE)
    assert near.effects[28] == impact.Effect(None, impact.COUNTING_CHANGE)
    assert earlier.effects[7].percent == 0.0  # 08-03..08-17: one side of the change
    assert earlier.effects[28] == impact.Effect(None, impact.COUNTING_CHANGE)
    [unflagged] = impact.impacts([release("2026-08-20")], rec)  # no date given: computed
    assert unflagged.effects[7].percent == 0.0


# ---------------------------------------------------------------- days to half


def test_days_to_half_and_not_yet():
    versions: Series = {}
    shares = {  # day: (1.0.0, 1.1.0, other); 1.1.0 reaches half on 06-05 (50 of 100)
        "2024-06-01": (90, 0, 10),
        "2024-06-02": (90, 0, 10),
        "2024-06-03": (85, 10, 5),
        "2024-06-04": (55, 40, 5),
        "2024-06-05": (40, 50, 10),
        "2024-06-06": (20, 75, 5),
    }
    for d, (old, new, other) in shares.items():
        versions[(d, "1.0.0")] = old
        versions[(d, "1.1.0")] = new
        versions[(d, "other")] = other
    rec = record_of(overall_of({d: 100 for d in shares}))
    releases = [
        release("2024-03-01", "0.9.0"),  # before the version data: unknown
        release("2024-06-03", "1.1.0"),
        release("2024-06-05", "1.2.0rc1"),  # never among them: not yet
        release("2024-06-01", "1.0"),  # 1.0 is 1.0.0; it has half at once
    ]
    before, minor, rc, same = impact.impacts(releases, rec, versions)
    assert not before.half_known and before.days_to_half is None
    assert minor.half_known and minor.days_to_half == 2
    assert rc.half_known and rc.days_to_half is None
    assert same.days_to_half == 0
    [without] = impact.impacts([release("2024-06-03", "1.1.0")], rec)
    assert not without.half_known  # no version data stored


def test_version_spellings_match_the_categories():
    versions: Series = {("2024-06-01", "1.0b1"): 10, ("2024-06-01", "0.9"): 5}
    halves = impact.Halves(versions)
    assert halves.days_to_half("1.0B1", "2024-06-01") == 0
    assert halves.days_to_half("0.9", "2024-06-01") is None  # a third is not half


# ---------------------------------------------------------------- version classes


def real_versions(realdata: Path, name: str) -> list[str]:
    document = json.loads((realdata / "pypi-json" / f"{name}.json").read_text())
    return list(document["releases"])


def test_version_classes_on_real_versions(realdata: Path):
    numpy = real_versions(realdata, "numpy")
    assert {"1.0b1", "1.0rc1", "1.26.0", "1.26.4"} <= set(numpy)
    assert impact.classify("1.0b1") == impact.VersionClass(pre=True, significant=False)
    assert impact.classify("1.0rc1").pre
    assert impact.classify("1.26.0") == impact.VersionClass(pre=False, significant=True)
    assert impact.classify("1.26.4") == impact.VersionClass(pre=False, significant=False)
    pre = sorted(v for v in numpy if impact.classify(v).pre)
    assert pre == ["1.0b1", "1.0b4", "1.0b5", "1.0rc1", "1.0rc2", "1.0rc3"]  # SOURCES.md
    django = real_versions(realdata, "django")
    assert "2.2a1" in django and impact.classify("2.2a1").pre
    assert impact.classify("1.8c1").pre and impact.classify("2.1").significant
    assert len([v for v in django if impact.classify(v).pre]) == 21  # SOURCES.md: 21
    assert not impact.classify("2.1.5").significant


def test_cabinet_epochs_outrank_its_calver_but_stay_in_upload_order(realdata: Path):
    cabinet = real_versions(realdata, "cabinet")
    assert max(cabinet, key=impact.version_key) == "1!2.1.5"
    newest_calver = max((v for v in cabinet if "!" not in v), key=impact.version_key)
    assert newest_calver == "2024.7.20.1"
    assert all(
        impact.version_key(v) > impact.version_key(newest_calver) for v in cabinet if "!" in v
    )
    assert impact.classify("1!1.0.0").significant and not impact.classify("1!1.0.1").significant
    assert not impact.classify("2023.3.5.1").significant  # CalVer's day is not a minor
    # placed by upload time: the CalVer release of 2024-07-20 comes before 1!0.8.1
    releases = sorted([release("2024-07-24", "1!0.8.1"), release("2024-07-20", "2024.7.20.1")])
    assert [r.version for r in releases] == ["2024.7.20.1", "1!0.8.1"]


def test_legacy_and_post_versions_are_neither_pre_nor_significant():
    for legacy in ("2004d", "1.0-beta-final", "latest"):
        assert impact.classify(legacy) == impact.VersionClass(pre=False, significant=False)
    assert impact.version_key("2004d") < impact.version_key("0.0.1")
    assert not impact.classify("1.2.0.post1").significant
    assert not impact.classify("1.2.0.1").significant
    assert impact.classify("1.0.dev3").pre


# ---------------------------------------------------------------- the built site

END = dt.date(2026, 6, 30)


def _site(tmp_path: Path, releases: list[Release] | None) -> Path:
    data = tmp_path / "data"
    synthetic.write_package(data / "pkg", seed=3, start=END - dt.timedelta(days=199), days=200)
    if releases is not None:
        stored_releases.write(data, "pkg", releases)
    config = synthetic.write_config(tmp_path / "packages.yaml", [("pkg", None)])
    build_site(load_config(config), data, tmp_path / "site", "")
    return tmp_path / "site"


def _rows(html: str) -> list[list[str]]:
    table = re.search(r"<table class=\"data releases\".*?</table>", html, re.S)
    assert table
    rows = re.findall(r"<tr>(.*?)</tr>", table[0].split("<tbody>")[1], re.S)
    return [
        [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r)]
        for r in rows
    ]


def test_a_site_with_releases_has_the_table_and_releases_json(tmp_path: Path):
    ours = [
        release("2026-02-01", "0.9.0"),  # 7 before start before the history (01-12): n/a
        release("2026-04-01", "1.0.0rc1"),
        release("2026-04-10", "1.0.0", yanked=True),
        release("2026-06-28", "1.0.1"),  # after: past the last day
    ]
    site = _site(tmp_path, ours)
    html = (site / "packages" / "pkg" / "index.html").read_text()
    rows = _rows(html)
    assert [r[0] for r in rows] == ["1.0.1", "1.0.0 yanked", "1.0.0rc1 pre", "0.9.0"]
    assert [r[1] for r in rows] == ["2026-06-28", "2026-04-10", "2026-04-01", "2026-02-01"]
    assert rows[0][2:] == ["n/a", "n/a"]
    # the figure shown is impact's over the stored history, rounded as the page does
    overall = {(d, c): n for (d, c), n in _overall(tmp_path).items()}
    [expected] = impact.impacts([release("2026-04-10", "1.0.0")], record_of(overall))
    assert rows[1][2].replace("−", "-").rstrip("%") == f"{expected.effects[7].percent:+,.1f}"
    assert "data-releases-toggle" in html and "releases.json" in html
    document = json.loads((site / "data" / "pkg" / "releases.json").read_text())
    assert document["package"] == "pkg"
    assert [r["version"] for r in document["releases"]] == ["0.9.0", "1.0.0rc1", "1.0.0", "1.0.1"]
    assert document["releases"][1] == {
        "version": "1.0.0rc1",
        "date": "2026-04-01",
        "uploaded": "2026-04-01T12:00:00Z",
        "pre": True,
        "yanked": False,
        "significant": False,
    }
    assert document["releases"][2]["yanked"] and document["releases"][2]["significant"]


def _overall(root: Path) -> Series:
    from generator import store

    return store.read_series(root / "data" / "pkg" / "overall.csv")


def test_a_package_without_releases_builds_as_before(tmp_path: Path):
    site = _site(tmp_path, None)
    html = (site / "packages" / "pkg" / "index.html").read_text()
    assert 'id="releases"' not in html and "data-releases" not in html
    assert "releases.json" not in html
    assert not (site / "data" / "pkg" / "releases.json").exists()


def test_a_long_list_shows_the_newest_thirty_with_a_note(tmp_path: Path):
    many = [release(day("2026-01-01", i), f"0.{i}.0") for i in range(120)]
    site = _site(tmp_path, many)
    html = (site / "packages" / "pkg" / "index.html").read_text()
    rows = _rows(html)
    assert len(rows) == 30 and rows[0][0] == "0.119.0" and rows[-1][0] == "0.90.0"
    assert "The newest 30 of 120 releases" in html
    card = re.search(r'<section class="card" id="releases".*?</section>', html, re.S)
    assert card and len(card[0].encode()) < 5_000  # page weight: the card stays small
