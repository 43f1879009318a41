"""Reading ClickHouse's answers (pure): the JSON body, its completeness, and the Series.

- `read_body` parses a `FORMAT JSON` body and refuses what is not a complete answer: an
  error written after the headers (HTTP 200 does not mean success, see ClickHouse's
  "HTTP response codes caveats"), an `exception` key, or rows the server says it cut.
- `ServerError` is an error answer: its code, name and message, and what to do about it:
  retry (busy, over quota for the moment), split the request (too many rows or bytes,
  too slow) or give up (a syntax error, an unknown table, a refused user).
- `to_series` turns the rows of one query into {project: {kind: Series}}, with the
  categories checked by the store's own rules (generator.rows); one that could not be
  stored is counted in "other" rather than lost.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from generator.dates import is_date
from generator.model import WITH_MIRRORS, WITHOUT_MIRRORS, Series
from generator.rows import category_problem, count_problem, date_problem

OTHER = "other"
SPLIT_CODES = {159: "TIMEOUT_EXCEEDED", 158: "TOO_MANY_ROWS", 307: "TOO_MANY_BYTES",
               396: "TOO_MANY_ROWS_OR_BYTES", 241: "MEMORY_LIMIT_EXCEEDED"}  # fmt: skip
"""Errors of a request that asked for too much at once: asked again in halves."""
RETRY_CODES = {202: "TOO_MANY_SIMULTANEOUS_QUERIES", 209: "SOCKET_TIMEOUT",
               439: "CANNOT_SCHEDULE_TASK", 210: "NETWORK_ERROR"}  # fmt: skip
"""Errors of a busy server: the same request is retried after a back-off."""
_NAME = re.compile(r"\(([A-Z][A-Z0-9_]{2,60})\)")
_VERSION = re.compile(r"\(version [0-9.]+[^)]*\)")
_INT64 = re.compile(r"-?[0-9]{1,19}")
_CODE = re.compile(r"Code: ([0-9]{1,5})\. (?:DB::Exception: )?(.*)", re.S)


@dataclass(frozen=True)
class ServerError(Exception):
    """ClickHouse answered with an error."""

    code: int
    text: str

    @property
    def split(self) -> bool:
        return self.code in SPLIT_CODES

    @property
    def retry(self) -> bool:
        return self.code in RETRY_CODES

    @property
    def name(self) -> str:
        """The error's name, e.g. UNKNOWN_TABLE ("" when the text does not say)."""
        found = _NAME.findall(self.text)
        return found[-1] if found else SPLIT_CODES.get(self.code) or RETRY_CODES.get(self.code, "")

    def __str__(self) -> str:
        first = self.text.strip().splitlines()[0] if self.text.strip() else ""
        first = _NAME.sub("", _VERSION.sub("", first)).strip().rstrip(".")
        if len(first) > 300:
            first = first[:297] + "..."
        name = f" ({self.name})" if self.name else ""
        return f"ClickHouse error {self.code}{name}: {first}"


class Truncated(Exception):
    """The server cut the answer short (a result limit with overflow mode "break")."""


def error_code(headers: Mapping[str, str], body: bytes) -> ServerError | None:
    """The error an answer reports, from X-ClickHouse-Exception-Code or the body's text."""
    text = body[:4000].decode("utf-8", "replace")
    header = headers.get("X-ClickHouse-Exception-Code", "")
    match = _CODE.search(text)
    if header.isascii() and header.isdigit():
        return ServerError(int(header[:5]), match.group(2) if match else text)
    if match:
        return ServerError(int(match.group(1)), match.group(2))
    return None


def read_body(body: bytes, max_result_rows: int, expected: int) -> list[dict[str, Any]]:
    """The rows of a complete `FORMAT JSON` answer; ServerError or Truncated otherwise.

    `max_result_rows` is the server's limit for this user (0: none) and `expected` the
    most rows this request can have: an answer at the limit may have been cut.
    """
    try:
        doc = json.loads(body)
    except (ValueError, RecursionError):
        found = error_code({}, body[-4000:]) or error_code({}, body)
        if found is not None:
            raise found from None
        raise ServerError(0, f"the answer is not JSON (it starts {body[:60]!r})") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("data"), list):
        raise ServerError(0, "the answer is JSON but not ClickHouse's FORMAT JSON")
    if "exception" in doc:
        raise error_code({}, str(doc["exception"]).encode()) or ServerError(
            0, str(doc["exception"])
        )
    rows = doc["data"]
    count = doc.get("rows", len(rows))
    before = doc.get("rows_before_limit_at_least")
    if count != len(rows) or (isinstance(before, int) and before > len(rows)):
        raise Truncated(f"{len(rows)} rows arrived of {max(count, before or 0)}")
    if len(rows) > expected or (max_result_rows and len(rows) >= max_result_rows):
        raise Truncated(f"{len(rows)} rows, at the server's limit of {max_result_rows}")
    return rows


@dataclass(frozen=True)
class Summary:
    read_rows: int = 0
    read_bytes: int = 0
    result_bytes: int = 0


def summary_counts(header: str) -> Summary:
    """The counts of X-ClickHouse-Summary (its numbers are strings there)."""
    try:
        doc = json.loads(header) if header else {}
    except (ValueError, RecursionError):
        return Summary()
    if not isinstance(doc, dict):
        return Summary()
    return Summary(
        nonnegative(doc.get("read_rows")),
        nonnegative(doc.get("read_bytes")),
        nonnegative(doc.get("result_bytes")),
    )


def nonnegative(value: Any) -> int:
    """A count from a summary or a probe: an int, or digits in a string; 0 otherwise."""
    if isinstance(value, int) and not isinstance(value, bool):
        return max(value, 0)
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 20:
        return int(value)
    return 0


# ---------------------------------------------------------------- rows → series


class BadRow(ValueError):
    """A row that is not what the query returns (a bug or a changed schema)."""


def to_series(query: str, rows: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, Series]]:
    """The rows of query `query` ("extras", "python", "system") as {project: {kind: ...}}."""
    out: dict[str, dict[str, Series]] = defaultdict(lambda: defaultdict(dict))
    for row in rows:
        project, day = _text(row, "project"), _text(row, "day")
        if not is_date(day) or date_problem(day):
            raise BadRow(f"{project}: the day {day!r} is not a day we can store")
        kinds = out[project]
        if query == "extras":
            _extras(kinds, day, row)
        else:
            kind = "python_minor" if query == "python" else "system"
            for category, count in _pairs(row.get("categories")):
                _put(kinds[kind], day, category, count)
    return {name: {kind: dict(s) for kind, s in kinds.items()} for name, kinds in out.items()}


def _extras(kinds: dict[str, Series], day: str, row: Mapping[str, Any]) -> None:
    dimension = _text(row, "dimension")
    if dimension not in ("installer", "version", "country"):
        raise BadRow(f"unknown dimension {dimension!r}")
    if dimension == "installer":  # every dimension row carries the day's totals
        _put(kinds["overall"], day, WITH_MIRRORS, _count(row.get("with_mirrors")))
        _put(kinds["overall"], day, WITHOUT_MIRRORS, _count(row.get("without_mirrors")))
    series = kinds[dimension]
    kept = 0
    for category, count in _pairs(row.get("top")):
        _put(series, day, category, count)
        kept += count
    _put(series, day, OTHER, _count(row.get("measured_total")) - kept)


def _pairs(value: Any) -> list[tuple[str, int]]:
    if not isinstance(value, list):
        raise BadRow(f"expected a list of [category, count], got {type(value).__name__}")
    pairs = []
    for item in value:
        if not isinstance(item, list | tuple) or len(item) != 2:
            raise BadRow(f"expected [category, count], got {str(item)[:60]}")
        pairs.append((str(item[0]), _count(item[1])))
    return pairs


def _put(series: Series, day: str, category: str, count: int) -> None:
    if count <= 0:
        return  # zero days are left out, as pypistats.org leaves them out
    if category_problem(category):
        category = OTHER  # not storable as a category: counted, not lost
    key = (day, category)
    total = series.get(key, 0) + count
    if count_problem(total):
        raise BadRow(f"{day} {category}: {total} is not a download count we can store")
    series[key] = total


def _count(value: Any) -> int:
    """Int64 arrives as a number, or quoted ("5") before ClickHouse 25.8."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and _INT64.fullmatch(value):
        return int(value)
    raise BadRow(f"{str(value)[:40]!r} is not a count")


def _text(row: Mapping[str, Any], key: str) -> str:
    value = row.get(key)
    if not isinstance(value, str):
        raise BadRow(f"`{key}` is {type(value).__name__}, not a string")
    return value
