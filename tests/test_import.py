"""Importing history collected elsewhere: API JSON or `category,date,downloads` CSV."""

from __future__ import annotations

import json

import pytest

from generator.sources.files import guess_kind, parse_import
from generator.store import read_series
from tests.cli_helpers import PYPISTATS_ONLY, run_cli, snapshot

SNAPSHOTS = ("2025-11-15", "2026-05-15", "2026-08-22")
ENDPOINTS = ("overall", "python_minor", "system")


def test_conflicting_duplicates_in_polartoolkit_csv_are_reported_not_guessed(realdata, tmp_path):
    source = realdata / "mdtanker-polartoolkit" / "downloads_data.csv"
    result = run_cli("import", "polartoolkit", source, "--data-dir", tmp_path / "data")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert (
        f"{source}:157: 2024-01-26 with_mirrors has 336 downloads here but 177 on line 156"
        in result.stderr
    )
    conflicts = [line for line in result.stderr.splitlines() if "downloads here but" in line]
    assert len(conflicts) == 8
    assert "nothing imported" in result.stderr
    assert not (tmp_path / "data" / "polartoolkit").exists()


def test_icepyx_five_years_import_as_overall_history(realdata, tmp_path):
    source = realdata / "icesat2py-icepyx" / "downloads_data.csv"
    result = run_cli("import", "icepyx", source, "--data-dir", tmp_path / "data")
    assert result.returncode == 0, result.stderr
    series = read_series(tmp_path / "data" / "icepyx" / "overall.csv")
    assert sum(1 for _, c in series if c == "with_mirrors") == 1730
    assert sum(1 for _, c in series if c == "without_mirrors") == 1625
    assert min(d for d, _ in series) == "2020-06-18" and max(d for d, _ in series) == "2025-04-10"
    again = snapshot(tmp_path / "data")
    assert run_cli("import", "icepyx", source, "--data-dir", tmp_path / "data").returncode == 0
    assert snapshot(tmp_path / "data") == again


def test_api_json_import_keeps_the_missing_day_missing(realdata, tmp_path):
    source = realdata / "nipy-heudiconv" / "pypistats.json"
    result = run_cli("import", "heudiconv", source, "--data-dir", tmp_path / "data")
    assert result.returncode == 0, result.stderr
    series = read_series(tmp_path / "data" / "heudiconv" / "overall.csv")
    assert ("2023-01-23", "with_mirrors") in series
    assert ("2023-01-24", "with_mirrors") not in series
    assert ("2023-01-24", "without_mirrors") not in series
    assert len(series) == 2 * 180  # 2022-08-27..2023-02-23 is 181 days, one missing


def test_python_minor_json_import_derives_python_major(realdata, tmp_path):
    rows = json.loads((realdata / "hugovk-pypistats" / "python_minor.data.json").read_text())
    source = tmp_path / "minor.json"
    source.write_text(json.dumps({"data": rows, "package": "x", "type": "python_minor_downloads"}))
    assert run_cli("import", "x", source, "--data-dir", tmp_path / "data").returncode == 0
    minor = read_series(tmp_path / "data" / "x" / "python_minor.csv")
    major = read_series(tmp_path / "data" / "x" / "python_major.csv")
    assert {c for _, c in minor} >= {"3.1", "2.7", "null"}
    assert sum(minor.values()) == sum(major.values())
    assert {c for _, c in major} <= {"2", "3", "null"}


def test_import_never_overwrites_stored_history(tmp_path):
    data = tmp_path / "data"
    first = tmp_path / "a.csv"
    first.write_text("category,date,downloads\nwith_mirrors,2024-01-01,10\n")
    second = tmp_path / "b.csv"
    second.write_text(
        "category,date,downloads\nwith_mirrors,2024-01-01,99\nwith_mirrors,2024-01-02,5\n"
    )
    assert run_cli("import", "p", first, "--data-dir", data).returncode == 0
    result = run_cli("import", "p", second, "--data-dir", data)
    assert result.returncode == 0
    assert "1 overall rows differ from the history already stored" in result.stderr
    assert read_series(data / "p" / "overall.csv") == {
        ("2024-01-01", "with_mirrors"): 10,
        ("2024-01-02", "with_mirrors"): 5,
    }


def test_identical_duplicates_are_harmless_and_bad_rows_are_named(tmp_path):
    ok = parse_import("category,date,downloads\nLinux,2024-01-01,1\nLinux,2024-01-01,1\n", tmp_path)
    assert ok.problems == [] and ok.kind == "system"
    bad = parse_import(
        "category,date,downloads\nLinux,2024-02-30,1\nLinux,2024-01-01,-1\n", tmp_path
    )
    assert [(p.line, p.message.split(" (")[0].split(",")[0]) for p in bad.problems] == [
        (2, "bad date `2024-02-30`"),
        (3, "downloads must be a non-negative integer"),
    ]


def test_kind_is_told_from_categories():
    assert guess_kind({"with_mirrors", "without_mirrors"}) == "overall"
    assert guess_kind({"Linux", "null", "other"}) == "system"
    assert guess_kind({"3.10", "2.7", "null"}) == "python_minor"
    assert guess_kind({"3", "null"}) == "python_major"
    assert guess_kind({"pip", "uv"}) is None


def test_icepyx_system_csv_conflicting_duplicates_are_reported(realdata, tmp_path):
    source = realdata / "icesat2py-icepyx" / "sys_downloads_data.csv"
    result = run_cli("import", "icepyx", source, "--data-dir", tmp_path / "data")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    conflicts = [line for line in result.stderr.splitlines() if "downloads here but" in line]
    assert conflicts == [
        f"{source}:581: 2021-11-23 Linux has 7 downloads here but 5 on line 580; "
        "keep one of the two rows",
        f"{source}:1721: 2021-11-23 Windows has 3 downloads here but 1 on line 1720; "
        "keep one of the two rows",
    ]
    assert not (tmp_path / "data").exists()


@pytest.mark.parametrize(
    "recent",
    [
        "semclone-status/extracted/2025-11-15/purl2src/recent.json",
        "semclone-status/extracted/2026-08-22/purl2src/recent.augmented.json",
    ],
)
def test_a_recent_response_is_refused_because_it_is_not_history(realdata, tmp_path, recent):
    data = tmp_path / "data"
    overall = realdata / "semclone-status/extracted/2025-11-15/purl2src/overall.json"
    result = run_cli("import", "purl2src", overall, realdata / recent, "--data-dir", data)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"{realdata / recent}:1: this is pypistats.org's `recent` response" in result.stderr
    assert "not daily history" in result.stderr and "`overall`" in result.stderr
    assert not data.exists()  # the good file beside it was not imported either


def test_semclone_snapshots_import_together_and_a_dashboard_dump_is_refused(realdata, tmp_path):
    data = tmp_path / "data"
    extracted = realdata / "semclone-status/extracted"
    files = [extracted / s / "osslili" / f"{k}.json" for s in SNAPSHOTS for k in ENDPOINTS]
    result = run_cli("import", "osslili", *files, "--data-dir", data)
    assert result.returncode == 0, result.stderr
    overall = read_series(data / "osslili" / "overall.csv")
    assert min(d for d, _ in overall) == "2025-10-28" and max(d for d, _ in overall) == "2026-08-21"
    assert sorted(p.name for p in (data / "osslili").iterdir()) == [
        "overall.csv",
        "python_major.csv",
        "python_minor.csv",
        "system.csv",
    ]
    dump = realdata / "semclone-status/2026-08-22/stats.json"
    result = run_cli("import", "osslili", dump, "--data-dir", tmp_path / "other")
    assert result.returncode == 1
    assert f"{dump}:1: expected one pypistats.org API response" in result.stderr


def test_a_response_for_another_package_is_refused(realdata, tmp_path):
    source = realdata / "nipy-heudiconv" / "pypistats.json"
    result = run_cli("import", "purl2src", source, "--data-dir", tmp_path / "data")
    assert result.returncode == 1
    assert f"{source}:1: this response is for the package `heudiconv`, not `purl2src`" in (
        result.stderr
    )
    assert not (tmp_path / "data").exists()


def test_two_files_that_disagree_are_reported_with_both_places(tmp_path):
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    first.write_text("category,date,downloads\nLinux,2024-01-01,3\n")
    second.write_text("category,date,downloads\nLinux,2024-01-02,1\nLinux,2024-01-01,4\n")
    result = run_cli("import", "p", first, second, "--data-dir", tmp_path / "data")
    assert result.returncode == 1
    assert f"{second}:3: 2024-01-01 Linux has 4 downloads here but 3 in {first}:2" in (
        result.stderr
    )
    assert not (tmp_path / "data").exists()


def test_usage_errors_exit_2_with_the_fix(realdata, tmp_path):
    data = tmp_path / "data"
    system = realdata / "semclone-status/extracted/2026-08-22/purl2src/system.json"
    cases = [
        (("../x", system), "`../x` is not a valid PyPI project name"),
        (("purl2src", system, "--kind", "overall"), "this is a `system` response, but --kind"),
        (("purl2src", tmp_path / "nope.csv"), "nope.csv: cannot read it"),
    ]
    unknown = tmp_path / "pip.csv"
    unknown.write_text("category,date,downloads\npip,2024-01-01,3\n")
    cases.append((("p", unknown), "cannot tell which dimension the categories (pip)"))
    for args, message in cases:
        result = run_cli("import", *args, "--data-dir", data)
        assert result.returncode == 2, args
        assert message in result.stderr and "Traceback" not in result.stderr, result.stderr
    assert not data.exists()


def test_data_dir_that_is_a_file_is_a_usage_error(realdata, tmp_path):
    not_a_dir = tmp_path / "data"
    not_a_dir.write_text("oops")
    system = realdata / "semclone-status/extracted/2026-08-22/purl2src/system.json"
    config = tmp_path / "packages.yaml"
    config.write_text(PYPISTATS_ONLY + "packages:\n  - name: purl2src\n")
    for args in (
        ("import", "purl2src", system),
        ("build", "--config", config, "--out", tmp_path / "site"),
        ("fetch", "--config", config, "--api-url", "http://127.0.0.1:9"),
    ):
        result = run_cli(*args, "--data-dir", not_a_dir)
        assert result.returncode == 2, args
        assert f"--data-dir {not_a_dir} is a file, not a directory" in result.stderr
        assert "Traceback" not in result.stderr
    assert not_a_dir.read_text() == "oops"


def test_import_into_corrupt_history_names_the_line_and_writes_nothing(tmp_path):
    data = tmp_path / "data"
    (data / "p").mkdir(parents=True)
    corrupt = data / "p" / "system.csv"
    corrupt.write_text("date,category,downloads\n2024-01-01,Linux,1\n2024-01-01,Linux,2\n")
    source = tmp_path / "more.csv"
    source.write_text("category,date,downloads\nLinux,2024-01-02,3\nDarwin,2024-01-02,1\n")
    before = snapshot(data)
    result = run_cli("import", "p", source, "--data-dir", data)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"{corrupt}:3: duplicate row for 2024-01-01 Linux" in result.stderr
    assert "The file was left untouched" in result.stderr
    assert snapshot(data) == before
