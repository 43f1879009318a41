"""Two writers at once: one writer at a time, and no interleaving loses a row.

Every command that writes data/ holds store.locked(data_dir, command). These tests run
the real command line in subprocesses, as a maintainer beside the nightly job would:

- two `import`s started together into one large history: every row of both is stored
  (the second waits for the first), and never a silent loss with exit 0;
- an `import` started while `update` fetches from a slow server: it waits, and both the
  fetched and the imported rows are kept; with a short wait it stops with exit 2 and a
  message naming the other process (pid and command) and writes nothing;
- a lock whose holder was killed with SIGKILL is free at once;
- `build` while another process rewrites history files never sees a torn file.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from generator import store
from generator.config import load_config
from generator.site.build import build_site
from tests.cli_helpers import PYPISTATS_ONLY, REPO, snapshot
from tests.servers.faulty import (
    ENDPOINTS,
    Behaviour,
    FaultyServer,
    ok_json,
    pypistats_body,
    recent_days,
)

MINORS = [f"3.{n}" for n in range(20)]
HISTORY_DAYS = 3000  # about 60,000 rows: reading and writing the file takes a while
PKG = "pkg"


def env(**extra: str) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("GOOGLE_")}
    return {**base, "PYTHONPATH": str(REPO), **extra}


def cli(*args: str | Path, **extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "generator", *map(str, args)],
        cwd=REPO,
        env=env(**extra),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(process: subprocess.Popen[str]) -> tuple[int, str]:
    out, err = process.communicate(timeout=120)
    return process.returncode, out + err


def days(first: dt.date, count: int) -> list[str]:
    return [(first + dt.timedelta(days=n)).isoformat() for n in range(count)]


def large_history(data: Path) -> dict[tuple[str, str], int]:
    series = {
        (day, minor): 1 + (i * 7 + j) % 50
        for i, day in enumerate(days(dt.date(2017, 10, 1), HISTORY_DAYS))
        for j, minor in enumerate(MINORS)
    }
    store.update_package(data, PKG, {"python_minor": series})
    return series


def import_file(path: Path, first: dt.date, count: int) -> dict[tuple[str, str], int]:
    rows = {(day, minor): 1000 + j for day in days(first, count) for j, minor in enumerate(MINORS)}
    lines = [f"{c},{d},{n}" for (d, c), n in rows.items()]
    path.write_text("category,date,downloads\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return rows


def stored(data: Path, kind: str = "python_minor") -> dict[tuple[str, str], int]:
    return store.read_series(data / PKG / f"{kind}.csv")


# ---------------------------------------------------------------- two imports


@pytest.mark.parametrize("trial", range(3))
def test_two_imports_at_once_lose_no_row(tmp_path: Path, trial: int):
    data = tmp_path / "data"
    old = large_history(data)
    first = import_file(tmp_path / "a.csv", dt.date(2026, 1, 1), 10)
    second = import_file(tmp_path / "b.csv", dt.date(2026, 1, 11), 10)
    processes = [
        cli("import", PKG, tmp_path / name, "--data-dir", data, "--kind", "python_minor")
        for name in ("a.csv", "b.csv")
    ]
    results = [finish(p) for p in processes]
    for code, output in results:
        assert "Traceback" not in output
        assert code == 0 or (code == 2 and "is being written by `import` (pid" in output), output
    expected = dict(old)
    for (code, _), rows in zip(results, (first, second), strict=True):
        if code == 0:
            expected.update(rows)
    assert stored(data) == expected  # every row of every import that said it succeeded
    major = stored(data, "python_major")
    for day in {d for d, _ in expected if d >= "2026-01-01"}:
        assert major[(day, "3")] == sum(n for (d, _), n in expected.items() if d == day)
    assert not (data / store.HOLDER_FILE).exists()
    assert not [p for p in (data / PKG).iterdir() if p.name.startswith(store.TMP_PREFIX)]


def test_a_second_writer_waits_a_bounded_time_then_names_the_first(tmp_path: Path):
    data = tmp_path / "data"
    large_history(data)
    import_file(tmp_path / "a.csv", dt.date(2026, 1, 1), 3)
    with store.locked(data, "fetch"):
        before = snapshot(data)
        started = time.monotonic()
        code, output = finish(
            cli(
                "import",
                PKG,
                tmp_path / "a.csv",
                "--data-dir",
                data,
                "--kind",
                "python_minor",
                PYPI_STATS_LOCK_WAIT="0.5",
            )
        )
        waited = time.monotonic() - started
        assert snapshot(data) == before  # nothing was written
    assert code == 2, output
    assert "Traceback" not in output
    assert f"is being written by `fetch` (pid {os.getpid()}, running since " in output
    assert "`import` waited 0.5 s for it and stopped without writing anything" in output
    assert 0.5 <= waited < 30


def test_a_second_writer_that_can_wait_goes_on_after_the_first(tmp_path: Path):
    data = tmp_path / "data"
    old = large_history(data)
    rows = import_file(tmp_path / "a.csv", dt.date(2026, 1, 1), 3)
    held, written = threading.Event(), threading.Event()
    while_held: list[dict[str, bytes]] = []

    def hold() -> None:
        with store.locked(data, "backfill"):
            before = snapshot(data / PKG)
            held.set()
            written.wait(4)  # long enough for an import that does not wait to finish
            while_held.append(before)
            while_held.append(snapshot(data / PKG))

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait(10)
    importer = cli("import", PKG, tmp_path / "a.csv", "--data-dir", data, "--kind", "python_minor")
    deadline = time.monotonic() + 4
    while time.monotonic() < deadline and importer.poll() is None:
        time.sleep(0.05)
    written.set()
    holder.join()
    code, output = finish(importer)
    assert code == 0, output
    assert while_held[0] == while_held[1]  # nothing was written while the lock was held
    assert stored(data) == {**old, **rows}  # and everything once it was free


def test_a_lock_whose_holder_was_killed_is_free_at_once(tmp_path: Path):
    data = tmp_path / "data"
    old = large_history(data)
    rows = import_file(tmp_path / "a.csv", dt.date(2026, 1, 1), 3)
    code = (
        "import sys, time; from pathlib import Path; from generator import store\n"
        "with store.locked(Path(sys.argv[1]), 'fetch'):\n"
        "    print('held', flush=True); time.sleep(60)\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", code, str(data)], env=env(), stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None and holder.stdout.readline() == "held\n"
    holder.send_signal(signal.SIGKILL)
    holder.wait(10)
    assert (data / store.HOLDER_FILE).exists()  # its note is left behind, the lock is not
    # With no wait allowed at all, a lock still held would stop the import (exit 2): the
    # dead holder's lock is free at once (no timing, so a slow machine cannot fail this).
    result, output = finish(
        cli(
            "import",
            PKG,
            tmp_path / "a.csv",
            "--data-dir",
            data,
            "--kind",
            "python_minor",
            PYPI_STATS_LOCK_WAIT="0",
        )
    )
    assert result == 0, output
    assert stored(data) == {**old, **rows}
    assert not (data / store.HOLDER_FILE).exists()


# ---------------------------------------------------------------- import beside a fetch


def slow(body: bytes, seconds: float) -> Behaviour:
    answer = ok_json(body)

    def behave(handler: object) -> None:
        time.sleep(seconds)
        answer(handler)  # type: ignore[arg-type]

    behave.__name__ = f"slow {seconds} s"
    return behave


def update_beside_import(tmp_path: Path, wait: str) -> tuple[int, str, int, str, float, float]:
    data = tmp_path / "data"
    large_history(data)
    config = tmp_path / "packages.yaml"
    config.write_text(f"{PYPISTATS_ONLY}packages:\n  - name: {PKG}\n", encoding="utf-8")
    import_file(tmp_path / "a.csv", dt.date(2026, 1, 1), 3)
    with FaultyServer(lifetime=120) as server:
        for endpoint in ENDPOINTS:
            server.on(f"{PKG}/{endpoint}", slow(pypistats_body(PKG, endpoint), 0.7))
        update = cli(
            "update",
            "--config",
            config,
            "--data-dir",
            data,
            "--out",
            tmp_path / "site",
            "--api-url",
            server.url,
            "--requests-per-minute",
            "6000",
        )
        deadline = time.monotonic() + 60
        while not server.requests:  # the fetch has started, and holds the lock
            assert update.poll() is None and time.monotonic() < deadline
            time.sleep(0.01)
        importer = cli(
            "import",
            PKG,
            tmp_path / "a.csv",
            "--data-dir",
            data,
            "--kind",
            "python_minor",
            PYPI_STATS_LOCK_WAIT=wait,
        )
        import_code, import_output = finish(importer)
        import_done = time.monotonic()
        update_code, update_output = finish(update)
        fetch_done = server.requests[-1].at + 0.7
    return update_code, update_output, import_code, import_output, import_done, fetch_done


def test_an_import_beside_a_fetch_waits_and_both_are_kept(tmp_path: Path):
    data = tmp_path / "data"
    update_code, update_output, code, output, import_done, fetch_done = update_beside_import(
        tmp_path, "60"
    )
    assert update_code == 0 and "Traceback" not in update_output, update_output
    assert code == 0 and "Traceback" not in output, output
    assert import_done >= fetch_done  # it waited for the fetch to finish
    minor = stored(data)
    assert all((day, "3.0") in minor for day in days(dt.date(2026, 1, 1), 3))  # imported
    assert all((day, "3.12") in minor for day in recent_days())  # fetched
    assert all(
        (day, "Linux") in stored(data, "system") for day in recent_days()
    )  # the fetch's other kinds too


def test_an_import_beside_a_fetch_with_a_short_wait_stops_with_exit_2(tmp_path: Path):
    data = tmp_path / "data"
    update_code, update_output, code, output, _, _ = update_beside_import(tmp_path, "0.2")
    assert update_code == 0, update_output
    assert code == 2 and "Traceback" not in output, output
    assert "is being written by `update` (pid " in output
    assert "stopped without writing anything" in output
    assert not any(day >= "2026-01-01" and day < "2026-01-04" for day, _ in stored(data))


# ---------------------------------------------------------------- readers see no torn file

WRITER = """
import itertools, sys, time
from pathlib import Path
from generator import store
data, seconds = Path(sys.argv[1]), float(sys.argv[2])
files = sorted((data / "pkg").glob("*.csv"))
versions = [store.read_series(p) for p in files]
other = [{key: n + 1 for key, n in series.items()} for series in versions]
end = time.monotonic() + seconds
print("writing", flush=True)
for turn in itertools.count():
    for path, a, b in zip(files, versions, other):
        store.write_series(path, a if turn % 2 else b)
    if time.monotonic() > end:
        break
"""


def test_build_while_a_writer_rewrites_the_history_never_sees_a_torn_file(tmp_path: Path):
    from tests import synthetic

    data = tmp_path / "data"
    synthetic.write_package(data / PKG, seed=5, start=dt.date(2024, 1, 1), days=700, scale=900)
    config = synthetic.write_config(tmp_path / "packages.yaml", [(PKG, None)])
    files = sorted((data / PKG).glob("*.csv"))
    versions = {p.name: {p.read_bytes()} for p in files}
    for path in files:
        series = store.read_series(path)
        versions[path.name].add(store.serialize({k: n + 1 for k, n in series.items()}).encode())
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(data), "6"], env=env(), stdout=subprocess.PIPE, text=True
    )
    try:
        assert writer.stdout is not None and writer.stdout.readline() == "writing\n"
        builds = reads = 0
        while writer.poll() is None:
            for path in files:  # the store's readers, many times over
                assert path.read_bytes() in versions[path.name]
                store.read_series(path)
                reads += 1
            site = tmp_path / "site"
            build_site(load_config(config), data, site, "")  # raises on a torn file
            for path in files:
                assert (site / "data" / PKG / path.name).read_bytes() in versions[path.name]
            builds += 1
    finally:
        writer.kill()
        writer.wait(10)
    assert builds >= 2 and reads >= 8, (builds, reads)
