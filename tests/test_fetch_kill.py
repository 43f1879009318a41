"""A fetch killed with SIGKILL at any moment leaves every history file old or new, never torn.

The real `python -m generator fetch` runs in a subprocess against the replay server,
which answers slowly so the run can be caught between requests and right around the
moment a package's files are written. After each kill, every CSV must be byte-identical
to its state before the run or after a complete run, and must parse; a rerun then
finishes the job and leaves no temporary file behind.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from generator import store
from generator.cli import main
from generator.pipeline import fetch
from generator.pipeline.select import CREDENTIAL_VARIABLES
from generator.sources.ratelimit import RateLimiter
from generator.store import provenance
from tests.servers.pypistats_replay import ReplayServer
from tests.test_fetch import FAST_POLICY, fetch_command, files_of, subprocess_env, write_config

PACKAGES = ("osslili", "purl2src", "vulnq")
DELAY = 0.05  # seconds the server waits before each answer
# (requests received by the server, extra seconds) before SIGKILL. Request 3k is the last
# of package k: its answer leaves the server DELAY seconds later, and the package's four
# files are written (each with an fsync) in the milliseconds after that.
KILL_POINTS = [
    (1, 0.0),  # nothing written yet
    *((3, DELAY + ms / 1000) for ms in (5, 8, 11, 14, 20)),  # around package 1's writes
    (4, 0.0),  # package 1 is written before request 4 is sent
    (6, DELAY + 0.01),
]


def fetch_in_process(workdir: Path, server: ReplayServer) -> None:
    argv = ["fetch", "--config", str(workdir / "packages.yaml")]
    argv += ["--data-dir", str(workdir / "data"), "--api-url", server.url]
    assert main(argv) == 0


@pytest.fixture
def quick(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fetch, "polite_limiter", lambda *a, **k: RateLimiter([(10_000, 1.0)]))
    monkeypatch.setattr(fetch, "RETRY_POLICY", FAST_POLICY)
    for name in CREDENTIAL_VARIABLES:
        monkeypatch.delenv(name, raising=False)


def kill_after(workdir: Path, server: ReplayServer, requests: int, extra: float) -> None:
    start = len(server.requests)
    process = subprocess.Popen(
        fetch_command(workdir, server, "--requests-per-minute", "6000"),
        cwd=Path(__file__).resolve().parent.parent,
        env=subprocess_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while len(server.requests) - start < requests:
            assert process.poll() is None, "fetch ended before the kill point"
            assert time.monotonic() < deadline, "fetch never reached the kill point"
            time.sleep(0.001)
        time.sleep(extra)
        process.send_signal(signal.SIGKILL)
    finally:
        process.kill()
        process.wait(timeout=10)
    assert process.returncode == -signal.SIGKILL


def test_killed_fetch_leaves_each_file_old_or_new(
    tmp_path: Path, realdata: Path, quick: None
) -> None:
    base = tmp_path / "base"
    base.mkdir()
    write_config(base, PACKAGES)
    with ReplayServer(realdata, snapshot="2026-05-15") as server:
        fetch_in_process(base, server)  # the history before the run
        server.set_snapshot("2026-08-22")
        reference = tmp_path / "reference"
        shutil.copytree(base, reference)
        fetch_in_process(reference, server)  # the history after a complete run
        old, new = files_of(base / "data"), files_of(reference / "data")
        assert set(old) == set(new) and all(old[p] != new[p] for p in old)
        # provenance is rewritten after each package's history: old or new, like the rest

        server.set_delay(DELAY)
        states: list[tuple[int, int]] = []
        for index, (requests, extra) in enumerate(KILL_POINTS):
            work = tmp_path / f"killed-{index}"
            shutil.copytree(base, work)
            kill_after(work, server, requests, extra)
            data = work / "data"
            left = files_of(data)
            csvs = {  # the history: not a temporary, not the write lock's note
                p: b
                for p, b in left.items()
                if not Path(p).name.startswith(store.TMP_PREFIX) and p != store.HOLDER_FILE
            }
            assert set(csvs) == set(old), f"kill point {index}: unexpected files {sorted(csvs)}"
            for path, content in csvs.items():
                assert content in (old[path], new[path]), f"kill point {index}: {path} is torn"
                if path.startswith("_meta/provenance/"):
                    provenance.read(data, Path(path).stem)  # parses
                else:
                    store.read_series(data / path)  # parses
            states.append((sum(csvs[p] == new[p] for p in csvs), len(csvs)))

            server.set_delay(0)
            fetch_in_process(work, server)  # the next run finishes the job
            server.set_delay(DELAY)
            assert files_of(data) == new, f"kill point {index}: rerun did not converge"
            assert not list(data.rglob(store.TMP_PREFIX + "*"))  # the rerun removed them

    # The kills landed at different moments: before any write, and after some writes.
    # 3 packages × (4 history files + provenance) = 15 files, none new yet
    assert (0, 15) in states
    assert any(0 < done < total for done, total in states), states
