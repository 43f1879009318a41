"""Check a pull request's packages.yaml: valid, and every ADDED package exists on PyPI.

    python scripts/check_new_packages.py [--config packages.yaml]
        (--base-file OLD_PACKAGES_YAML | --base GIT_REF)
        [--pypi-url URL] [--added-out FILE]

1. Validates packages.yaml with the generator's own rules (every problem, with its line).
2. Compares it with the base branch's version: the packages whose normalised names are new.
3. Asks PyPI's JSON API (`<pypi-url>/<name>/json`; default https://pypi.org/pypi, or the
   PYPI_JSON_API_URL environment variable) whether each added package exists.

Exit 0: valid, and every added package is on PyPI. Exit 1: an added package is not on PyPI
(or PyPI could not be reached). Exit 2: packages.yaml is invalid, or bad arguments.

In GitHub Actions it also writes error annotations on the offending lines of packages.yaml
(shown in the pull request's diff) and a summary table for the run page. `--added-out`
receives the added packages that exist, one per line, for the preview build.

Everything printed comes from a stranger's pull request, so it is escaped for where it
goes: in an annotation, the data and the properties as GitHub's workflow commands require
(`%`, CR, LF; and `:` `,` in properties); in the log, no line may start with `::` (the
runner would take it for a command such as `::stop-commands::`); in the summary, Markdown
punctuation is escaped, so a key cannot add a link, an image or a table row.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import httpx
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout

from generator.config import MAX_CONFIG_BYTES, Config, Package, load_config
from generator.errors import EXIT_OK, EXIT_PARTIAL, ConfigError, Problem
from generator.names import name_problem, normalize, quoted

log = logging.getLogger("check_new_packages")

DEFAULT_PYPI_URL = "https://pypi.org/pypi"
PYPI_URL_VARIABLE = "PYPI_JSON_API_URL"
USER_AGENT = "pypi-download-stats-generator (packages.yaml pull-request check)"

FOUND, MISSING, UNKNOWN = "found", "missing", "unknown"


@dataclass(frozen=True)
class Lookup:
    """What PyPI said about one added package."""

    package: Package
    status: str  # FOUND | MISSING | UNKNOWN
    detail: str  # PyPI's spelling of the name when found, else the reason


# ---------------------------------------------------------------- escaping


def command_data(text: str) -> str:
    """The message of a workflow command (`::error ...::DATA`), escaped as GitHub requires."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def command_property(text: str) -> str:
    """A property of a workflow command (`file=...`), escaped as GitHub requires."""
    return command_data(text).replace(":", "%3A").replace(",", "%2C")


def inert_lines(text: str) -> str:
    """Log text in which no line can be taken for a workflow command.

    The runner reads a line as a command when it starts with `::` after any leading
    whitespace, on stdout and stderr alike; such a line is shown behind a marker instead.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(
        "(escaped) " + line if line.lstrip().startswith("::") else line for line in lines
    )


_MARKDOWN_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")


def markdown_text(text: str) -> str:
    """`text` as literal Markdown on one line: every ASCII punctuation mark backslashed."""
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", " ".join(text.splitlines()))


class InertFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return inert_lines(super().format(record))


# ---------------------------------------------------------------- pure steps


def base_names(text: str | None) -> set[str]:
    """Normalised package names in the base branch's packages.yaml (lenient: never raises).

    No file (a new repository) or a file that does not parse means every package is new.
    """
    if not text or len(text) > MAX_CONFIG_BYTES:
        return set()
    try:
        root = yaml.safe_load(text)
    except (yaml.YAMLError, RecursionError, ValueError):
        return set()
    items = root.get("packages") if isinstance(root, dict) else None
    if not isinstance(items, list):
        return set()
    return {
        normalize(item["name"])
        for item in items
        if isinstance(item, dict) and isinstance(item.get("name"), str)
    }


def added_packages(packages: Iterable[Package], old: set[str]) -> list[Package]:
    """The packages whose normalised name is not in the base version, in file order."""
    return [p for p in packages if p.normalized not in old]


def classify(name: str, status_code: int, body: bytes) -> tuple[str, str]:
    """Pure: what one PyPI JSON API answer means for `name`."""
    if status_code == 404:
        return MISSING, "PyPI has no project with this name (404)"
    if status_code != 200:
        return UNKNOWN, f"PyPI answered HTTP {status_code}"
    try:
        info = json.loads(body)["info"]
        pypi_name = str(info["name"])
    except (ValueError, KeyError, TypeError):
        return UNKNOWN, "PyPI's answer was not the expected JSON"
    if normalize(pypi_name) != normalize(name) or name_problem(pypi_name) is not None:
        return UNKNOWN, f"PyPI answered for a different project ({quoted(pypi_name)})"
    return FOUND, pypi_name


def problem_lines(config_path: Path, lookups: Iterable[Lookup]) -> list[Problem]:
    """One Problem (file, line, fix) per added package that is not confirmed on PyPI."""
    problems = []
    for lookup in lookups:
        name = lookup.package.name
        if lookup.status == MISSING:
            message = (
                f"`{name}` is not on PyPI ({lookup.detail}). Fix: use the project name as "
                f"written on https://pypi.org/project/<name>/, or publish it first"
            )
        elif lookup.status == UNKNOWN:
            message = (
                f"could not confirm that `{name}` is on PyPI: {lookup.detail}. "
                "Fix: re-run the check; if it persists, check https://status.python.org/"
            )
        else:
            continue
        problems.append(Problem(config_path, lookup.package.line, message))
    return problems


def annotation_commands(problems: Iterable[Problem]) -> list[str]:
    """GitHub workflow commands that mark each problem on its line of the file."""
    out = []
    for p in problems:
        where = f"file={command_property(str(p.path))}" + (f",line={p.line}" if p.line else "")
        out.append(f"::error {where}::{command_data(p.message)}")
    return out


def summary_markdown(
    lookups: list[Lookup], problems: list[Problem], pypi_url: str, config_path: Path
) -> str:
    """The run page summary: what a contributor sees after opening the check."""
    lines = ["## packages.yaml check", ""]
    if problems and not lookups:
        lines.append(f"{markdown_text(str(config_path))} is not valid. Fix these and push again:")
        lines.append("")
        lines.extend(
            f"- line {p.line}: {markdown_text(p.message)}"
            if p.line
            else f"- {markdown_text(p.message)}"
            for p in problems
        )
        return "\n".join(lines) + "\n"
    if not lookups:
        lines.append("No packages were added: nothing to look up on PyPI.")
        return "\n".join(lines) + "\n"
    lines += ["| Package | Line | On PyPI | |", "|---|---|---|---|"]
    marks = {FOUND: "✅ yes", MISSING: "❌ no", UNKNOWN: "⚠️ could not check"}
    for lookup in lookups:
        project = f"https://pypi.org/project/{quote(lookup.package.name, safe='')}/"
        lines.append(
            f"| [{markdown_text(lookup.package.name)}]({project}) | {lookup.package.line} "
            f"| {marks[lookup.status]} | {markdown_text(lookup.detail)} |"
        )
    lines.append("")
    if problems:
        lines.append("Fix the packages marked above and push again.")
    else:
        lines.append(
            "All added packages exist. The preview site with their recent downloads is "
            "attached to this run as the `site-preview` artifact."
        )
    if pypi_url.rstrip("/") != DEFAULT_PYPI_URL:
        lines.append(f"\n(PyPI JSON API: {markdown_text(pypi_url)})")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- I/O at the edges


def read_base(base_file: Path | None, base_ref: str | None, config_path: Path) -> str | None:
    """The base version's text: from a file, or `git show REF:path`; None if absent or
    unreadable (then every package counts as added)."""
    if base_file is not None:
        try:
            return base_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None
    assert base_ref is not None
    spec = f"{base_ref}:{config_path.as_posix()}"
    done = subprocess.run(["git", "show", spec], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        log.info("no %s in %s: every package counts as added", config_path, base_ref)
        return None
    return done.stdout


def look_up(client: httpx.Client, pypi_url: str, package: Package, attempts: int = 3) -> Lookup:
    """Ask PyPI about one package; retry transient failures (5xx, 429, network) a little."""
    url = f"{pypi_url.rstrip('/')}/{quote(package.name, safe='')}/json"
    status, detail = UNKNOWN, "no answer"
    for attempt in range(attempts):
        try:
            response = client.get(url)
        except httpx.HTTPError as exc:
            status, detail = UNKNOWN, f"could not reach PyPI ({type(exc).__name__})"
        else:
            status, detail = classify(package.name, response.status_code, response.content)
            if response.status_code < 500 and response.status_code != 429:
                break
        if attempt + 1 < attempts:
            time.sleep(0.5 * 2**attempt)
    return Lookup(package, status, detail)


def emit(commands: Iterable[str]) -> None:
    """Print our own workflow commands (their data already escaped), one per line."""
    for command in commands:
        assert "\n" not in command and "\r" not in command, command
        print(command, flush=True)


def write_step_summary(text: str, environ: Mapping[str, str]) -> None:
    target = environ.get("GITHUB_STEP_SUMMARY")
    if target:
        with open(target, "a", encoding="utf-8") as handle:
            handle.write(text)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="scripts/check_new_packages.py",
        description="Validate packages.yaml and check that every added package exists on PyPI.",
    )
    parser.add_argument("--config", type=Path, default=Path("packages.yaml"))
    base = parser.add_mutually_exclusive_group(required=True)
    base.add_argument("--base-file", type=Path, help="the base branch's packages.yaml")
    base.add_argument("--base", metavar="GIT_REF", help="a git ref, e.g. origin/main")
    parser.add_argument(
        "--pypi-url",
        default=os.environ.get(PYPI_URL_VARIABLE) or DEFAULT_PYPI_URL,
        help=f"PyPI JSON API root (default: ${PYPI_URL_VARIABLE} or {DEFAULT_PYPI_URL})",
    )
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per request")
    parser.add_argument("--added-out", type=Path, help="write the added packages here")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(InertFormatter("%(message)s"))
    logging.basicConfig(level=logging.INFO, handlers=[handler])
    args = parse_args(argv)
    in_actions = os.environ.get("GITHUB_ACTIONS") == "true"
    try:
        config: Config = load_config(args.config)
    except ConfigError as exc:
        log.error("%s", exc.message)
        if in_actions:
            emit(annotation_commands(exc.problems))
        write_step_summary(
            summary_markdown([], exc.problems, args.pypi_url, args.config), os.environ
        )
        return exc.exit_code

    added = added_packages(
        config.packages, base_names(read_base(args.base_file, args.base, args.config))
    )
    log.info(
        "%s is valid: %d packages, %d added%s",
        args.config,
        len(config.packages),
        len(added),
        (": " + ", ".join(p.name for p in added)) if added else "",
    )
    headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
    with httpx.Client(timeout=args.timeout, headers=headers, follow_redirects=True) as client:
        lookups = [look_up(client, args.pypi_url, p) for p in added]
    for lookup in lookups:
        log.info(
            "  %s (line %d): %s, %s",
            lookup.package.name,
            lookup.package.line,
            lookup.status,
            lookup.detail,
        )

    problems = problem_lines(args.config, lookups)
    for problem in problems:
        log.error("%s", problem)
    if in_actions:
        emit(annotation_commands(problems))
    write_step_summary(summary_markdown(lookups, problems, args.pypi_url, args.config), os.environ)
    if args.added_out is not None:
        found = [lookup.package.name for lookup in lookups if lookup.status == FOUND]
        args.added_out.write_text("".join(f"{name}\n" for name in found), encoding="utf-8")
    return EXIT_PARTIAL if problems else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
