"""`import PACKAGE FILE...`: bring in history collected elsewhere (API JSON or CSV)."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from generator.derive import python_major_from_minor
from generator.errors import ConfigError, Problem, UsageError
from generator.importer import Imported, fill_gaps_only, parse_import
from generator.model import KINDS
from generator.store import read_package, update_package

log = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("package", help="the tracked package the history belongs to")
    parser.add_argument("files", nargs="+", type=Path, help="API JSON responses or CSV files")
    parser.add_argument(
        "--kind",
        choices=KINDS,
        help="the dimension of the files, when it cannot be told from their categories",
    )


def run(args: argparse.Namespace) -> int:
    imports = [_read(path, args.kind) for path in args.files]
    problems = [p for item in imports for p in item.problems]
    if problems:
        for problem in problems:
            log.error("%s", problem)
        log.error("nothing imported: fix the rows above and run again")
        return 1
    updates = _collect(imports)
    existing = read_package(args.data_dir, args.package, updates)
    additions: dict[str, dict[tuple[str, str], int]] = {}
    for kind, series in updates.items():
        additions[kind], disagreements = fill_gaps_only(existing[kind], series)
        if disagreements:
            log.warning(
                "%s: %d %s rows differ from the history already stored; kept the stored ones",
                args.package,
                disagreements,
                kind,
            )
    changed = update_package(args.data_dir, args.package, additions)
    for kind in additions:
        log.info(
            "%s %s: %d new rows%s",
            args.package,
            kind,
            len(additions[kind]),
            "" if changed.get(kind) else " (no change)",
        )
    return 0


def _read(path: Path, kind: str | None) -> Imported:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot read ({exc})") from None
    item = parse_import(text, path)
    if kind:
        item.kind = kind
    if item.kind is None and not item.problems:
        raise ConfigError([Problem(path, 0, "cannot tell which dimension this is; pass --kind")])
    return item


def _collect(imports: list[Imported]) -> dict[str, dict[tuple[str, str], int]]:
    updates: dict[str, dict[tuple[str, str], int]] = {}
    for item in imports:
        assert item.kind is not None
        updates.setdefault(item.kind, {}).update(item.series)
    if "python_minor" in updates and "python_major" not in updates:
        updates["python_major"] = python_major_from_minor(updates["python_minor"])
    return updates
