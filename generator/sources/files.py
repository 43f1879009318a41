"""A source of history collected elsewhere: pypistats-shaped files → Series (pure).

So collected data is never lost.

Accepted inputs: a pypistats.org API response (`{"data": [...], "package", "type"}`) or
a CSV with the columns `category,date,downloads` (in any order). Duplicate keys with
conflicting counts are reported, never guessed at.

Every row must pass generator.rows, the rule the store applies, in either format. A JSON
category must be a string (or null, stored as "null"): a number such as 3.10 or a boolean
is refused, never turned into "3.1" or "True". A number with thousands of digits, or a
document nested thousands deep, is a problem with a message, not a crash.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator import rows
from generator.dates import is_date
from generator.errors import Problem
from generator.model import Series
from generator.names import normalize, quoted

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
CR_REFUSED = "a carriage return (\\r) inside a line; lines must end with \\n or \\r\\n"
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


class _Number:
    """A JSON number other than a plain integer, kept as it was written (`3.10`, `1e3`,
    an integer with thousands of digits): never turned into a float or a category."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return quoted(self.text, 20)


_MAX_INT_DIGITS = len(str(rows.MAX_DOWNLOADS)) + 1


def _json_int(text: str) -> int | _Number:
    return int(text) if len(text.lstrip("-")) <= _MAX_INT_DIGITS else _Number(text)


def _kind_of(value: object) -> str:
    """What a JSON value is, in words, without printing it (it may be nested deep)."""
    if isinstance(value, bool):
        return f"the JSON value {'true' if value else 'false'}"
    if isinstance(value, int):
        return f"the JSON number `{value}`"
    if isinstance(value, _Number):
        return f"the JSON number {value!r}"
    if isinstance(value, list | dict):
        return f"a JSON {'array' if isinstance(value, list) else 'object'}"
    return quoted(value)


def _category_problem(category: object) -> str | None:
    if isinstance(category, str):
        return rows.category_problem(category)
    return (
        f"the category is {_kind_of(category)}, not a string; categories are imported "
        'exactly as written, so write it in quotes (pypistats.org sends "3.10", never 3.10)'
    )


def _downloads(value: object) -> tuple[int | None, str | None]:
    """The count of a row, or why it is not one (a CSV gives text, JSON a number)."""
    if isinstance(value, str) and value.isascii() and value.isdigit():
        if len(value) > _MAX_INT_DIGITS:
            return None, _too_many_digits(len(value))
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        if value < 0:
            return None, f"downloads must be a non-negative integer, found `{value}`"
        return value, rows.count_problem(value)
    if isinstance(value, _Number) and value.text.isdigit():
        return None, _too_many_digits(len(value.text))
    shown = _kind_of(value) if not isinstance(value, str) else quoted(value, 20)
    return None, f"downloads must be a non-negative integer, found {shown}"


def _too_many_digits(digits: int) -> str:
    return f"the count has {digits:,} digits; at most {rows.MAX_DOWNLOADS:,} can be stored"


def _add(result: Imported, row: dict[str, Any], line: int, path: Path, item: str = "") -> None:
    """Add one row (`item`: "data item N: " in JSON, where line numbers say little)."""
    before = len(result.problems)
    _add_row(result, row, line, path, "item" if item else "line")
    for index in range(before, len(result.problems)):
        problem = result.problems[index]
        result.problems[index] = Problem(problem.path, problem.line, item + problem.message)


def _add_row(result: Imported, row: dict[str, Any], line: int, path: Path, unit: str) -> None:
    date, category, downloads = row.get("date"), row.get("category"), row.get("downloads")
    if not isinstance(date, str) or not is_date(date):
        shown = quoted(date, 20) if isinstance(date, str) else _kind_of(date)
        result.problems.append(Problem(path, line, f"bad date {shown} (expected YYYY-MM-DD)"))
        return
    if category is None:
        category = "null"  # pypistats.org's JSON null: stored as the text "null"
    count, problem = _downloads(downloads)
    problem = rows.date_problem(date) or _category_problem(category) or problem
    if problem is not None or count is None:
        result.problems.append(Problem(path, line, problem or "not a count"))
        return
    key = (date, str(category))
    if key in result.series:
        if result.series[key] != count:
            result.problems.append(
                Problem(
                    path,
                    line,
                    f"{date} {category} has {count} downloads here but "
                    f"{result.series[key]} on {unit} {result.lines[key]}; keep one of the two rows",
                )
            )
        return
    result.series[key] = count
    result.lines[key] = line


def _load_json(text: str, path: Path) -> tuple[Any, Problem | None]:
    """The document, or the problem: not JSON, nested too deep, a number too long."""
    try:
        return json.loads(
            text, parse_int=_json_int, parse_float=_Number, parse_constant=_Number
        ), None
    except json.JSONDecodeError as exc:
        return None, Problem(path, exc.lineno, f"not valid JSON: {exc.msg}")
    except RecursionError:
        return None, Problem(
            path, 1, "the JSON is nested too deeply to be a pypistats.org API response"
        )
    except ValueError as exc:  # anything else json refuses
        return None, Problem(path, 1, f"not valid JSON: {quoted(str(exc), 80)}")


def _parse_json(text: str, path: Path, package: str | None) -> Imported:
    document, problem = _load_json(text, path)
    if problem is not None:
        return Imported(None, problems=[problem])
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
                    f"this response is for the package {quoted(declared)}, not `{package}`; "
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
        _add(result, row, index, path, f"data item {index}: ")
    if result.kind is None:
        result.kind = guess_kind({c for _, c in result.series})
    return result


def _parse_csv(text: str, path: Path) -> Imported:
    """Lines end at "\n" or "\r\n" only, as in data/ (U+2028 or a form feed in a
    category is refused by generator.rows, never taken for a line break)."""
    lone = text.replace("\r\n", "\n").find("\r")
    if lone >= 0:
        line = text.replace("\r\n", "\n")[:lone].count("\n") + 1
        return Imported(None, problems=[Problem(path, line, CR_REFUSED)])
    reader = csv.DictReader(io.StringIO(text, newline="\n"))
    wanted = {"category", "date", "downloads"}
    result = Imported(None)
    try:
        if reader.fieldnames is None or not wanted <= set(reader.fieldnames):
            return Imported(
                None,
                problems=[Problem(path, 1, "expected a CSV header with category,date,downloads")],
            )
        for row in reader:
            _add(result, dict(row), reader.line_num, path)
    except csv.Error as exc:
        reason = f"unreadable CSV ({quoted(str(exc), 80)})"
        result.problems.append(Problem(path, reader.line_num + 1, reason))
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
