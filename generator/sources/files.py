"""A source of history collected elsewhere: pypistats-shaped files → Series (pure).

So collected data is never lost.

Accepted inputs: a pypistats.org API response (`{"data": [...], "package", "type"}`) or
a CSV with the columns `category,date,downloads` (in any order). Duplicate keys with
conflicting counts are reported, never guessed at.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.dates import is_date
from generator.errors import Problem
from generator.model import Series
from generator.names import normalize

API_TYPES = {
    "overall_downloads": "overall",
    "python_major_downloads": "python_major",
    "python_minor_downloads": "python_minor",
    "system_downloads": "system",
}
_OVERALL = {"with_mirrors", "without_mirrors"}
_SYSTEMS = {"Darwin", "Linux", "Windows", "other"}


@dataclass
class Imported:
    """What one input file holds: its kind, its series, and the problems found in it."""

    kind: str | None
    series: Series = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    declared: bool = False  # the kind came from a JSON response's `type`, not a guess
    lines: dict[tuple[str, str], int] = field(default_factory=dict)  # key -> line (or item)


def guess_kind(categories: set[str]) -> str | None:
    """The pypistats dimension a set of categories belongs to, or None if unclear."""
    named = categories - {"null"}
    if not named:
        return None
    if named <= _OVERALL:
        return "overall"
    if named <= _SYSTEMS:
        return "system"
    if all(re.fullmatch(r"\d+\.\d+", c) for c in named):
        return "python_minor"
    if all(re.fullmatch(r"\d+", c) for c in named):
        return "python_major"
    return None


RECENT_REFUSED = (
    "this is pypistats.org's `recent` response: three totals (last day, week and month), "
    "not daily history, so it cannot be imported. Import the package's `overall`, "
    "`python_minor` and `system` responses instead"
)
NOT_AN_API_RESPONSE = (
    'expected one pypistats.org API response, {"data": [{"category", "date", "downloads"}, '
    '...], "package": ..., "type": ...}; save each endpoint\'s response to its own file'
)


def parse_import(text: str, path: Path, package: str | None = None) -> Imported:
    """Parse an API JSON response or a `category,date,downloads` CSV.

    With `package`, a JSON response for another package is refused.
    """
    text = text.removeprefix("\ufeff")  # a byte-order mark, as spreadsheets write
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        return _parse_json(text, path, package)
    return _parse_csv(text, path)


def _add(result: Imported, row: dict[str, Any], line: int, path: Path) -> None:
    date, category, downloads = row.get("date"), row.get("category"), row.get("downloads")
    if not isinstance(date, str) or not is_date(date):
        result.problems.append(Problem(path, line, f"bad date `{date}` (expected YYYY-MM-DD)"))
        return
    if category is None:
        category = "null"
    category = str(category)
    if isinstance(downloads, str) and downloads.isdigit():
        downloads = int(downloads)
    if not isinstance(downloads, int) or isinstance(downloads, bool) or downloads < 0:
        result.problems.append(
            Problem(path, line, f"downloads must be a non-negative integer, found `{downloads}`")
        )
        return
    key = (date, category)
    if key in result.series:
        if result.series[key] != downloads:
            result.problems.append(
                Problem(
                    path,
                    line,
                    f"{date} {category} has {downloads} downloads here but "
                    f"{result.series[key]} on line {result.lines[key]}; keep one of the two rows",
                )
            )
        return
    result.series[key] = downloads
    result.lines[key] = line


def _parse_json(text: str, path: Path, package: str | None) -> Imported:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        return Imported(None, problems=[Problem(path, exc.lineno, f"not valid JSON: {exc.msg}")])
    if not isinstance(document, dict):
        return Imported(None, problems=[Problem(path, 1, NOT_AN_API_RESPONSE)])
    rows = document.get("data")
    if document.get("type") == "recent_downloads" or (
        isinstance(rows, dict) and {"last_day", "last_week", "last_month"} & set(rows)
    ):
        return Imported(None, problems=[Problem(path, 1, RECENT_REFUSED)])
    if not isinstance(rows, list):
        return Imported(None, problems=[Problem(path, 1, NOT_AN_API_RESPONSE)])
    declared = document.get("package")
    if package and isinstance(declared, str) and normalize(declared) != normalize(package):
        return Imported(
            None,
            problems=[
                Problem(
                    path,
                    1,
                    f"this response is for the package `{declared}`, not `{package}`; "
                    "check the file or the package name",
                )
            ],
        )
    declared_kind = API_TYPES.get(str(document.get("type")))
    result = Imported(declared_kind, declared=declared_kind is not None)
    for index, row in enumerate(rows, start=1):
        if not isinstance(row, dict):
            result.problems.append(Problem(path, 1, f"data item {index} is not an object"))
            continue
        # JSON is often on one line; name the item so the user can find it.
        _add(result, row, index, path)
    if result.kind is None:
        result.kind = guess_kind({c for _, c in result.series})
    return result


def _parse_csv(text: str, path: Path) -> Imported:
    reader = csv.DictReader(io.StringIO(text))
    wanted = {"category", "date", "downloads"}
    if reader.fieldnames is None or not wanted <= set(reader.fieldnames):
        return Imported(
            None, problems=[Problem(path, 1, "expected a CSV header with category,date,downloads")]
        )
    result = Imported(None)
    for row in reader:
        _add(result, dict(row), reader.line_num, path)
    result.kind = guess_kind({c for _, c in result.series})
    return result


def combine(imports: list[tuple[Path, Imported]]) -> tuple[dict[str, Series], list[Problem]]:
    """Pure: the files' series by kind; a key two files give different counts is a problem."""
    combined: dict[str, Series] = {}
    origin: dict[tuple[str, tuple[str, str]], tuple[Path, int]] = {}
    problems: list[Problem] = []
    for path, item in imports:
        assert item.kind is not None
        series = combined.setdefault(item.kind, {})
        for key, downloads in item.series.items():
            line = item.lines.get(key, 0)
            if key in series and series[key] != downloads:
                other_path, other_line = origin[(item.kind, key)]
                problems.append(
                    Problem(
                        path,
                        line,
                        f"{key[0]} {key[1]} has {downloads} downloads here but {series[key]} "
                        f"in {other_path}:{other_line}; import only one of the two files",
                    )
                )
                continue
            series[key] = downloads
            origin.setdefault((item.kind, key), (path, line))
    return combined, problems
