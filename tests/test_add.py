"""`add` keeps packages.yaml sorted and keeps its comments."""

from __future__ import annotations

from generator.config import load_config
from tests.cli_helpers import run_cli

ORIGINAL = """\
# Tracked packages: add yours by pull request.
site_title: Stats  # shown in the header

packages:
  - name: flask
    group: Web
  - name: requests  # the classic
    group: Web
  - name: zope.interface
"""


def test_add_inserts_in_sorted_place_and_keeps_comments(tmp_path):
    path = tmp_path / "packages.yaml"
    path.write_text(ORIGINAL)
    result = run_cli("add", "Pandas", "--group", "Data", "--config", path)
    assert result.returncode == 0, result.stderr
    text = path.read_text()
    assert "# Tracked packages: add yours by pull request." in text
    assert "site_title: Stats  # shown in the header" in text
    assert "  - name: requests  # the classic" in text
    names = [p.name for p in load_config(path).packages]
    assert names == ["flask", "Pandas", "requests", "zope.interface"]
    assert load_config(path).packages[1].group == "Data"


def test_add_refuses_a_package_already_tracked_under_another_spelling(tmp_path):
    path = tmp_path / "packages.yaml"
    path.write_text(ORIGINAL)
    result = run_cli("add", "Zope_Interface", "--config", path)
    assert result.returncode == 2
    assert f"{path}:9: `Zope_Interface` is already tracked" in result.stderr
    assert path.read_text() == ORIGINAL


def test_add_refuses_an_invalid_name_and_an_invalid_file(tmp_path):
    path = tmp_path / "packages.yaml"
    path.write_text(ORIGINAL)
    result = run_cli("add", "../../etc", "--config", path)
    assert result.returncode == 2 and "not a valid PyPI project name" in result.stderr
    assert "Traceback" not in result.stderr
    path.write_text("packages:\n  - name: a\n    bogus: 1\n")
    result = run_cli("add", "b", "--config", path)
    assert result.returncode == 2 and f"{path}:3: unknown key `bogus`" in result.stderr
