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


def test_add_creates_the_packages_list_when_there_is_none_yet(tmp_path):
    path = tmp_path / "packages.yaml"
    path.write_text("# My packages\nsite_title: Mine  # the header\n")
    result = run_cli("add", "requests", "--group", "Web", "--config", path)
    assert result.returncode == 0, result.stderr
    text = path.read_text()
    assert text.startswith("# My packages\nsite_title: Mine  # the header\n")
    config = load_config(path)
    assert [(p.name, p.group) for p in config.packages] == [("requests", "Web")]
    assert config.settings.site_title == "Mine"


def test_add_fills_an_empty_packages_list(tmp_path):
    path = tmp_path / "packages.yaml"
    for empty in ("packages:\n", "packages: []\n"):
        path.write_text(empty)
        assert run_cli("add", "numpy", "--config", path).returncode == 0
        assert [p.name for p in load_config(path).packages] == ["numpy"]
        assert "\n  - name: numpy\n" in path.read_text()  # block style, like the rest


def test_add_creates_a_missing_file(tmp_path):
    path = tmp_path / "packages.yaml"
    result = run_cli("add", "flask", "--config", path)
    assert result.returncode == 0, result.stderr
    assert f"created {path}" in result.stderr
    assert [p.name for p in load_config(path).packages] == ["flask"]


def test_appending_keeps_comments_below_the_list_below_it(tmp_path):
    path = tmp_path / "packages.yaml"
    path.write_text(
        "packages:\n"
        "  - name: flask\n"
        "  - name: requests  # the classic\n"
        "\n"
        "# Settings below\n"
        "site_title: Stats\n"
    )
    assert run_cli("add", "zope.interface", "--config", path).returncode == 0
    assert path.read_text() == (
        "packages:\n"
        "  - name: flask\n"
        "  - name: requests  # the classic\n"
        "  - name: zope.interface\n"
        "\n"
        "# Settings below\n"
        "site_title: Stats\n"
    )


def test_add_refuses_files_it_cannot_edit_safely_and_leaves_them_alone(tmp_path):
    path = tmp_path / "packages.yaml"
    cases = {
        "- requests\n": "1: the top level must be a mapping",
        "packages: requests\n": "1: `packages:` must be a list",
        "packages:\n  - requests\n": "2: each package must be a mapping",
        "packages: [\n": "2: not valid YAML",
    }
    for text, message in cases.items():
        path.write_text(text)
        result = run_cli("add", "flask", "--config", path)
        assert result.returncode == 2, text
        assert "Traceback" not in result.stderr
        assert f"{path}:{message}" in result.stderr, result.stderr
        assert path.read_text() == text
    path.unlink()
    path.mkdir()
    result = run_cli("add", "flask", "--config", path)
    assert result.returncode == 2 and "is a directory" in result.stderr


def test_add_refuses_names_the_old_pattern_let_through_and_leaves_the_file(tmp_path):
    path = tmp_path / "packages.yaml"
    path.write_text(ORIGINAL)
    for name, shown in [
        ("requeſts", "`requeſts` is not a valid PyPI project name: `ſ` (U+017F"),
        ("İnflect", "`İnflect` is not a valid PyPI project name: `İ` (U+0130"),
        ("requests\n", "'requests\\n' is not a valid PyPI project name"),
        ("a" * 300, "(300 characters) is not a valid PyPI project name"),
    ]:
        result = run_cli("add", name, "--config", path)
        assert result.returncode == 2, name
        assert "Traceback" not in result.stderr
        assert shown in result.stderr
        assert path.read_text() == ORIGINAL


def test_add_refuses_a_group_or_note_that_is_not_one_line(tmp_path):
    path = tmp_path / "packages.yaml"
    path.write_text(ORIGINAL)
    for option, value, shown in [
        ("--note", "first\n::error::forged", "--note contains '\\n' (U+000A"),
        ("--group", "Web\u2028Data", "--group contains '\\u2028' (U+2028"),
        ("--note", "x" * 501, "--note is 501 characters long (at most 500)"),
    ]:
        result = run_cli("add", "pandas", option, value, "--config", path)
        assert result.returncode == 2, value
        assert "Traceback" not in result.stderr and shown in result.stderr
        assert not any(line.startswith("::") for line in result.stderr.splitlines())
        assert path.read_text() == ORIGINAL


def test_add_does_not_edit_a_file_nested_too_deeply_or_using_aliases(tmp_path):
    path = tmp_path / "packages.yaml"
    cases = {
        "packages:\n  - name: a\nx: " + "[" * 3000 + "]" * 3000 + "\n": "3: nested more than",
        "a: &a [x, x]\nb: [*a, *a]\npackages:\n  - name: a\n": "2: aliases (`*name`) are not",
        "packages:\n  - name: a\n? [k]\n: 1\n": "3: a key must be a plain word",
        "top_k: " + "9" * 5000 + "\npackages:\n  - name: a\n": "1: `top_k` is a number of 5,000",
    }
    for text, message in cases.items():
        path.write_text(text)
        result = run_cli("add", "flask", "--config", path)
        assert result.returncode == 2, text[:40]
        assert "Traceback" not in result.stderr
        assert f"{path}:{message}" in result.stderr, result.stderr
        assert path.read_text() == text
