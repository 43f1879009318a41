"""The one query a run sends to BigQuery, and its parameters (pure).

Design (the README's "query design" section explains it at length):
- One scan of `bigquery-public-data.pypi.file_downloads`, pruned by the partition column
  (`timestamp`, a half-open UTC range) and the clustering column
  (`project IN UNNEST(@packages)`), reading only the eight columns it needs.
- The pypistats.org rules, matched to its own ETL (pypistats/tasks/pypi.py): only rows
  whose `details.python` matches `^[0-9]\\.[0-9]+.{0,}$` (or is NULL) count at all. That is
  the ETL's own pattern: a leading `major.minor` and no line break (RE2's `.` and `$`).
  `with_mirrors` counts every such row; every other pypistats dimension excludes the
  mirror installers, and a NULL installer too (SQL's `NULL NOT IN (...)` is not true, exactly as in pypistats.org).
- One GROUP BY GROUPING SETS folds everything into a small cube: per day and project, one
  row per category of each dimension, with two counts (all rows; rows not from mirrors).
- Package names and dates are query parameters, never spliced into the SQL text.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

TABLE = "bigquery-public-data.pypi.file_downloads"
MIRRORS = ("bandersnatch", "z3c.pypimirror", "Artifactory", "devpi")
SYSTEMS = ("Windows", "Linux", "Darwin")
PYTHON_FILTER = r"^[0-9]\.[0-9]+.{0,}$"  # verbatim from pypistats.org's ETL
PYTHON_MINOR = r"^[0-9]+\.[0-9]+"

# Result columns: which dimension column is set tells which grouping set a row belongs to.
DIMENSIONS = {
    "python_minor": "python_minor",
    "system": "system_name",
    "version": "version",
    "country": "country",
    "installer": "installer_name",
    "ci": "ci_flag",
}


def _quoted(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{v}'" for v in values)


QUERY = f"""\
WITH downloads AS (
  SELECT
    DATE(timestamp) AS download_date,
    project,
    file.version AS version,
    country_code,
    details.installer.name AS installer,
    details.python AS python,
    details.system.name AS system,
    details.ci AS ci
  FROM `{TABLE}`
  WHERE timestamp >= @start_ts
    AND timestamp < @end_ts
    AND project IN UNNEST(@packages)
    AND (REGEXP_CONTAINS(details.python, r'{PYTHON_FILTER}') OR details.python IS NULL)
),
labelled AS (
  SELECT
    download_date,
    project,
    COALESCE(installer NOT IN ({_quoted(MIRRORS)}), FALSE) AS not_mirror,
    IFNULL(REGEXP_EXTRACT(python, r'{PYTHON_MINOR}'), 'null') AS python_minor,
    CASE
      WHEN system IS NULL THEN 'null'
      WHEN system IN ({_quoted(SYSTEMS)}) THEN system
      ELSE 'other'
    END AS system_name,
    IFNULL(version, 'null') AS version,
    IFNULL(country_code, 'null') AS country,
    IFNULL(installer, 'null') AS installer_name,
    IFNULL(CAST(ci AS STRING), 'null') AS ci_flag
  FROM downloads
)
SELECT
  download_date,
  project,
  python_minor,
  system_name,
  version,
  country,
  installer_name,
  ci_flag,
  COUNT(*) AS with_mirrors,
  COUNTIF(not_mirror) AS without_mirrors
FROM labelled
GROUP BY GROUPING SETS (
  (download_date, project),
  (download_date, project, python_minor),
  (download_date, project, system_name),
  (download_date, project, version),
  (download_date, project, country),
  (download_date, project, installer_name),
  (download_date, project, ci_flag)
)
"""


@dataclass(frozen=True)
class Parameter:
    """One named query parameter: BigQuery type name and Python value."""

    name: str
    type: str  # "STRING", "TIMESTAMP"; `array` marks ARRAY<type>
    value: object
    array: bool = False


def parameters(packages: list[str], start: dt.date, end: dt.date) -> list[Parameter]:
    """Parameters for days `start`..`end` inclusive (UTC) and the normalized `packages`."""
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    start_ts = dt.datetime.combine(start, dt.time(), tzinfo=dt.UTC)
    end_ts = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
    return [
        Parameter("packages", "STRING", sorted(set(packages)), array=True),
        Parameter("start_ts", "TIMESTAMP", start_ts),
        Parameter("end_ts", "TIMESTAMP", end_ts),
    ]


def describe(params: list[Parameter]) -> str:
    """Human-readable parameter list, as `--print-sql` shows it."""
    lines = []
    for p in params:
        kind = f"ARRAY<{p.type}>" if p.array else p.type
        if isinstance(p.value, dt.datetime):
            shown = p.value.strftime("%Y-%m-%d %H:%M:%S UTC")
        elif isinstance(p.value, list):
            shown = "[" + ", ".join(repr(v) for v in p.value) + "]"
        else:
            shown = repr(p.value)
        lines.append(f"@{p.name} {kind} = {shown}")
    return "\n".join(lines)
