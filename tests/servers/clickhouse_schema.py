"""The public `pypi` database's schema, for the ClickHouse stand-in (notes §2, §4).

The raw table, pypi_downloads_per_month and pypi_downloads_max_min are written out; every
SummingMergeTree table is one line of `_SUMMING` (its columns before `count Int64` and
its ORDER BY, verbatim) and gets the standard materialized view `<table>_mv`. Also the
HTTP status of each exception code, as ClickHouse's exceptionCodeToHTTPStatus gives it,
and what the stand-in says about a body of each output format.
"""

from __future__ import annotations

import json

COLUMNS: tuple[str, ...] = ("date", "country_code", "project", "type", "installer")
COLUMNS += ("python_minor", "system", "version")  # pypi.pypi, in order
# SummingMergeTree tables (notes §4), each with the standard MV `<table>_mv`:
# name (_d_ = pypi_downloads_per_day_by_version) | columns before `count Int64` | ORDER BY
_SUMMING = """
pypi_downloads | project String | project
pypi_downloads_by_version | project String, version String | (project, version)
pypi_downloads_per_day | date Date, project String | (project, date)
_d_ | date Date, project String, version String | (project, version, date)
_d__by_country | date Date, project String, version String, country_code String | (project, version, date, country_code)
_d__by_file_type | date Date, project String, version String, type LowCardinality(String) | (project, version, date, type)
_d__by_python | date Date, project String, version String, python_minor String | (project, version, date, python_minor)
_d__by_system | date Date, project String, version String, system String | (project, version, date, system)
_d__by_installer_by_type | project String, version String, date Date, installer String, type LowCardinality(String) | (project, version, date, installer)
_d__by_installer_by_type_by_country | project String, version String, date Date, installer String, type LowCardinality(String), country_code LowCardinality(String) | (project, version, date, country_code, installer, type)
_d__by_python_by_country | date Date, project String, version String, python_minor String, country_code LowCardinality(String) | (project, version, date, country_code, python_minor)
_d__by_system_by_country | date Date, project String, version String, system String, country_code String | (project, version, date, country_code, system)
"""
_DDL = """
CREATE DATABASE pypi;
CREATE TABLE pypi.pypi (`date` Date, `country_code` LowCardinality(String), `project` String, `type` LowCardinality(String), `installer` LowCardinality(String), `python_minor` LowCardinality(String), `system` LowCardinality(String), `version` String) ENGINE = MergeTree ORDER BY (project, date, version, country_code, python_minor, system);
CREATE TABLE pypi.pypi_downloads_per_month (month Date, project String, count Int64) ENGINE = SummingMergeTree ORDER BY (month, project);
CREATE MATERIALIZED VIEW pypi.pypi_downloads_per_month_mv TO pypi.pypi_downloads_per_month (month Date, project String, count Int64) AS SELECT toStartOfMonth(date) AS month, project, count() AS count FROM pypi.pypi WHERE date > (toStartOfMonth(now()) - toIntervalMonth(6)) GROUP BY month, project;
CREATE TABLE pypi.pypi_downloads_max_min (project String, max_date SimpleAggregateFunction(max, Date), min_date SimpleAggregateFunction(min, Date)) ENGINE = AggregatingMergeTree ORDER BY project;
CREATE MATERIALIZED VIEW pypi.pypi_downloads_max_min_mv TO pypi.pypi_downloads_max_min (project String, max_date SimpleAggregateFunction(max, Date), min_date SimpleAggregateFunction(min, Date)) AS SELECT project, maxSimpleState(date) as max_date, minSimpleState(date) as min_date FROM pypi.pypi GROUP BY project
"""


def schema_ddl() -> list[str]:
    """The statements that create database `pypi`, in order."""
    ddl = [statement.strip() for statement in _DDL.split(";")]
    for line in _SUMMING.strip().splitlines():
        name, columns, order_by = (part.strip() for part in line.split("|"))
        table = "pypi." + name.replace("_d_", "pypi_downloads_per_day_by_version")
        keys = ", ".join(column.split()[0] for column in columns.split(", "))
        ddl.append(
            f"CREATE TABLE {table} ({columns}, count Int64) "
            f"ENGINE = SummingMergeTree ORDER BY {order_by}"
        )
        ddl.append(
            f"CREATE MATERIALIZED VIEW {table}_mv TO {table} ({columns}, count Int64) "
            f"AS SELECT {keys}, count() AS count FROM pypi.pypi GROUP BY {keys}"
        )
    return ddl


# exceptionCodeToHTTPStatus (notes §7); codes measured with errorCodeToName in chdb 26.9
STATUS = {194: 401, 229: 413, 48: 501, 209: 503, 76: 503, 439: 503, 381: 411, 159: 408}
STATUS.update({779: 415} | dict.fromkeys((192, 193, 516, 512, 497), 403))
STATUS.update(dict.fromkeys((60, 46, 47, 50, 56, 81, 115, 152, 63, 73, 336, 78, 511), 404))
_BAD = (36, 427, 6, 25, 26, 38, 41, 72, 441, 675, 676, 27, 376, 15, 44, 37, 123, 8, 167, 168)
STATUS.update(dict.fromkeys((*_BAD, 223, 62, 117, 53, 321), 400))


def count_rows(fmt: str, body: bytes) -> int | None:
    """Result rows for JSON (its `rows`) and headerless one-row-a-line formats, else None."""
    if (name := fmt.lower()) in ("json", "jsoncompact", "jsonstrings", "jsoncompactstrings"):
        return int(json.loads(body)["rows"])
    lines = name.endswith(("eachrow", "jsonlines", "ndjson", "tabseparated", "tsv", "csv", "raw"))
    return body.count(b"\n") if lines else None


def content_type(fmt: str) -> str:
    kind = "application/json" if fmt.lower().startswith("json") else "text/tab-separated-values"
    return ("text/csv" if fmt.lower().startswith("csv") else kind) + "; charset=UTF-8"
