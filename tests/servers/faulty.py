"""A fault-injecting HTTP server on 127.0.0.1, scripted per path by the test.

    with FaultyServer() as server:
        server.url                                   # the value for --api-url
        server.good("requests")                      # valid answers for its 3 endpoints
        server.on("evil/overall", retry_after("²"), then=ok_json(body))
        server.on("evil/system", gzip_bomb(2**30))   # the last behaviour repeats
        server.requests_for("evil/overall")          # [Seen(path, behaviour, at)]

A behaviour is a function of the request handler that writes raw bytes to the socket:
the status line, the headers and the body are all the test's to choose, so it can lie
about Content-Length, trickle the status line, send chunked garbage or reset the
connection. Every connection is closed after one answer. Unknown paths are 404.

Every loop here is bounded in count and in time (TRICKLE_LIMIT, a gzip bomb's size),
a write to a client that has gone away ends the behaviour, and the server shuts itself
down after `lifetime` seconds even if the test never stops it.
"""

from __future__ import annotations

import datetime as dt
import json
import socket
import struct
import threading
import time
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from tests.servers.running import Running

PREFIX = "/api/packages/"
ENDPOINTS = ("overall", "python_minor", "system")
TRICKLE_LIMIT = 60.0  # no behaviour writes for longer than this
GONE = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, TimeoutError)

Behaviour = Callable[["_Handler"], None]


@dataclass(frozen=True)
class Seen:
    path: str  # relative to PREFIX, e.g. "evil/overall"
    behaviour: str
    at: float  # time.monotonic() on arrival


# ---------------------------------------------------------------- bodies


def recent_days(count: int = 3) -> list[str]:
    """The last `count` complete days (UTC), oldest first: dates a fetch will accept."""
    today = dt.datetime.now(dt.UTC).date()
    return [(today - dt.timedelta(days=n)).isoformat() for n in range(count, 0, -1)]


def pypistats_body(name: str, endpoint: str, rows: Iterable[dict[str, object]] = ()) -> bytes:
    """A well-formed pypistats.org answer; by default a few small rows on recent days."""
    rows = list(rows)
    if not rows:
        category = {"overall": "without_mirrors", "python_minor": "3.12", "system": "Linux"}
        rows = [
            {"category": category[endpoint], "date": day, "downloads": 10 + n}
            for n, day in enumerate(recent_days())
        ]
    doc = {"data": rows, "package": name, "type": f"{endpoint}_downloads"}
    return json.dumps(doc).encode()


def gzip_stream(decoded: int, block: int = 1 << 20) -> Iterable[bytes]:
    """A gzip member of `decoded` zero bytes, compressed on the fly (about 1/1000 the size)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = bytes(block)
    for _ in range(decoded // block):
        piece = compressor.compress(zeros)
        if piece:
            yield piece
    yield compressor.flush()


# ---------------------------------------------------------------- behaviours


def _head(status: int, reason: str, headers: Iterable[tuple[str, str]]) -> bytes:
    lines = [f"HTTP/1.1 {status} {reason}", *(f"{k}: {v}" for k, v in headers)]
    lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def respond(
    status: int = 200,
    body: bytes = b"",
    headers: Iterable[tuple[str, str]] = (),
    reason: str = "OK",
    *,
    length: int | None = None,
) -> Behaviour:
    """One answer with Content-Length `length` (default: the body's true length)."""

    def behave(handler: _Handler) -> None:
        size = len(body) if length is None else length
        handler.send_raw(_head(status, reason, [*headers, ("Content-Length", str(size))]) + body)

    behave.__name__ = f"respond {status}"
    return behave


def ok_json(body: bytes) -> Behaviour:
    return respond(200, body, [("Content-Type", "application/json")])


def retry_after(value: str, status: int = 429) -> Behaviour:
    """A 429 (or `status`) with `Retry-After: value`, sent as raw UTF-8 bytes."""

    def behave(handler: _Handler) -> None:
        head = f"HTTP/1.1 {status} Too Many Requests\r\nRetry-After: {value}\r\n"
        handler.send_raw(head.encode() + b"Content-Length: 0\r\nConnection: close\r\n\r\n")

    behave.__name__ = f"retry-after {value!r}"
    return behave


def redirect_loop() -> Behaviour:
    """302 to the very path asked for, forever."""

    def behave(handler: _Handler) -> None:
        handler.send_raw(_head(302, "Found", [("Location", handler.path), ("Content-Length", "0")]))

    behave.__name__ = "redirect loop"
    return behave


def raw(data: bytes, name: str = "raw") -> Behaviour:
    """Exactly these bytes, then close: a lying Content-Length, chunked garbage, HTTP/1.0."""

    def behave(handler: _Handler) -> None:
        handler.send_raw(data)

    behave.__name__ = name
    return behave


def gzip_bomb(decoded: int) -> Behaviour:
    """200, Content-Encoding: gzip, a body that decodes to `decoded` zero bytes."""

    def behave(handler: _Handler) -> None:
        head = [("Content-Type", "application/json"), ("Content-Encoding", "gzip")]
        handler.send_raw(_head(200, "OK", head))  # no length: the body ends at close
        for piece in gzip_stream(decoded):
            if not handler.send_raw(piece):
                return

    behave.__name__ = f"gzip bomb {decoded:,}"
    return behave


def broken_gzip() -> Behaviour:
    """200, Content-Encoding: gzip, a gzip header followed by bytes that are not deflate."""
    body = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff" + b"\xff\xfenot deflate at all" * 4
    return respond(200, body, [("Content-Encoding", "gzip")])


def oversized(size: int, block: int = 1 << 16) -> Behaviour:
    """200 with an honest Content-Length of `size` bytes of JSON whitespace, streamed."""

    def behave(handler: _Handler) -> None:
        head = _head(200, "OK", [("Content-Length", str(size))])
        if not handler.send_raw(head + b"{"):
            return
        sent = 1
        while sent < size:
            piece = b" " * min(block, size - sent)
            if not handler.send_raw(piece):
                return
            sent += len(piece)

    behave.__name__ = f"oversized {size:,}"
    return behave


def oversized_chunked(size: int, block: int = 1 << 16) -> Behaviour:
    """200 with Transfer-Encoding: chunked and no length, `size` bytes in all."""

    def behave(handler: _Handler) -> None:
        if not handler.send_raw(_head(200, "OK", [("Transfer-Encoding", "chunked")])):
            return
        sent = 0
        while sent < size:
            piece = b" " * min(block, size - sent)
            if not handler.send_raw(b"%x\r\n%s\r\n" % (len(piece), piece)):
                return
            sent += len(piece)
        handler.send_raw(b"0\r\n\r\n")

    behave.__name__ = f"oversized chunked {size:,}"
    return behave


def trickle(answer: bytes, interval: float = 0.5, *, head: bytes = b"") -> Behaviour:
    """`head` at once, then `answer` one byte every `interval` seconds (TRICKLE_LIMIT max).

    With `head` empty even the status line trickles; with a full head only the body does.
    """

    def behave(handler: _Handler) -> None:
        if head and not handler.send_raw(head):
            return
        started = time.monotonic()
        for index in range(len(answer)):
            if time.monotonic() - started > TRICKLE_LIMIT or handler.stopping():
                return
            if not handler.send_raw(answer[index : index + 1]):
                return
            time.sleep(interval)

    behave.__name__ = f"trickle {'body' if head else 'everything'} every {interval} s"
    return behave


def reset() -> Behaviour:
    """Read the request, then reset the connection (RST, not a clean close)."""

    def behave(handler: _Handler) -> None:
        handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        handler.rfile.close()  # the socket closes for real once no file refers to it
        handler.connection.close()
        handler.close_connection = True

    behave.__name__ = "reset"
    return behave


def drop() -> Behaviour:
    """Close the connection without a word."""

    def behave(handler: _Handler) -> None:
        handler.close_connection = True

    behave.__name__ = "drop"
    return behave


def not_found() -> Behaviour:
    return respond(404, b'{"message": "Not found"}\n', reason="Not Found")


# ---------------------------------------------------------------- the server


class FaultyServer(Running):
    """Threaded HTTP server with scripted faults; a context manager."""

    def __init__(self, *, lifetime: float = 300.0) -> None:
        self.requests: list[Seen] = []
        self._scripts: dict[str, list[Behaviour]] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd = _QuietServer(("127.0.0.1", 0), _handler_for(self))
        self._thread: threading.Thread | None = None
        self._timer = threading.Timer(lifetime, self.stop)
        self._timer.daemon = True

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/api"

    def start(self) -> FaultyServer:
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()
        self._timer.start()
        return self

    def stop(self) -> None:
        if self._stopping.is_set():
            return
        self._stopping.set()
        self._timer.cancel()
        self._httpd.shutdown()
        self._httpd.server_close()

    def on(self, path: str, *behaviours: Behaviour) -> FaultyServer:
        """Answer `path` ("<pkg>/<endpoint>") with these behaviours in turn; the last repeats."""
        if not behaviours:
            raise ValueError("give at least one behaviour")
        with self._lock:
            self._scripts[path] = list(behaviours)
        return self

    def good(self, name: str) -> FaultyServer:
        """Well-formed answers for the three endpoints of `name`."""
        for endpoint in ENDPOINTS:
            self.on(f"{name}/{endpoint}", ok_json(pypistats_body(name, endpoint)))
        return self

    def requests_for(self, path: str) -> list[Seen]:
        with self._lock:
            return [seen for seen in self.requests if seen.path == path]

    def _next(self, path: str) -> Behaviour:
        with self._lock:
            script = self._scripts.get(path)
            if not script:
                behaviour = not_found()
            else:
                behaviour = script.pop(0) if len(script) > 1 else script[0]
            self.requests.append(Seen(path, behaviour.__name__, time.monotonic()))
            return behaviour


class _QuietServer(ThreadingHTTPServer):
    """Never prints a traceback: a test that looks for one must only find the client's."""

    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass


class _Handler(BaseHTTPRequestHandler):
    server_state: FaultyServer
    protocol_version = "HTTP/1.1"
    timeout = 30  # a client that never finishes its request does not hold a thread forever

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        path = path[len(PREFIX) :] if path.startswith(PREFIX) else path
        self.server_state._next(path)(self)
        self.close_connection = True

    def send_raw(self, data: bytes) -> bool:
        """Write `data` now; False when the client has gone away (or the server stops)."""
        if self.stopping():
            return False
        try:
            self.wfile.write(data)
            self.wfile.flush()
        except GONE:
            return False
        return True

    def stopping(self) -> bool:
        return self.server_state._stopping.is_set()

    def log_message(self, format: str, *args: object) -> None:
        pass


def _handler_for(state: FaultyServer) -> type[_Handler]:
    return type("FaultyHandler", (_Handler,), {"server_state": state})
