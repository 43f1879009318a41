"""A local stand-in for pypistats.org that replays real recorded responses, with faults.

Serves `GET /api/packages/<pkg>/<endpoint>` on 127.0.0.1 from ../shared/realdata:

- `semclone-status/extracted/<snapshot>/<pkg>/{overall,python_minor,system,recent}.json`
  (snapshots 2025-11-15, 2026-05-15, 2026-08-22: the files are byte-identical to what
  the fetcher recorded, re-serialised compactly);
- `nipy-heudiconv/pypistats.json` as heudiconv's `overall` (any snapshot).

Anything else is a 404, as on pypistats.org for an unknown package.

From tests:

    with ReplayServer(realdata, snapshot="2025-11-15") as server:
        server.url                                 # the value for --api-url
        server.set_snapshot("2026-05-15")
        server.inject("purl2src/overall", "503", times=2)   # then normal answers
        server.inject("vulnq/system", "404")                 # times=None: every time
        server.override("heudiconv/system", body, status=200)
        server.set_delay(0.2)                      # slow every answer down
        server.requests                            # [Request(path, status, fault, at)]

Faults: see FAULTS. Standalone (for workflow rehearsals):

    python -m tests.servers.pypistats_replay --port 8765 --snapshot 2026-08-22 \\
        [--realdata ../shared/realdata] [--fault purl2src/overall=503:2] [--delay 0.1]

A running server is also steered over HTTP: `GET /_replay/snapshot/<name>`,
`GET /_replay/inject?path=<pkg>/<endpoint>&fault=<fault>&times=<n>`, `GET /_replay/reset`,
`GET /_replay/requests` (JSON log).
"""

from __future__ import annotations

import argparse
import email.utils
import json
import sys
import threading
import time
from dataclasses import asdict, dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from tests.servers.running import Running

SNAPSHOTS = ("2025-11-15", "2026-05-15", "2026-08-22")
ENDPOINTS = ("overall", "python_minor", "system", "recent")
PREFIX = "/api/packages/"

FAULTS: dict[str, str] = {
    "429": "429 Too Many Requests without Retry-After",
    "429-retry-after": "429 with `Retry-After: <retry_after>` (seconds; default 1)",
    "429-retry-after-date": "429 with Retry-After as an HTTP date <retry_after> s ahead",
    "500": "500 Internal Server Error (HTML page)",
    "503": "503 Service Unavailable",
    "timeout": "hang <hang> seconds (default 5) before answering normally",
    "truncated": "200 with the real JSON cut in half (correct Content-Length)",
    "html": "200 with an HTML error page (text/html), as a captive proxy would",
    "404": "404 Not Found, as for an unknown package",
    "drop": "close the connection without answering",
}

HTML_PAGE = (
    b"<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>\n"
    b"<body><h1>502 Bad Gateway</h1><p>The upstream server is unavailable.</p></body></html>\n"
)
NOT_FOUND = b'{"message": "Not found"}\n'


@dataclass
class Request:
    path: str  # e.g. /api/packages/purl2src/overall
    status: int  # 0 when the connection was dropped
    fault: str | None
    at: float  # time.monotonic() when the request arrived
    wall: float  # time.time() when the request arrived


@dataclass
class _Fault:
    name: str
    remaining: int | None  # None: forever
    retry_after: float = 1.0
    hang: float = 5.0


class ReplayServer(Running):
    """Threaded HTTP server replaying pypistats.org; usable as a context manager."""

    def __init__(
        self,
        realdata_dir: Path,
        snapshot: str = "2026-08-22",
        *,
        port: int = 0,
        delay: float = 0.0,
    ) -> None:
        self.realdata_dir = Path(realdata_dir)
        self.set_snapshot(snapshot)
        self.delay = delay
        self.requests: list[Request] = []
        self._faults: dict[str, list[_Fault]] = {}
        self._overrides: dict[str, tuple[int, bytes, str]] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", port), _handler_for(self))
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    # ---------------------------------------------------------------- lifecycle

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        """The API root to pass as --api-url."""
        return f"http://127.0.0.1:{self.port}/api"

    def start(self) -> ReplayServer:
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wake handlers that are hanging on purpose
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    # ---------------------------------------------------------------- steering

    def set_snapshot(self, snapshot: str) -> None:
        if snapshot not in SNAPSHOTS:
            raise ValueError(f"unknown snapshot {snapshot!r}; choose one of {SNAPSHOTS}")
        self.snapshot = snapshot

    def set_delay(self, seconds: float) -> None:
        """Wait this long before every answer (to catch a run in the middle)."""
        self.delay = seconds

    def inject(
        self,
        path: str,
        fault: str,
        times: int | None = None,
        *,
        retry_after: float = 1.0,
        hang: float = 5.0,
    ) -> None:
        """Answer the next `times` requests for `path` (None: all of them) with `fault`.

        `path` is `<pkg>/<endpoint>` or the full `/api/packages/<pkg>/<endpoint>`.
        Faults queue up per path in the order injected.
        """
        if fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}; choose one of {sorted(FAULTS)}")
        with self._lock:
            self._faults.setdefault(_key(path), []).append(
                _Fault(fault, times, retry_after=retry_after, hang=hang)
            )

    def override(
        self, path: str, body: bytes, status: int = 200, content_type: str = "application/json"
    ) -> None:
        """Serve `body` for `path` instead of the recorded response."""
        with self._lock:
            self._overrides[_key(path)] = (status, body, content_type)

    def reset(self) -> None:
        with self._lock:
            self._faults.clear()
            self._overrides.clear()
            self.requests.clear()

    def requests_for(self, path: str) -> list[Request]:
        key = _key(path)
        with self._lock:
            return [r for r in self.requests if _key(r.path) == key]

    def recorded(self, package: str, endpoint: str, snapshot: str | None = None) -> Path:
        """The realdata file served for `package`/`endpoint` (it may not exist)."""
        if package == "heudiconv" and endpoint == "overall":
            return self.realdata_dir / "nipy-heudiconv" / "pypistats.json"
        return (
            self.realdata_dir
            / "semclone-status"
            / "extracted"
            / (snapshot or self.snapshot)
            / package
            / f"{endpoint}.json"
        )

    def packages(self, snapshot: str | None = None) -> list[str]:
        """The SemClone packages recorded in `snapshot` (default: the current one)."""
        root = self.realdata_dir / "semclone-status" / "extracted" / (snapshot or self.snapshot)
        return sorted(p.name for p in root.iterdir() if p.is_dir())

    # ---------------------------------------------------------------- answering

    def _next_fault(self, key: str) -> _Fault | None:
        with self._lock:
            queue = self._faults.get(key, [])
            while queue:
                fault = queue[0]
                if fault.remaining is None:
                    return fault
                if fault.remaining > 0:
                    fault.remaining -= 1
                    if fault.remaining == 0:
                        queue.pop(0)
                    return fault
                queue.pop(0)
            return None

    def _answer(self, path: str) -> tuple[int, bytes, str, dict[str, str], _Fault | None]:
        key = _key(path)
        fault = self._next_fault(key)
        with self._lock:
            override = self._overrides.get(key)
        status, body, ctype = override or self._recorded_answer(key)
        headers: dict[str, str] = {}
        if fault is None:
            return status, body, ctype, headers, None
        name = fault.name
        if name == "429-retry-after":
            headers["Retry-After"] = f"{fault.retry_after:g}"
        if name == "429-retry-after-date":
            headers["Retry-After"] = email.utils.formatdate(
                time.time() + fault.retry_after, usegmt=True
            )
        if name.startswith("429"):
            return 429, b'{"message": "Too many requests"}\n', "application/json", headers, fault
        if name in ("500", "503"):
            return int(name), HTML_PAGE, "text/html", headers, fault
        if name == "404":
            return 404, NOT_FOUND, "application/json", headers, fault
        if name == "html":
            return 200, HTML_PAGE, "text/html", headers, fault
        if name == "truncated":
            return status, body[: len(body) // 2], ctype, headers, fault
        return status, body, ctype, headers, fault  # timeout, drop: handled by the caller

    def _recorded_answer(self, key: str) -> tuple[int, bytes, str]:
        parts = key.split("/")
        if len(parts) == 2 and parts[1] in ENDPOINTS and parts[0] not in ("", ".", ".."):
            try:
                return 200, self.recorded(*parts).read_bytes(), "application/json"
            except (FileNotFoundError, NotADirectoryError):
                pass
        return 404, NOT_FOUND, "application/json"

    def _control(self, path: str, query: dict[str, list[str]]) -> tuple[int, bytes]:
        def one(name: str, default: str | None = None) -> str | None:
            return query.get(name, [default])[0]

        try:
            if path.startswith("/_replay/snapshot/"):
                self.set_snapshot(path.rsplit("/", 1)[1])
            elif path == "/_replay/inject":
                times = one("times")
                self.inject(
                    one("path") or "",
                    one("fault") or "",
                    int(times) if times else None,
                    retry_after=float(one("retry_after", "1") or 1),
                    hang=float(one("hang", "5") or 5),
                )
            elif path == "/_replay/delay":
                self.set_delay(float(one("seconds", "0") or 0))
            elif path == "/_replay/reset":
                self.reset()
            elif path == "/_replay/requests":
                with self._lock:
                    log = [asdict(r) for r in self.requests]
                return 200, json.dumps(log).encode()
            else:
                return 404, b'{"error": "unknown control path"}'
        except ValueError as exc:
            return 400, json.dumps({"error": str(exc)}).encode()
        return 200, b'{"ok": true}'


def _key(path: str) -> str:
    path = urlsplit(path).path
    if path.startswith(PREFIX):
        path = path[len(PREFIX) :]
    return path.strip("/")


def _handler_for(server: ReplayServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # one answer, no 40 ms delayed-ACK stalls

        def do_GET(self) -> None:
            arrived, wall = time.monotonic(), time.time()
            parts = urlsplit(self.path)
            if parts.path.startswith("/_replay/"):
                status, body = server._control(parts.path, parse_qs(parts.query))
                self._send(status, body, "application/json", {})
                return
            status, body, ctype, headers, fault = server._answer(self.path)
            record = Request(parts.path, status, fault.name if fault else None, arrived, wall)
            with server._lock:
                server.requests.append(record)
            if server.delay and server._stopping.wait(server.delay):
                return
            if fault is not None and fault.name == "timeout" and server._stopping.wait(fault.hang):
                return
            if fault is not None and fault.name == "drop":
                record.status = 0
                self.close_connection = True
                return
            self._send(status, body, ctype, headers)

        def _send(self, status: int, body: bytes, ctype: str, headers: dict[str, str]) -> None:
            try:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True  # the client gave up (timeout) or was killed

        def log_message(self, format: str, *args: object) -> None:
            pass  # keep test output clean; the request log is `server.requests`

    return Handler


# ---------------------------------------------------------------- standalone


def _default_realdata() -> Path:
    return Path(__file__).resolve().parents[3] / "shared" / "realdata"


def _parse_fault(text: str) -> tuple[str, str, int | None]:
    path, _, spec = text.partition("=")
    fault, _, times = spec.partition(":")
    if not path or fault not in FAULTS:
        raise argparse.ArgumentTypeError(
            f"expected PKG/ENDPOINT=FAULT[:TIMES] with FAULT one of {sorted(FAULTS)}, got {text!r}"
        )
    return path, fault, int(times) if times else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.servers.pypistats_replay",
        description="Replay recorded pypistats.org responses on 127.0.0.1.",
        epilog="Faults: " + "; ".join(f"{k}: {v}" for k, v in FAULTS.items()),
    )
    parser.add_argument("--port", type=int, default=0, help="default: any free port")
    parser.add_argument("--snapshot", choices=SNAPSHOTS, default="2026-08-22")
    parser.add_argument("--realdata", type=Path, default=_default_realdata())
    parser.add_argument(
        "--fault", type=_parse_fault, action="append", default=[], metavar="PKG/EP=FAULT[:N]"
    )
    parser.add_argument("--delay", type=float, default=0.0, help="seconds before each answer")
    args = parser.parse_args(argv)
    if not (args.realdata / "semclone-status").is_dir():
        parser.error(f"{args.realdata} has no semclone-status/; pass --realdata")
    server = ReplayServer(args.realdata, args.snapshot, port=args.port, delay=args.delay)
    for path, fault, times in args.fault:
        server.inject(path, fault, times)
    server.start()
    print(server.url, flush=True)  # the first line is the --api-url value
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
