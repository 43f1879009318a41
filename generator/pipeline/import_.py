"""Import history collected elsewhere (pypistats.org API JSON or CSV) into data/.

Rows already stored keep their value (store.fill_gaps); only missing keys are added.
Duplicate (date, category) rows with different counts are reported with both places, and
then nothing is imported at all. The store part runs under the data directory's write
lock (store.locked), so an import beside a fetch or another import loses no row.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from generator import derive, store
from generator.errors import EXIT_OK, EXIT_PARTIAL, Problem, UsageError
from generator.model import KINDS, Series
from generator.names import name_problem
from generator.pipeline.outcome import Outcome
from generator.sources.files import Imported, combine, parse_import

log = logging.getLogger(__name__)


def import_files(
    data_dir: Path, package: str, files: Sequence[Path], kind: str | None = None
) -> Outcome:
    """Parse every file, check them together, then add their missing rows to data/."""
    bad_name = name_problem(package)
    if bad_name:
        raise UsageError(bad_name)
    imports = [(path, read_import(path, kind, package)) for path in files]
    problems = [p for _, item in imports for p in item.problems]
    updates: dict[str, Series] = {}
    if not problems:
        updates, problems = combine(imports)
    if problems:
        for problem in problems:
            log.error("%s", problem)
        log.error("nothing imported: fix the rows above and run again")
        return Outcome(EXIT_PARTIAL)
    updates = derive.with_python_major(updates)
    with store.locked(data_dir, "import"):  # one writer at a time: no row of either is lost
        store_imported(data_dir, package, updates)
    return Outcome(EXIT_OK)


def store_imported(data_dir: Path, package: str, updates: dict[str, Series]) -> None:
    """Add the rows data/ does not have yet (store.fill_gaps), saying what differed."""
    existing = store.read_package(data_dir, package, updates)
    for name, series in updates.items():
        disagreements = store.disagreements(existing[name], series)
        if disagreements:
            log.warning(
                "%s: %d %s rows differ from the history already stored; kept the stored ones",
                package,
                disagreements,
                name,
            )
    changed = store.update_package(data_dir, package, updates, store.fill_gaps, "import")
    for name, series in updates.items():
        added = sum(1 for key in series if key not in existing[name])
        note = "" if changed.get(name) else " (no change)"
        log.info("%s %s: %d new rows%s", package, name, added, note)


def read_import(path: Path, kind: str | None, package: str) -> Imported:
    """One file parsed, its kind settled (from the file, or --kind); problems attached."""
    try:
        text = path.read_bytes().decode("utf-8")  # no newline translation: "\r" is seen
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
