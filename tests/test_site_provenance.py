"""Where the numbers come from: the provenance section of package pages, its JSON API
document, the "no CI flag in ClickHouse" note, the "ClickHouse is behind" notice and the
ClickHouse part of the costs page. The pure pieces first, then sites built from a small
data/ written by hand."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from pathlib import Path

import pytest

from generator import store
from generator.config import load_config
from generator.errors import CorruptFileError, LinkRefused
from generator.site import costs, layout
from generator.site import provenance as origin
from generator.site.build import build_site
from generator.store import clickhouse_log, provenance, runlog
from generator.store.clickhouse_log import ClickHouseRun
from generator.store.provenance import Span
from tests import synthetic

D = dt.date.fromisoformat
PYPISTATS_KINDS = ("overall", "python_major", "python_minor", "system")
EXTRAS = ("version", "country", "installer")


def days(first: str, last: str) -> list[str]:
    start, end = D(first), D(last)
    return [(start + dt.timedelta(days=i)).isoformat() for i in range((end - start).days + 1)]


def runs(segments: list[origin.Segment]) -> list[tuple[str | None, str, str]]:
    return [(s.source, s.first, s.last) for s in segments]


# ---------------------------------------------------------------- the pure grouping


def test_one_source_for_every_stored_day_is_one_run():
    spans = [Span("overall", D("2026-01-01"), D("2026-03-31"), "pypistats")]
    assert runs(origin.segments(spans, days("2026-01-01", "2026-03-31"))) == [
        ("pypistats", "2026-01-01", "2026-03-31")
    ]


def test_three_sources_in_date_order():
    spans = [
        Span("overall", D("2026-06-05"), D("2026-12-01"), "pypistats"),
        Span("overall", D("2016-01-03"), D("2020-12-31"), "bigquery"),
        Span("overall", D("2021-01-01"), D("2026-06-04"), "clickhouse"),
    ]
    assert runs(origin.segments(spans, days("2016-01-03", "2026-12-01"))) == [
        ("bigquery", "2016-01-03", "2020-12-31"),
        ("clickhouse", "2021-01-01", "2026-06-04"),
        ("pypistats", "2026-06-05", "2026-12-01"),
    ]


def test_days_that_are_not_stored_neither_break_a_run_nor_count_as_unrecorded():
    """A zero-download day or an outage has no row: the spans around it are one run, and
    a run's ends are stored days."""
    spans = [
        Span("system", D("2026-01-01"), D("2026-01-09"), "pypistats"),
        Span("system", D("2026-01-12"), D("2026-01-20"), "pypistats"),
    ]
    stored = set(days("2026-01-02", "2026-01-19")) - {"2026-01-10", "2026-01-11", "2026-01-15"}
    assert runs(origin.segments(spans, stored)) == [("pypistats", "2026-01-02", "2026-01-19")]


def test_stored_days_no_span_covers_are_source_not_recorded():
    spans = [
        Span("overall", D("2026-03-01"), D("2026-03-10"), "clickhouse"),
        Span("overall", D("2026-03-16"), D("2026-03-31"), "pypistats"),
    ]
    stored = days("2026-01-01", "2026-03-31")
    assert runs(origin.segments(spans, stored)) == [
        (None, "2026-01-01", "2026-02-28"),  # kept before provenance was
        ("clickhouse", "2026-03-01", "2026-03-10"),
        (None, "2026-03-11", "2026-03-15"),  # a gap between two sources, with stored days
        ("pypistats", "2026-03-16", "2026-03-31"),
    ]
    assert runs(origin.segments([], stored)) == [(None, "2026-01-01", "2026-03-31")]


def test_where_spans_overlap_the_later_one_wins():
    spans = [
        Span("overall", D("2026-01-01"), D("2026-01-31"), "clickhouse"),
        Span("overall", D("2026-01-10"), D("2026-01-20"), "import"),
    ]
    assert runs(origin.segments(spans, days("2026-01-01", "2026-01-31"))) == [
        ("clickhouse", "2026-01-01", "2026-01-09"),
        ("import", "2026-01-10", "2026-01-20"),
        ("clickhouse", "2026-01-21", "2026-01-31"),
    ]


def test_spans_beyond_the_stored_days_are_cut_to_them():
    spans = [Span("overall", D("2000-01-01"), D("2099-12-31"), "bigquery")]
    assert runs(origin.segments(spans, days("2026-01-05", "2026-01-06"))) == [
        ("bigquery", "2026-01-05", "2026-01-06")
    ]


def test_kinds_without_spans_or_without_stored_days():
    spans = [Span("overall", D("2026-01-01"), D("2026-01-31"), "pypistats")]
    spans.append(Span("ci", D("2026-01-01"), D("2026-01-31"), "bigquery"))  # ci is not stored
    stored = {
        "overall": days("2026-01-01", "2026-01-31"),
        "version": days("2026-01-05", "2026-01-31"),
    }
    kinds = origin.by_kind(spans, stored)
    assert list(kinds) == ["overall", "version"]
    assert runs(kinds["version"]) == [(None, "2026-01-05", "2026-01-31")]


def _four_and_extras() -> dict[str, list[origin.Segment]]:
    spans = [
        span
        for kind in PYPISTATS_KINDS
        for span in (
            Span(kind, D("2016-01-03"), D("2026-06-04"), "clickhouse"),
            Span(kind, D("2026-06-05"), D("2026-12-01"), "pypistats"),
        )
    ]
    spans += [Span(k, D("2016-01-03"), D("2026-11-30"), "clickhouse") for k in EXTRAS]
    stored = {k: days("2016-01-03", "2026-12-01") for k in PYPISTATS_KINDS}
    stored.update({k: days("2016-01-03", "2026-11-30") for k in EXTRAS})
    return origin.by_kind(spans, stored)


def _text(line: dict) -> str:
    return f"{line['label']}: " + ", ".join(
        f"{s['name']} {s['first']} – {s['last']}" for s in line["segments"]
    )


def test_kinds_with_the_same_runs_share_one_line():
    lines = origin.lines(_four_and_extras(), "../../methodology/")
    assert [_text(line) for line in lines] == [
        "Downloads, Python versions and systems: ClickHouse 2016-01-03 – 2026-06-04,"
        " pypistats.org 2026-06-05 – 2026-12-01",
        "Package versions, countries and installers: ClickHouse 2016-01-03 – 2026-11-30",
    ]
    first = lines[0]["segments"]
    assert [s["href"] for s in first] == [
        "../../methodology/#source-clickhouse",
        "../../methodology/#source-pypistats",
    ]


def test_python_major_gets_its_own_line_only_when_it_differs():
    kinds = _four_and_extras()
    kinds["python_major"] = [origin.Segment(None, "2016-01-03", "2026-12-01")]
    labels = [line["label"] for line in origin.lines(kinds, "")]
    assert labels == [
        "Downloads, Python versions and systems",
        "Python major versions",
        "Package versions, countries and installers",
    ]
    unrecorded = origin.lines(kinds, "m/")[1]["segments"][0]
    assert unrecorded["name"] == "source not recorded"
    assert unrecorded["href"] == "m/#which-source-gave-which-days"


def test_a_long_line_shows_its_newest_runs_and_counts_the_rest():
    spans = [
        Span("overall", D(day), D(day), "clickhouse" if i % 2 else "pypistats")
        for i, day in enumerate(days("2026-01-01", "2026-01-20"))
    ]
    (line,) = origin.lines(origin.by_kind(spans, {"overall": days("2026-01-01", "2026-01-20")}), "")
    assert len(line["segments"]) == origin.SEGMENTS_SHOWN
    assert line["earlier"] == 20 - origin.SEGMENTS_SHOWN
    assert line["segments"][-1]["last"] == "2026-01-20"


def test_sources_without_a_methodology_section_are_named_but_not_linked():
    kinds = {"overall": [origin.Segment("import", "2026-01-01", "2026-01-02")]}
    (segment,) = origin.lines(kinds, "m/")[0]["segments"]
    assert (segment["name"], segment["href"]) == ("imported files", "")


def test_api_rows_keep_every_run_with_null_for_unrecorded():
    kinds = {
        "overall": [
            origin.Segment(None, "2025-01-01", "2025-12-31"),
            origin.Segment("pypistats", "2026-01-01", "2026-01-31"),
        ],
        "version": [origin.Segment("clickhouse", "2026-01-01", "2026-01-30")],
    }
    assert origin.api_rows(kinds) == [
        {"first_date": "2025-01-01", "kind": "overall", "last_date": "2025-12-31", "source": None},
        {
            "first_date": "2026-01-01",
            "kind": "overall",
            "last_date": "2026-01-31",
            "source": "pypistats",
        },
        {
            "first_date": "2026-01-01",
            "kind": "version",
            "last_date": "2026-01-30",
            "source": "clickhouse",
        },
    ]


def test_a_category_files_days_from_its_window_and_its_bounds():
    overall_days = sorted(set(days("2026-01-01", "2026-03-31")) - {"2026-01-15"})
    window = {"2026-03-02", "2026-03-01"}
    assert origin.kind_days(overall_days, window, None, "2026-03-01") == [
        "2026-03-01",
        "2026-03-02",
    ]
    got = origin.kind_days(overall_days, window, ("2026-01-10", "2026-03-02"), "2026-03-01")
    assert got == sorted(got) and len(got) == len(set(got))
    assert got[0] == "2026-01-10" and "2026-01-15" not in got and got[-1] == "2026-03-02"
    assert "2026-02-28" in got
    # a file that ended before the window (CI after BigQuery stopped)
    ended = origin.kind_days(overall_days, set(), ("2026-01-01", "2026-01-31"), "2026-03-01")
    assert ended[-1] == "2026-01-31"


def test_the_ci_note_needs_extras_from_clickhouse_and_no_ci():
    spans = [Span("version", D("2026-01-01"), D("2026-01-31"), "clickhouse")]
    assert origin.ci_missing_from_clickhouse(["overall", "version"], spans)
    assert not origin.ci_missing_from_clickhouse(["overall", "version", "ci"], spans)
    assert not origin.ci_missing_from_clickhouse(["overall"], spans)
    bigquery = [Span("version", D("2026-01-01"), D("2026-01-31"), "bigquery")]
    assert not origin.ci_missing_from_clickhouse(["overall", "version"], bigquery)
    notes = layout.dimension_notes(["overall", "system", "python_minor", "version"], [], 180, True)
    assert {
        "kind": "ci",
        "text": "CI share: ClickHouse's public dataset has no CI flag; only the BigQuery"
        " source records it.",
    } in notes


def _run(newest: str, end: str = "2026-12-01", at: str = "2026-12-02T03:20:00Z") -> ClickHouseRun:
    return ClickHouseRun(at, "fetch", ("a", "b"), "2026-11-25", end, newest, 6, 10_000, 3 * 2**30)


def test_the_clickhouse_notice_only_when_the_last_run_was_behind():
    assert origin.clickhouse_notice(None) is None
    assert origin.clickhouse_notice(_run("2026-12-01")) is None
    notice = origin.clickhouse_notice(_run("2026-11-29"))
    assert notice == {"newest_day": "2026-11-29", "checked": "2026-12-02", "packages": {"a", "b"}}
    assert origin.clickhouse_notice(_run(""))["newest_day"] == ""  # type: ignore[index]


def test_clickhouse_costs_per_month_and_the_last_run():
    log = [
        _run("2026-10-30", "2026-10-30", "2026-10-31T03:20:00Z"),
        _run("2026-11-29", at="2026-12-02T03:20:00Z"),
        _run("2026-12-01", at="2026-12-01T03:20:00Z"),
    ]
    got = costs.clickhouse_context(log, dt.date(2026, 12, 2))
    assert got["logged"] and got["count"] == 3 and got["queries"] == 18
    assert [(m["month"], m["count"], m["rows_read"], m["bytes_read"]) for m in got["months"]] == [
        ("2026-12", 2, 20_000, "6.00 GiB"),
        ("2026-10", 1, 10_000, "3.00 GiB"),
    ]
    assert got["this_month"] == "6.00 GiB"
    assert got["last"]["run_at"] == "2026-12-02 03:20:00" and got["last"]["behind"]
    assert costs.clickhouse_context([], dt.date(2026, 12, 2))["logged"] is False


# ---------------------------------------------------------------- sites built by hand


END = dt.date(2026, 12, 1)
FIRST = dt.date(2016, 1, 3)
SHORT = dt.date(2025, 12, 1)  # where the test needs no decade of history


def visible(page: str) -> str:
    """The page's text as a reader sees it: no tags, entities decoded, spaces collapsed."""
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    text = re.sub(r"</?(a|span|strong|time|code|em|small)\b[^>]*>", "", text)  # inline
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", text)).split())


def write_site_data(root: Path, newest_day: str, first: dt.date = FIRST) -> tuple[Path, Path]:
    """data/ with three packages, written by hand:

    - `mixed`: ClickHouse `first` (2016-01-03) – 2026-06-04, pypistats.org since; extras
      from ClickHouse through 2026-11-30, and no ci.csv (ClickHouse has no CI flag);
    - `bq`: extras from BigQuery, with ci.csv; no ClickHouse at all;
    - `old`: history kept before provenance was (no provenance file).
    """
    data = root / "data"
    days_count = (END - first).days + 1
    synthetic.write_package(data / "mixed", 1, first, days_count, scale=2000, extras=True)
    (data / "mixed" / "ci.csv").unlink()
    for kind in EXTRAS:  # ClickHouse was behind: no extras for the last day
        path = data / "mixed" / f"{kind}.csv"
        kept = {k: n for k, n in store.read_series(path).items() if k[0] < END.isoformat()}
        store.write_series(path, kept)
    split = dt.date(2026, 6, 5)
    spans = [
        span
        for kind in PYPISTATS_KINDS
        for span in (
            Span(kind, first, split - dt.timedelta(days=1), "clickhouse"),
            Span(kind, split, END, "pypistats"),
        )
    ]
    spans += [Span(k, first, END - dt.timedelta(days=1), "clickhouse") for k in EXTRAS]
    store_provenance(data, "mixed", spans)
    start = END - dt.timedelta(days=399)
    synthetic.write_package(data / "bq", 2, start, 400, scale=500, extras=True)
    kinds = (*PYPISTATS_KINDS, *EXTRAS, "ci")
    store_provenance(data, "bq", [Span(k, start, END, "bigquery") for k in kinds])
    synthetic.write_package(data / "old", 3, END - dt.timedelta(days=99), 100, scale=80)
    clickhouse_log.append(
        data,
        ClickHouseRun(
            "2026-12-02T03:20:00Z",
            "fetch",
            ("mixed",),
            "2026-11-25",
            "2026-12-01",
            newest_day,
            6,
            123_456_789,
            3 * 2**30,
        ),
    )
    names: list[tuple[str, str | None]] = [("mixed", None), ("bq", None), ("old", None)]
    return synthetic.write_config(root / "packages.yaml", names), data


def store_provenance(data: Path, name: str, spans: list[Span]) -> None:
    """The package's provenance file, written by hand in the store's documented format."""
    lines = ["kind,source,first_date,last_date"]
    lines += [f"{s.kind},{s.source},{s.first},{s.last}" for s in sorted(spans)]
    path = provenance.path_of(data, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def behind(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("provenance-behind")
    config, data = write_site_data(root, "2026-11-29")
    build_site(load_config(config), data, root / "site", "")
    return root / "site"


def page(site: Path, name: str) -> str:
    return (site / "packages" / name / "index.html").read_text(encoding="utf-8")


def section(text: str) -> str:
    found = re.search(r'<section class="card" id="sources".*?</section>', text, re.S)
    assert found, "no provenance section"
    return visible(found[0])


def test_the_package_page_says_which_source_gave_which_days(behind: Path):
    shown = section(page(behind, "mixed"))
    assert shown.startswith("Where these numbers come from")
    assert (
        "Downloads, Python versions and systems: ClickHouse 2016-01-03 – 2026-06-04,"
        " pypistats.org 2026-06-05 – 2026-12-01" in shown
    )
    assert "Package versions, countries and installers: ClickHouse 2016-01-03 – 2026-11-30" in shown
    assert "not recorded" not in shown
    bq = section(page(behind, "bq"))
    assert "Downloads, Python versions, systems, package versions, countries, installers and" in bq
    assert "CI share: BigQuery 2025-10-28 – 2026-12-01" in bq


def test_history_kept_before_provenance_says_source_not_recorded(behind: Path):
    shown = section(page(behind, "old"))
    assert (
        "Downloads, Python versions and systems: source not recorded 2026-08-24 – 2026-12-01"
        in shown
    )


def test_source_names_link_to_their_section_of_the_methodology(behind: Path):
    text = page(behind, "mixed")
    links = re.findall(r'<a href="\.\./\.\./methodology/#([\w-]+)">([^<]+)</a>', text)
    assert ("source-clickhouse", "ClickHouse") in links
    assert ("source-pypistats", "pypistats.org") in links
    assert ("source-bigquery", "BigQuery") in re.findall(
        r'<a href="\.\./\.\./methodology/#([\w-]+)">([^<]+)</a>', page(behind, "bq")
    )
    assert 'href="../../methodology/#which-source-gave-which-days">source not recorded<' in page(
        behind, "old"
    )
    methodology = (behind / "methodology" / "index.html").read_text(encoding="utf-8")
    for anchor in (
        "source-pypistats",
        "source-bigquery",
        "source-clickhouse",
        "three-sources",
        "which-source-gave-which-days",
    ):
        assert f'id="{anchor}"' in methodology, anchor


def test_no_ci_chart_from_clickhouse_says_why(behind: Path):
    note = (
        "CI share: ClickHouse's public dataset has no CI flag; only the BigQuery source records it."
    )
    assert note in visible(page(behind, "mixed"))
    assert 'data-kind="ci"' not in page(behind, "mixed")
    assert note not in visible(page(behind, "bq")) and 'data-kind="ci"' in page(behind, "bq")
    assert note not in visible(page(behind, "old"))


BEHIND = (
    "ClickHouse's public dataset is behind: its newest day is 2026-11-29 (checked"
    " 2026-12-02). Days after it will be filled the first night they appear."
)


def test_the_behind_notice_on_the_home_page_and_clickhouse_packages(behind: Path):
    assert BEHIND in visible((behind / "index.html").read_text(encoding="utf-8"))
    assert BEHIND in visible(page(behind, "mixed"))
    # packages that take nothing from ClickHouse are not concerned
    assert "ClickHouse's public dataset is behind" not in visible(page(behind, "bq"))
    assert "is behind" not in visible((behind / "top" / "index.html").read_text(encoding="utf-8"))


def test_no_behind_notice_when_clickhouse_had_the_last_day(tmp_path: Path):
    config, data = write_site_data(tmp_path, "2026-12-01", SHORT)
    build_site(load_config(config), data, tmp_path / "site", "")
    for text in ((tmp_path / "site" / "index.html").read_text(), page(tmp_path / "site", "mixed")):
        assert "is behind" not in visible(text)
        assert "data-clickhouse-behind" not in text
    costs_page = visible((tmp_path / "site" / "costs" / "index.html").read_text())
    assert "Newest day in the dataset 2026-12-01" in costs_page and "behind" not in costs_page


def test_the_api_says_where_each_day_came_from(behind: Path):
    api = behind / "api" / "packages" / "mixed"
    body = json.loads((api / "provenance.json").read_text())
    assert set(body) == {"data", "package", "type"}
    assert (body["package"], body["type"]) == ("mixed", "provenance")
    overall = [r for r in body["data"] if r["kind"] == "overall"]
    assert overall == [
        {
            "first_date": "2016-01-03",
            "kind": "overall",
            "last_date": "2026-06-04",
            "source": "clickhouse",
        },
        {
            "first_date": "2026-06-05",
            "kind": "overall",
            "last_date": "2026-12-01",
            "source": "pypistats",
        },
    ]
    assert {r["kind"] for r in body["data"]} == {*PYPISTATS_KINDS, *EXTRAS}
    assert (api / "provenance").read_bytes() == (api / "provenance.json").read_bytes()
    old = json.loads((behind / "api" / "packages" / "old" / "provenance.json").read_text())
    assert {r["source"] for r in old["data"]} == {None}
    # listed with the other documents, and the provenance file is published as it is stored
    text = page(behind, "mixed")
    assert 'href="../../api/packages/mixed/provenance.json"' in text
    assert 'href="../../data/_meta/provenance/mixed.csv" download' in text
    stored = provenance.path_of(behind.parent / "data", "mixed")
    assert (
        behind / "data" / "_meta" / "provenance" / "mixed.csv"
    ).read_bytes() == stored.read_bytes()
    assert not (behind / "data" / "_meta" / "provenance" / "old.csv").exists()


def test_the_costs_page_shows_what_clickhouse_read(behind: Path):
    text = (behind / "costs" / "index.html").read_text(encoding="utf-8")
    shown = visible(text)
    clickhouse = shown[shown.index("ClickHouse ClickHouse's public PyPI dataset") :]
    assert "free and read-only" in clickhouse and "quotas" in clickhouse
    assert 'href="../methodology/#source-clickhouse"' in text
    assert "2026-12 1 6 123,456,789 3.00 GiB" in clickhouse  # the month's row
    assert "Run (UTC) 2026-12-02 03:20:00" in clickhouse
    assert "Newest day in the dataset 2026-11-29 behind" in clickhouse
    assert "No BigQuery run is logged" in shown  # only the ClickHouse log exists
    assert (behind / "data" / "_meta" / "clickhouse-runs.csv").is_file()
    assert 'href="../costs/"' in (behind / "about" / "index.html").read_text()


def test_the_costs_page_with_only_the_bigquery_log(tmp_path: Path):
    data = tmp_path / "data"
    synthetic.write_package(data / "one", 1, END - dt.timedelta(days=9), 10)
    record = runlog.RunRecord(
        "2026-12-02T03:10:00Z", "fetch", ("one",), "2026-11-25", "2026-12-01", 2**30, 2**30
    )
    runlog.append(data, record)
    config = synthetic.write_config(tmp_path / "packages.yaml", [("one", None)])
    build_site(load_config(config), data, tmp_path / "site", "")
    shown = visible((tmp_path / "site" / "costs" / "index.html").read_text())
    assert "1.00 GiB" in shown and "No ClickHouse run is logged" in shown
    assert "is behind" not in visible((tmp_path / "site" / "index.html").read_text())


def test_a_corrupt_provenance_file_is_reported_and_the_other_packages_still_build(tmp_path: Path):
    config, data = write_site_data(tmp_path, "2026-11-29", SHORT)
    bad = provenance.path_of(data, "mixed")
    bad.write_text(bad.read_text() + "overall,nowhere,2026-01-01,2026-01-02\n")
    out = tmp_path / "site"
    with pytest.raises(CorruptFileError) as info:
        build_site(load_config(config), data, out, "")
    assert info.value.path == bad and "nowhere" in info.value.reason
    assert (out / "packages" / "bq" / "index.html").is_file()
    assert not (out / "packages" / "mixed").exists() and not (out / "data" / "mixed").exists()
    assert not (out / "data" / "_meta" / "provenance" / "mixed.csv").exists()


def test_a_corrupt_clickhouse_log_is_reported_once_the_site_is_built(tmp_path: Path):
    config, data = write_site_data(tmp_path, "2026-11-29", SHORT)
    log = clickhouse_log.path_in(data)
    log.write_text(log.read_text() + "not,a,run\n")
    out = tmp_path / "site"
    with pytest.raises(CorruptFileError) as info:
        build_site(load_config(config), data, out, "")
    assert info.value.path == log and info.value.line == 3
    assert (out / "packages" / "mixed" / "index.html").is_file() and (out / "404.html").is_file()
    assert "is behind" not in visible((out / "index.html").read_text())


def test_run_logs_and_provenance_files_are_never_read_through_a_link(tmp_path: Path):
    config, data = write_site_data(tmp_path, "2026-11-29", SHORT)
    secret = tmp_path / "secret.csv"
    secret.write_text("kind,source,first_date,last_date\n")
    log = clickhouse_log.path_in(data)
    log.unlink()
    log.symlink_to(secret)
    out = tmp_path / "site"
    out.mkdir()
    (out / "keep.txt").write_text("not a site")
    with pytest.raises(LinkRefused):  # refused before anything is wiped
        build_site(load_config(config), data, out, "")
    assert (out / "keep.txt").is_file()
    log.unlink()
    spans = provenance.path_of(data, "mixed")
    spans.unlink()
    spans.symlink_to(secret)
    with pytest.raises(LinkRefused):
        build_site(load_config(config), data, tmp_path / "site2", "")
    assert (tmp_path / "site2" / "packages" / "bq" / "index.html").is_file()
    assert not (tmp_path / "site2" / "packages" / "mixed").exists()
