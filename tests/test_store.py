"""The history store: sorted CSV, idempotent merges, atomic writes, corrupt files untouched."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from generator import store
from generator.errors import CorruptFileError
from generator.store import merge_keys as merge
from generator.store import parse, read_series, serialize, update_package

P = Path("data/pkg/overall.csv")


def test_serialize_sorts_by_date_then_category_and_keeps_categories_as_strings():
    series = {
        ("2024-01-02", "3.9"): 5,
        ("2024-01-01", "null"): 1,
        ("2024-01-02", "3.10"): 7,
        ("2024-01-01", "3.10"): 2,
    }
    text = serialize(series)
    assert text == (
        "date,category,downloads\n"
        "2024-01-01,3.10,2\n"
        "2024-01-01,null,1\n"
        "2024-01-02,3.10,7\n"
        "2024-01-02,3.9,5\n"
    )
    assert parse(text, P) == series
    assert ("2024-01-02", "3.1") not in parse(text, P)


def test_categories_needing_quotes_round_trip():
    series = {("2024-01-01", 'odd,"name"'): 3}
    assert parse(serialize(series), P) == series


def test_merge_takes_new_values_and_keeps_everything_else_forever():
    old = {("2024-01-01", "a"): 1, ("2024-01-02", "a"): 2}
    new = {("2024-01-02", "a"): 20, ("2024-01-03", "a"): 3}
    assert merge(old, new) == {
        ("2024-01-01", "a"): 1,
        ("2024-01-02", "a"): 20,
        ("2024-01-03", "a"): 3,
    }
    assert old == {("2024-01-01", "a"): 1, ("2024-01-02", "a"): 2}  # pure


def test_merge_never_invents_a_day():
    merged = merge({("2024-01-01", "a"): 1}, {("2024-01-03", "a"): 3})
    assert sorted(d for d, _ in merged) == ["2024-01-01", "2024-01-03"]


@pytest.mark.parametrize(
    ("body", "line", "reason"),
    [
        ("2024-01-01,a,1\n<<<<<<< HEAD\n2024-01-02,a,2\n=======\n", 3, "merge conflict marker"),
        ("2024-13-01,a,1\n", 2, "bad date `2024-13-01`"),
        ("2024-1-1,a,1\n", 2, "bad date"),
        ("2024-01-01,a,1\n2024-01-02,a,-4\n", 3, "non-negative integer, found `-4`"),
        ("2024-01-01,a,1.5\n", 2, "non-negative integer, found `1.5`"),
        ("2024-01-01,a,\n", 2, "non-negative integer"),
        ("2024-01-01,a,1\n2024-01-01,a,2\n", 3, "duplicate row for 2024-01-01 a"),
        ("2024-01-01,a\n", 2, "expected 3 fields"),
        ("2024-01-01,a,1\n\n", 3, "blank line"),
    ],
)
def test_corrupt_files_are_reported_as_file_and_line(body, line, reason):
    with pytest.raises(CorruptFileError) as info:
        parse("date,category,downloads\n" + body, P)
    assert info.value.line == line
    assert reason in info.value.reason
    assert str(P) + f":{line}:" in info.value.message


def test_wrong_header_is_corrupt():
    with pytest.raises(CorruptFileError, match="expected the header"):
        parse("category,date,downloads\na,2024-01-01,1\n", P)


def test_update_package_writes_each_kind_and_is_idempotent(tmp_path):
    updates = {
        "overall": {("2024-01-01", "with_mirrors"): 3, ("2024-01-01", "without_mirrors"): 2},
        "python_minor": {("2024-01-01", "3.10"): 2},
    }
    assert update_package(tmp_path, "Foo_Bar", updates) == {"overall": True, "python_minor": True}
    files = {p: p.read_bytes() for p in (tmp_path / "foo-bar").iterdir()}
    mtimes = {p: p.stat().st_mtime_ns for p in files}
    assert update_package(tmp_path, "foo.bar", updates) == {"overall": False, "python_minor": False}
    assert {p: p.read_bytes() for p in files} == files
    assert {p: p.stat().st_mtime_ns for p in files} == mtimes  # not even rewritten
    assert read_series(tmp_path / "foo-bar" / "python_minor.csv") == {("2024-01-01", "3.10"): 2}


def test_a_corrupt_file_is_never_written_over_and_the_package_is_left_alone(tmp_path):
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "overall.csv").write_text("date,category,downloads\n2024-01-01,with_mirrors,1\n")
    corrupt = "date,category,downloads\n<<<<<<< ours\n2024-01-01,Linux,1\n"
    (pkg / "system.csv").write_text(corrupt)
    before = {p.name: p.read_bytes() for p in pkg.iterdir()}
    with pytest.raises(CorruptFileError) as info:
        update_package(
            tmp_path,
            "pkg",
            {
                "overall": {("2024-01-02", "with_mirrors"): 5},
                "system": {("2024-01-02", "Linux"): 5},
            },
        )
    assert info.value.path == pkg / "system.csv" and info.value.line == 2
    assert {p.name: p.read_bytes() for p in pkg.iterdir()} == before


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "pkg" / "overall.csv"
    store.write_series(path, {("2024-01-01", "with_mirrors"): 1})
    old = path.read_bytes()

    def explode(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr("generator.store.files.os.replace", explode)
    with pytest.raises(OSError, match="disk full"):
        store.write_series(path, {("2024-01-01", "with_mirrors"): 2})
    assert path.read_bytes() == old
    assert os.listdir(path.parent) == ["overall.csv"]


def test_stale_temporaries_from_a_killed_run_are_removed_by_the_next_update(tmp_path):
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / ".tmp-overall.csv.abc123").write_text("date,category,downl")
    update_package(tmp_path, "pkg", {"overall": {("2024-01-01", "with_mirrors"): 1}})
    assert sorted(os.listdir(pkg)) == ["overall.csv"]


def test_list_packages_ignores_meta_and_empty_dirs(tmp_path):
    update_package(tmp_path, "b", {"overall": {("2024-01-01", "with_mirrors"): 1}})
    update_package(tmp_path, "a", {"overall": {("2024-01-01", "with_mirrors"): 1}})
    (tmp_path / "_meta").mkdir()
    (tmp_path / "_meta" / "x.csv").write_text("")
    (tmp_path / "empty").mkdir()
    assert store.list_packages(tmp_path) == ["a", "b"]


def test_a_name_cannot_escape_the_data_directory(tmp_path):
    with pytest.raises(ValueError):
        update_package(tmp_path, "../outside", {"overall": {("2024-01-01", "a"): 1}})
    assert not (tmp_path.parent / "outside").exists()


def test_written_files_keep_ordinary_permissions(tmp_path):
    """mkstemp's private 0600 must not leak into data/ or packages.yaml."""
    new = tmp_path / "pkg" / "overall.csv"
    store.write_series(new, {("2024-01-01", "with_mirrors"): 1})
    assert new.stat().st_mode & 0o777 == 0o666 & ~store.files._umask()
    assert new.stat().st_mode & 0o044  # readable by others under any usual umask
    existing = tmp_path / "packages.yaml"
    existing.write_text("packages: []\n")
    existing.chmod(0o664)
    store.write_text_atomic(existing, "packages:\n  - name: a\n")
    assert existing.stat().st_mode & 0o777 == 0o664


# ---------------------------------------------------------------- the write lock


def test_the_lock_is_reentrant_and_leaves_nothing_behind(tmp_path):
    data = tmp_path / "data"
    with store.locked(data, "update"):
        note = (data / store.HOLDER_FILE).read_text()
        assert note.startswith(f"pid={os.getpid()} command=update since=")
        with store.locked(data, "fetch"):  # update holds it around the fetch it calls
            store.update_package(data, "pkg", {"overall": {("2024-01-01", "with_mirrors"): 1}})
        assert (data / store.HOLDER_FILE).read_text() == note
    assert sorted(os.listdir(data)) == ["pkg"]
    empty = tmp_path / "never-written"
    with store.locked(empty, "import"):
        assert empty.is_dir()
    assert not empty.exists()  # nothing was written: no empty data directory is left


def test_holding_the_lock_sweeps_the_temporaries_of_a_killed_run(tmp_path):
    data = tmp_path / "data"
    store.update_package(data, "pkg", {"overall": {("2024-01-01", "with_mirrors"): 1}})
    (data / "_meta").mkdir()
    leftovers = [
        data / "pkg" / ".tmp-overall.csv.abc",
        data / "_meta" / ".tmp-bigquery-runs.csv.x",
        data / ".tmp-stray",
    ]
    for path in leftovers:
        path.write_text("half a fi")
    with store.locked(data, "fetch"):
        assert not any(path.exists() for path in leftovers)
    assert (data / "pkg" / "overall.csv").is_file()


def test_a_bad_lock_wait_setting_is_a_usage_error(tmp_path, monkeypatch):
    from generator.errors import EXIT_CONFIG, UsageError

    monkeypatch.setenv(store.WAIT_VARIABLE, "soon")
    with pytest.raises(UsageError) as info, store.locked(tmp_path / "data", "import"):
        pass
    assert info.value.exit_code == EXIT_CONFIG
    assert "PYPI_STATS_LOCK_WAIT='soon' is not a number of seconds" in info.value.message
    assert not (tmp_path / "data").exists()


def test_lines_end_only_at_a_line_feed():
    assert store.split_lines("a\u2028b\r\nc\x85d\x0ce\n") == ["a\u2028b", "c\x85d\x0ce"]
    assert store.split_lines("a\n\n") == ["a", ""]
    assert store.split_lines("") == []
    assert store.split_lines("a\rb") == ["a\rb"]  # refused by `parse`, never split
