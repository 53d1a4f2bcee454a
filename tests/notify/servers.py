"""Loopback test servers: a receiver that answers, a listener that only counts.

Everything binds to 127.0.0.x; nothing in these tests leaves the machine.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import ssl
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from signoff.outbound.addresses import Address

BIG_RESPONSE_BYTES = 64 * 1024 * 1024


class CountingListener:
    """A blocked target: counts TCP connections that reach it and never answers.

    It never calls accept() in the background: a completed handshake waits in the
    backlog, so `count()` after a delivery returns sees every connection made.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._sock = socket.create_server((host, port), backlog=64)
        self._sock.setblocking(False)
        self.host: str = host
        self.port: int = self._sock.getsockname()[1]
        self._accepted = 0

    def count(self) -> int:
        while True:
            try:
                conn, _ = self._sock.accept()
            except BlockingIOError:
                return self._accepted
            conn.close()
            self._accepted += 1

    def close(self) -> None:
        self.count()
        self._sock.close()


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


class Receiver:
    """An HTTP server on loopback whose paths choose a behaviour.

    /ok        200 "ok"
    /redirect  302 to the `location` given to the constructor
    /hang      reads the request, then never answers (until closed)
    /drip      starts a response and sends one header byte every 50 ms
    /big       declares and streams BIG_RESPONSE_BYTES of body
    /flaky     503 while `failures_left` > 0 (counting down), then 200
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        *,
        port: int = 0,
        location: str = "",
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.requests: list[Received] = []
        self.location = location
        self.sni_names: list[str | None] = []
        self.big_sent = 0
        self.failures_left = 0
        self.big_done = threading.Event()
        self.closing = threading.Event()
        server_class = _IPv6Server if ":" in host else ThreadingHTTPServer
        self._server = server_class((host, port), _handler_for(self))
        self._server.daemon_threads = False  # server_close() joins handler threads
        if tls is not None:
            tls.sni_callback = self._record_sni
            self._server.socket = tls.wrap_socket(
                self._server.socket, server_side=True, do_handshake_on_connect=False
            )
        self.port: int = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}
        )
        self._thread.start()

    def _record_sni(
        self, _sock: ssl.SSLObject, name: str | None, _ctx: ssl.SSLContext
    ) -> None:
        self.sni_names.append(name)

    def close(self) -> None:
        self.closing.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


class _IPv6Server(ThreadingHTTPServer):
    address_family = socket.AF_INET6


def _handler_for(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def handle(self) -> None:
            if isinstance(self.connection, ssl.SSLSocket):
                try:
                    self.connection.do_handshake()
                except OSError:
                    return  # the client refused our certificate
            super().handle()

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            receiver.requests.append(Received(self.path, dict(self.headers), body))
            route = getattr(self, "route_" + self.path.strip("/"), self.route_ok)
            with contextlib.suppress(OSError):  # clients hang up in several tests
                route()

        def route_ok(self) -> None:
            self._answer(200, b"ok")

        def route_flaky(self) -> None:
            if receiver.failures_left > 0:
                receiver.failures_left -= 1
                self._answer(503, b"busy")
            else:
                self._answer(200, b"ok")

        def route_redirect(self) -> None:
            self.send_response(302)
            self.send_header("Location", receiver.location)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def route_hang(self) -> None:
            receiver.closing.wait(timeout=10)

        def route_drip(self) -> None:
            self.wfile.write(b"HTTP/1.1 200 OK\r\n")
            for byte in _forever(b"X-Slow: " + b"a" * 1000):
                if receiver.closing.wait(timeout=0.05):
                    return
                self.wfile.write(bytes([byte]))
                self.wfile.flush()

        def route_big(self) -> None:
            try:
                self.send_response(200)
                self.send_header("Content-Length", str(BIG_RESPONSE_BYTES))
                self.end_headers()
                chunk = b"x" * 65536
                while receiver.big_sent < BIG_RESPONSE_BYTES:
                    self.wfile.write(chunk)
                    receiver.big_sent += len(chunk)
            finally:
                receiver.big_done.set()

        def _answer(self, status: int, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass  # keep test output clean

    return Handler


def _forever(data: bytes) -> Iterable[int]:
    while True:
        yield from data


class StubResolver:
    """Answers from a table (the same answer each time, or one per call)."""

    def __init__(
        self,
        table: dict[str, list[str]] | None = None,
        *,
        default: list[str] | None = None,
        sequence: list[list[str]] | None = None,
    ) -> None:
        self.table = table or {}
        self.default = default
        self.sequence = sequence
        self.calls: list[str] = []

    def __call__(self, host: str, port: int) -> list[Address]:
        self.calls.append(host)
        if self.sequence is not None:
            answer = self.sequence[min(len(self.calls), len(self.sequence)) - 1]
        elif host in self.table:
            answer = self.table[host]
        elif self.default is not None:
            answer = self.default
        else:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [ipaddress.ip_address(text) for text in answer]
