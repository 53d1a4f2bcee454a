"""An httpx transport that connects only to checked addresses, within a deadline.

The URL keeps its host name, so the Host header, TLS SNI and certificate checks all
use the name the user registered; only the TCP connection is pinned to the addresses
the policy approved (tried in the resolver's order). A second DNS lookup (a rebinding
attack) therefore never happens. Every socket operation is also capped by the
delivery's total deadline: httpx's own timeouts apply per read, so a server dripping
one byte at a time could otherwise hold a delivery open indefinitely.
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Iterable, Iterator

import httpcore
import httpx

from signoff.outbound.addresses import Address

NETWORK_FAILURES = (
    httpx.HTTPError,
    httpcore.TimeoutException,
    httpcore.NetworkError,
    httpcore.ProtocolError,
    OSError,
)
"""What a call through a pinned client raises when no whole answer came back."""


def pinned_client(
    transport: PinnedTransport, *, total_timeout: float, connect_timeout: float
) -> httpx.Client:
    """A client that sends only through `transport`: it follows no redirect and takes
    no proxy or credential settings from the environment, so a request goes only
    where the policy checked."""
    return httpx.Client(
        transport=transport,
        follow_redirects=False,
        trust_env=False,
        timeout=httpx.Timeout(total_timeout, connect=connect_timeout),
    )


class PinnedTransport(httpx.BaseTransport):
    """Sends each request to one of `addresses`, never to another host."""

    def __init__(
        self,
        *,
        host: str,
        port: int,
        addresses: tuple[Address, ...],
        deadline: float,
        connect_timeout: float,
        ssl_context: ssl.SSLContext,
    ) -> None:
        self._backend = _PinnedBackend(host, port, addresses, deadline, connect_timeout)
        self._pool = httpcore.ConnectionPool(
            ssl_context=ssl_context,
            max_connections=1,
            retries=0,
            network_backend=self._backend,
        )

    @property
    def dialled(self) -> Address | None:
        """The address of the last connection attempt, if any was made."""
        return self._backend.dialled

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        assert isinstance(request.stream, httpx.SyncByteStream)
        response = self._pool.handle_request(
            httpcore.Request(
                method=request.method,
                url=httpcore.URL(
                    scheme=request.url.raw_scheme,
                    host=request.url.raw_host,
                    port=request.url.port,
                    target=request.url.raw_path,
                ),
                headers=request.headers.raw,
                content=request.stream,
                extensions=request.extensions,
            )
        )
        assert isinstance(response.stream, Iterable)
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_ResponseStream(response.stream),
            extensions=response.extensions,
        )

    def close(self) -> None:
        self._pool.close()


class _ResponseStream(httpx.SyncByteStream):
    def __init__(self, stream: Iterable[bytes]) -> None:
        self._stream = stream

    def __iter__(self) -> Iterator[bytes]:
        yield from self._stream

    def close(self) -> None:
        close = getattr(self._stream, "close", None)
        if close is not None:
            close()


class _PinnedBackend(httpcore.NetworkBackend):
    def __init__(
        self,
        host: str,
        port: int,
        addresses: tuple[Address, ...],
        deadline: float,
        connect_timeout: float,
    ) -> None:
        self._host = host
        self._port = port
        self._addresses = addresses
        self.dialled: Address | None = None
        self._deadline = deadline
        self._connect_timeout = connect_timeout
        self._inner = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        if host.lower() != self._host or port != self._port:
            # Only the checked host is ever dialled, whatever asked for another.
            raise httpcore.ConnectError(f"{host}:{port} was not checked by the policy")
        limit = (
            self._connect_timeout
            if timeout is None
            else min(timeout, self._connect_timeout)
        )
        for index, address in enumerate(self._addresses):
            self.dialled = address
            try:
                stream = self._inner.connect_tcp(
                    str(address),
                    port,
                    timeout=_within(self._deadline, limit, httpcore.ConnectTimeout),
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except httpcore.ConnectError:
                # Refused or unreachable (say, IPv6 without a route): try the next
                # checked address. A timeout is not retried; it spent the budget.
                if index == len(self._addresses) - 1:
                    raise
                continue
            return _DeadlineStream(stream, self._deadline)
        raise httpcore.ConnectError("no checked address to connect to")

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("webhooks are delivered over TCP only")

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream, deadline: float) -> None:
        self._inner = inner
        self._deadline = deadline

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(
            max_bytes, _within(self._deadline, timeout, httpcore.ReadTimeout)
        )

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(
            buffer, _within(self._deadline, timeout, httpcore.WriteTimeout)
        )

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        tls = self._inner.start_tls(
            ssl_context,
            server_hostname,
            _within(self._deadline, timeout, httpcore.ConnectTimeout),
        )
        return _DeadlineStream(tls, self._deadline)

    def get_extra_info(self, info: str) -> object:
        return self._inner.get_extra_info(info)


def _within(
    deadline: float, timeout: float | None, error: type[httpcore.TimeoutException]
) -> float:
    """The timeout for one socket operation: its own limit, cut to the deadline."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise error("the delivery ran out of time")
    return left if timeout is None else min(timeout, left)
