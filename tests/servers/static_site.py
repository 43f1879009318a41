"""A static file server for a built site, mounted under a sub-path like GitHub Pages'.

`http://127.0.0.1:<port>/<prefix>/...` serves files from the site directory; any path
that does not exist gets the site's 404.html with status 404, as GitHub Pages does.
Binds 127.0.0.1 on an ephemeral port.
"""

from __future__ import annotations

import http.server
import mimetypes
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import unquote, urlsplit


def _handler(site: Path, prefix: str) -> type[http.server.BaseHTTPRequestHandler]:
    root = site.resolve()

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # quiet
            pass

        def do_GET(self) -> None:
            path = unquote(urlsplit(self.path).path)
            target: Path | None = None
            if path.startswith(prefix):
                candidate = (root / path[len(prefix) :]).resolve()
                if candidate.is_relative_to(root):
                    if candidate.is_dir():
                        candidate = candidate / "index.html"
                    if candidate.is_file():
                        target = candidate
            if target is None:
                self._send(404, root / "404.html")
            else:
                self._send(200, target)

        def _send(self, status: int, file: Path) -> None:
            body = file.read_bytes() if file.is_file() else b"not found"
            kind = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


@contextmanager
def serve(site: Path, prefix: str = "/repo/") -> Iterator[str]:
    """Serve `site` under `prefix`; yield the base URL (ending in the prefix)."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler(site, prefix))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{prefix}"
    finally:
        server.shutdown()
        server.server_close()
