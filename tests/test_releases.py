"""Releases from PyPI's JSON API: parsing real recorded answers, the store, the command.

The answers are the real recordings in ../shared/realdata/pypi-json/ (see its SOURCES.md,
section 5), served over HTTP on 127.0.0.1 by tests/servers/pypi_replay.py.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from generator.errors import CorruptFileError, SourceError
from generator.model import Release
from generator.pipeline import releases as pipeline
from generator.sources.pypi_json import parse_releases, usable_etag
from generator.sources.retry import RetryPolicy
from generator.store import list_packages, pypi_state
from generator.store import releases as stored
from generator.store.pypi_state import Checked
from tests.cli_helpers import main_in_process, snapshot
from tests.servers.pypi_replay import PypiReplay

TRACKED = ("asgiref", "cabinet", "django", "numpy")
NUMPY_EMPTY = [
    "0.9.6",
    "0.9.8",
    "1.0.3",
    "1.0.4",
    "1.0b1",
    "1.0b4",
    "1.0b5",
    "1.0rc1",
    "1.0rc2",
    "1.0rc3",
    "1.1.1",
    "1.2.0",
    "1.2.1",
    "1.4.0",
]


def recorded(realdata: Path, name: str) -> tuple[list[Release], int | None]:
    return parse_releases((realdata / "pypi-json" / f"{name}.json").read_bytes())


def by_version(releases: list[Release]) -> dict[str, Release]:
    return {r.version: r for r in releases}


# ---------------------------------------------------------------- parsing real answers


def test_numpy_leaves_out_its_14_empty_releases_and_takes_each_first_upload(
    realdata: Path,
) -> None:
    releases, serial = recorded(realdata, "numpy")
    versions = by_version(releases)
    assert len(releases) == 137 - 14
    assert not set(NUMPY_EMPTY) & set(versions)
    # sdist 2015-10-07, manylinux1 wheels 2016-04-20: the first upload counts
    assert versions["1.10.0"].day == "2015-10-07"
    # the one file with no fractional seconds, the oldest of all
    assert releases[0] == Release("2006-12-02T02:07:43Z", "1.0", False)
    assert serial == 31923507
    assert not any(r.yanked for r in releases)
    assert releases == sorted(releases) and all(r.uploaded.endswith("Z") for r in releases)


def test_requests_multi_day_releases_start_on_their_first_day(realdata: Path) -> None:
    versions = by_version(recorded(realdata, "requests")[0])
    assert len(versions) == 148 - 3
    assert versions["2.0.0"].day == "2013-09-24"
    assert versions["2.23.0"].day == "2020-02-19"
    assert not {"0.0.1", "0.12.01", "2.15.0"} & set(versions)


def test_asgiref_370_is_yanked_and_no_other_release_is(realdata: Path) -> None:
    releases, _ = recorded(realdata, "asgiref")
    assert [r.version for r in releases if r.yanked] == ["3.7.0"]
    assert by_version(releases)["3.7.0"].uploaded.startswith("2023-05-23T16:56:")


def test_django_2019_format_without_iso_times_or_yanked(realdata: Path) -> None:
    releases, serial = recorded(realdata, "django")
    versions = by_version(releases)
    assert len(releases) == 185 - 7 and serial == 4708591
    assert versions["1.2"].uploaded == "2010-05-17T20:04:28Z"  # no zone: UTC
    assert "2.2a1" in versions and releases[-1].version == "2.2a1"
    assert not any(r.yanked for r in releases)


def test_cabinet_epoch_versions_are_all_stored_as_pypi_spells_them(
    realdata: Path, tmp_path: Path
) -> None:
    releases, _ = recorded(realdata, "cabinet")
    assert len(releases) == 82
    assert sum(r.version.startswith("1!") for r in releases) == 19
    stored.write(tmp_path, "cabinet", releases)
    back = stored.read(tmp_path, "cabinet")
    assert back == releases
    # sorted by upload time: the epoch releases (from 2024-07-24) come after the CalVer ones
    assert back[-1].version == "1!2.1.5" and back[62].version == "2024.7.20.1"


def answer(releases: dict[str, object], **top: object) -> bytes:
    return json.dumps({"info": {}, "releases": releases, **top}).encode()


def test_times_with_a_zone_are_converted_to_utc_and_yanked_needs_every_file() -> None:
    body = answer(
        {
            "1.0": [
                {"upload_time_iso_8601": "2024-01-02T01:30:00.9+02:00", "yanked": True},
                {"upload_time_iso_8601": "2024-01-03T00:00:00Z", "yanked": False},
            ],
            "2.0": [{"upload_time": "2024-02-01T10:00:00", "yanked": True}],
        },
        last_serial=7,
    )
    releases, serial = parse_releases(body)
    assert releases == [
        Release("2024-01-01T23:30:00Z", "1.0", False),
        Release("2024-02-01T10:00:00Z", "2.0", True),
    ]
    assert serial == 7


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b"", "empty"),
        (b'{"releases": {"1.0": [{"upload_time": "2024-', "cut short"),
        (b"<html>502 Bad Gateway</html>", "not JSON"),
        (b"[]", "no `releases`"),
        (answer({"1.0": [{"upload_time": "yesterday"}]}), "upload time 'yesterday'"),
        (answer({"1.0": "files"}), "not a list of files"),
    ],
)
def test_an_answer_that_is_not_pypi_json_is_refused_with_what_to_do(body: bytes, says: str) -> None:
    with pytest.raises(SourceError) as caught:
        parse_releases(body, "http://pypi.test/pypi/x/json")
    assert says in caught.value.message
    assert "http://pypi.test/pypi/x/json" in caught.value.message
    assert "--pypi-url" in caught.value.message


def test_only_well_formed_etags_are_remembered() -> None:
    assert usable_etag(' W/"abc,1" ') == 'W/"abc,1"'
    assert usable_etag('"a\nb"') == "" and usable_etag("abc") == "" and usable_etag(None) == ""


# ---------------------------------------------------------------- the store


def test_releases_file_round_trips_and_a_second_write_changes_nothing(
    realdata: Path, tmp_path: Path
) -> None:
    releases, _ = recorded(realdata, "numpy")
    assert stored.write(tmp_path, "numpy", releases) is True
    path = stored.path_of(tmp_path, "numpy")
    text = path.read_text(encoding="utf-8")
    assert text.startswith("version,uploaded,yanked\n1.0,2006-12-02T02:07:43Z,false\n")
    assert stored.read(tmp_path, "numpy") == releases
    assert stored.write(tmp_path, "numpy", list(reversed(releases))) is False
    assert list_packages(tmp_path) == [], "releases.csv alone is not download history"


@pytest.mark.parametrize(
    ("text", "line", "says"),
    [
        ("version,uploaded\n", 1, "header"),
        (
            "version,uploaded,yanked\n1.0,2020-01-02T03:04:05Z,false\n1.1,2020-13-02T00:00Z,no\n",
            3,
            "",
        ),
        (
            "version,uploaded,yanked\n1.0,2020-01-02T03:04:05Z,false\n1.0,2021-01-02T03:04:05Z,true\n",
            3,
            "twice",
        ),
        ("version,uploaded,yanked\n<<<<<<< HEAD\n", 2, ""),
    ],
)
def test_a_corrupt_releases_file_names_its_line(
    tmp_path: Path, text: str, line: int, says: str
) -> None:
    path = stored.path_of(tmp_path, "pkg")
    path.parent.mkdir(parents=True)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CorruptFileError) as caught:
        stored.read(tmp_path, "pkg")
    assert caught.value.line == line and says in caught.value.message
    assert f"{path}:{line}:" in caught.value.message


def test_the_state_file_round_trips_etags_with_quotes_and_commas(tmp_path: Path) -> None:
    state = {
        "numpy": Checked('W/"a,b"', 31923507, "2026-08-22"),
        "asgiref": Checked("", None, "2026-08-21"),
    }
    assert pypi_state.write_state(tmp_path, state) is True
    assert pypi_state.read_state(tmp_path) == state
    assert pypi_state.write_state(tmp_path, dict(reversed(state.items()))) is False
    lines = pypi_state.state_path(tmp_path).read_text(encoding="utf-8").splitlines()
    assert lines[0] == "package,etag,last_serial,checked"
    assert lines[1] == "asgiref,,,2026-08-21"  # sorted by package


@pytest.mark.parametrize(
    ("line", "says"),
    [
        ('numpy,"x",12', "expected package"),
        ("NumPy,,,2026-08-22", "not a normalized"),
        ("numpy,abc,,2026-08-22", "entity-tag"),
        ("numpy,,-1,2026-08-22", "expected package"),
        ("numpy,,,2026-02-30", "not a date"),
    ],
)
def test_a_corrupt_state_file_names_its_line(tmp_path: Path, line: str, says: str) -> None:
    path = pypi_state.state_path(tmp_path)
    path.parent.mkdir(parents=True)
    path.write_text(f"package,etag,last_serial,checked\nasgiref,,,2026-08-21\n{line}\n")
    with pytest.raises(CorruptFileError) as caught:
        pypi_state.read_state(tmp_path)
    assert caught.value.line == 3 and says in caught.value.message


# ---------------------------------------------------------------- the command


@pytest.fixture
def pypi(realdata: Path) -> Iterator[PypiReplay]:
    with PypiReplay(realdata) as server:
        yield server


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Three attempts with millisecond back-off, so the 5xx tests wait for nothing."""
    monkeypatch.setattr(pipeline, "RETRY_POLICY", RetryPolicy(attempts=3, base_delay=0.001))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    config = tmp_path / "packages.yaml"
    names = "".join(f"  - name: {name}\n" for name in TRACKED)
    config.write_text(f"requests_per_minute: 600\npackages:\n{names}", encoding="utf-8")
    return tmp_path


def releases_cmd(
    capsys: pytest.CaptureFixture[str], project: Path, pypi: PypiReplay, *more: str
) -> tuple[int, str, str]:
    return main_in_process(
        capsys,
        "releases",
        "--config",
        project / "packages.yaml",
        "--data-dir",
        project / "data",
        "--pypi-url",
        pypi.url,
        *more,
    )


def next_night(data: Path) -> None:
    """Pretend every package was last checked yesterday (UTC)."""
    yesterday = (dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)).isoformat()
    state = pypi_state.read_state(data)
    pypi_state.write_state(
        data, {n: dataclasses.replace(c, checked=yesterday) for n, c in state.items()}
    )


def test_first_run_stores_every_package_and_a_second_run_asks_nothing(
    capsys: pytest.CaptureFixture[str], project: Path, pypi: PypiReplay, realdata: Path
) -> None:
    code, out, _ = releases_cmd(capsys, project, pypi)
    assert code == 0, out
    assert "4 packages asked" in out and "(4 updated, 0 unchanged), 0 failed" in out
    data = project / "data"
    for name in TRACKED:
        assert stored.read(data, name) == recorded(realdata, name)[0]
    state = pypi_state.read_state(data)
    assert state["numpy"].last_serial == 31923507 and state["numpy"].etag.startswith('"')
    assert {c.checked for c in state.values()} == {dt.datetime.now(dt.UTC).date().isoformat()}
    before, asked = snapshot(data), len(pypi.requests)

    code, out, _ = releases_cmd(capsys, project, pypi)
    assert code == 0
    assert len(pypi.requests) == asked, "one request per package a day at most"
    assert "4 packages already checked today" in out
    assert snapshot(data) == before


def test_the_next_night_asks_conditionally_and_a_304_changes_no_byte(
    capsys: pytest.CaptureFixture[str], project: Path, pypi: PypiReplay
) -> None:
    assert releases_cmd(capsys, project, pypi)[0] == 0
    next_night(project / "data")
    files = {name: stored.path_of(project / "data", name).read_bytes() for name in TRACKED}
    etag = pypi_state.read_state(project / "data")["numpy"].etag
    code, out, _ = releases_cmd(capsys, project, pypi, "--package", "numpy")
    assert code == 0 and "(0 updated, 1 unchanged)" in out
    (last,) = pypi.asked("numpy")[1:]
    assert last.if_none_match == etag and last.status == 304
    for name in TRACKED:
        assert stored.path_of(project / "data", name).read_bytes() == files[name]
    state = pypi_state.read_state(project / "data")["numpy"]
    assert state.etag == etag and state.last_serial == 31923507
    assert state.checked == dt.datetime.now(dt.UTC).date().isoformat()


def test_a_new_release_upstream_is_appended_and_the_stale_answer_is_not_stored(
    capsys: pytest.CaptureFixture[str], project: Path, pypi: PypiReplay, realdata: Path
) -> None:
    assert releases_cmd(capsys, project, pypi, "--package", "asgiref")[0] == 0
    path = stored.path_of(project / "data", "asgiref")
    old = path.read_text(encoding="utf-8")
    doc = json.loads((realdata / "pypi-json" / "asgiref.json").read_bytes())
    doc["releases"]["3.12.0"] = [{"upload_time_iso_8601": "2025-12-01T09:00:00.5Z"}]
    doc["last_serial"] += 1
    pypi.override("asgiref", json.dumps(doc).encode())
    next_night(project / "data")
    code, out, _ = releases_cmd(capsys, project, pypi, "--package", "asgiref")
    assert code == 0 and "(1 updated, 0 unchanged)" in out
    assert path.read_text(encoding="utf-8") == old + "3.12.0,2025-12-01T09:00:00Z,false\n"

    # A cache serving an older state of the project (a lower serial) is not stored.
    doc["last_serial"] -= 5
    del doc["releases"]["3.12.0"]
    pypi.override("asgiref", json.dumps(doc).encode())
    next_night(project / "data")
    assert releases_cmd(capsys, project, pypi, "--package", "asgiref")[0] == 0
    assert "3.12.0," in path.read_text(encoding="utf-8")


def test_a_failed_package_keeps_its_file_and_the_others_are_stored(
    capsys: pytest.CaptureFixture[str], project: Path, pypi: PypiReplay
) -> None:
    assert releases_cmd(capsys, project, pypi, "--package", "django")[0] == 0
    django = stored.path_of(project / "data", "django").read_bytes()
    next_night(project / "data")
    pypi.inject("django", "503")  # every time: down for the whole run
    pypi.inject("numpy", "404")
    pypi.inject("cabinet", "truncated", times=1)
    pypi.inject("asgiref", "500", times=2)  # then fine: the third attempt succeeds
    code, out, err = releases_cmd(capsys, project, pypi)
    assert code == 1
    assert "1 updated" in out and "3 failed" in out
    assert "django: " in out and "HTTP 503 after 3 attempts" in out and "run again later" in out
    assert "numpy: " in out and "no such project on PyPI. Check the name in packages.yaml" in out
    assert "cabinet: " in out and "cut short" in out
    assert stored.path_of(project / "data", "django").read_bytes() == django
    assert not stored.path_of(project / "data", "numpy").exists()
    assert stored.read(project / "data", "asgiref")
    assert [r.status for r in pypi.asked("asgiref")] == [500, 500, 200]
    assert "Traceback" not in out + err
    # The failed ones are asked again the same day; the stored one is not.
    asked = len(pypi.requests)
    pypi.clear_faults()
    assert releases_cmd(capsys, project, pypi)[0] == 0
    assert sorted(r.name for r in pypi.requests[asked:]) == ["cabinet", "django", "numpy"]


def test_a_corrupt_file_fails_its_package_without_asking_and_is_not_written_over(
    capsys: pytest.CaptureFixture[str], project: Path, pypi: PypiReplay
) -> None:
    path = stored.path_of(project / "data", "numpy")
    path.parent.mkdir(parents=True)
    path.write_text("version,uploaded,yanked\n1.0,2006-12-02,false\n", encoding="utf-8")
    counts = path.parent / "overall.csv"
    counts.write_text("date,category,downloads\n2026-01-01,with_mirrors,5\n", encoding="utf-8")
    code, out, _ = releases_cmd(capsys, project, pypi)
    assert code == 1 and f"{path}:2:" in out
    assert path.read_text(encoding="utf-8").endswith("1.0,2006-12-02,false\n")
    assert not pypi.asked("numpy")
    assert counts.read_text(encoding="utf-8").endswith(",5\n"), "counts are never touched"
    assert stored.read(project / "data", "django")


def test_a_corrupt_state_file_stops_the_run_before_any_request(
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    project: Path,
    pypi: PypiReplay,
) -> None:
    path = pypi_state.state_path(project / "data")
    path.parent.mkdir(parents=True)
    path.write_text("package,etag,last_serial,checked\nnumpy,,,someday\n", encoding="utf-8")
    code, out, err = releases_cmd(capsys, project, pypi)
    assert code == 1 and f"{path}:2:" in caplog.text and "Traceback" not in out + err
    assert not pypi.requests
    assert path.read_text(encoding="utf-8").endswith("someday\n")


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("--pypi-url", "ftp://pypi.org/pypi"), "--pypi-url"),
        (("--package", "not-tracked"), "not-tracked"),
    ],
)
def test_usage_errors_exit_2_and_ask_nothing(
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    project: Path,
    pypi: PypiReplay,
    args: tuple[str, ...],
    says: str,
) -> None:
    code = releases_cmd(capsys, project, pypi, *args)[0]
    assert code == 2 and says in caplog.text
    assert not pypi.requests


def test_pypi_url_setting_is_used_without_the_option(
    capsys: pytest.CaptureFixture[str], project: Path, pypi: PypiReplay
) -> None:
    config = project / "packages.yaml"
    config.write_text(f"pypi_url: {pypi.url}\npackages:\n  - name: pytest\n", encoding="utf-8")
    code, out, _ = main_in_process(
        capsys, "releases", "--config", config, "--data-dir", project / "data"
    )
    assert code == 0 and pypi.url in out
    assert len(stored.read(project / "data", "pytest")) == 94


def test_a_release_the_store_could_not_read_back_fails_its_package_unwritten(
    project: Path,
) -> None:
    from generator.config import load_config
    from generator.sources.http import Closing
    from generator.sources.pypi_json import ReleasesAnswer

    class Unstorable(Closing):
        """A PyPI that lists a version with a space (the store's format has none)."""

        def releases(self, name: str, etag: str = "") -> ReleasesAnswer:
            return ReleasesAnswer([Release("2025-01-02T03:04:05Z", "1.0 beta")], '"e"', 7)

        def close(self) -> None:
            pass

    config = load_config(project / "packages.yaml")
    request = pipeline.ReleasesRequest(packages=(TRACKED[0],))
    outcome = pipeline.fetch_releases(config, project / "data", request, Unstorable())  # type: ignore[arg-type]
    assert outcome.exit_code == 1
    assert "PyPI lists a release that cannot be stored" in outcome.text()
    assert "'1.0 beta'" in outcome.text()
    assert stored.read(project / "data", TRACKED[0]) == []  # nothing written
