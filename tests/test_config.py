"""packages.yaml validation: every problem at once, each with its line, exit 2, no traceback."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from pathlib import Path

import pytest

from generator.config import (
    SETTING_NAMES,
    Settings,
    describe_default,
    load_config,
    parse_config,
    setting_default,
    settings_table_markdown,
)
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


def test_two_groups_that_would_share_a_page_are_refused_with_both_lines(tmp_path):
    path = tmp_path / "packages.yaml"
    path.write_text(
        "packages:\n"
        "  - name: a\n    group: Web & HTTP\n"
        "  - name: b\n    group: Web & HTTP\n"  # the same group: fine
        "  - name: c\n    group: web-http\n"  # another spelling, the same page: refused
        "  - name: d\n    group: Data\n"
    )
    result = run_cli("validate", "--config", path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert (
        f"{path}:6: group `web-http` and group `Web & HTTP` (line 2) would share one page, "
        "groups/web-http/" in result.stderr
    )
    assert result.stderr.count("would share one page") == 1


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


def settings_of(text: str) -> Settings:
    config, problems = parse_config(text + "packages:\n  - name: a\n", Path("packages.yaml"))
    assert problems == []
    return config.settings


@pytest.mark.parametrize(
    "line",
    ["backfill_since: 2020-02-29", "backfill_since: '2020-02-29'", 'backfill_since: "2020-02-29"'],
)
def test_backfill_since_is_a_date_whether_yaml_made_one_or_it_was_quoted(line):
    assert settings_of(line + "\n").backfill_since == dt.date(2020, 2, 29)


def test_backfill_since_defaults_to_the_first_of_2016_as_a_date():
    assert settings_of("").backfill_since == Settings().backfill_since == dt.date(2016, 1, 1)
    assert type(Settings().backfill_since) is dt.date


@pytest.mark.parametrize(
    "value",
    [
        "2020-13-45",  # unquoted: YAML's date resolver raises, which must not escape
        "'2020-13-45'",
        "2020-02-30",
        "'2020-2-3'",
        "'20200203'",
        "'2020-W05-1'",
        "2020-02-03 10:00:00",  # a datetime is not a date
        "20200203",
        "yesterday",
        "[2020-02-03]",
        "~",
    ],
)
def test_a_backfill_since_that_is_not_a_real_date_is_a_problem_on_its_line(value):
    text = f"# settings\nbackfill_since: {value}\npackages:\n  - name: a\n"
    assert problems_of(text) == ["2: `backfill_since` must be a date YYYY-MM-DD"]


def test_an_impossible_unquoted_date_as_a_package_name_is_a_problem_not_a_traceback():
    assert problems_of("packages:\n  - name: 2020-13-45\n") == ["2: `name` must be a string"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("api_url: ftp://example.org\n", "1: `api_url` must start with http:// or https://"),
        ("api_url: 3\n", "1: `api_url` must be a string"),
        ("top_k: 0\n", "1: `top_k` must be a positive integer"),
        ("maximum_bytes_billed: true\n", "1: `maximum_bytes_billed` must be an integer"),
        ("requests_per_minute: 2.5\n", "1: `requests_per_minute` must be an integer"),
        ("bigquery_project: [a]\n", "1: `bigquery_project` must be a string or empty"),
        ("source: 1\n", "1: `source` must be a string"),
        ("source: BigQuery\n", "1: `source` must be one of auto, pypistats, bigquery, clickhouse"),
        ("site_title: {a: b}\n", "1: `site_title` must be a string"),
    ],
)
def test_each_setting_is_checked_with_its_own_message(text, expected):
    assert problems_of(text + "packages:\n  - name: a\n") == [expected]


def test_every_setting_can_be_set_and_keeps_its_type():
    settings = settings_of(
        "source: bigquery\nrefetch_days: 5\napi_url: http://127.0.0.1:8000/api\n"
        "requests_per_minute: 10\nsite_title: Mine\nbase_url: https://x.example/\n"
        "bigquery_project: ~\nmaximum_bytes_billed: 1000\ntop_k: 3\nbackfill_since: 2019-05-01\n"
    )
    assert settings == Settings(
        source="bigquery",
        refetch_days=5,
        api_url="http://127.0.0.1:8000/api",
        requests_per_minute=10,
        site_title="Mine",
        base_url="https://x.example/",
        bigquery_project=None,
        maximum_bytes_billed=1000,
        top_k=3,
        backfill_since=dt.date(2019, 5, 1),
    )
    assert settings_of("bigquery_project: my-project\n").bigquery_project == "my-project"


def test_settings_are_frozen_and_every_field_is_a_setting_with_a_meaning():
    with pytest.raises(dataclasses.FrozenInstanceError):
        Settings().top_k = 3  # type: ignore[misc]
    assert tuple(f.name for f in dataclasses.fields(Settings)) == SETTING_NAMES
    for f in dataclasses.fields(Settings):
        assert f.metadata["help"], f.name
        assert setting_default(f.name) == getattr(Settings(), f.name)


def test_unknown_setting_lists_the_settings_in_declaration_order():
    (found,) = problems_of("colour: red\npackages:\n  - name: a\n")
    assert found.endswith("known settings: packages, " + ", ".join(SETTING_NAMES))


def test_defaults_are_described_for_help_strings_from_the_declaration():
    assert describe_default("api_url") == "settings.api_url, https://pypistats.org/api"
    assert describe_default("refetch_days") == "settings.refetch_days, 2"
    assert describe_default("maximum_bytes_billed") == "settings.maximum_bytes_billed, 32 GiB"
    assert describe_default("backfill_since") == "settings.backfill_since, 2016-01-01"
    assert setting_default("backfill_since") == dt.date(2016, 1, 1)
    assert setting_default("maximum_bytes_billed") == 32 * 2**30
    with pytest.raises(KeyError, match="unknown setting 'colour'"):
        setting_default("colour")
    with pytest.raises(KeyError):
        describe_default("colour")


def test_the_settings_table_has_one_row_per_setting_in_order():
    rows = settings_table_markdown().splitlines()
    assert rows[:2] == ["| setting | type | default | meaning |", "|---|---|---|---|"]
    names = [re.match(r"\| `(\w+)` \|", row).group(1) for row in rows[2:]]  # type: ignore[union-attr]
    assert names == list(SETTING_NAMES)
    assert "| `backfill_since` | date `YYYY-MM-DD` | `2016-01-01` |" in settings_table_markdown()


README_TABLE = re.compile(
    r"<!-- settings table: generated by generator\.config\.settings_table_markdown\(\) -->\n"
    r"\n(?P<table>.*?)\n<!-- end of settings table -->",
    re.DOTALL,
)


def test_the_readme_settings_table_is_the_generated_one():
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    found = README_TABLE.findall(readme)
    assert len(found) == 1, "README.md needs one settings table between its two comments"
    assert found[0] == settings_table_markdown(), (
        "README.md's settings table differs from generator/config.py; replace it with:\n"
        + settings_table_markdown()
    )


# ---------------------------------------------------------------- base_url and other values


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("stats", "`stats` is not an absolute URL starting with http:// or https://"),
        ("/stats/", "is not an absolute URL"),
        ("javascript:alert(1)", "is not an absolute URL"),
        ("ftp://x.example/", "is not an absolute URL"),
        ("https://x.example/\\n<script>alert(1)</script>", "contains '\\n' (U+000A"),
        ('https://x.example/\\"onmouseover=\\"alert(1)/', 'contains `"` (U+0022'),
        ("https://x.example/a b/", "contains ` ` (U+0020, space)"),
        ("https://x.example/<b>/", "contains `<` (U+003C"),
        ("https://x.example/a\\\\b/", "contains `\\` (U+005C"),
        ("https://x.example/a)[x](javascript:x)/", "contains `)` (U+0029"),
        ("https://exämple.org/", "contains `ä` (U+00E4"),
        ("https://user:secret@x.example/", "holds a user name or password"),
        ("https://x.example/?page=", "has a query (`?`) or a fragment (`#`)"),
        ("https://x.example:123456/", "has no valid host name"),
        ("https:///", "has no valid host name"),
        ("https://x.example/%zz/", "has a `%` that does not start a percent-escape"),
    ],
)
def test_a_bad_base_url_is_refused_on_its_line_with_a_valid_example(url, why):
    """`url` is written inside YAML double quotes (so `\\n` is a newline)."""
    (found,) = problems_of(f'# site\nbase_url: "{url}"\npackages:\n  - name: a\n')
    assert found.startswith("2: `base_url` must be empty or the site's absolute http:// or ")
    assert why in found, found
    assert found.endswith("For example: `https://user.github.io/repo/`")
    assert "\n" not in found


def test_a_base_url_is_empty_or_absolute_and_one_without_its_final_slash_is_shown_with_it():
    for url in ("", "https://user.github.io/repo/", "http://127.0.0.1:8000/", "http://[::1]:8/s/"):
        assert settings_of(f"base_url: '{url}'\n").base_url == url
    (found,) = problems_of("base_url: https://me.github.io/stats\npackages:\n  - name: a\n")
    assert "does not end with `/`. For example: `https://me.github.io/stats/`" in found


@pytest.mark.parametrize(
    ("option", "why"),
    [
        ("stats", "`stats` is not an absolute URL starting with http:// or https://"),
        ("javascript:alert(1)//", "is not an absolute URL"),
        ("https://x.example/\n<script>alert(1)</script>", "contains '\\n' (U+000A"),
    ],
)
def test_the_base_url_option_follows_the_same_rule(tmp_path, option, why):
    path = tmp_path / "packages.yaml"
    path.write_text(GOOD)
    for command in ("build", "update"):
        result = run_cli(
            command, "--config", path, "--out", tmp_path / "site", "--base-url", option
        )
        assert result.returncode == 2, result.stderr
        assert "Traceback" not in result.stderr
        assert "argument --base-url: it must be empty or the site's absolute http://" in (
            result.stderr
        )
        assert why in result.stderr
        assert not (tmp_path / "site").exists()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("refetch_days: " + "9" * 400 + "\n", "1: `refetch_days` must be at most 3,650"),
        ("refetch_days: " + "9" * 5000 + "\n", "1: `refetch_days` is a number of 5,000 digits"),
        ("top_k: 10001\n", "1: `top_k` must be at most 10,000"),
        ("requests_per_minute: 10000000\n", "1: `requests_per_minute` must be at most 100,000"),
        (f"maximum_bytes_billed: {2**63}\n", "1: `maximum_bytes_billed` must be at most 9,223"),
        ("api_url: 'https://pypistats.org/api '\n", "1: `api_url` contains ` ` (U+0020, space)"),
        ("bigquery_project: 'a b'\n", "1: `bigquery_project` must be a Google Cloud project"),
        ('site_title: "a\\tb"\n', "1: `site_title` contains '\\t' (U+0009, a control char"),
        ("site_title: '" + "x" * 101 + "'\n", "1: `site_title` is 101 characters long (at most"),
        ("site_title: 2020-01-01\n", "1: `site_title` must be a string (quote it): unquoted,"),
    ],
)
def test_values_that_would_break_a_later_step_are_refused_on_their_line(text, expected):
    (found,) = problems_of(text + "packages:\n  - name: a\n")
    assert found.startswith(expected), found


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        ("- name: 2020-01-01", "2: `name` must be a string (quote it): unquoted, YAML reads it"),
        ("- name: a\n    group: 2020-01-01", "3: `group` must be a string (quote it): unquoted"),
        ("- name: a\n    note: yes", "3: `note` must be a string (quote it): unquoted, YAML"),
        ('- name: a\n    note: "one\\ntwo"', "3: `note` contains '\\n' (U+000A"),
        ('- name: a\n    group: "Web\\u202e"', "3: `group` contains '\\u202e' (U+202E, right-to"),
        ("- name: a\n    note: " + "n" * 501, "3: `note` is 501 characters long (at most 500)"),
        ('- name: "requests\\n"', "2: 'requests\\n' is not a valid PyPI project name: remove"),
        ("- name: requeſts", "2: `requeſts` is not a valid PyPI project name: `ſ` (U+017F"),
        ("- name: " + "a" * 300, "2: `aaaaaaaaaa"),
        ("- name:", "2: `name` is empty; write the project's name on PyPI"),
    ],
)
def test_each_package_value_is_checked_with_a_message_that_says_the_fix(item, expected):
    (found,) = problems_of(f"packages:\n  {item}\n")
    assert found.startswith(expected), found


def test_keys_are_shown_on_one_line_and_a_complex_key_is_a_problem():
    text = (
        '"x\\n::error::forged": 1\n? [a, b]\n: 1\npackages:\n  - name: a\n    ? {k: v}\n    : 1\n'
    )
    found = problems_of(text)
    assert found[0].startswith("1: unknown setting 'x\\n::error::forged'; known settings:")
    assert found[1].startswith("2: a key must be a plain word such as `name` or `packages`")
    assert found[2].startswith("6: a key must be a plain word")
    assert all("\n" not in p for p in found)


def test_at_most_a_hundred_problems_are_listed_and_the_rest_counted():
    found = problems_of("packages:\n" + "  - name: bad/name\n" * 250)
    assert len(found) == 101
    assert found[-1] == "0: and 150 more problems"
