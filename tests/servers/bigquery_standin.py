"""A stand-in for the BigQuery REST API on 127.0.0.1, for tests with no Google account.

It answers the calls the real google-cloud-bigquery client makes for a query job
(jobs.insert with or without dryRun, jobs.get, jobs.getQueryResults) by
transpiling the submitted GoogleSQL to DuckDB with sqlglot and running it, with the job's
named parameters, over a raw-row table shaped like
`bigquery-public-data.pypi.file_downloads` (nested STRUCT columns included).

Bytes are not measured: dry runs report `dry_run_bytes` (a number, or a function of the
job's {"sql", "params", ...} record) and finished jobs report
`processed_bytes` / `billed_bytes`, so tests can drive the byte cap. A job whose
`maximumBytesBilled` is below `billed_bytes` fails the way BigQuery fails it.
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import duckdb
import sqlglot

TABLE = '"bigquery-public-data".pypi.file_downloads'

# The columns of bigquery-public-data.pypi.file_downloads (types as DuckDB spells them).
COLUMNS: dict[str, str] = {
    "timestamp": "TIMESTAMPTZ",
    "country_code": "VARCHAR",
    "url": "VARCHAR",
    "project": "VARCHAR",
    "file": "STRUCT(filename VARCHAR, project VARCHAR, version VARCHAR, type VARCHAR)",
    "details": (
        "STRUCT("
        "installer STRUCT(name VARCHAR, version VARCHAR), "
        "python VARCHAR, "
        "implementation STRUCT(name VARCHAR, version VARCHAR), "
        "distro STRUCT(name VARCHAR, version VARCHAR, id VARCHAR, "
        "libc STRUCT(lib VARCHAR, version VARCHAR)), "
        "system STRUCT(name VARCHAR, release VARCHAR), "
        "cpu VARCHAR, openssl_version VARCHAR, setuptools_version VARCHAR, "
        "rustc_version VARCHAR, ci BOOLEAN)"
    ),
    "tls_protocol": "VARCHAR",
    "tls_cipher": "VARCHAR",
}

_BQ_TYPES = {
    "VARCHAR": "STRING",
    "BIGINT": "INTEGER",
    "HUGEINT": "INTEGER",
    "INTEGER": "INTEGER",
    "BOOLEAN": "BOOLEAN",
    "DATE": "DATE",
    "DOUBLE": "FLOAT",
}


class BigQueryStandIn:
    """Start with `with BigQueryStandIn(rows) as bq:` and point the client at `bq.url`."""

    def __init__(
        self,
        rows: Iterable[Mapping[str, Any]],
        dry_run_bytes: int | Callable[[dict[str, Any]], int] = 3 * 2**30,
        processed_bytes: int = 2 * 2**30,
        billed_bytes: int = 2 * 2**30,
        page_size: int = 5000,
    ) -> None:
        self.dry_run_bytes = dry_run_bytes
        self.processed_bytes = processed_bytes
        self.billed_bytes = billed_bytes
        self.page_size = page_size
        self.calls: list[tuple[str, str]] = []
        self.jobs_run: list[dict[str, Any]] = []
        self.dry_runs: list[dict[str, Any]] = []
        self.fail_after: int | None = None  # fail every real query after this many
        self._jobs: dict[str, dict[str, Any]] = {}
        self._results: dict[str, tuple[list[dict[str, str]], list[list[Any]]]] = {}
        self._lock = threading.Lock()
        self._db = _load_table(rows)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> BigQueryStandIn:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._db.close()

    # ------------------------------------------------------------ REST methods

    def insert_job(self, project: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        config = body.get("configuration", {})
        query = config.get("query", {})
        if query.get("useLegacySql", True) is not False and "useLegacySql" in query:
            return _error(400, "invalidQuery", "the stand-in only speaks GoogleSQL")
        reference = dict(body.get("jobReference") or {})
        job_id = reference.get("jobId") or uuid.uuid4().hex
        reference.update(projectId=project, jobId=job_id, location=reference.get("location", "US"))
        sql, params = query.get("query", ""), _parameters(query.get("queryParameters", []))
        try:
            columns, rows = self._execute(sql, params)
        except (sqlglot.errors.ParseError, duckdb.Error) as exc:
            return _error(400, "invalidQuery", f"stand-in could not run the query: {exc}")
        now = str(int(time.time() * 1000))
        record = {
            "job_id": job_id,
            "sql": sql,
            "params": params,
            "maximumBytesBilled": query.get("maximumBytesBilled"),
        }
        if config.get("dryRun"):
            self.dry_runs.append(record)
            estimate = self.dry_run_bytes
            if callable(estimate):
                estimate = estimate(record)
            stats = {
                "creationTime": now,
                "totalBytesProcessed": str(estimate),
                "query": {
                    "totalBytesProcessed": str(estimate),
                    "totalBytesProcessedAccuracy": "UPPER_BOUND",
                    "statementType": "SELECT",
                },
            }
            job = _job(reference, config, stats)
            return 200, job
        with self._lock:
            if self.fail_after is not None and len(self.jobs_run) >= self.fail_after:
                # 400, not 500: the client would retry a backend error for minutes.
                return _error(400, "invalidQuery", "the stand-in was told to fail this job")
            self.jobs_run.append(record)
        stats = {
            "creationTime": now,
            "startTime": now,
            "endTime": now,
            "totalBytesProcessed": str(self.processed_bytes),
            "query": {
                "totalBytesProcessed": str(self.processed_bytes),
                "totalBytesBilled": str(self.billed_bytes),
                "cacheHit": False,
                "statementType": "SELECT",
            },
        }
        job = _job(reference, config, stats)
        limit = query.get("maximumBytesBilled")
        if limit is not None and int(limit) < self.billed_bytes:
            message = (
                f"Query exceeded limit for bytes billed: {limit}. "
                f"{self.billed_bytes} or higher required."
            )
            job["status"] = {
                "state": "DONE",
                "errorResult": {"reason": "bytesBilledLimitExceeded", "message": message},
                "errors": [{"reason": "bytesBilledLimitExceeded", "message": message}],
            }
            job["statistics"]["query"]["totalBytesBilled"] = "0"
        with self._lock:
            self._jobs[job_id] = job
            self._results[job_id] = (columns, rows)
        return 200, job

    def get_job(self, job_id: str) -> tuple[int, dict[str, Any]]:
        job = self._jobs.get(job_id)
        if job is None:
            return _error(404, "notFound", f"Not found: Job {job_id}")
        return 200, job

    def query_results(
        self, job_id: str, query: Mapping[str, list[str]]
    ) -> tuple[int, dict[str, Any]]:
        job = self._jobs.get(job_id)
        if job is None:
            return _error(404, "notFound", f"Not found: Job {job_id}")
        columns, rows = self._results[job_id]
        page = self._page(rows, query)
        body = {
            "kind": "bigquery#getQueryResultsResponse",
            "jobReference": job["jobReference"],
            "jobComplete": True,
            "schema": {"fields": columns},
            "totalRows": str(len(rows)),
            "totalBytesProcessed": job["statistics"]["totalBytesProcessed"],
            "cacheHit": False,
            **page,
        }
        if "errorResult" in job["status"]:
            body["errors"] = job["status"]["errors"]
        return 200, body

    def _page(self, rows: list[list[Any]], query: Mapping[str, list[str]]) -> dict[str, Any]:
        start = int(query.get("pageToken", query.get("startIndex", ["0"]))[0] or 0)
        size = int(query.get("maxResults", [str(self.page_size)])[0])
        size = min(size, self.page_size)
        chunk = rows[start : start + size]
        page: dict[str, Any] = {"rows": [{"f": [{"v": v} for v in row]} for row in chunk]}
        if start + size < len(rows) and size > 0:
            page["pageToken"] = str(start + size)
        return page

    # ------------------------------------------------------------ execution

    def _execute(
        self, sql: str, params: dict[str, Any]
    ) -> tuple[list[dict[str, str]], list[list[Any]]]:
        duck_sql = sqlglot.transpile(sql, read="bigquery", write="duckdb")[0]
        with self._lock:
            cursor = self._db.cursor()
        try:
            used = {k: v for k, v in params.items() if f"${k}" in duck_sql}
            result = cursor.execute(duck_sql, used)
            description = result.description or []
            fetched = result.fetchall()
        finally:
            cursor.close()
        columns = [
            {"name": d[0], "type": _BQ_TYPES.get(str(d[1]).upper(), "STRING"), "mode": "NULLABLE"}
            for d in description
        ]
        return columns, [[_cell(v) for v in row] for row in fetched]


def _load_table(rows: Iterable[Mapping[str, Any]]) -> duckdb.DuckDBPyConnection:
    db = duckdb.connect(":memory:")
    db.execute("SET TimeZone = 'UTC'")
    db.execute("ATTACH ':memory:' AS \"bigquery-public-data\"")
    db.execute('CREATE SCHEMA "bigquery-public-data".pypi')
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "rows.jsonl"
        with path.open("w", encoding="utf-8") as out:
            for row in rows:
                out.write(json.dumps({c: row.get(c) for c in COLUMNS}, default=str) + "\n")
        columns = "{" + ", ".join(f"'{name}': '{kind}'" for name, kind in COLUMNS.items()) + "}"
        db.execute(
            f"CREATE TABLE {TABLE} AS SELECT * FROM read_json(?, format='newline_delimited', "
            f"columns={columns})",
            [str(path)],
        )
    return db


def _parameters(raw: list[dict[str, Any]]) -> dict[str, Any]:
    return {p["name"]: _value(p["parameterType"], p.get("parameterValue", {})) for p in raw}


def _value(kind: dict[str, Any], value: dict[str, Any]) -> Any:
    if kind["type"] == "ARRAY":
        return [_value(kind["arrayType"], v) for v in value.get("arrayValues", [])]
    text = value.get("value")
    if text is None:
        return None
    if kind["type"] == "TIMESTAMP":
        parsed = dt.datetime.fromisoformat(text.replace(" ", "T").replace("Z", "+00:00"))
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
    if kind["type"] == "DATE":
        return dt.date.fromisoformat(text)
    if kind["type"] in ("INT64", "INTEGER"):
        return int(text)
    if kind["type"] == "BOOL":
        return text.lower() == "true"
    return text


def _cell(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _job(
    reference: dict[str, Any], config: dict[str, Any], stats: dict[str, Any]
) -> dict[str, Any]:
    return {
        "kind": "bigquery#job",
        "id": f"{reference['projectId']}:{reference['location']}.{reference['jobId']}",
        "jobReference": reference,
        "configuration": config,
        "status": {"state": "DONE"},
        "statistics": stats,
    }


def _error(code: int, reason: str, message: str) -> tuple[int, dict[str, Any]]:
    status = {400: "INVALID_ARGUMENT", 404: "NOT_FOUND", 500: "INTERNAL"}.get(code, "UNKNOWN")
    return code, {
        "error": {
            "code": code,
            "message": message,
            "errors": [{"reason": reason, "message": message, "domain": "global"}],
            "status": status,
        }
    }


def _handler_for(standin: BigQueryStandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # quiet test output
            pass

        def _send(self, code: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode("utf-8")
            self.send_response(code)
            self.send_header("Content-Type", "application/json; charset=UTF-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _route(self, method: str) -> None:
            url = urlparse(self.path)
            query = parse_qs(url.query)
            parts = [p for p in url.path.split("/") if p]
            standin.calls.append((method, url.path))
            if parts[:2] == ["bigquery", "v2"]:
                parts = parts[2:]
            if len(parts) < 2 or parts[0] != "projects":
                self._send(*_error(404, "notFound", f"no such method {url.path}"))
                return
            project, rest = parts[1], parts[2:]
            if method == "POST" and rest == ["jobs"]:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                self._send(*standin.insert_job(project, body))
            elif method == "GET" and len(rest) == 2 and rest[0] == "jobs":
                self._send(*standin.get_job(rest[1]))
            elif method == "GET" and len(rest) == 2 and rest[0] == "queries":
                self._send(*standin.query_results(rest[1], query))
            else:
                self._send(*_error(404, "notFound", f"the stand-in does not answer {url.path}"))

        def do_GET(self) -> None:
            self._route("GET")

        def do_POST(self) -> None:
            self._route("POST")

    return Handler
