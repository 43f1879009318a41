"""Rehearse the nightly workflow: its own `run:` steps, in order, on this machine.

The update job of .github/workflows/nightly.yml is parsed and its `run:` steps are executed
with bash, as the runner would, in a clone of a repository whose remote is a bare git
repository on disk. pypistats.org is the replay server on 127.0.0.1 (real recorded
responses). `uses:` steps (checkout, setup-python, Google auth, Pages upload) are GitHub's
and are skipped; `${{ ... }}` expressions are filled in from an explicit table, and an
expression the table does not know fails the test (so the rehearsal keeps up with the file).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.servers.clickhouse_standin import ClickHouseStandIn
from tests.servers.pypi_replay import PypiReplay
from tests.servers.pypistats_replay import ReplayServer
from tests.servers.webhook_receiver import WebhookReceiver
from tests.test_clickhouse_update import rows_for

REPO = Path(__file__).resolve().parent.parent
NIGHTLY = REPO / ".github" / "workflows" / "nightly.yml"
JOB = "update"
PACKAGES = ("purl2src", "vulnq")
BOT = "github-actions[bot]"

# Steps the rehearsal does not run, and why.
SKIPPED_RUN_STEPS = {"install": "the test virtualenv already has the generator's dependencies"}

# What the runner would substitute for each expression in a scheduled run without secrets.
EXPRESSIONS = {
    "inputs.days": "",
    "inputs.packages": "",
    "inputs.source": "",
    "inputs.backfill_since": "",
    "github.token": "",
    "secrets.GCP_WORKLOAD_IDENTITY_PROVIDER != ''": "false",
    "secrets.GCP_SERVICE_ACCOUNT_KEY != ''": "false",
    "secrets.NOTIFY_WEBHOOK_URL": "",
}
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
STEP_OUTPUT = re.compile(r"steps\.([\w-]+)\.outputs\.([\w-]+)")

# Shells as GitHub runs them (https://docs.github.com/actions/reference/workflow-syntax).
SHELLS = {None: ["bash", "-e"], "bash": ["bash", "--noprofile", "--norc", "-eo", "pipefail"]}


@dataclass
class StepRun:
    name: str
    returncode: int
    stdout: str
    stderr: str


@dataclass
class JobRun:
    steps: list[StepRun] = field(default_factory=list)
    outputs: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def failed_step(self) -> str | None:
        return next((s.name for s in self.steps if s.returncode != 0), None)

    def log(self) -> str:
        return "\n".join(
            f"--- {s.name} (exit {s.returncode})\n{s.stdout}{s.stderr}" for s in self.steps
        )


def substitute(
    text: str, outputs: dict[str, dict[str, str]], expressions: dict[str, str] = EXPRESSIONS
) -> str:
    def one(match: re.Match[str]) -> str:
        expression = match[1]
        step = STEP_OUTPUT.fullmatch(expression)
        if step:
            return outputs.get(step[1], {}).get(step[2], "")
        if expression not in expressions:
            raise KeyError(
                f"the rehearsal does not know `{expression}`: add it to EXPRESSIONS "
                "with the value a scheduled run would see"
            )
        return expressions[expression]

    return EXPRESSION.sub(one, text)


def parse_outputs(path: Path) -> dict[str, str]:
    outputs = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        key, sep, value = line.partition("=")
        if sep:
            outputs[key] = value
    return outputs


def run_job(
    workflow: dict[str, Any],
    workspace: Path,
    env: dict[str, str],
    expressions: dict[str, str] = EXPRESSIONS,
) -> JobRun:
    """Run the job's `run:` steps in order; stop at the first failure, as the runner does."""
    job = workflow["jobs"][JOB]
    run = JobRun()
    job_env = {
        k: substitute(str(v), run.outputs, expressions) for k, v in job.get("env", {}).items()
    }
    for index, step in enumerate(job["steps"]):
        if "run" not in step or step.get("id") in SKIPPED_RUN_STEPS:
            continue
        assert "if" not in step, "the rehearsal does not evaluate `if:` on run steps"
        name = step.get("name", f"step {index}")
        output_file = workspace.parent / f"output-{index}"
        output_file.write_text("")
        step_env = {
            k: substitute(str(v), run.outputs, expressions) for k, v in step.get("env", {}).items()
        }
        script = workspace.parent / f"step-{index}.sh"
        script.write_text(substitute(step["run"], run.outputs, expressions), encoding="utf-8")
        done = subprocess.run(
            [*SHELLS[step.get("shell")], str(script)],
            cwd=workspace,
            env={**job_env, **env, **step_env, "GITHUB_OUTPUT": str(output_file)},
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        run.steps.append(StepRun(name, done.returncode, done.stdout, done.stderr))
        if "id" in step:
            run.outputs[step["id"]] = parse_outputs(output_file)
        if done.returncode != 0:
            break
    return run


# ---------------------------------------------------------------- a repository on disk


def git(cwd: Path, *args: str, env: dict[str, str]) -> str:
    done = subprocess.run(
        ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, f"git {' '.join(args)}: {done.stderr}"
    return done.stdout.strip()


# What a checkout needs to run the nightly job (data/ starts empty; packages.yaml is ours).
PROJECT_TREES = ("generator", "templates", "content", "scripts", ".github")
PROJECT_FILES = ("pyproject.toml", "Makefile", "README.md", ".gitignore")


def project_files() -> list[Path]:
    """The repository's own files from the working tree (new files included)."""
    files = [Path(name) for name in PROJECT_FILES if (REPO / name).is_file()]
    for tree in PROJECT_TREES:
        for path in sorted((REPO / tree).rglob("*")):
            relative = path.relative_to(REPO)
            if path.is_file() and "__pycache__" not in relative.parts:
                files.append(relative)
    return files


PACKAGES_YAML = """\
# Rehearsal: two real SemClone packages, served by the pypistats replay server.
requests_per_minute: 600
packages:
  - name: purl2src
    group: Security
  - name: vulnq
    group: Security
"""


@dataclass
class Rig:
    tmp: Path
    remote: Path
    env: dict[str, str]
    server: ReplayServer
    workflow: dict[str, Any]
    clickhouse: ClickHouseStandIn
    pypi: PypiReplay
    runs: int = 0

    def checkout(self) -> Path:
        """A fresh clone, as actions/checkout makes one for each run."""
        self.runs += 1
        workspace = self.tmp / f"run{self.runs}" / "workspace"
        workspace.parent.mkdir()
        git(self.tmp, "clone", "-q", str(self.remote), str(workspace), env=self.env)
        return workspace

    def run(
        self,
        workspace: Path,
        secrets: dict[str, str] | None = None,
        env: dict[str, str] | None = None,
        **inputs: str,
    ) -> JobRun:
        """One run; `inputs` are workflow_dispatch inputs (default: a scheduled run).

        `secrets` overrides what the secret expressions evaluate to; `env` is what the
        runner (or an earlier `uses:` step) adds to the environment.
        """
        env = {
            **self.env,
            **(env or {}),
            "GITHUB_WORKSPACE": str(workspace),
            "RUNNER_TEMP": str(workspace.parent),
            "GITHUB_STEP_SUMMARY": str(workspace.parent / "summary.md"),
        }
        expressions = {
            **EXPRESSIONS,
            **(secrets or {}),
            **{f"inputs.{k}": v for k, v in inputs.items()},
        }
        return run_job(self.workflow, workspace, env, expressions)

    def head(self) -> str:
        return git(self.remote, "rev-parse", "main", env=self.env)

    def log(self, *args: str) -> list[str]:
        return git(self.remote, "log", *args, "main", env=self.env).splitlines()


@pytest.fixture
def rig(tmp_path: Path, realdata: Path) -> Any:
    home = tmp_path / "home"
    home.mkdir()
    env = {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "HOME": str(home),
        # Share the build's per-version Vega bundle cache with the rest of the suite.
        "XDG_CACHE_HOME": os.environ.get("XDG_CACHE_HOME", str(Path.home() / ".cache")),
        "LANG": "C.UTF-8",
        "GIT_CONFIG_NOSYSTEM": "1",
        "GITHUB_ACTIONS": "true",
        "CI": "true",
        "GITHUB_REPOSITORY": "example/pypi-stats",
        "GITHUB_REPOSITORY_OWNER": "example",
        "GITHUB_REF_NAME": "main",
        "GITHUB_SERVER_URL": "https://github.com",
    }
    author = {
        "GIT_AUTHOR_NAME": "Maintainer",
        "GIT_AUTHOR_EMAIL": "maintainer@example.org",
        "GIT_COMMITTER_NAME": "Maintainer",
        "GIT_COMMITTER_EMAIL": "maintainer@example.org",
    }
    source = tmp_path / "source"
    for relative in project_files():
        (source / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / relative, source / relative)
    (source / "packages.yaml").write_text(PACKAGES_YAML, encoding="utf-8")
    git(source, "init", "-q", "-b", "main", env=env)
    git(source, "add", "--all", "--force", env=env)
    git(source, "commit", "-q", "-m", "Start tracking two packages", env={**env, **author})
    remote = tmp_path / "remote.git"
    git(tmp_path, "clone", "-q", "--bare", str(source), str(remote), env=env)

    workflow = yaml.safe_load(NIGHTLY.read_text(encoding="utf-8"))
    assert {"PYPISTATS_API_URL", "CLICKHOUSE_URL", "PYPI_URL"} <= set(workflow["jobs"][JOB]["env"])
    with (
        ReplayServer(realdata, snapshot="2026-05-15") as server,
        ClickHouseStandIn(max_result_rows=15_000) as clickhouse,
        # No PyPI answer was recorded for the SemClone packages: real ones stand in.
        PypiReplay(realdata, serve={"purl2src": "asgiref", "vulnq": "cabinet"}) as pypi,
    ):
        clickhouse.insert(row for name in PACKAGES for row in rows_for(name))
        # The settings the rehearsal changes: the services' addresses, as a mirror's would be.
        workflow["jobs"][JOB]["env"]["PYPISTATS_API_URL"] = server.url
        workflow["jobs"][JOB]["env"]["CLICKHOUSE_URL"] = clickhouse.url
        workflow["jobs"][JOB]["env"]["PYPI_URL"] = pypi.url
        yield Rig(tmp_path, remote, {**env, **author}, server, workflow, clickhouse, pypi)


def busy_night(rig: Rig) -> str:
    """purl2src's best day yet, yesterday: 1,200 downloads (its first day over 1k and a
    new peak) after a busy day 40 days before (so it passes the movers' floor). The day."""
    yesterday = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)
    event = {
        "country_code": "US",
        "project": "purl2src",
        "type": "bdist_wheel",
        "installer": "pip",
        "python_minor": "3.12",
        "system": "Linux",
        "version": "1.0.0",
    }
    earlier = (yesterday - dt.timedelta(days=40)).isoformat()
    rows = [{**event, "date": yesterday.isoformat()}] * 1200 + [{**event, "date": earlier}] * 150
    rig.clickhouse.insert(rows)
    return yesterday.isoformat()


# ---------------------------------------------------------------- the rehearsals


def test_first_run_commits_data_and_builds_the_site_second_run_commits_nothing(rig: Rig) -> None:
    start = rig.head()
    best_day = busy_night(rig)
    workspace = rig.checkout()
    first = rig.run(workspace)
    assert first.failed_step is None, first.log()
    assert first.outputs["fetch"]["status"] == "0"
    assert first.outputs["build"]["site"] == "built"

    # One new commit on the remote, by the bot, dated today (UTC), touching only data/.
    assert rig.log("--format=%H")[1] == start
    (subject,) = rig.log("-1", "--format=%an|%s")
    today = subprocess.run(
        ["date", "-u", "+%Y-%m-%d"], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert subject == f"{BOT}|Update download data for {today} (UTC)"
    changed = git(rig.remote, "show", "--name-only", "--format=", "main", env=rig.env).split()
    assert changed and all(name.startswith("data/") for name in changed)
    for package in PACKAGES:
        assert f"data/{package}/overall.csv" in changed
    overall = git(rig.remote, "show", "main:data/purl2src/overall.csv", env=rig.env)
    assert overall.startswith("date,category,downloads\n")
    assert "2026-05-14," in overall  # the last day of the recorded window
    # ClickHouse, the extras source: versions, countries, installers and the older history
    # of the two new packages, with where each range of days came from.
    for package in PACKAGES:
        assert f"data/{package}/version.csv" in changed
        assert f"data/_meta/provenance/{package}.csv" in changed
    assert "2024-03-01," in overall, "history from before pypistats.org's 180 days"
    assert "data/_meta/clickhouse-runs.csv" in changed
    assert "ClickHouse" in first.log()
    # Releases from PyPI's JSON API, and what to send PyPI the next night.
    assert {"data/purl2src/releases.csv", "data/vulnq/releases.csv"} <= set(changed)
    assert "data/_meta/pypi-releases.csv" in changed
    assert first.outputs["releases"]["status"] == "0"

    # The job summary: what was fetched from where and what it cost, the night's
    # milestones and the movers; without the webhook secret nothing is posted or recorded.
    summary = (workspace.parent / "summary.md").read_text(encoding="utf-8")
    assert "### Download counts: done (exit 0)" in summary
    assert f"fetch: 2 packages fetched from {rig.server.url}" in summary
    assert "### Releases: done (exit 0)" in summary
    assert f"### Milestones and movers (data through {best_day})" in summary, summary
    assert re.search(r"ClickHouse: \d+ quer(y|ies), [\d,]+ rows and .+ read", summary), summary
    assert f"| {best_day} | purl2src: first day with 1k+ downloads (1,2" in summary, summary
    assert f"| {best_day} | purl2src: a new all-time peak day, 1,2" in summary
    assert "**Top movers** (30-day growth, among packages with at least 100" in summary
    assert re.search(r"^\| purl2src \| [\d,]+ \| [\d,]+ \| \+[\d.]+% \|$", summary, re.M)
    assert "off (no NOTIFY\\_WEBHOOK\\_URL)" in summary
    assert "data/_meta/notified.csv" not in changed

    # The site was built from it, and is not committed.
    index = (workspace / "site" / "index.html").read_text(encoding="utf-8")
    for package in PACKAGES:
        assert package in index
    assert not any(name.startswith("site/") for name in changed)
    # Absolute links point at this repository's GitHub Pages address.
    pages = "https://example.github.io/pypi-stats/"
    assert any(
        pages in path.read_text(encoding="utf-8", errors="replace")
        for path in (workspace / "site").rglob("*")
        if path.suffix in (".html", ".json", ".xml")
    )

    # The next night, nothing new upstream: no commit.
    after_first = rig.head()
    second = rig.run(rig.checkout())
    assert second.failed_step is None, second.log()
    assert "nothing to commit" in second.log(), git(
        rig.remote, "show", "--stat", "--format=", "main", env=rig.env
    )
    assert rig.head() == after_first
    assert len(rig.pypi.requests) == 2, "PyPI is asked once per package a day"


def test_a_push_race_is_resolved_by_pull_rebase_and_retry(rig: Rig) -> None:
    workspace = rig.checkout()
    # While the job runs, a maintainer merges a pull request that adds a package note.
    other = rig.tmp / "maintainer"
    git(rig.tmp, "clone", "-q", str(rig.remote), str(other), env=rig.env)
    text = (other / "packages.yaml").read_text(encoding="utf-8")
    (other / "packages.yaml").write_text(
        text.replace("  - name: vulnq\n", "  - name: vulnq\n    note: Vulnerability lookup\n"),
        encoding="utf-8",
    )
    git(other, "commit", "-q", "-am", "Add a note to vulnq", env=rig.env)
    git(other, "push", "-q", "origin", "main", env=rig.env)
    theirs = rig.head()

    run = rig.run(workspace)
    assert run.failed_step is None, run.log()
    assert "pulling with rebase" in run.log()
    # Linear history: the data commit sits on top of the maintainer's commit.
    assert rig.log("--format=%H")[1] == theirs
    assert rig.log("-1", "--format=%an")[0] == BOT
    assert "note: Vulnerability lookup" in git(
        rig.remote, "show", "main:packages.yaml", env=rig.env
    )
    assert git(rig.remote, "show", "main:data/vulnq/overall.csv", env=rig.env)


def test_a_failed_package_turns_the_run_red_but_the_rest_is_committed_and_built(
    rig: Rig,
) -> None:
    rig.server.inject("vulnq/system", "404")
    workspace = rig.checkout()
    run = rig.run(workspace)
    # Every step ran; only the last one failed, on purpose.
    assert run.failed_step == "End red if any package failed", run.log()
    assert run.steps[-1].name == run.failed_step
    assert run.outputs["fetch"]["status"] == "1"
    assert run.outputs["build"]["site"] == "built"  # so the deploy job still deploys
    assert "vulnq" in run.log()
    summary = (workspace.parent / "summary.md").read_text(encoding="utf-8")
    assert "### Download counts: some packages failed (exit 1)" in summary
    assert re.search(r"^- vulnq: .*404", summary, re.MULTILINE), summary
    changed = git(rig.remote, "show", "--name-only", "--format=", "main", env=rig.env).split()
    assert "data/purl2src/overall.csv" in changed
    # vulnq failed at pypistats.org: nothing of it is stored, not even ClickHouse's part,
    # so no day of it mixes two sources; it is backfilled the first night it succeeds.
    assert not any("vulnq" in name and "releases" not in name for name in changed), changed
    assert (workspace / "site" / "index.html").is_file()


def test_failed_releases_warn_but_never_block_the_counts_or_turn_the_run_red(rig: Rig) -> None:
    rig.pypi.inject("vulnq", "404")  # PyPI does not know vulnq (today)
    workspace = rig.checkout()
    run = rig.run(workspace)
    assert run.failed_step is None, run.log()
    assert run.outputs["fetch"]["status"] == "0"
    assert run.outputs["releases"]["status"] == "1"
    assert "::warning::Releases could not be fetched" in run.log()
    assert "vulnq: " in run.log() and "no such project on PyPI" in run.log()
    changed = git(rig.remote, "show", "--name-only", "--format=", "main", env=rig.env).split()
    assert {"data/vulnq/overall.csv", "data/purl2src/releases.csv"} <= set(changed)
    assert "data/vulnq/releases.csv" not in changed
    assert run.outputs["build"]["site"] == "built"


def test_a_manual_run_for_one_package_fetches_only_that_package(rig: Rig) -> None:
    workspace = rig.checkout()
    run = rig.run(workspace, packages="vulnq", source="pypistats", days="3")
    assert run.failed_step is None, run.log()
    changed = git(rig.remote, "show", "--name-only", "--format=", "main", env=rig.env).split()
    vulnq = (
        "data/vulnq/",
        "data/_meta/provenance/vulnq.csv",
        "data/_meta/clickhouse-runs.csv",
        "data/_meta/pypi-releases.csv",
    )
    assert changed and all(name.startswith(vulnq) for name in changed), changed
    requested = {r.path.rsplit("/", 2)[-2] for r in rig.server.requests}
    assert requested == {"vulnq"}
    asked = {r.params.get("packages") for r in rig.clickhouse.requests} - {None}
    assert asked == {"['vulnq']"}, "ClickHouse too was asked about vulnq alone"
    assert {r.name for r in rig.pypi.requests} == {"vulnq"}, "and PyPI"


WIF = "secrets.GCP_WORKLOAD_IDENTITY_PROVIDER != ''"


def test_workload_identity_without_an_id_token_stops_and_names_the_line(rig: Rig) -> None:
    """`id-token: write` is off by default; WIF without it fails first, pointing at the line."""
    start = rig.head()
    run = rig.run(rig.checkout(), secrets={WIF: "true"})
    assert run.failed_step == "Check the BigQuery set-up", run.log()
    assert run.steps[-1].returncode == 2
    lines = NIGHTLY.read_text(encoding="utf-8").splitlines()
    (number,) = [i for i, line in enumerate(lines, 1) if line.strip().startswith("# id-token:")]
    assert f"::error file=.github/workflows/nightly.yml,line={number}::" in run.log()
    assert f"uncomment `id-token: write` on line {number}" in run.log()
    assert rig.head() == start, "nothing fetched, nothing committed"


def test_workload_identity_with_an_id_token_goes_on(rig: Rig) -> None:
    # GitHub sets ACTIONS_ID_TOKEN_REQUEST_URL only for jobs granted `id-token: write`.
    token_env = {"ACTIONS_ID_TOKEN_REQUEST_URL": "http://127.0.0.1:9/token"}
    run = rig.run(rig.checkout(), secrets={WIF: "true"}, env=token_env, source="pypistats")
    assert run.failed_step is None, run.log()
    assert "workload identity federation" in run.steps[0].stdout


def test_with_google_credentials_the_night_uses_bigquery_and_commits_the_run_log(
    rig: Rig, realdata: Path
) -> None:
    """`auto` picks BigQuery when credentials are configured; data/_meta/ is committed too."""
    import datetime as dt

    from tests.servers.bigquery_standin import BigQueryStandIn
    from tests.test_bigquery_fetch import raw_rows

    end = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)
    since = end - dt.timedelta(days=5)
    maintainer = rig.tmp / "maintainer"
    git(rig.tmp, "clone", "-q", str(rig.remote), str(maintainer), env=rig.env)
    (maintainer / "packages.yaml").write_text(
        f'backfill_since: "{since}"\npackages:\n  - name: cfn-flip\n  - name: threadpoolctl\n',
        encoding="utf-8",
    )
    git(maintainer, "commit", "-q", "-am", "Track two packages from BigQuery", env=rig.env)
    git(maintainer, "push", "-q", "origin", "main", env=rig.env)

    with BigQueryStandIn(raw_rows(realdata, since, end)) as bigquery:
        # What google-github-actions/auth leaves behind: credentials in the environment
        # (here the stand-in's endpoint) and a key file in the workspace.
        credentials = {"BIGQUERY_API_ENDPOINT": bigquery.url}
        secrets = {"secrets.GCP_SERVICE_ACCOUNT_KEY != ''": "true"}
        workspace = rig.checkout()
        (workspace / "gha-creds-0123.json").write_text("{}", encoding="utf-8")
        first = rig.run(workspace, secrets=secrets, env=credentials)
        assert first.failed_step is None, first.log()
        backfilled = git(rig.remote, "show", "--name-only", "--format=", "main", env=rig.env)
        after_first = rig.head()
        second = rig.run(rig.checkout(), secrets=secrets, env=credentials)
        assert second.failed_step is None, second.log()
        jobs = [job["params"]["packages"] for job in bigquery.jobs_run]

    assert not rig.server.requests, "pypistats.org was not asked"
    assert "service-account key" in first.steps[0].stdout
    changed = backfilled.split()
    assert "data/_meta/bigquery-runs.csv" in changed
    assert {"data/threadpoolctl/version.csv", "data/cfn-flip/installer.csv"} <= set(changed)
    assert not any("gha-creds" in name for name in changed)
    assert (workspace / "site" / "packages" / "threadpoolctl" / "index.html").is_file()

    # Night two: the packages have history now, so one nightly query; only the log changes.
    assert jobs[-1] == ["cfn-flip", "threadpoolctl"] and len(jobs) >= 2
    assert git(rig.remote, "rev-parse", "main~1", env=rig.env) == after_first
    assert git(rig.remote, "show", "--name-only", "--format=", "main", env=rig.env).split() == [
        "data/_meta/bigquery-runs.csv"
    ]
    log = git(rig.remote, "show", "main:data/_meta/bigquery-runs.csv", env=rig.env)
    assert [line.split(",")[1] for line in log.splitlines()[1:]] == ["backfill"] * (
        len(jobs) - 1
    ) + ["fetch"]


NOTIFY = "secrets.NOTIFY_WEBHOOK_URL"


def test_with_a_webhook_each_new_milestone_is_posted_once_and_what_was_sent_is_committed(
    rig: Rig,
) -> None:
    busy_night(rig)
    with WebhookReceiver() as hook:
        workspace = rig.checkout()
        first = rig.run(workspace, secrets={NOTIFY: hook.url})
        assert first.failed_step is None, first.log()
        after_first = list(hook.bodies)
        second = rig.run(rig.checkout(), secrets={NOTIFY: hook.url})
        assert second.failed_step is None, second.log()
    changed = git(rig.remote, "show", "--name-only", "--format=", "main", env=rig.env).split()
    assert "data/_meta/notified.csv" in changed
    record = git(rig.remote, "show", "main:data/_meta/notified.csv", env=rig.env).splitlines()
    ids = [line.split(",")[0] for line in record[1:]]
    assert "purl2src/day-1000" in ids and len(ids) >= 2, ids
    posted = [line for b in hook.bodies for line in b["text"].splitlines() if line.startswith("•")]
    assert len(posted) == len(set(posted)) == len(ids), "each milestone posted once"
    assert hook.bodies == after_first, "the second night had nothing new to post"
    summary = (workspace.parent / "summary.md").read_text(encoding="utf-8")
    assert "posted now" in summary
    for text in (first.log(), second.log(), summary):
        assert hook.token not in text


def test_a_failed_webhook_warns_but_never_blocks_the_commit_or_the_build(rig: Rig) -> None:
    busy_night(rig)
    with WebhookReceiver() as hook:
        hook.inject("500")
        workspace = rig.checkout()
        run = rig.run(workspace, secrets={NOTIFY: hook.url})
    assert run.failed_step is None, run.log()
    assert run.outputs["notify"]["status"] == "1"
    assert "::warning::The night's summary or notifications had a problem" in run.log()
    changed = git(rig.remote, "show", "--name-only", "--format=", "main", env=rig.env).split()
    assert "data/purl2src/overall.csv" in changed
    assert "data/_meta/notified.csv" not in changed, "nothing recorded that was not accepted"
    assert run.outputs["build"]["site"] == "built"
    assert hook.token not in run.log()
