"""`import PACKAGE FILE...`: bring in history collected elsewhere (API JSON or CSV)."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from generator.derive import python_major_from_minor
from generator.errors import Problem, UsageError
from generator.importer import Imported, combine, fill_gaps_only, parse_import
from generator.model import KINDS, Series
from generator.names import is_valid_name
from generator.store import read_package, update_package

log = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("package", help="the PyPI project the history belongs to")
    parser.add_argument(
        "files",
        nargs="+",
        type=Path,
        metavar="FILE",
        help="pypistats.org API JSON responses (overall, python_major, python_minor, system) "
        "or CSV files with the columns category,date,downloads",
    )
    parser.add_argument(
        "--kind",
        choices=KINDS,
        help="the dimension of the files, when it cannot be told from their categories",
    )
    parser.epilog = (
        "Rows already in data/ keep their stored value; only missing days are added. "
        "Duplicate (date, category) rows with different counts are reported with both "
        "line numbers and nothing is imported. pypistats.org's `recent` response holds "
        "totals, not daily history, and is refused. Exit status: 0 imported, 1 the files "
        "have bad rows (nothing imported), 2 a file or option that cannot work."
    )


def run(args: argparse.Namespace) -> int:
    if not is_valid_name(args.package):
        raise UsageError(
            f"`{args.package}` is not a valid PyPI project name (PEP 508: letters, digits, "
            "and . _ - between them)"
        )
    imports = [(path, _read(path, args.kind, args.package)) for path in args.files]
    problems = [p for _, item in imports for p in item.problems]
    updates: dict[str, Series] = {}
    if not problems:
        updates, problems = combine(imports)
    if problems:
        for problem in problems:
            log.error("%s", problem)
        log.error("nothing imported: fix the rows above and run again")
        return 1
    if "python_minor" in updates and "python_major" not in updates:
        updates["python_major"] = python_major_from_minor(updates["python_minor"])
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


def _read(path: Path, kind: str | None, package: str) -> Imported:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise UsageError(f"{path}: not UTF-8 text; save it as UTF-8 and run again") from None
    except OSError as exc:
        raise UsageError(
            f"{path}: cannot read it ({exc.strerror or exc}); check the path"
        ) from None
    item = parse_import(text, path, package)
    if item.problems:
        return item
    if kind and item.declared and item.kind != kind:
        raise UsageError(
            f"{path}: this is a `{item.kind}` response, but --kind says `{kind}`; "
            "drop --kind or pass the right file"
        )
    if kind:
        item.kind = kind
    if not item.series:
        item.problems.append(Problem(path, 0, "no rows: there is nothing to import"))
    elif item.kind is None:
        categories = sorted({c for _, c in item.series})
        shown = ", ".join(categories[:8]) + (", ..." if len(categories) > 8 else "")
        problem = Problem(
            path,
            0,
            f"cannot tell which dimension the categories ({shown}) belong to; pass --kind "
            f"{'|'.join(KINDS)}",
        )
        raise UsageError(str(problem))
    return item
