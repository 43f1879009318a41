"""A bounded HTTP GET or POST: an overall deadline, a cap on the decoded body, few redirects.

httpx's timeout applies to each read, so a server that sends one byte every half second
keeps a request alive for as long as it likes. Here every socket operation of a request
waits at most until that request's deadline (a network backend that clamps httpcore's
timeouts), so the deadline covers connecting, the status line, the headers and the body.

The body is decoded here rather than by httpx, with zlib's `max_length`, so a gzip bomb
stops after MAX_BODY_BYTES decoded bytes and memory stays near that cap. Redirects are
followed here as well (at most MAX_REDIRECTS), without reading the redirects' bodies.
Only a 200's body is read, unless the caller asks for error bodies too (ClickHouse says
what went wrong in them); those are capped at ERROR_BODY_BYTES.

Errors: a body over the cap, a broken encoding, a redirect loop and a passed deadline
raise SourceError (final: retrying would not help); httpx's own errors (connection
refused, a per-read timeout, a protocol error) propagate for the retry rules to judge.
"""

from __future__ import annotations

import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

import httpcore
import httpx

from generator import __version__
from generator.errors import BodyTooLarge, SourceError
from generator.sources.retry import PYPISTATS_HINT
from generator.units import human_bytes

USER_AGENT = f"pypi-download-stats-generator/{__version__} (python-httpx)"
JSON_HEADERS = {"User-Agent": USER_AGENT, "Accept": "application/json"}
"""What every source sends: who asks, and for JSON."""
MAX_BODY_BYTES = 16 * 1024 * 1024
"""The largest decoded body accepted (pypistats.org's largest real answers are ~100 KB)."""
REQUEST_DEADLINE = 60.0
"""Seconds one request may take in all: connect, status line, headers, body, redirects."""
ERROR_BODY_BYTES = 64 * 1024
"""The most of an error answer's body read, when the caller reads error bodies at all."""
MAX_REDIRECTS = 5
"""Redirects followed for one request; one more is a failure (a loop, most likely)."""


class Deadline:
    """The monotonic time the current request must end by; None outside a request."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._local = threading.local()

    def left(self) -> float | None:
        expires: float | None = getattr(self._local, "expires", None)
        return None if expires is None else expires - self._clock()

    def passed(self) -> bool:
        left = self.left()
        return left is not None and left <= 0

    @contextmanager
    def running(self, seconds: float) -> Iterator[None]:
        self._local.expires = self._clock() + seconds
        try:
            yield
        finally:
            self._local.expires = None

    def clamp(self, timeout: float | None, error: type[Exception]) -> float | None:
        """`timeout`, shortened to the time left; `error` when none is left."""
        left = self.left()
        if left is None:
            return timeout
        if left <= 0:
            raise error("the request's overall deadline has passed")
        return left if timeout is None else min(timeout, left)


class _Stream(httpcore.NetworkStream):
    """A socket stream whose every wait ends by the request's deadline."""

    def __init__(self, inner: httpcore.NetworkStream, deadline: Deadline) -> None:
        self._inner = inner
        self._deadline = deadline

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, self._deadline.clamp(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, self._deadline.clamp(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        timeout = self._deadline.clamp(timeout, httpcore.ConnectTimeout)
        return _Stream(self._inner.start_tls(ssl_context, server_hostname, timeout), self._deadline)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _Backend(httpcore.NetworkBackend):
    """httpcore's network backend, handing out deadline-bound streams."""

    def __init__(self, inner: httpcore.NetworkBackend, deadline: Deadline) -> None:
        self._inner = inner
        self._deadline = deadline

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        timeout = self._deadline.clamp(timeout, httpcore.ConnectTimeout)
        stream = self._inner.connect_tcp(host, port, timeout, local_address, socket_options)
        return _Stream(stream, self._deadline)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        timeout = self._deadline.clamp(timeout, httpcore.ConnectTimeout)
        return _Stream(
            self._inner.connect_unix_socket(path, timeout, socket_options), self._deadline
        )

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class DeadlineTransport(httpx.HTTPTransport):
    """httpx's transport, whose connections never wait past the current request's deadline."""

    def __init__(self, deadline: Deadline, **options: Any) -> None:
        super().__init__(**options)
        # httpcore's pools take a network backend (its documented extension point);
        # httpx.HTTPTransport does not pass one through, so it is set on the pool it built.
        pool = self._pool
        pool._network_backend = _Backend(pool._network_backend, deadline)


class _Client(httpx.Client):
    """httpx.Client whose own transports are DeadlineTransports: the direct one and each
    proxy's, which httpx still chooses from HTTP(S)_PROXY, ALL_PROXY and NO_PROXY."""

    def __init__(self, deadline: Deadline, **options: Any) -> None:
        self.deadline = deadline  # before httpx builds its transports
        super().__init__(**options)

    # httpx calls these two with keywords, the proxy excepted.
    def _init_transport(self, **options: Any) -> httpx.BaseTransport:  # type: ignore[override]
        given: httpx.BaseTransport | None = options.pop("transport", None)
        return given or DeadlineTransport(self.deadline, **options)

    def _init_proxy_transport(  # type: ignore[override]
        self, proxy: httpx.Proxy, **options: Any
    ) -> httpx.BaseTransport:
        return DeadlineTransport(self.deadline, proxy=proxy, **options)


@dataclass(frozen=True)
class Reply:
    """A final answer: its status and headers, and the decoded body of a 200."""

    status_code: int
    reason_phrase: str
    headers: httpx.Headers
    content: bytes = b""


class Closing:
    """`with client:` closes the client at the end (shared by every HTTP client here)."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        raise NotImplementedError


class BoundedClient(Closing):
    """GET or POST with an overall deadline, a decoded-body cap and a bounded number of
    redirects. `hint` ends the messages of failures that point at a wrong address."""

    def __init__(
        self,
        *,
        timeout: float,
        headers: Mapping[str, str] = JSON_HEADERS,
        deadline: float = REQUEST_DEADLINE,
        max_body: int = MAX_BODY_BYTES,
        transport: httpx.BaseTransport | None = None,
        hint: str = PYPISTATS_HINT,
        error_bodies: bool = False,
    ) -> None:
        self.deadline = deadline
        self.max_body = max_body
        self.hint = hint
        self.error_bodies = error_bodies
        self._deadline = Deadline()
        self._http = _Client(
            self._deadline,
            timeout=httpx.Timeout(timeout),
            headers={**headers, "Accept-Encoding": "gzip, deflate"},
            follow_redirects=False,
            transport=transport,
        )

    def close(self) -> None:
        self._http.close()

    def get(self, url: str, headers: Mapping[str, str] | None = None) -> Reply:
        """The final answer for `url`; see the module docstring for what is raised.
        `headers` are sent besides the client's own (e.g. If-None-Match: a 304 comes back
        as a Reply with an empty body, like any other status but 200)."""
        return self.send(self._http.build_request("GET", url, headers=headers), url)

    def post(self, url: str, params: Mapping[str, str], content: bytes) -> Reply:
        """The final answer to a POST of `content` to `url` with query `params`."""
        return self.send(self._http.build_request("POST", url, params=params, content=content), url)

    def send(self, request: httpx.Request, url: str) -> Reply:
        with self._deadline.running(self.deadline):
            try:
                return self._follow(request, url)
            except httpx.TimeoutException:
                if self._deadline.passed():
                    raise self._late(url) from None
                raise

    def _late(self, url: str) -> SourceError:
        return SourceError(
            f"{url}: no complete answer within {self.deadline:g} s, the deadline for one "
            "request (the server is answering too slowly). Run again later"
        )

    def _follow(self, request: httpx.Request, url: str) -> Reply:
        for _ in range(MAX_REDIRECTS + 1):
            response = self._http.send(request, stream=True)
            try:
                if response.next_request is None:
                    body = b""
                    if response.status_code == 200:
                        body = self._body(response, url, self.max_body)
                    elif self.error_bodies:
                        body = self._body(response, url, ERROR_BODY_BYTES)
                    return Reply(
                        response.status_code, response.reason_phrase, response.headers, body
                    )
                request = response.next_request
            finally:
                response.close()
        raise SourceError(
            f"{url}: more than {MAX_REDIRECTS} redirects (the last one to "
            f"{str(request.url)[:100]!r}), a redirect loop. {self.hint}"
        )

    def _body(self, response: httpx.Response, url: str, cap: int) -> bytes:
        if response.is_stream_consumed:  # an answer built in memory (httpx.MockTransport)
            encoding, chunks = "", iter([response.content])
        else:
            encoding, chunks = response.headers.get("Content-Encoding", ""), response.iter_raw()
        decoder = _Decoder(encoding, url, self._too_large, self.hint)
        declared = response.headers.get("Content-Length", "")
        if declared.isascii() and declared.isdigit() and int(declared[:20]) > cap:
            raise self._too_large(url, f"it says it is {declared[:20]} bytes")
        body = bytearray()
        received = 0
        for chunk in chunks:
            received += len(chunk)
            if received > cap:
                raise self._too_large(url, f"more than {received:,} bytes arrived")
            decoder.feed(chunk, body, cap)
            if self._deadline.passed():
                raise self._late(url)
        decoder.finish()
        return bytes(body)

    def _too_large(self, url: str, detail: str) -> SourceError:
        return BodyTooLarge(
            f"{url}: the answer is larger than {human_bytes(self.max_body)}, the cap on one "
            f"answer ({detail}). {self.hint}"
        )


class _Decoder:
    """Content-Encoding identity, gzip or deflate, decoded without passing the cap."""

    def __init__(
        self,
        encoding: str,
        url: str,
        too_large: Callable[[str, str], SourceError],
        hint: str = PYPISTATS_HINT,
    ):
        self.name = encoding.strip().lower() or "identity"
        self.url = url
        self.hint = hint
        self._too_large = too_large
        self._zlib: Any = None
        if self.name in ("gzip", "x-gzip"):
            self._zlib = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif self.name == "deflate":  # zlib-wrapped, as RFC 9110 says (or a gzip header)
            self._zlib = zlib.decompressobj(32 + zlib.MAX_WBITS)
        elif self.name != "identity":
            raise SourceError(
                f"{url}: the answer is encoded as {encoding[:40]!r}, which we did not ask "
                f"for (we accept gzip and deflate). {hint}"
            )

    def feed(self, chunk: bytes, body: bytearray, cap: int) -> None:
        if self._zlib is None:
            body += chunk
            if len(body) > cap:
                raise self._too_large(self.url, "more arrived")
            return
        data = chunk
        while data and not self._zlib.eof:
            try:
                piece = self._zlib.decompress(data, cap + 1 - len(body))
            except zlib.error as exc:
                raise self._broken(str(exc)) from None
            body += piece
            if len(body) > cap:
                raise self._too_large(self.url, f"its {self.name} encoding decodes to more")
            data = self._zlib.unconsumed_tail

    def finish(self) -> None:
        if self._zlib is not None and not self._zlib.eof:
            raise self._broken("it ends before the end of the compressed data")

    def _broken(self, reason: str) -> SourceError:
        return SourceError(
            f"{self.url}: the answer's {self.name} encoding is broken ({reason}). If this "
            f"persists, {self.hint[:1].lower()}{self.hint[1:]}"
        )
