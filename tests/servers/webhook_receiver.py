"""A Slack/Discord-style incoming webhook on 127.0.0.1 that records what it is sent.

    with WebhookReceiver() as hook:
        hook.url                         # a secret-looking address: .../services/T0/B0/<token>
        hook.inject("500", times=1)      # the next post gets a 500
        hook.inject("slow")              # every post: headers, then one byte every 0.1 s
        hook.bodies                      # the JSON bodies of the posts it accepted (204)

Faults: "500" (Internal Server Error), "429" (rate limited), "slow" (announces a body
and dribbles it, far past any sensible deadline). Answers 204 No Content, as Discord.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.servers.running import Running

FAULTS = ("500", "429", "slow")


class WebhookReceiver(Running):
    def __init__(self) -> None:
        self.token = secrets.token_hex(12)
        self.bodies: list[dict[str, Any]] = []  # accepted posts
        self.attempts = 0  # every post, accepted or not
        self._faults: list[list[Any]] = []  # [[fault, times left or None]]
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd = _Quiet(("127.0.0.1", 0), _handler_for(self))
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        port = self._httpd.server_address[1]
        return f"http://127.0.0.1:{port}/services/T0/B0/{self.token}"

    def start(self) -> WebhookReceiver:
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def inject(self, fault: str, times: int | None = None) -> None:
        if fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}; choose one of {FAULTS}")
        with self._lock:
            self._faults.append([fault, times])

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def texts(self) -> list[str]:
        with self._lock:
            return [body["text"] for body in self.bodies]

    def _fault(self) -> str | None:
        with self._lock:
            if not self._faults:
                return None
            fault, left = self._faults[0]
            if isinstance(left, int):
                self._faults[0][1] = left - 1
                if left <= 1:
                    self._faults.pop(0)
            return str(fault)


class _Quiet(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client that gave up (the slow fault): nothing to say


def _handler_for(server: WebhookReceiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            raw = self.rfile.read(length)
            fault = server._fault()
            with server._lock:
                server.attempts += 1
            if self.path != f"/services/T0/B0/{server.token}":
                return self._answer(404, b"no such webhook")
            if fault in ("500", "429"):
                return self._answer(int(fault), b"")
            if fault == "slow":
                return self._dribble()
            with server._lock:
                server.bodies.append(json.loads(raw))
            self._answer(204, b"")

        def _answer(self, status: int, body: bytes) -> None:
            self.send_response(status)
            if status != 204:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _dribble(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", "1000")
            self.end_headers()
            for _ in range(1000):
                if server._stopping.is_set():
                    break
                try:
                    self.wfile.write(b"o")
                    self.wfile.flush()
                except OSError:
                    break
                time.sleep(0.1)
            self.close_connection = True

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler
