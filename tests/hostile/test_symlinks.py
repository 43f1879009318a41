"""No symlinks, in or out: a link under data/ is refused unread, and site/ holds no link.

A pull request can commit a symbolic link into data/ (`data/evil/system.csv ->
/etc/passwd`, `data/evil -> /etc`, `data/_meta -> elsewhere`). The GitHub Pages artifact
dereferences links, so a published link would publish the file it points to. Each case
here points at a file holding a secret token and checks: the build (or the store) stops
with a message naming the link, the token appears nowhere (not in the log, not in site/),
the target is not written, the other packages are still built, and nothing in site/ is a
symbolic link or a hard link shared with data/.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from generator import store
from generator.errors import LinkRefused
from generator.store import pending, runlog
from tests import synthetic
from tests.cli_helpers import run_cli, snapshot

END = dt.date(2026, 11, 20)
TOKEN = "SECRET-TOKEN-7f3a9c"
GOOD, EVIL = "good", "evil"


@pytest.fixture
def tree(tmp_path: Path) -> tuple[Path, Path, Path]:
    """(packages.yaml, data/, a directory outside data/ holding secrets)."""
    data = tmp_path / "data"
    for name, seed in ((GOOD, 1), (EVIL, 2)):
        synthetic.write_package(
            data / name, seed=seed, start=END - dt.timedelta(days=59), days=60, scale=100
        )
    config = synthetic.write_config(tmp_path / "packages.yaml", [(GOOD, None), (EVIL, None)])
    outside = tmp_path / "outside"
    outside.mkdir()
    for name in ("overall.csv", "system.csv", "bigquery-runs.csv", "passwd"):
        # history-shaped, so only the link itself can give it away
        (outside / name).write_text(f"date,category,downloads\n2026-01-01,{TOKEN},1\n")
    return config, data, outside


def build(tmp_path: Path, config: Path, data: Path) -> tuple[int, str, Path]:
    site = tmp_path / "site"
    result = run_cli("build", "--config", config, "--data-dir", data, "--out", site)
    return result.returncode, result.stdout + result.stderr, site


def assert_site_is_self_contained(site: Path, data: Path) -> None:
    """No link in site/, no file of site/ shares an inode with data/, no secret in it."""
    data_inodes = {(p.stat().st_dev, p.stat().st_ino) for p in data.rglob("*") if p.is_file()}
    for path in site.rglob("*"):
        assert not path.is_symlink(), f"{path} is a symbolic link"
        if path.is_file():
            info = path.lstat()
            assert (info.st_dev, info.st_ino) not in data_inodes, f"{path} is linked to data/"
            assert info.st_nlink == 1, f"{path} has {info.st_nlink} links"
            assert TOKEN.encode() not in path.read_bytes(), f"{path} holds the secret"
        assert path.resolve().is_relative_to(site.resolve()), path


def replace_with_link(path: Path, target: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        for child in path.iterdir():
            child.unlink()
        path.rmdir()
    else:
        path.unlink()
    path.symlink_to(target)


@pytest.mark.parametrize("kind", ["system", "overall"])
def test_a_linked_history_file_is_refused_and_never_published(
    tmp_path: Path, tree: tuple[Path, Path, Path], kind: str
):
    config, data, outside = tree
    link = data / EVIL / f"{kind}.csv"
    replace_with_link(link, outside / "passwd")
    code, output, site = build(tmp_path, config, data)
    assert code == 1, output
    assert "Traceback" not in output and TOKEN not in output
    assert f"{link}: is a symbolic link" in output
    assert "neither read nor published" in output
    assert (site / "packages" / GOOD / "index.html").is_file()  # the others are built
    assert not (site / "packages" / EVIL).exists()
    assert not (site / "data" / EVIL).exists()  # nothing of the package is published
    assert_site_is_self_contained(site, data)


def test_a_linked_package_folder_is_refused(tmp_path: Path, tree: tuple[Path, Path, Path]):
    config, data, outside = tree
    replace_with_link(data / EVIL, outside)
    code, output, site = build(tmp_path, config, data)
    assert code == 1 and "Traceback" not in output and TOKEN not in output
    assert f"{data / EVIL}: is a symbolic link" in output
    assert (site / "packages" / GOOD / "index.html").is_file()
    assert not (site / "data" / EVIL).exists()
    assert_site_is_self_contained(site, data)


def test_a_linked_meta_folder_stops_the_build_before_site_is_touched(
    tmp_path: Path, tree: tuple[Path, Path, Path]
):
    config, data, outside = tree
    (data / "_meta").symlink_to(outside)
    code, output, site = build(tmp_path, config, data)
    assert code == 1 and "Traceback" not in output and TOKEN not in output
    assert f"{data / '_meta'}: is a symbolic link" in output
    assert not site.exists()


def test_a_good_build_holds_no_link_of_any_kind(tmp_path: Path, tree: tuple[Path, Path, Path]):
    config, data, _ = tree
    code, output, site = build(tmp_path, config, data)
    assert code == 0, output
    assert (site / "data" / EVIL / "system.csv").read_bytes() == (
        data / EVIL / "system.csv"
    ).read_bytes()
    assert_site_is_self_contained(site, data)


def test_import_refuses_a_linked_file_and_writes_nothing_through_it(
    tmp_path: Path, tree: tuple[Path, Path, Path]
):
    _, data, outside = tree
    link = data / EVIL / "system.csv"
    replace_with_link(link, outside / "system.csv")
    before, targets = snapshot(data), snapshot(outside)
    source = tmp_path / "more.csv"
    source.write_text("category,date,downloads\nLinux,2026-11-21,3\n")
    result = run_cli("import", EVIL, source, "--data-dir", data)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"{link}: is a symbolic link" in result.stderr and TOKEN not in result.stderr
    assert snapshot(data) == before and snapshot(outside) == targets


def test_import_into_a_linked_package_folder_writes_nothing_there(
    tmp_path: Path, tree: tuple[Path, Path, Path]
):
    _, data, _ = tree
    empty = tmp_path / "elsewhere"
    empty.mkdir()
    (data / "newpkg").symlink_to(empty)  # a folder with no history yet, and a link
    source = tmp_path / "more.csv"
    source.write_text("category,date,downloads\nLinux,2026-11-21,3\n")
    result = run_cli("import", "newpkg", source, "--data-dir", data)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"{data / 'newpkg'}: is a symbolic link" in result.stderr
    assert list(empty.iterdir()) == []


def test_the_store_refuses_links_for_every_file_it_keeps(
    tmp_path: Path, tree: tuple[Path, Path, Path]
):
    _, data, outside = tree
    targets = snapshot(outside)
    (data / "_meta").symlink_to(outside)
    record = runlog.RunRecord("2026-11-20T03:10:00Z", "fetch", (GOOD,), *("2026-11-19",) * 2, 1, 1)
    for action in (
        lambda: runlog.read(data),
        lambda: runlog.append(data, record),
        lambda: runlog.exists(data),
        lambda: pending.read_pending(data),
        lambda: pending.write_pending(data, set()),  # would unlink a file out there
        lambda: pending.write_pending(data, {GOOD}),
    ):
        with pytest.raises(LinkRefused) as info:
            action()
        assert TOKEN not in info.value.message
    assert snapshot(outside) == targets


def test_a_fifo_in_place_of_a_history_file_is_refused_without_blocking(
    tmp_path: Path, tree: tuple[Path, Path, Path]
):
    config, data, _ = tree
    fifo = data / EVIL / "system.csv"
    fifo.unlink()
    os.mkfifo(fifo)
    code, output, site = build(tmp_path, config, data)  # reading a FIFO would block forever
    assert code == 1 and "Traceback" not in output
    assert f"{fifo}: is not a regular file" in output
    assert_site_is_self_contained(site, data)


def test_a_linked_lock_file_is_not_written_through(tmp_path: Path, tree: tuple[Path, Path, Path]):
    _, data, outside = tree
    targets = snapshot(outside)
    (data / store.HOLDER_FILE).symlink_to(outside / "passwd")
    with store.locked(data, "import"):
        assert not (data / store.HOLDER_FILE).is_symlink()
    assert snapshot(outside) == targets
    assert not (data / store.HOLDER_FILE).exists()
