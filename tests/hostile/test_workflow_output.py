"""What the pull-request check prints cannot forge a GitHub workflow command or a link.

scripts/check_new_packages.py runs in the pull-request workflow on a stranger's
packages.yaml, and the runner reads any output line that starts with `::` (after leading
whitespace, on stdout and stderr) as a command: `::error ...`, `::stop-commands::TOKEN`,
`::add-mask::`. Keys, names and PyPI's answers are fed in with such lines, with CR and
LF, and with `%0A` (which the runner would decode inside a command); the only commands in
the output must be the script's own annotations, whose data and properties are escaped,
and the step summary must render no link, image or row the script did not write.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import markdown
import pytest

from generator.errors import Problem
from generator.names import quoted
from tests.test_workflows import CHECK_SCRIPT, FakePyPI, check

HOSTILE_KEYS = [
    "::error::forged",
    "x\n::stop-commands::token",
    "x\r::add-mask::secret",
    "  ::warning file=README.md::indented",
    "%0A::error::encoded",
    "a` [click](https://evil.example/) ![i](https://evil.example/i.png) `b",
    "x | y |\n| z",
]
BASE = "packages:\n  - name: purl2src\n"


@pytest.fixture
def pypi() -> Iterator[FakePyPI]:
    server = FakePyPI(["purl2src", "vulnq"])
    yield server
    server.close()


def run_check(tmp_path: Path, head: str, pypi: FakePyPI) -> subprocess.CompletedProcess[str]:
    (tmp_path / "packages.yaml").write_text(head, encoding="utf-8")
    (tmp_path / "base.yaml").write_text(BASE, encoding="utf-8")
    env = {**os.environ, "GITHUB_ACTIONS": "true", "PYPI_JSON_API_URL": pypi.url}
    env["GITHUB_STEP_SUMMARY"] = str(tmp_path / "summary.md")
    return subprocess.run(
        [sys.executable, str(CHECK_SCRIPT), "--base-file", "base.yaml"],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
        env=env,
        timeout=60,
    )


def decoded(data: str) -> str:
    """A workflow command's data as the runner decodes it."""
    return data.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


def commands(output: str) -> list[str]:
    """The lines of `output` the runner would read as commands (it splits at CR and LF)."""
    lines = output.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return [line for line in lines if line.lstrip().startswith("::")]


def links(summary: str) -> list[str]:
    html = markdown.markdown(summary, extensions=["tables"])
    return [part.split('"')[1] for part in html.split("<")[1:] if part.startswith(("a ", "img "))]


def test_hostile_keys_give_only_the_scripts_own_annotations(tmp_path: Path, pypi: FakePyPI) -> None:
    keys = "".join(f"{json.dumps(key)}: 1\n" for key in HOSTILE_KEYS)
    done = run_check(tmp_path, keys + "packages:\n  - name: purl2src\n", pypi)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert commands(done.stderr) == []
    annotations = commands(done.stdout)
    assert len(annotations) == len(HOSTILE_KEYS)
    for line, (annotation, key) in enumerate(zip(annotations, HOSTILE_KEYS, strict=True), 1):
        head, sep, data = annotation.partition("::error file=packages.yaml,line=")[2].partition(
            "::"
        )
        assert sep and head == str(line), annotation
        message = decoded(data)
        assert "\n" not in message and "\r" not in message, annotation
        assert message.startswith("unknown setting ") and quoted(key) in message
    assert pypi.requests == []
    summary = (tmp_path / "summary.md").read_text(encoding="utf-8")
    assert links(summary) == []
    assert len([row for row in summary.splitlines() if row.startswith("- line ")]) == 7


def test_a_strange_answer_from_pypi_cannot_forge_a_command_either(
    tmp_path: Path, pypi: FakePyPI
) -> None:
    pypi.projects["vulnq"] = "vulnq\n::error::from PyPI\r::stop-commands::t [x](https://e.example/)"
    done = run_check(tmp_path, BASE + "  - name: vulnq\n", pypi)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert commands(done.stderr) == []
    (annotation,) = commands(done.stdout)
    assert annotation.startswith("::error file=packages.yaml,line=3::could not confirm that")
    assert "PyPI answered for a different project ('vulnq\\n::error::from PyPI" in annotation
    summary = (tmp_path / "summary.md").read_text(encoding="utf-8")
    assert [link for link in links(summary) if "e.example" in link] == []


def test_annotation_properties_and_data_are_escaped_as_github_documents() -> None:
    problem = Problem(Path("dir,x:y/packages.yaml"), 3, "100% sure\r\nnext::error::x")
    assert check.annotation_commands([problem]) == [
        "::error file=dir%2Cx%3Ay/packages.yaml,line=3::100%25 sure%0D%0Anext::error::x"
    ]
