"""Which URLs may receive webhooks: checked at registration and again at delivery.

A webhook URL is written by a user but fetched by the server, so it must never
reach the server's own network: loopback, private ranges, link-local (cloud
metadata), carrier-grade NAT, IPv6 local ranges, and every other spelling of them.
Hosts are read the way browsers and resolvers read them (odd IPv4 spellings,
full-width digits, trailing dots), names are resolved, and the URL is refused if
ANY address is blocked. Delivery reuses the checked addresses (see `pinned`).
"""

from __future__ import annotations

import ipaddress
import re
import socket
import threading
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NoReturn
from urllib.parse import urlsplit

from signoff.domain.errors import BadInput
from signoff.outbound.addresses import (
    Address,
    blocked_reason,
    ends_in_number,
    parse_ipv4_like,
)
from signoff.outbound.allowlist import AllowList

__all__ = [
    "AllowList",
    "Resolver",
    "WebhookTarget",
    "check_target",
    "check_webhook_url",
    "system_resolver",
]

Resolver = Callable[[str, int], Sequence[Address]]
"""(host name, port) to addresses; raises OSError when the name does not resolve."""

MAX_URL_LENGTH = 2048
_DEFAULT_PORTS = {"http": 80, "https": 443}
_FORBIDDEN_CHARS = re.compile(r"[\x00-\x20\x7f-\x9f\\]")  # controls, spaces, backslash
_LABEL = re.compile(r"[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?")
# Names that mean "this machine" or "this site's network" wherever they resolve.
_LOCAL_SUFFIXES = ("localhost", "localdomain", "local", "internal", "home.arpa", "lan")
_METADATA_NAMES = frozenset(
    {"metadata.google.internal", "metadata.goog", "instance-data.ec2.internal"}
)
# Dots that UTS 46 maps to "." (browsers accept them as label separators).
_DOTS = str.maketrans({"\u3002": ".", "\uff0e": ".", "\uff61": "."})


@dataclass(frozen=True)
class WebhookTarget:
    """A URL that passed the policy, with the addresses it was checked against."""

    url: str
    scheme: str
    host: str  # ASCII, lower case; an IPv6 address without brackets
    port: int
    addresses: tuple[Address, ...]


RESOLVE_TIMEOUT = 2.0


def system_resolver(host: str, port: int) -> list[Address]:
    """The operating system's answer for `host`, in its preferred order.

    `getaddrinfo` has no timeout of its own and an unreachable name server can stall
    it for many seconds, so it runs in a helper thread and is given up on after
    `RESOLVE_TIMEOUT`: a name that does not answer in time is a name that does not
    resolve.
    """
    answer: list[list[Address] | BaseException] = []
    worker = threading.Thread(
        target=lambda: answer.append(_lookup(host, port)),
        name="signoff-resolve",
        daemon=True,
    )
    worker.start()
    worker.join(RESOLVE_TIMEOUT)
    if not answer:
        raise OSError(f"resolving {host} took longer than {RESOLVE_TIMEOUT:g} s")
    result = answer[0]
    if isinstance(result, BaseException):
        raise result
    return result


def _lookup(host: str, port: int) -> list[Address] | BaseException:
    try:
        infos = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
        )
    except (OSError, UnicodeError) as error:
        return error
    found: list[Address] = []
    for *_, sockaddr in infos:
        text = sockaddr[0]
        if not isinstance(text, str):
            continue  # not an IP family
        address = ipaddress.ip_address(text.partition("%")[0])
        if address not in found:
            found.append(address)
    return found


def check_webhook_url(
    url: str, *, allow: AllowList, resolver: Resolver = system_resolver
) -> str:
    """The canonical form of `url` if webhooks may be sent there; BadInput if not."""
    return check_target(url, allow=allow, resolver=resolver).url


def check_target(
    url: str, *, allow: AllowList, resolver: Resolver = system_resolver
) -> WebhookTarget:
    """Apply the whole policy and return the target with its checked addresses."""
    scheme, netloc, path, query = _split(url)
    raw_host, bracketed, port = _split_netloc(netloc)
    port = port or _DEFAULT_PORTS[scheme]
    if "%" in raw_host:
        _refuse("the host may not be percent-encoded or carry an IPv6 zone")
    literal, host = _read_host(raw_host, bracketed)
    if literal is not None:
        _check_address(literal, literal, port, allow)
        addresses: tuple[Address, ...] = (literal,)
    else:
        addresses = _resolve_and_check(host, port, allow, resolver)
    shown_host = f"[{host}]" if ":" in host else host
    shown_port = "" if port == _DEFAULT_PORTS[scheme] else f":{port}"
    canonical = f"{scheme}://{shown_host}{shown_port}{path or '/'}"
    if query:
        canonical += f"?{query}"
    return WebhookTarget(canonical, scheme, host, port, addresses)


def _refuse(reason: str) -> NoReturn:
    raise BadInput(f"This webhook URL is refused: {reason}.", field="url")


def _split(url: str) -> tuple[str, str, str, str]:
    if not url:
        _refuse("it is empty")
    if len(url) > MAX_URL_LENGTH:
        _refuse(f"it is longer than {MAX_URL_LENGTH} characters")
    if _FORBIDDEN_CHARS.search(url):
        _refuse("it contains spaces, control characters or backslashes")
    try:
        parts = urlsplit(url)
    except ValueError:
        _refuse("it is not a valid URL")
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        _refuse("only http:// and https:// URLs can receive webhooks")
    if not url[len(scheme) + 1 :].startswith("//") or not parts.netloc:
        _refuse("it has no host (write scheme://host/path)")
    if "#" in url:
        _refuse("it may not contain a fragment (#)")
    if "@" in parts.netloc:
        _refuse("it may not contain a user name or password (user@host)")
    return scheme, parts.netloc, parts.path, parts.query


def _split_netloc(netloc: str) -> tuple[str, bool, int | None]:
    """(host, bracketed, port) from `host[:port]` or `[v6][:port]`."""
    if netloc.startswith("["):
        host, bracket, rest = netloc[1:].partition("]")
        if not bracket:
            _refuse("the IPv6 address has no closing bracket")
    else:
        host, colon, port_text = netloc.partition(":")
        rest = colon + port_text
    if not host:
        _refuse("it has no host")
    if not rest or rest == ":":
        return host, netloc.startswith("["), None
    digits = rest[1:]
    if rest[0] != ":" or not (digits.isascii() and digits.isdigit()):
        _refuse("the port is not a number")
    if not 0 < int(digits) < 65536:
        _refuse("the port is out of range")
    return host, netloc.startswith("["), int(digits)


def _read_host(raw: str, bracketed: bool) -> tuple[Address | None, str]:
    """(literal address or None, canonical ASCII host)."""
    if bracketed:
        try:
            v6 = ipaddress.IPv6Address(raw)
        except ValueError:
            _refuse(f"[{raw}] is not a valid IPv6 address")
        return v6, v6.compressed
    # Browsers apply UTS 46 mapping first: full-width digits and dots become ASCII.
    host = unicodedata.normalize("NFKC", raw).translate(_DOTS).lower()
    if ends_in_number(host):
        try:
            v4 = parse_ipv4_like(host)
        except ValueError:
            _refuse(f"{raw!r} is neither a host name nor a valid IPv4 address")
        if raw != str(v4):
            reason = blocked_reason(v4)
            means = f"{v4}, {reason}" if reason else str(v4)
            _refuse(
                f"{raw!r} is an unusual spelling of {means}; write the address as {v4}"
            )
        return v4, str(v4)
    return None, _host_name(raw, host)


def _host_name(raw: str, host: str) -> str:
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            _refuse(f"{raw!r} is not a valid international host name")
    name = host.removesuffix(".")
    labels = name.split(".")
    if len(name) > 253 or not all(_LABEL.fullmatch(label) for label in labels):
        _refuse(f"{raw!r} is not a valid host name")
    return name


def _check_address(
    address: Address, shown: object, port: int, allow: AllowList
) -> None:
    reason = blocked_reason(address)
    if reason is not None and not allow.permits_address(address, port):
        _refuse(
            f"{shown} is {reason}; webhooks only reach public addresses unless an "
            "administrator allows the target (SIGNOFF_WEBHOOK_ALLOW)"
        )


def _resolve_and_check(
    host: str, port: int, allow: AllowList, resolver: Resolver
) -> tuple[Address, ...]:
    allowed_name = allow.permits_host(host, port)
    if not allowed_name:
        _check_name(host)
    try:
        addresses = tuple(resolver(host, port))
    except (OSError, UnicodeError):
        addresses = ()
    if not addresses:
        _refuse(f"the host name {host} does not resolve")
    if not allowed_name:
        for address in addresses:
            _check_address(address, f"{host} resolves to {address}, which", port, allow)
    return addresses


def _check_name(host: str) -> None:
    if host in _METADATA_NAMES:
        _refuse(f"{host} is a cloud metadata service")
    if any(host == suffix or host.endswith(f".{suffix}") for suffix in _LOCAL_SUFFIXES):
        _refuse(f"{host} names this machine or a local network")
    if "." not in host:
        _refuse(f"{host} is not a fully qualified host name")
