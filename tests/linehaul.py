"""Real Linehaul rows for the source tests, read from ../shared/realdata.

The fixtures of pypi/linehaul-cloud-function (copied in
realdata/pypi-linehaul-cloud-function) give BigQuery-shaped raw rows, as in
`bigquery-public-data.pypi.file_downloads`: project, country_code, file{version,type} and
details{installer{name}, python, system{name}, ...}. `clickhouse_row` turns one into a row
of ClickHouse's `pypi.pypi` the way ClickPy's loader does (notes §2), written here in
plain Python, independently of its SQL.
"""

from __future__ import annotations

import copy
import datetime as dt
import gzip
import json
from pathlib import Path
from typing import Any

import yaml

LINEHAUL = "pypi-linehaul-cloud-function"
MIRRORS = {"bandersnatch", "z3c.pypimirror", "Artifactory", "devpi"}
SYSTEMS = {"Windows", "Linux", "Darwin"}


class _StringsLoader(yaml.SafeLoader):
    """SafeLoader that keeps numbers such as `python: 3.10` as the strings Linehaul wrote."""


_StringsLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag.endswith(("null", "bool", "str"))]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_StringsLoader.add_multi_constructor(
    "tag:yaml.org,2002:python/name:", lambda loader, suffix, node: f"<exception {suffix}>"
)


def load_yaml(path: Path) -> Any:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_StringsLoader)


def log_rows(realdata: Path) -> list[dict[str, Any]]:
    """Rows parsed from Linehaul's real Fastly log fixture (pip's JSON user agents)."""
    rows = []
    for log in (realdata / LINEHAUL / "fixtures").glob("downloads-*.log.gz"):
        for line in gzip.decompress(log.read_bytes()).decode("utf-8").splitlines():
            fields = line.split("|")
            if fields[0] != "download" or fields[9] == "(null)":
                continue  # Linehaul ignores a (null) user agent
            ua = fields[9]
            details = json.loads(ua[ua.index("{") :]) if "{" in ua else None
            rows.append(
                {
                    "country_code": fields[2] or None,
                    "url": fields[3],
                    "tls_protocol": fields[4],
                    "tls_cipher": fields[5],
                    "project": fields[6],
                    "file": {
                        "filename": fields[3].rsplit("/", 1)[-1],
                        "project": fields[6],
                        "version": fields[7],
                        "type": fields[8],
                    },
                    "details": details,
                }
            )
    return rows


def event_rows(realdata: Path) -> list[dict[str, Any]]:
    """Linehaul's expected parsed rows (download.yml), the ones that are rows at all."""
    events = load_yaml(realdata / LINEHAUL / "tests/unit/events/fixtures/download.yml")
    return [copy.deepcopy(e["result"]) for e in events if isinstance(e["result"], dict)]


def ua_details(realdata: Path) -> list[dict[str, Any]]:
    """Every `details` Linehaul's user-agent fixtures expect (pip, uv, poetry, mirrors...)."""
    found = []
    for path in sorted((realdata / LINEHAUL / "tests/unit/ua/fixtures").glob("*.yml")):
        for case in load_yaml(path) or []:
            if isinstance(case.get("result"), dict):
                found.append(case["result"])
    return found


# ---------------------------------------------------------------- ClickHouse's pypi.pypi


def _field(row: Any, *path: str) -> Any:
    """row[path[0]][path[1]]..., or None where any step is missing or null."""
    value = row
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def _text(value: Any) -> str:
    """A BigQuery STRING as ClickPy stores it: NULL becomes ''."""
    return "" if value is None else str(value)


def python_minor(python: str | None) -> str:
    """The first two dot-separated parts of details.python: "3.10.12" → "3.10", "3" → "3".

    NULL gives ''; parts are kept as they are, so "cpython" stays "cpython", "." stays "."
    and "3.11\\n" keeps its line feed.
    """
    if python is None:
        return ""
    return ".".join(python.split(".")[:2])


def clickhouse_row(bq_row: dict[str, Any], day: dt.date) -> dict[str, str]:
    """A BigQuery-shaped raw row as a row of `pypi.pypi` dated `day` (notes §2)."""
    return {
        "date": day.isoformat(),
        "country_code": _text(bq_row.get("country_code")),
        "project": _text(bq_row.get("project")),
        "type": _text(_field(bq_row, "file", "type")),
        "installer": _text(_field(bq_row, "details", "installer", "name")),
        "python_minor": python_minor(_field(bq_row, "details", "python")),
        "system": _text(_field(bq_row, "details", "system", "name")),
        "version": _text(_field(bq_row, "file", "version")),
    }
