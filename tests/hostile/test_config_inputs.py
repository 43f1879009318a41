"""Hostile packages.yaml: whatever a stranger's pull request puts in it is a message.

Each file of the corpus (written by the test) goes through the three commands that read a
packages.yaml from a pull request or a maintainer's hand: `validate`, `add` and
scripts/check_new_packages.py (the pull-request check). Each must exit 2 with the file and
the line and a fix, print no traceback and no line a GitHub runner would take for a
workflow command, and `add` must leave the file byte-identical.

The corpus covers the YAML shapes that crashed the loader (a complex key, 3,000-deep
nesting), values that crashed later steps or got through (a 5,000-digit number,
`requeſts`, `İnflect`, a 300-character name, a trailing newline, `2020-13-45`), the
resource attacks (an alias bomb, a file of several MB), and bytes YAML itself refuses
(NUL, an escape sequence, tabs, hidden line separators).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from generator.config import MAX_CONFIG_BYTES, MAX_DEPTH, load_config
from tests.cli_helpers import REPO, run_cli

CHECK_SCRIPT = REPO / "scripts" / "check_new_packages.py"
ONE = "packages:\n  - name: a\n"
LAUGHS = "".join(
    f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9) if i else ', '.join(['lol'] * 9)}]\n"
    for i in range(10)
)
BIG = "packages:\n" + "  - name: a\n" * (MAX_CONFIG_BYTES // 12 + 1)

# id: (file content, line of the problem, part of the message)
CORPUS: dict[str, tuple[str | bytes, int, str]] = {
    "complex key at the top": ("? [a, b]\n: 1\n" + ONE, 1, "a key must be a plain word"),
    "complex key in a package": (
        "packages:\n  - name: a\n    ? {k: v}\n    : 1\n",
        3,
        "a key must be a plain word",
    ),
    "3,000-deep flow nesting": (
        ONE + "x: " + "[" * 3000 + "]" * 3000 + "\n",
        3,
        f"nested more than {MAX_DEPTH} levels deep",
    ),
    "1,000-deep block nesting": (
        ONE + "x:\n" + "".join(" " * i + "-\n" for i in range(1, 1001)),
        MAX_DEPTH + 3,
        "nested more than",
    ),
    "deep nesting as a name": (
        "packages:\n  - name: " + "{a: " * 3000 + "1" + "}" * 3000 + "\n",
        2,
        "nested more than",
    ),
    "5,000-digit setting": ("top_k: " + "9" * 5000 + "\n" + ONE, 1, "5,000 digits, far too large"),
    "5,000-digit name": ("packages:\n  - name: " + "9" * 5000 + "\n", 2, "`name` must be a string"),
    "400-digit setting": ("refetch_days: " + "9" * 400 + "\n" + ONE, 1, "must be at most 3,650"),
    "long s in a name": ("packages:\n  - name: requeſts\n", 2, "`ſ` (U+017F"),
    "dotted capital I in a name": ("packages:\n  - name: İnflect\n", 2, "`İ` (U+0130"),
    "Kelvin sign in a name": ("packages:\n  - name: \u212aeras\n", 2, "(U+212A, kelvin sign)"),
    "300-character name": ("packages:\n  - name: " + "a" * 300 + "\n", 2, "300 characters long"),
    "name with a trailing newline": (
        'packages:\n  - name: "requests\\n"\n',
        2,
        "'requests\\n' is not a valid PyPI project name",
    ),
    "name with a workflow command": (
        'packages:\n  - name: "x\\n::error::forged"\n',
        2,
        "'x\\n::error::forged' is not a valid PyPI project name",
    ),
    "key with a workflow command": (
        '"x\\n::stop-commands::token": 1\n' + ONE,
        1,
        "unknown setting 'x\\n::stop-commands::token'",
    ),
    "impossible date": ("backfill_since: 2020-13-45\n" + ONE, 1, "must be a date YYYY-MM-DD"),
    "unquoted date as a name": (
        "packages:\n  - name: 2020-01-01\n",
        2,
        'must be a string (quote it): unquoted, YAML reads it as a date; write `name: "2020',
    ),
    "unquoted date as a group": (
        "packages:\n  - name: a\n    group: 2020-01-01\n",
        3,
        "`group` must be a string (quote it)",
    ),
    "billion laughs": (LAUGHS + ONE, 2, "aliases (`*name`) are not allowed here"),
    "merge key": ("base: &b {group: Web}\npackages:\n  - <<: *b\n    name: a\n", 3, "aliases"),
    "undefined alias": ("packages: *nothing\n", 1, "aliases (`*name`) are not allowed"),
    "NUL byte": ("packages:\n  - name: a\x00b\n", 2, "the control character U+0000"),
    "escape sequence": ("packages:\n  - name: a\x1b[31m\n", 2, "the control character U+001B"),
    "tab indentation": ("packages:\n\t- name: a\n", 2, "indents with spaces: replace the tabs"),
    "line separator": ("# a\u2028comment\n" + ONE, 1, "line separator U+2028"),
    "next line": (ONE + "# a\x85b\n", 3, "line separator U+0085"),
    "note on two lines": (
        'packages:\n  - name: a\n    note: "a\\nb"\n',
        3,
        "`note` contains '\\n' (U+000A",
    ),
    "bidirectional override": (
        'site_title: "Stats\\u202e"\n' + ONE,
        1,
        "`site_title` contains '\\u202e' (U+202E",
    ),
    "two documents": (ONE + "---\n" + ONE, 3, "expected a single document in the stream, but"),
    "base_url javascript": (
        "base_url: javascript:alert(1)\n" + ONE,
        1,
        "`javascript:alert(1)` is not an absolute URL",
    ),
    "base_url relative": ("base_url: stats\n" + ONE, 1, "`stats` is not an absolute URL"),
    "base_url with a script": (
        'base_url: "https://x.example/\\n<script>alert(1)</script>"\n' + ONE,
        1,
        "contains '\\n' (U+000A",
    ),
    "file over 1 MiB": (BIG, BIG[:MAX_CONFIG_BYTES].count("\n") + 1, "the file passes 1 MiB here"),
    "5 MB of one line": ("packages: [" + "a, " * (5 * 10**6 // 3), 1, "passes 1 MiB here"),
}


def write(path: Path, content: str | bytes) -> None:
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)


def check_script(cwd: Path, config: Path) -> subprocess.CompletedProcess[str]:
    """The pull-request check, as the workflow runs it (nothing may be looked up)."""
    env = {**os.environ, "GITHUB_ACTIONS": "true", "PYPI_JSON_API_URL": "http://127.0.0.1:9/"}
    env["GITHUB_STEP_SUMMARY"] = str(cwd / "summary.md")
    base = cwd / "base.yaml"
    base.write_text(ONE, encoding="utf-8")
    return subprocess.run(
        [sys.executable, str(CHECK_SCRIPT), "--config", config.name, "--base-file", str(base)],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
        env=env,
        timeout=120,
    )


def no_forged_command(*outputs: str) -> None:
    for output in outputs:
        for line in output.splitlines():
            assert not line.lstrip().startswith("::"), line


@pytest.mark.parametrize(("content", "line", "fragment"), CORPUS.values(), ids=list(CORPUS))
def test_validate_add_and_the_pull_request_check_each_say_file_line_and_fix(
    tmp_path: Path, content: str | bytes, line: int, fragment: str
) -> None:
    path = tmp_path / "packages.yaml"
    write(path, content)
    before = path.read_bytes()

    validate = run_cli("validate", "--config", path, cwd=tmp_path)
    assert validate.returncode == 2, validate.stderr[-2000:]
    assert "Traceback" not in validate.stderr
    assert f"{path}:{line}: " in validate.stderr, validate.stderr[-2000:]
    assert fragment in validate.stderr, validate.stderr[-2000:]
    no_forged_command(validate.stdout, validate.stderr)

    add = run_cli("add", "flask", "--config", path, cwd=tmp_path)
    assert add.returncode == 2, add.stderr[-2000:]
    assert "Traceback" not in add.stderr
    assert f"{path}:{line}: " in add.stderr, add.stderr[-2000:]
    no_forged_command(add.stdout, add.stderr)
    assert path.read_bytes() == before

    check = check_script(tmp_path, path)
    assert check.returncode == 2, check.stderr[-2000:]
    assert "Traceback" not in check.stderr
    assert f"packages.yaml:{line}: " in check.stderr, check.stderr[-2000:]
    annotations = check.stdout.splitlines()
    assert annotations and all(a.startswith("::error file=packages.yaml") for a in annotations)
    assert f"::error file=packages.yaml,line={line}::" in check.stdout
    no_forged_command(check.stderr)


def test_a_byte_order_mark_at_the_start_is_read_as_yaml_allows(tmp_path: Path) -> None:
    path = tmp_path / "packages.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + ONE.encode())
    assert [p.name for p in load_config(path).packages] == ["a"]
    assert run_cli("validate", "--config", path).returncode == 0
    path.write_bytes(b"packages:\n  - name: \xef\xbb\xbfa\n")  # one inside a name is refused
    result = run_cli("validate", "--config", path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"{path}:2: '\\ufeffa' is not a valid PyPI project name" in result.stderr


def test_a_file_of_exactly_the_limit_is_read_and_one_byte_more_is_not(tmp_path: Path) -> None:
    path = tmp_path / "packages.yaml"
    text = ONE + "#" * (MAX_CONFIG_BYTES - len(ONE) - 1) + "\n"
    path.write_text(text, encoding="utf-8")
    assert len(path.read_bytes()) == MAX_CONFIG_BYTES
    assert [p.name for p in load_config(path).packages] == ["a"]
    path.write_text(text + "\n", encoding="utf-8")
    result = run_cli("validate", "--config", path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"{path}:4: the file passes 1 MiB here" in result.stderr


def test_a_refused_file_lists_at_most_a_hundred_problems(tmp_path: Path) -> None:
    path = tmp_path / "packages.yaml"
    path.write_text("packages:\n" + "  - name: bad/name\n" * 5000, encoding="utf-8")
    result = run_cli("validate", "--config", path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert len(result.stderr.splitlines()) == 1 + 100 + 1
    assert f"{path}: and 4,900 more problems" in result.stderr
