"""A stand-in for ClickHouse's HTTP interface on 127.0.0.1, running each query in chdb.

    with ClickHouseStandIn() as ch:
        ch.insert(rows)              # pypi.pypi rows; the materialized views fill the rest
        ch.url                       # point the client here (user `demo`, no password)
        ch.faults.append(("status", 429, {"Retry-After": "1"}))
        ch.requests                  # [Request(sql, params, format, settings, status, ...)]

The schema (tests/servers/clickhouse_schema.py) is the public `pypi` database's. chdb allows
one embedded server per process: the session is module-level, used under one lock, `pypi`
is recreated by each stand-in and only one may be open at a time. Client queries run on a second connection with
the `play` user's limits SET, then `readonly=1` (2 with readonly=False): the engine itself
refuses writes and query SETTINGS as the server does, and getSetting() sees the limits.
max_block_size is 100 because 'break' stops after whole blocks: with chdb's 65409 no test
result would be truncated. Faults, one per request in order: ("status", code, headers),
("exception_after_200",), ("slow", seconds), ("drop",); fail_every=n: 429 to every n-th;
then `fault_for(request)`, a test's own rule (by SQL or params), if it is set.
"""

from __future__ import annotations

import atexit
import base64
import datetime as dt
import gzip
import http
import json
import re
import shutil
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.servers.clickhouse_schema import COLUMNS, STATUS, content_type, count_rows, schema_ddl

try:
    from chdb import session as chdb_session
except ImportError:  # the module still imports; a stand-in then skips its test
    chdb_session = None  # type: ignore[assignment]

_NOT_SETTINGS = {"query", "database", "default_format", "user", "password", "query_id", "role"}
_NOT_SETTINGS |= {"session_id", "session_timeout", "session_check", "quota_key", "stacktrace"}
_ALLOWED_SETTINGS = {"enable_http_compression", "wait_end_of_query"}
# statements refused before chdb sees them; other unknown words go on to its parser (→ 62)
_WRITES = {"INSERT", "CREATE", "DROP", "ALTER", "TRUNCATE", "RENAME", "OPTIMIZE", "ATTACH"}
_WRITES |= {"DETACH", "SYSTEM", "KILL", "GRANT", "REVOKE", "SET", "USE", "DELETE", "UPDATE"}
_WRITES |= {"EXCHANGE", "UNDROP", "BACKUP", "RESTORE", "MOVE", "REPLACE", "BEGIN", "COMMIT"}
# string literals, quoted identifiers and comments, blanked before the SQL is looked at
_QUOTED = re.compile(
    r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|`(?:[^`\\]|\\.)*`|--[^\n]*|/\*.*?\*/", re.S
)
_FORMAT = re.compile(r"\bFORMAT\s+(\w+)(?:\s+SETTINGS\b.*)?\s*;?\s*$", re.I | re.S)
_ERROR = re.compile(
    r"Code: (\d+)\. DB::Exception: (.*)\. \(([A-Z0-9_]+)\)(?: \(version [^)]*\))?\s*$", re.S
)
_SUMMARY_KEYS: tuple[str, ...] = ("read_rows", "read_bytes", "written_rows", "written_bytes")
_SUMMARY_KEYS += ("total_rows_to_read", "result_rows", "result_bytes", "elapsed_ns")
# the public `play` profile's result limits (notes §1), and a small block (see above)
PLAY_LIMITS: dict[str, Any] = {"max_result_rows": 1000, "max_result_bytes": 10_000_000}
PLAY_LIMITS |= {"result_overflow_mode": "break", "max_execution_time": 60, "max_block_size": 100}
_LOCK = threading.Lock()  # every use of chdb, in every thread of this process
_STATE: dict[str, Any] = {}  # "admin": Session, "path": str, "version": str, "open": stand-in
_TIMEOUT = "Timeout exceeded: elapsed 60.000123 seconds, maximum: 60"
_PLAIN = {"Content-Type": "text/plain; charset=UTF-8"}
GONE = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, TimeoutError)


class ClickHouseError(Exception):
    def __init__(self, code: int, name: str, message: str) -> None:
        super().__init__(f"Code: {code}. DB::Exception: {message}. ({name})")
        self.code, self.name, self.message = code, name, message

    @classmethod
    def parse(cls, text: str) -> ClickHouseError:
        """chdb's text, nested `Code: N. DB::Exception: ...` wrappers removed."""
        code, name, message = 1001, "STD_EXCEPTION", text
        while found := _ERROR.match(message):
            code, message, name = int(found[1]), found[2], found[3]
        return cls(code, name, message)

    def body(self) -> bytes:
        return f"{self} (version {_STATE.get('version', '26.9.2.1')})\n".encode()


@dataclass
class Request:  # one HTTP request as the stand-in saw it
    method: str
    sql: str
    params: dict[str, str]
    format: str
    settings: dict[str, str]
    user: str
    status: int = 0
    result_rows: int | None = None
    exception_code: int | None = None  # also set when the error came after a 200
    fault: str | None = None  # the injected fault that answered it, if any
    query_id: str = field(default_factory=lambda: str(uuid.uuid4()))


def _admin() -> Any:
    """The process's one chdb session (created on first use); call with _LOCK held."""
    if "admin" not in _STATE:
        _STATE["path"] = tempfile.mkdtemp(prefix="chdb-standin-")
        atexit.register(shutil.rmtree, _STATE["path"], True)
        _STATE["admin"] = chdb_session.Session(_STATE["path"])
        _STATE["version"] = _STATE["admin"].query("SELECT version()", "TSV").bytes().decode()
        _STATE["version"] = _STATE["version"].strip()
    return _STATE["admin"]


def _run(conn: Any, sql: str, fmt: str = "TSV", params: Mapping[str, str] | None = None) -> Any:
    try:
        return conn.query(sql, fmt, params=dict(params) if params else None)
    except RuntimeError as exc:  # chdb's ChdbError
        raise ClickHouseError.parse(str(exc)) from None


def _json_row(row: Mapping[str, Any]) -> str:
    if extra := set(row) - set(COLUMNS):
        raise ValueError(f"not a pypi.pypi column: {sorted(extra)}")
    values = {column: row[column] for column in COLUMNS}  # a missing one is a KeyError
    if isinstance(day := values["date"], dt.date):
        values["date"] = (day.date() if isinstance(day, dt.datetime) else day).isoformat()
    return json.dumps(values)


def _quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


class ClickHouseStandIn:
    """`with ClickHouseStandIn() as ch:` serves ClickHouse's HTTP interface at `ch.url`."""

    def __init__(
        self,
        user: str = "demo",
        password: str = "",
        readonly: bool = True,
        fail_every: int | None = None,
        **limits: Any,
    ) -> None:
        """`limits` override PLAY_LIMITS (None drops one) or add any other setting."""
        if chdb_session is None:
            import pytest

            pytest.skip("chdb is not installed: pip install -e '.[dev]' (it is a test extra)")
        self.user, self.password, self.readonly = user, password, readonly
        self.fail_every = fail_every  # answer 429 to every n-th request
        merged = {**PLAY_LIMITS, **limits}
        self.limits: dict[str, Any] = {k: v for k, v in merged.items() if v is not None}
        self.faults: list[tuple[Any, ...]] = []
        # a test's own rule, asked when neither `faults` nor `fail_every` answers a request
        self.fault_for: Callable[[Request], tuple[Any, ...] | None] | None = None
        self.requests: list[Request] = []
        self._seen = 0
        self.closed = threading.Event()  # set on exit: ends a "slow" fault's wait
        self._log_lock = threading.Lock()
        self._conn: Any = None
        self._database = "default"
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.standin = self  # type: ignore[attr-defined]

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> ClickHouseStandIn:
        with _LOCK:
            if _STATE.get("open") is not None:
                raise RuntimeError("a ClickHouseStandIn is already open in this process")
            admin = _admin()
            _run(admin, "DROP DATABASE IF EXISTS pypi SYNC")
            for statement in schema_ddl():
                _run(admin, statement)
            self._conn = chdb_session.Session(_STATE["path"])
            for name, value in self.limits.items():
                _run(self._conn, f"SET {name} = {_quote(str(value))}")
            _run(self._conn, f"SET readonly = {1 if self.readonly else 2}")
            _STATE["open"] = self
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.closed.set()
        self._server.shutdown()
        self._server.server_close()
        with _LOCK:
            self._conn.close()
            _run(_admin(), "DROP DATABASE IF EXISTS pypi SYNC")  # frees its memory
            _STATE["open"] = None

    # ------------------------------------------------------------ for tests

    def insert(self, rows: Iterable[Mapping[str, Any]], batch_size: int = 5000) -> int:
        """Insert pypi.pypi rows in batches, as JSONEachRow (values never become SQL)."""
        lines = [_json_row(row) for row in rows]
        for start in range(0, len(lines), batch_size):
            batch = "\n".join(lines[start : start + batch_size])
            with _LOCK:
                _run(_admin(), "INSERT INTO pypi.pypi FORMAT JSONEachRow\n" + batch)
        return len(lines)

    def query(self, sql: str, params: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
        """Run SQL directly (no limits, no log), rows parsed from JSONEachRow."""
        with _LOCK:
            body = _run(_admin(), sql, "JSONEachRow", params).bytes()
        return [json.loads(line) for line in body.splitlines() if line.strip()]

    def newest_day(self) -> dt.date | None:
        """max(date) in pypi.pypi_downloads_per_day, as the ClickPy loader reads it."""
        [row] = self.query("SELECT max(date) AS d, count() AS n FROM pypi.pypi_downloads_per_day")
        return dt.date.fromisoformat(row["d"]) if row["n"] else None

    # ------------------------------------------------------------ for the handler

    def arrived(self, record: Request) -> tuple[Any, ...] | None:
        """Log a request (before its answer, so its fields are filled in by then); its fault."""
        with self._log_lock:
            self.requests.append(record)
            self._seen += 1
            if self.faults:
                return self.faults.pop(0)
            if self.fail_every and self._seen % self.fail_every == 0:
                return ("status", 429, {"Retry-After": "1"})
        return self.fault_for(record) if self.fault_for else None

    def execute(self, record: Request, database: str) -> tuple[bytes, dict[str, str]]:
        """Run a client query on the limited connection: (body, X-ClickHouse-Summary)."""
        with _LOCK:
            if self.closed.is_set():
                raise ClickHouseError(210, "NETWORK_ERROR", "the stand-in is shutting down")
            if database != self._database:
                _run(self._conn, f"USE `{database.replace('`', '``')}`")
                self._database = database
            settings = {k: v for k, v in record.settings.items() if k not in _ALLOWED_SETTINGS}
            for name, value in settings.items():
                _run(self._conn, f"SET {name} = {_quote(value)}")
            try:
                result = _run(self._conn, record.sql, record.format, record.params)
            finally:
                for name in settings:
                    value = _quote(str(self.limits[name])) if name in self.limits else "DEFAULT"
                    _run(self._conn, f"SET {name} = {value}")
        body = result.bytes()
        record.result_rows = count_rows(record.format, body)
        rows, read, elapsed = result.rows_read(), result.bytes_read(), result.elapsed()
        numbers = (rows, read, 0, 0, rows, record.result_rows or 0, len(body), int(elapsed * 1e9))
        return body, {key: str(n) for key, n in zip(_SUMMARY_KEYS, numbers, strict=True)}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ClickHouseStandIn"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _credentials(self, url: dict[str, str]) -> tuple[str, str]:
        if "user" in url or "password" in url:
            return url.get("user", "default"), url.get("password", "")
        user, key = self.headers.get("X-ClickHouse-User"), self.headers.get("X-ClickHouse-Key")
        if user is not None or key is not None:
            return user or "default", key or ""
        auth = self.headers.get("Authorization", "")
        if auth.lower().startswith("basic "):
            user, _, password = base64.b64decode(auth[6:]).decode().partition(":")
            return user, password
        return "default", ""

    def _parse(self) -> tuple[Request, dict[str, str]]:
        parts = urlsplit(self.path)
        url = dict(parse_qsl(parts.query, keep_blank_values=True))
        body = self._body().decode("utf-8", "replace") if self.command == "POST" else ""
        sql = "\n".join(s for s in (url.get("query", ""), body) if s)
        scanned = _QUOTED.sub(lambda m: " " if m[0][0] in "-/" else "''", sql)
        found = _FORMAT.search(scanned)
        fmt = url.get("default_format") or self.headers.get("X-ClickHouse-Format") or "TabSeparated"
        fmt = found[1] if found else str(fmt)
        params = {k[6:]: v for k, v in url.items() if k.startswith("param_")}
        settings = {k: v for k, v in url.items() if k not in _NOT_SETTINGS and k[:6] != "param_"}
        user, password = self._credentials(url)
        record = Request(self.command, sql, params, fmt, settings, user)
        record.query_id = url.get("query_id") or record.query_id
        return record, {"password": password, "scanned": scanned, "path": parts.path, **url}

    def _handle(self) -> None:
        standin: ClickHouseStandIn = self.server.standin  # type: ignore[attr-defined]
        record, extra = self._parse()
        try:
            self._answer(standin, record, extra, standin.arrived(record))
        except GONE:
            self.close_connection = True

    do_GET = do_POST = _handle

    def _answer(
        self, standin: ClickHouseStandIn, record: Request, extra: dict[str, str], fault: Any
    ) -> None:
        if fault is not None:
            record.fault = str(fault[0])
            if fault[0] == "slow":
                standin.closed.wait(float(fault[1]))
            if fault[0] == "drop" or standin.closed.is_set():
                self.close_connection = True
                return
            elif fault[0] == "status":
                return self._fault_status(record, int(fault[1]), dict(fault[2]))
        if extra["path"] == "/ping" or (self.command == "GET" and not record.sql.strip()):
            return self._send(record, 200, b"Ok.\n", _PLAIN)
        try:
            self._check(standin, record, extra)
            body, summary = standin.execute(record, extra.get("database") or "default")
        except ClickHouseError as error:
            return self._error(record, error)
        headers = {"X-ClickHouse-Summary": json.dumps(summary, separators=(",", ":"))}
        headers |= {"X-ClickHouse-Format": record.format, "X-ClickHouse-Timezone": "UTC"}
        headers["Content-Type"] = content_type(record.format)
        if fault is not None and fault[0] == "exception_after_200":
            return self._exception_after_200(record, body, headers)
        compress = record.settings.get("enable_http_compression") == "1"
        if compress and "gzip" in self.headers.get("Accept-Encoding", ""):
            body, headers["Content-Encoding"] = gzip.compress(body), "gzip"
        self._send(record, 200, body, headers)

    def _check(self, standin: ClickHouseStandIn, record: Request, extra: dict[str, str]) -> None:
        if record.user != standin.user or extra["password"] != standin.password:
            message = f"{record.user}: Authentication failed: password is incorrect, or there is "
            raise ClickHouseError(516, "AUTHENTICATION_FAILED", message + "no user with such name")
        for name in record.settings:
            if standin.readonly and name not in _ALLOWED_SETTINGS:
                message = f"Cannot modify '{name}' setting in readonly mode"
                raise ClickHouseError(164, "READONLY", message)
            if not re.fullmatch(r"[A-Za-z_]\w*", name):
                raise ClickHouseError(115, "UNKNOWN_SETTING", f"Unknown setting '{name}'")
        statement = extra["scanned"].strip().rstrip(";").strip()
        if not statement:
            raise ClickHouseError(62, "SYNTAX_ERROR", "Empty query")
        if ";" in statement:
            message = "Syntax error (Multi-statements are not allowed)"
            raise ClickHouseError(62, "SYNTAX_ERROR", message)
        first = re.match(r"[\s(]*(\w*)", statement)
        if first is not None and first[1].upper() in _WRITES:
            message = f"{record.user}: Cannot execute query in readonly mode"
            raise ClickHouseError(164, "READONLY", message)

    def _error(self, record: Request, error: ClickHouseError) -> None:
        record.exception_code = error.code
        headers = {**_PLAIN, "X-ClickHouse-Exception-Code": str(error.code)}
        self._send(record, STATUS.get(error.code, 500), error.body(), headers)

    def _fault_status(self, record: Request, status: int, headers: dict[str, str]) -> None:
        if status == 429:
            message = "Too many simultaneous queries. Maximum: 100"
            error = ClickHouseError(202, "TOO_MANY_SIMULTANEOUS_QUERIES", message)
            record.exception_code, body = error.code, error.body()
            headers = {"X-ClickHouse-Exception-Code": str(error.code), **headers}
        else:  # what a proxy in front of the server would say
            body = f"{status} {http.HTTPStatus(status).phrase}\n".encode()
        self._send(record, status, body, {**_PLAIN, **headers})

    def _exception_after_200(self, record: Request, body: bytes, headers: dict[str, str]) -> None:
        """Headers and part of the result sent, then the error text, as ClickHouse does."""
        record.status, record.exception_code = 200, 159
        error = ClickHouseError(159, "TIMEOUT_EXCEEDED", _TIMEOUT)
        self._head(record, 200, {**headers, "Transfer-Encoding": "chunked"})
        for chunk in (body[: max(1, len(body) // 2)], b"\n" + error.body()):
            self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def _head(self, record: Request, status: int, headers: dict[str, str]) -> None:
        record.status = status
        self.send_response(status)
        zeros = json.dumps(dict.fromkeys(_SUMMARY_KEYS, "0"), separators=(",", ":"))
        first = {"X-ClickHouse-Query-Id": record.query_id, "X-ClickHouse-Summary": zeros}
        for name, value in (first | headers).items():
            self.send_header(name, value)
        self.end_headers()

    def _send(self, record: Request, status: int, body: bytes, headers: dict[str, str]) -> None:
        self._head(record, status, {**headers, "Content-Length": str(len(body))})
        self.wfile.write(body)
        self.wfile.flush()
