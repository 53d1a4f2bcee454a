"""Deliver one webhook safely: the last step before bytes leave the server.

`send_webhook` re-applies the URL policy (the name may resolve elsewhere since it
was registered), resolves once and connects only to those checked addresses, never
follows redirects, stops within a total deadline and reads at most a capped
response. Every network failure comes back as a `DeliveryResult` with an `error`,
so the outbox worker can record it and schedule a retry; only programming errors
raise.
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import httpcore
import httpx

from signoff.domain.errors import BadInput
from signoff.outbound.pinned import NETWORK_FAILURES, PinnedTransport, pinned_client
from signoff.outbound.url_policy import (
    AllowList,
    Resolver,
    check_target,
    system_resolver,
)

MIB = 1024 * 1024
EXCERPT_BYTES = 1024
USER_AGENT = "Signoff-Webhooks/1"
# Headers the sender owns: framing, the Host it pins, and an encoding it can cap.
_SENDER_HEADERS = frozenset(
    {"host", "content-length", "transfer-encoding", "connection", "accept-encoding"}
)

ErrorKind = Literal[
    "refused",  # the URL policy said no; nothing was sent
    "timeout",  # connect or total deadline passed
    "connect",  # no TCP connection
    "tls",  # handshake or certificate failure
    "network",  # the connection broke while sending or reading
    "protocol",  # the receiver did not speak valid HTTP
    "redirect",  # a 3xx: never followed
    "status",  # any other non-2xx status
]


@dataclass(frozen=True)
class DeliveryError:
    kind: ErrorKind
    detail: str


@dataclass(frozen=True)
class DeliveryResult:
    """What one delivery attempt did; `error` is None only for a 2xx response."""

    status_code: int | None
    duration_ms: int
    response_excerpt: str
    error: DeliveryError | None
    response_bytes: int = 0  # body bytes read, never above the cap
    truncated: bool = False  # the body was longer than the cap
    address: str | None = None  # the checked address last dialled

    @property
    def ok(self) -> bool:
        return self.error is None


def send_webhook(
    url: str,
    body: bytes,
    headers: Mapping[str, str],
    *,
    allow: AllowList,
    resolver: Resolver = system_resolver,
    connect_timeout: float = 2.0,
    total_timeout: float = 5.0,
    max_response_bytes: int = MIB,
    ssl_context: ssl.SSLContext | None = None,
) -> DeliveryResult:
    """POST `body` to `url` once, under the webhook URL policy."""
    if connect_timeout <= 0 or total_timeout <= 0 or max_response_bytes < 0:
        raise ValueError("timeouts must be positive and the response cap not negative")
    started = time.monotonic()
    deadline = started + total_timeout
    request_headers = _request_headers(headers)

    try:
        target = check_target(url, allow=allow, resolver=resolver)
    except BadInput as refusal:
        return _result(started, DeliveryError("refused", refusal.message))
    transport = PinnedTransport(
        host=target.host,
        port=target.port,
        addresses=target.addresses,
        deadline=deadline,
        connect_timeout=connect_timeout,
        ssl_context=ssl_context or httpx.create_ssl_context(),
    )
    try:
        with (
            pinned_client(
                transport, total_timeout=total_timeout, connect_timeout=connect_timeout
            ) as client,
            client.stream(
                "POST", target.url, content=body, headers=request_headers
            ) as response,
        ):
            data, truncated = _read_capped(response, max_response_bytes)
    except NETWORK_FAILURES as failure:
        return _result(started, _failure(failure), address=_dialled(transport))
    return _result(
        started,
        _status_error(response),
        status_code=response.status_code,
        response_excerpt=data[:EXCERPT_BYTES].decode("utf-8", errors="replace"),
        response_bytes=len(data),
        truncated=truncated,
        address=_dialled(transport),
    )


def _dialled(transport: PinnedTransport) -> str | None:
    return None if transport.dialled is None else str(transport.dialled)


def _result(
    started: float,
    error: DeliveryError | None,
    *,
    status_code: int | None = None,
    response_excerpt: str = "",
    response_bytes: int = 0,
    truncated: bool = False,
    address: str | None = None,
) -> DeliveryResult:
    return DeliveryResult(
        status_code=status_code,
        duration_ms=round((time.monotonic() - started) * 1000),
        response_excerpt=response_excerpt,
        error=error,
        response_bytes=response_bytes,
        truncated=truncated,
        address=address,
    )


def _request_headers(headers: Mapping[str, str]) -> httpx.Headers:
    merged = httpx.Headers(
        {"User-Agent": USER_AGENT, "Content-Type": "application/json"}
    )
    for name, value in headers.items():
        if name.lower() in _SENDER_HEADERS:
            raise ValueError(f"send_webhook sets the {name} header itself")
        merged[name] = value
    # Identity encoding: the cap counts the bytes on the wire, not a decompressed bomb.
    merged["Accept-Encoding"] = "identity"
    return merged


def _read_capped(response: httpx.Response, cap: int) -> tuple[bytes, bool]:
    """Up to `cap` body bytes, and whether more were on the way."""
    data = bytearray()
    for chunk in response.iter_raw():
        room = cap - len(data)
        data += chunk[:room]
        if len(chunk) > room:
            return bytes(data), True  # leaving the stream early drops the connection
    return bytes(data), False


def _status_error(response: httpx.Response) -> DeliveryError | None:
    status = response.status_code
    if 200 <= status < 300:
        return None
    if 300 <= status < 400:
        location = response.headers.get("location", "")[:200]
        return DeliveryError(
            "redirect", f"HTTP {status} to {location!r}: redirects are not followed"
        )
    return DeliveryError("status", f"HTTP {status}")


def _failure(failure: Exception) -> DeliveryError:
    detail = str(failure) or type(failure).__name__
    if isinstance(failure, httpx.TimeoutException | httpcore.TimeoutException):
        return DeliveryError("timeout", detail)
    if _caused_by_tls(failure):
        return DeliveryError("tls", detail)
    if isinstance(failure, httpx.ConnectError | httpcore.ConnectError):
        return DeliveryError("connect", detail)
    if isinstance(failure, httpx.ProtocolError | httpcore.ProtocolError):
        return DeliveryError("protocol", detail)
    return DeliveryError("network", detail)


def _caused_by_tls(failure: BaseException) -> bool:
    seen: BaseException | None = failure
    while seen is not None:
        if isinstance(seen, ssl.SSLError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False
