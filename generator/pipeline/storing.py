"""Fetched answers → derived kinds → the store, one package at a time."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from generator import derive, store
from generator.config import Package
from generator.errors import GeneratorError
from generator.sources import Fetched
from generator.store.merge import Policy

log = logging.getLogger(__name__)


@dataclass
class Stored:
    """Per package: the kinds whose files changed, or why it failed."""

    changed: dict[str, list[str]] = field(default_factory=dict)  # name -> kinds rewritten
    failed: dict[str, str] = field(default_factory=dict)  # name -> reason

    @property
    def fetched(self) -> int:
        return len(self.changed)


def store_fetched(
    data_dir: Path,
    packages: Sequence[Package],
    results: Iterable[Fetched],
    policy: Policy,
    source: str | None = None,
) -> Stored:
    """Store each package's answer as it arrives; one failure never stops the others.

    A failed package (at the source, or a history file we cannot parse) keeps its files
    byte-identical: the store reads every file of a package before it writes any.
    `source` (a provenance id) records which days each kind took from it.
    """
    by_name = {p.normalized: p for p in packages}
    outcome = Stored()
    for answer in results:
        package = by_name[answer.name]
        reason = answer.error
        if reason is None:
            try:
                changed = _store_one(data_dir, package, answer, policy, source)
            except (GeneratorError, OSError) as exc:
                reason = exc.message if isinstance(exc, GeneratorError) else f"cannot write: {exc}"
            else:
                outcome.changed[package.name] = changed
                continue
        log.error("%s: failed, history left unchanged: %s", package.name, reason)
        outcome.failed[package.name] = reason
    return outcome


def _store_one(
    data_dir: Path, package: Package, answer: Fetched, policy: Policy, source: str | None
) -> list[str]:
    if not any(answer.kinds.values()):
        log.info("%s: no downloads reported for these days", package.name)
        if answer.days is None or not answer.kinds:
            return []
    updates = derive.with_python_major(answer.kinds)
    covered = (answer.days[0].isoformat(), answer.days[1].isoformat()) if answer.days else None
    changed = store.update_package(data_dir, package.normalized, updates, policy, source, covered)
    kinds = [kind for kind, did in changed.items() if did]
    log.debug("%s: %s", package.name, ", ".join(kinds) if kinds else "unchanged")
    return kinds


def failure_lines(outcome: Stored) -> list[str]:
    if not outcome.failed:
        return []
    return [
        "Failed packages (their history was left unchanged):",
        *(f"  {name}: {reason}" for name, reason in outcome.failed.items()),
    ]
