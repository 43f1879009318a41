"""The queries sent to ClickHouse's public PyPI dataset, and their parameters (pure).

One query per materialized view read, whatever the number of packages:
- `PROBE` asks the dataset's newest day (`pypi_downloads_max_min`, one row per project)
  and the result limits the server applies to this user, so a truncated answer can be
  recognised and a request planned to stay under them.
- `FIRST_DAYS` asks the same view for each package's first day, so a backfill starts
  there rather than at `backfill_since`.
- `EXTRAS` reads the view that has the installer beside version and country
  (`pypi_downloads_per_day_by_version_by_installer_by_type_by_country`). One pass gives
  overall (with_mirrors: every download; without_mirrors: not a mirror installer and not
  an unknown one, as pypistats.org's ETL counts them), the top K versions and countries
  of each day (without mirrors, as pypistats.org's breakdowns) and the installers (every
  download, mirrors included, as the BigQuery source shows them).
- `PYTHON` and `SYSTEM` read the views that have python_minor and system. Those views have
  no installer column, so mirror downloads cannot be left out of these two breakdowns;
  the methodology page says so.

Every answer has one row per (project, day, dimension), so a request's row count is
known before it is sent (`rows_per_day`). Package names, dates and K travel only as
`{name:Type}` query parameters (`param_<name>` in the URL), never inside the SQL text.
Categories are pypistats.org's strings: "" (BigQuery's NULL, as the dataset stores it)
becomes "null"; systems other than Windows, Linux and Darwin become "other".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

DATABASE = "pypi"
EXTRAS_VIEW = f"{DATABASE}.pypi_downloads_per_day_by_version_by_installer_by_type_by_country"
PYTHON_VIEW = f"{DATABASE}.pypi_downloads_per_day_by_version_by_python"
SYSTEM_VIEW = f"{DATABASE}.pypi_downloads_per_day_by_version_by_system"
NEWEST_VIEW = f"{DATABASE}.pypi_downloads_max_min"
MIRRORS = ("bandersnatch", "z3c.pypimirror", "Artifactory", "devpi")  # as pypistats.org
SYSTEMS = ("Windows", "Linux", "Darwin")
PYTHON_MINOR = r"^[0-9]\\.[0-9]+$"  # pypistats.org's `^[0-9]\.[0-9]+.{0,}$`, cut at minor

EXTRA_DIMENSIONS = ("installer", "version", "country")


def _quoted(values: Sequence[str]) -> str:
    return ", ".join(f"'{value}'" for value in values)


_WHERE = """\
  WHERE project IN {packages:Array(String)}
    AND date >= {start:Date}
    AND date <= {end:Date}"""

PROBE = f"""\
SELECT
  toString(max(max_date)) AS newest_day,
  toUInt64(getSetting('max_result_rows')) AS max_result_rows,
  toString(getSetting('result_overflow_mode')) AS result_overflow_mode,
  toUInt64(getSetting('max_result_bytes')) AS max_result_bytes
FROM {NEWEST_VIEW}
"""

FIRST_DAYS = f"""\
SELECT project, toString(min(min_date)) AS first_day
FROM {NEWEST_VIEW}
WHERE project IN {{packages:Array(String)}}
GROUP BY project
ORDER BY project
"""

EXTRAS = f"""\
SELECT
  project,
  toString(date) AS day,
  dimension,
  sum(downloads) AS with_mirrors,
  sum(clean) AS without_mirrors,
  sum(measured) AS measured_total,
  arraySlice(
    arraySort(x -> (-x.2, x.1), groupArrayIf((category, measured), measured > 0)),
    1, {{top_k:UInt32}}
  ) AS top
FROM (
  SELECT
    project,
    date,
    dim.1 AS dimension,
    if(dim.2 = '', 'null', dim.2) AS category,
    sum(count) AS downloads,
    sumIf(count, installer != '' AND installer NOT IN ({_quoted(MIRRORS)})) AS clean,
    if(dimension = 'installer', downloads, clean) AS measured
  FROM {EXTRAS_VIEW}
  ARRAY JOIN [('installer', installer), ('version', version), ('country', country_code)] AS dim
{_WHERE}
  GROUP BY project, date, dimension, category
)
GROUP BY project, date, dimension
ORDER BY project, date, dimension
"""

PYTHON = f"""\
SELECT project, toString(date) AS day, groupArray((category, downloads)) AS categories
FROM (
  SELECT project, date, if(python_minor = '', 'null', python_minor) AS category,
    sum(count) AS downloads
  FROM {PYTHON_VIEW}
{_WHERE}
    AND (python_minor = '' OR match(python_minor, '{PYTHON_MINOR}'))
  GROUP BY project, date, category
)
GROUP BY project, date
ORDER BY project, date
"""

SYSTEM = f"""\
SELECT project, toString(date) AS day, groupArray((category, downloads)) AS categories
FROM (
  SELECT project, date,
    multiIf(system IN ({_quoted(SYSTEMS)}), system, system = '', 'null', 'other') AS category,
    sum(count) AS downloads
  FROM {SYSTEM_VIEW}
{_WHERE}
  GROUP BY project, date, category
)
GROUP BY project, date
ORDER BY project, date
"""


@dataclass(frozen=True)
class Query:
    """One query the source may send: its name, SQL, and the kinds it answers."""

    name: str
    sql: str
    kinds: tuple[str, ...]
    rows_per_day: int  # rows per package and day in the answer, at most


QUERIES = {
    "extras": Query("extras", EXTRAS, ("overall", *EXTRA_DIMENSIONS), len(EXTRA_DIMENSIONS)),
    "python": Query("python", PYTHON, ("python_minor",), 1),
    "system": Query("system", SYSTEM, ("system",), 1),
}
"""Which query answers which kinds (python_major is derived from python_minor)."""


def queries_for(kinds: Sequence[str]) -> list[Query]:
    """The queries needed for `kinds`, in a fixed order."""
    return [q for q in QUERIES.values() if any(kind in q.kinds for kind in kinds)]


def array_literal(values: Sequence[str]) -> str:
    """An Array(String) parameter in ClickHouse's escaped text form: ['a','b']."""
    escaped = (v.replace("\\", "\\\\").replace("'", "\\'") for v in values)
    return "[" + ",".join(f"'{v}'" for v in escaped) + "]"


def parameters(packages: Sequence[str], start: dt.date, end: dt.date, top_k: int) -> dict[str, str]:
    """The `param_*` values of one request (days `start`..`end` inclusive, UTC)."""
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    return {
        "packages": array_literal(sorted(set(packages))),
        "start": start.isoformat(),
        "end": end.isoformat(),
        "top_k": str(top_k),
    }


def describe(params: dict[str, str], sql: str) -> str:
    """The parameters a query uses, as `--print-sql` shows them."""
    shown = [f"param_{name} = {value}" for name, value in params.items() if f"{{{name}:" in sql]
    return "\n".join(shown)
