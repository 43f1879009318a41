"""packages.yaml validation: every problem at once, each with its line, exit 2, no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.config import Settings, load_config, parse_config
from generator.errors import ConfigError
from tests.cli_helpers import run_cli

GOOD = """\
# Tracked packages
source: pypistats
refetch_days: 3
packages:
  - name: requests
    group: Web
    note: HTTP for humans
  - name: Django
"""


def problems_of(text: str) -> list[str]:
    return [f"{p.line}: {p.message}" for p in parse_config(text, Path("packages.yaml"))[1]]


def test_good_file_loads_with_defaults_for_unset_settings(tmp_path):
    path = tmp_path / "packages.yaml"
    path.write_text(GOOD)
    config = load_config(path)
    assert [p.name for p in config.packages] == ["requests", "Django"]
    assert config.packages[1].normalized == "django"
    assert config.packages[0].group == "Web" and config.packages[0].note == "HTTP for humans"
    assert config.settings.source == "pypistats" and config.settings.refetch_days == 3
    assert config.settings.api_url == Settings().api_url == "https://pypistats.org/api"
    assert config.settings.requests_per_minute == 30


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ["1: the file is empty"]),
        ("# only a comment\n", ["1: the file is empty"]),
        ("source: auto\n", ["1: missing `packages:`"]),
        ("- a\n- b\n", ["1: the top level must be a mapping"]),
        ("packages:\n", ["1: `packages:` is empty"]),
        ("packages: []\n", ["1: `packages:` is empty"]),
        ("packages: requests\n", ["1: `packages:` must be a list"]),
        (
            "packages:\n  - requests\n",
            ["2: each package must be a mapping: write `- name: requests`"],
        ),
        ("packages:\n  - name: req uests\n", ["2: `req uests` is not a valid PyPI project name"]),
        ("packages:\n  - name: ../etc\n", ["2: `../etc` is not a valid PyPI project name"]),
        ("packages:\n  - name: -lead\n", ["2: `-lead` is not a valid PyPI project name"]),
        ("packages:\n  - name: 1.0\n", ["2: `name` must be a string (quote it)"]),
        ("packages:\n  - group: Web\n", ["2: this package has no `name`"]),
        ("packages:\n  - name: a\n    colour: red\n", ["3: unknown key `colour` in a package"]),
        ("packages:\n  - name: a\n    group: [x]\n", ["3: `group` must be a string"]),
        ("refetch_days: seven\npackages:\n  - name: a\n", ["1: `refetch_days` must be an integer"]),
        ("refetch_days: -1\npackages:\n  - name: a\n", ["1: `refetch_days` must be a positive"]),
        ("source: pypy\npackages:\n  - name: a\n", ["1: `source` must be one of auto, pypistats"]),
        ("colour: red\npackages:\n  - name: a\n", ["1: unknown setting `colour`"]),
        ("packages:\n  - name: a\npackages:\n  - name: b\n", ["3: `packages` is set twice"]),
        ("packages:\n  - name: [unclosed\n", ["3: not valid YAML"]),
        ("packages:\n  - name: a\n    name: b\n", ["3: `name` is set twice in this package"]),
        ("packages:\n  - name: !!python/name:os.system x\n", ["2: `name` must be a string"]),
        ("refetch_days: !days 3\npackages:\n  - name: a\n", ["1: `refetch_days` must be an"]),
        (
            "packages:\n  - name: Foo_Bar\n  - name: foo.bar\n",
            [
                "3: `foo.bar` is the same project as `Foo_Bar` on line 2 (both normalise to `foo-bar`)"
            ],
        ),
    ],
)
def test_each_kind_of_bad_file_gets_a_clear_message_with_its_line(text, expected):
    found = problems_of(text)
    assert len(found) == len(expected), found
    for got, want in zip(found, expected, strict=True):
        assert got.startswith(want), (got, want)


def test_every_problem_is_reported_at_once():
    text = (
        "bogus: 1\n"
        "packages:\n"
        "  - name: ok\n"
        "  - name: bad name\n"
        "  - name: OK\n"
        "  - name: x\n"
        "    extra: 1\n"
    )
    assert [p.split(":")[0] for p in problems_of(text)] == ["1", "4", "5", "7"]


def test_validate_command_exits_2_without_traceback_and_names_file_and_line(tmp_path):
    path = tmp_path / "packages.yaml"
    path.write_text("packages:\n  - name: good\n  - name: 'bad/name'\n  - name: Good\n")
    result = run_cli("validate", "--config", path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert f"{path}:3: `bad/name` is not a valid PyPI project name" in result.stderr
    assert f"{path}:4: `Good` is the same project as `good` on line 2" in result.stderr


def test_validate_command_accepts_a_good_file(tmp_path):
    path = tmp_path / "packages.yaml"
    path.write_text(GOOD)
    result = run_cli("validate", "--config", path)
    assert result.returncode == 0, result.stderr
    assert "2 packages" in result.stderr


def test_missing_config_file_is_a_configuration_error(tmp_path):
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "nope.yaml")
    result = run_cli("validate", "--config", tmp_path / "nope.yaml")
    assert result.returncode == 2 and "Traceback" not in result.stderr


def test_repository_packages_yaml_is_valid():
    config = load_config(Path(__file__).resolve().parent.parent / "packages.yaml")
    assert len(config.packages) >= 10


def test_a_file_that_is_not_utf8_names_the_line_and_the_fix(tmp_path):
    path = tmp_path / "packages.yaml"
    path.write_bytes(b"# list\npackages:\n  - name: caf\xe9\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert [str(p) for p in info.value.problems] == [
        f"{path}:3: not UTF-8 text; save the file with UTF-8 encoding"
    ]
    result = run_cli("validate", "--config", path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"{path}:3: not UTF-8 text" in result.stderr


def test_a_directory_given_as_the_config_is_a_clear_error(tmp_path):
    result = run_cli("validate", "--config", tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"{tmp_path}: is a directory; pass --config with the path of packages.yaml" in (
        result.stderr
    )
