"""A local stand-in for PyPI's JSON API, replaying real recorded responses, with faults.

Serves `GET /pypi/<name>/json` on 127.0.0.1 from ../shared/realdata/pypi-json/<name>.json
(numpy, requests, asgiref, django, pytest, cabinet: byte-identical to the recordings),
with an ETag (a hash of the body) and PyPI's `X-PyPI-Last-Serial` header; a request whose
If-None-Match names the current ETag gets a 304 with no body. Anything else is a 404, as
on PyPI for an unknown project.

    with PypiReplay(realdata, serve={"purl2src": "asgiref"}) as pypi:
        pypi.url                               # the value for --pypi-url
        pypi.inject("numpy", "503", times=2)   # then normal answers; times=None: always
        pypi.override("requests", body)        # serve these bytes instead
        pypi.requests                          # [Served(name, status, if_none_match)]
"""

from __future__ import annotations

import hashlib
import re
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from tests.servers.running import Running

RECORDED = ("asgiref", "cabinet", "django", "numpy", "pytest", "requests")
FAULTS = {
    "404": "404 Not Found, as for a project that is not on PyPI",
    "500": "500 Internal Server Error",
    "503": "503 Service Unavailable",
    "truncated": "200 with the JSON cut in half (a matching Content-Length)",
    "cut": "200 announcing the whole body, then the connection closes half-way",
}
_SERIAL = re.compile(rb'"last_serial":\s*([0-9]+)')


@dataclass
class Served:
    name: str
    status: int
    if_none_match: str | None


class PypiReplay(Running):
    """Threaded HTTP server replaying PyPI's project JSON; a context manager."""

    def __init__(self, realdata: Path, serve: dict[str, str] | None = None) -> None:
        self.folder = Path(realdata) / "pypi-json"
        self.serve = {name: name for name in RECORDED} | (serve or {})
        self.requests: list[Served] = []
        self._faults: dict[str, list[list[object]]] = {}  # name -> [[fault, times left]]
        self._bodies: dict[str, bytes] = {}
        self._lock = threading.Lock()
        self._httpd = _Quiet(("127.0.0.1", 0), _handler_for(self))
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/pypi"

    def start(self) -> PypiReplay:
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def inject(self, name: str, fault: str, times: int | None = None) -> None:
        """Answer the next `times` requests for `name` (None: every one) with `fault`."""
        if fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}; choose one of {sorted(FAULTS)}")
        with self._lock:
            self._faults.setdefault(name, []).append([fault, times])

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def override(self, name: str, body: bytes) -> None:
        with self._lock:
            self._bodies[name] = body

    def asked(self, name: str) -> list[Served]:
        with self._lock:
            return [r for r in self.requests if r.name == name]

    def body(self, name: str) -> bytes | None:
        with self._lock:
            if name in self._bodies:
                return self._bodies[name]
        recorded = self.serve.get(name)
        return (self.folder / f"{recorded}.json").read_bytes() if recorded else None

    def _fault(self, name: str) -> str | None:
        with self._lock:
            queue = self._faults.get(name, [])
            if not queue:
                return None
            fault, left = queue[0]
            if isinstance(left, int):
                queue[0][1] = left - 1
                if left <= 1:
                    queue.pop(0)
            return str(fault)


class _Quiet(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client that hung up (after an error answer, or a cut body): nothing to say


def etag_of(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _handler_for(server: PypiReplay) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def do_GET(self) -> None:
            parts = self.path.split("?")[0].strip("/").split("/")
            name = parts[1] if len(parts) == 3 and parts[0] == "pypi" and parts[2] == "json" else ""
            condition = self.headers.get("If-None-Match")
            fault = server._fault(name)
            body = server.body(name) if name else None
            status = 404 if body is None or fault == "404" else 200
            if fault in ("500", "503"):
                status = int(fault)
            headers: dict[str, str] = {}
            if status == 200 and body is not None:
                headers["ETag"] = etag_of(body)
                serial = _SERIAL.search(body)
                if serial:
                    headers["X-PyPI-Last-Serial"] = serial.group(1).decode()
                if condition == headers["ETag"] and fault is None:
                    status = 304
            with server._lock:
                server.requests.append(Served(name, status, condition))
            if status != 200 or body is None:
                self._send(status, b"" if status == 304 else b'{"message": "Not Found"}', headers)
            elif fault == "truncated":
                self._send(200, body[: len(body) // 2], headers)
            elif fault == "cut":
                self._send(200, body[: len(body) // 2], headers, length=len(body))
                self.close_connection = True
            else:
                self._send(200, body, headers)

        def _send(
            self, status: int, body: bytes, headers: dict[str, str], length: int | None = None
        ) -> None:
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                if status != 304:
                    self.send_header("Content-Length", str(len(body) if length is None else length))
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler
