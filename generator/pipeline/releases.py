"""Fetch each tracked package's releases from PyPI's JSON API into data/<name>/releases.csv.

One package at a time, under the store's lock: the stored releases are read first (a
corrupt file fails that package, unread by anyone and never written over), then PyPI is
asked once, conditionally (If-None-Match with the ETag remembered in
data/_meta/pypi-releases.csv), and the whole list PyPI gives is stored. A package checked
successfully today (UTC) is not asked again today. A package that fails keeps its file
byte-identical and the others go on (exit 1). Download counts are never touched.

An answer whose last serial is older than the one remembered (a stale cache or mirror)
is not stored: the file already holds a newer state of the project.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from generator import store
from generator.config import Config, Package
from generator.config_rules import url_problem
from generator.dates import utc_today
from generator.errors import EXIT_OK, EXIT_PARTIAL, GeneratorError, SourceError, UsageError
from generator.pipeline.outcome import Outcome
from generator.pipeline.select import selected_packages
from generator.progress import progress
from generator.sources.pypi_json import DEFAULT_TIMEOUT, PypiJsonClient
from generator.sources.ratelimit import polite_limiter
from generator.sources.retry import RetryPolicy
from generator.store import pypi_state
from generator.store import releases as stored_releases
from generator.store.pypi_state import Checked

log = logging.getLogger(__name__)

RETRY_POLICY = RetryPolicy()  # as for pypistats.org: 5 attempts, back-off; Retry-After wins
UPDATED, UNCHANGED, NOT_MODIFIED, STALE = "updated", "unchanged", "not modified", "stale"


@dataclass(frozen=True)
class ReleasesRequest:
    """What the command line asked for; None means "the setting in packages.yaml"."""

    packages: tuple[str, ...] = ()  # empty: every tracked package
    pypi_url: str | None = None
    requests_per_minute: int | None = None
    timeout: float = DEFAULT_TIMEOUT


@dataclass
class Tally:
    """Per package: what happened (UPDATED, ...), the ones not asked again, the failures."""

    done: dict[str, str] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)


def fetch_releases(
    config: Config, data_dir: Path, request: ReleasesRequest, client: PypiJsonClient | None = None
) -> Outcome:
    """Fetch and store the releases of every selected package; see the module docstring."""
    packages = selected_packages(config, request.packages)
    pypi_url = pypi_url_of(request.pypi_url or config.settings.pypi_url)
    if client is None:
        per_minute = request.requests_per_minute or config.settings.requests_per_minute
        client = PypiJsonClient(
            pypi_url,
            limiter=polite_limiter(per_minute),
            policy=RETRY_POLICY,
            timeout=request.timeout,
        )
    tally = Tally()
    with client, store.locked(data_dir, "releases"):
        state = pypi_state.read_state(data_dir)  # a corrupt one stops the run, unwritten
        today = utc_today().isoformat()
        for package in progress(packages, len(packages), "releases", describe=lambda p: p.name):
            _one(client, data_dir, package, state, today, tally)
    code = EXIT_PARTIAL if tally.failed else EXIT_OK
    return Outcome(code, [summary(tally, pypi_url)])


def _one(
    client: PypiJsonClient,
    data_dir: Path,
    package: Package,
    state: dict[str, Checked],
    today: str,
    tally: Tally,
) -> None:
    name = package.normalized
    previous = state.get(name)
    if previous is not None and previous.checked == today:
        log.debug("%s: releases checked earlier today, not asked again", package.name)
        tally.skipped.append(package.name)
        return
    try:
        result, checked = _check(client, data_dir, name, previous, today)
        state[name] = checked
        pypi_state.write_state(data_dir, state)
    except (GeneratorError, OSError) as exc:
        if previous is None:
            state.pop(name, None)
        else:
            state[name] = previous
        reason = exc.message if isinstance(exc, GeneratorError) else f"cannot write: {exc}"
        log.error("%s: releases not fetched, releases.csv left unchanged: %s", package.name, reason)
        tally.failed[package.name] = reason
        return
    log.debug("%s: releases %s", package.name, result)
    tally.done[package.name] = result


def _check(
    client: PypiJsonClient, data_dir: Path, name: str, previous: Checked | None, today: str
) -> tuple[str, Checked]:
    """Ask PyPI about one package and store its answer: (what happened, the new state)."""
    had_file = stored_releases.path_of(data_dir, name).exists()
    stored_releases.read(data_dir, name)  # a corrupt file fails the package before asking
    etag = previous.etag if previous is not None and had_file else ""
    answer = client.releases(name, etag)
    known = previous.last_serial if previous is not None else None
    serial = answer.last_serial if answer.last_serial is not None else known
    if answer.releases is None:
        return NOT_MODIFIED, Checked(etag, serial, today)
    if known is not None and answer.last_serial is not None and answer.last_serial < known:
        log.warning(
            "%s: PyPI answered with serial %d, older than the %d stored (a stale cache); "
            "releases.csv kept",
            name,
            answer.last_serial,
            known,
        )
        assert previous is not None
        return STALE, Checked(previous.etag, known, today)
    try:  # the store refuses, before writing, a release it could not read back
        changed = stored_releases.write(data_dir, name, answer.releases)
    except ValueError as exc:
        raise SourceError(
            f"{name}: PyPI lists a release that cannot be stored ({exc}); nothing "
            "was written. This is a bug, please report it"
        ) from None
    return (UPDATED if changed else UNCHANGED), Checked(answer.etag, serial, today)


def pypi_url_of(url: str) -> str:
    problem = url_problem(url)
    if problem is not None:
        raise UsageError(f"--pypi-url {problem}; e.g. https://pypi.org/pypi")
    return url.rstrip("/")


def summary(tally: Tally, pypi_url: str) -> str:
    asked = len(tally.done) + len(tally.failed)
    updated = sum(1 for result in tally.done.values() if result == UPDATED)
    lines = [
        f"releases: {asked} package{'s' if asked != 1 else ''} asked at {pypi_url} "
        f"({updated} updated, {len(tally.done) - updated} unchanged), "
        f"{len(tally.failed)} failed"
    ]
    if tally.skipped:
        count = len(tally.skipped)
        lines.append(
            f"{count} package{'s' if count != 1 else ''} already checked today (UTC), not "
            "asked again: PyPI is asked at most once a day per package"
        )
    if tally.failed:
        lines.append("Failed packages (their releases.csv was left unchanged):")
        lines.extend(f"  {name}: {reason}" for name, reason in tally.failed.items())
    return "\n".join(lines)
