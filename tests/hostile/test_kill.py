"""kill -9 at any moment: data/ always parses, each file old or new, no temporary survives.

The real `import`, `fetch` and `build` run in subprocesses and are sent SIGKILL at several
moments: at random times (a fixed seed, so a failure can be replayed), and the instant a
temporary file appears in data/ (mid-write, the worst case). After each kill:

- every history file parses and is byte-identical to its state before the run or after
  a complete run (a file the run creates is absent or complete);
- a later run finishes the job, removes every temporary file the killed run left (it
  holds the write lock, so they are stale) and leaves no lock note behind;
- the build never publishes a temporary file, and a build killed while it wipes or
  writes site/ leaves a directory the next build recognises and rebuilds.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from generator import store
from generator.store import provenance
from tests import synthetic
from tests.cli_helpers import REPO
from tests.servers.faulty import ENDPOINTS, FaultyServer, ok_json, pypistats_body

SEED = 20261201
RANDOM_KILLS = 4
MINORS = [f"3.{n}" for n in range(20)]


def env() -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("GOOGLE_")}
    return {**base, "PYTHONPATH": str(REPO)}


def command(*args: str | Path) -> list[str]:
    return [sys.executable, "-m", "generator", *map(str, args)]


def files_of(directory: Path) -> dict[str, bytes]:
    if not directory.exists():
        return {}
    return {
        p.relative_to(directory).as_posix(): p.read_bytes()
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


def history(files: dict[str, bytes]) -> dict[str, bytes]:
    """The history files: no temporary, no lock note."""
    return {
        p: b
        for p, b in files.items()
        if not Path(p).name.startswith(store.TMP_PREFIX) and Path(p).name != store.HOLDER_FILE
    }


def temporaries(directory: Path) -> list[Path]:
    return [p for p in directory.rglob(store.TMP_PREFIX + "*")]


def run_killed(argv: list[str], when: Callable[[], bool], timeout: float = 60) -> bool:
    """Start `argv`, SIGKILL it once `when()` is true; False if it finished first."""
    process = subprocess.Popen(
        argv, cwd=REPO, env=env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + timeout
        while not when():
            if process.poll() is not None:
                return False
            assert time.monotonic() < deadline, "the kill moment never came"
        process.send_signal(signal.SIGKILL)
    finally:
        process.kill()
        process.wait(10)
    return process.returncode == -signal.SIGKILL


def after(seconds: float) -> Callable[[], bool]:
    end = time.monotonic() + seconds
    return lambda: time.monotonic() >= end


def a_temporary_in(directory: Path) -> Callable[[], bool]:
    def seen() -> bool:
        try:
            return any(
                entry.name.startswith(store.TMP_PREFIX)
                for folder in (directory, *[p for p in directory.iterdir() if p.is_dir()])
                for entry in os.scandir(folder)
            )
        except FileNotFoundError:
            return False

    return seen


def timed(argv: list[str]) -> float:
    started = time.monotonic()
    result = subprocess.run(argv, cwd=REPO, env=env(), capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return time.monotonic() - started


def moments(duration: float, rng: random.Random) -> list[float]:
    return sorted(rng.uniform(0.05, 0.8) * duration for _ in range(RANDOM_KILLS))


def assert_old_or_new(data: Path, old: dict[str, bytes], new: dict[str, bytes], at: str) -> None:
    left = history(files_of(data))
    assert set(left) <= set(new) and set(old) <= set(left), f"{at}: files {sorted(left)}"
    for path, content in left.items():
        assert content in (old.get(path), new[path]), f"{at}: {path} is torn"
        if path.startswith("_meta/provenance/"):
            provenance.read(data, Path(path).stem)  # parses
        elif path.endswith(".csv"):
            store.read_series(data / path)  # parses


# ---------------------------------------------------------------- import


def import_inputs(root: Path) -> tuple[Path, list[str]]:
    data = root / "data"
    start = dt.date(2017, 10, 1)
    series = {
        ((start + dt.timedelta(days=i)).isoformat(), minor): 1 + (i + j) % 40
        for i in range(1500)
        for j, minor in enumerate(MINORS)
    }
    store.update_package(data, "pkg", {"python_minor": series})
    source = root / "more.csv"
    rows = [
        f"{minor},{(dt.date(2026, 1, 1) + dt.timedelta(days=d)).isoformat()},{100 + d}"
        for d in range(30)
        for minor in MINORS
    ]
    source.write_text("category,date,downloads\n" + "\n".join(rows) + "\n", encoding="utf-8")
    argv = command("import", "pkg", source, "--data-dir", data, "--kind", "python_minor")
    return data, argv


def test_a_killed_import_leaves_each_file_old_or_new(tmp_path: Path):
    base = tmp_path / "base"
    data, argv = import_inputs(base)
    old = history(files_of(data))
    reference = tmp_path / "reference"
    shutil.copytree(base, reference)
    duration = timed([a.replace(str(base), str(reference)) for a in argv])
    new = history(files_of(reference / "data"))
    assert (
        set(new)
        == {
            "pkg/python_minor.csv",
            "pkg/python_major.csv",
            "_meta/provenance/pkg.csv",  # which days were imported
        }
        and old != new
    )

    rng = random.Random(SEED)
    trials: list[tuple[str, Callable[[Path], Callable[[], bool]]]] = [
        ("a temporary appeared", lambda d: a_temporary_in(d))
    ] * 3
    for at in moments(duration, rng):
        trials.append((f"after {at:.2f} s", lambda _, at=at: after(at)))  # type: ignore[misc]
    killed = mid_write = 0
    for index, (label, when) in enumerate(trials):
        work = tmp_path / f"killed-{index}"
        shutil.copytree(base, work)
        work_data = work / "data"
        work_argv = [a.replace(str(base), str(work)) for a in argv]
        killed += run_killed(work_argv, when(work_data))
        mid_write += bool(temporaries(work_data))
        assert_old_or_new(work_data, old, new, f"kill {index} ({label})")
        timed(work_argv)  # the next run (exit 0) finishes the job
        assert history(files_of(work_data)) == new, f"kill {index}: the rerun did not converge"
        assert not temporaries(work_data), f"kill {index}: a temporary survived the rerun"
        assert not (work_data / store.HOLDER_FILE).exists()
    assert killed >= 3 and mid_write >= 1, (killed, mid_write)


# ---------------------------------------------------------------- fetch


def test_a_fetch_killed_mid_write_leaves_each_file_old_or_new(tmp_path: Path):
    names = [f"pkg{i}" for i in range(4)]
    data = tmp_path / "data"
    for i, name in enumerate(names):
        synthetic.write_package(
            data / name, seed=i + 1, start=dt.date(2022, 1, 1), days=1200, scale=5000
        )
    config = synthetic.write_config(tmp_path / "packages.yaml", [(n, None) for n in names])
    old = history(files_of(data))
    with FaultyServer(lifetime=240) as server:
        for name in names:
            for endpoint in ENDPOINTS:
                server.on(f"{name}/{endpoint}", ok_json(pypistats_body(name, endpoint)))

        def argv(root: Path) -> list[str]:
            return command(
                "fetch",
                "--config",
                config,
                "--data-dir",
                root,
                "--api-url",
                server.url,
                "--requests-per-minute",
                "6000",
            )

        reference = tmp_path / "reference"
        shutil.copytree(data, reference)
        timed(argv(reference))
        new = history(files_of(reference))
        recorded = {f"_meta/provenance/{name}.csv" for name in names}  # which source, which days
        assert set(new) == set(old) | recorded and new != old
        mid_write = 0
        for index in range(3):
            work = tmp_path / f"killed-{index}"
            shutil.copytree(data, work)
            run_killed(argv(work), a_temporary_in(work))
            mid_write += bool(temporaries(work))
            assert_old_or_new(work, old, new, f"kill {index}")
            timed(argv(work))
            assert history(files_of(work)) == new, f"kill {index}: the rerun did not converge"
            assert not temporaries(work)
    assert mid_write >= 1


# ---------------------------------------------------------------- build


@pytest.fixture
def site_inputs(tmp_path: Path) -> tuple[Path, Path]:
    names = [f"pkg{i:02d}" for i in range(24)]  # enough for worker processes (PARALLEL_FROM)
    data = tmp_path / "data"
    synthetic.write_history(data, names, dt.date(2026, 11, 20), 200)
    (data / names[0] / f"{store.TMP_PREFIX}overall.csv.abc").write_text("date,categ")  # a leftover
    config = synthetic.write_config(tmp_path / "packages.yaml", [(n, None) for n in names])
    return config, data


def test_a_killed_build_never_changes_data_and_the_next_build_recovers(
    tmp_path: Path, site_inputs: tuple[Path, Path]
):
    config, data = site_inputs
    before = files_of(data)
    site = tmp_path / "site"
    argv = command("build", "--config", config, "--data-dir", data, "--out", site)
    duration = timed(argv)
    reference = sorted(p.relative_to(site).as_posix() for p in site.rglob("*"))
    assert not [p for p in reference if store.TMP_PREFIX in p]  # a temporary is never published
    rng = random.Random(SEED)
    killed = 0
    for at in moments(duration, rng):
        killed += run_killed(argv, after(at))  # on top of the last site: the wipe is killed too
        assert files_of(data) == before, f"kill at {at:.2f} s changed data/"
        result = subprocess.run(argv, cwd=REPO, env=env(), capture_output=True, text=True)
        assert result.returncode == 0, f"kill at {at:.2f} s: {result.stderr}"
        assert sorted(p.relative_to(site).as_posix() for p in site.rglob("*")) == reference
    assert killed >= 2, killed
