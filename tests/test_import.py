"""Importing history collected elsewhere: API JSON or `category,date,downloads` CSV."""

from __future__ import annotations

import json

from generator.importer import guess_kind, parse_import
from generator.store import read_series
from tests.cli_helpers import run_cli, snapshot


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
