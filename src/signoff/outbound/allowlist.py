"""Webhook targets an administrator lets through the address policy.

`SIGNOFF_WEBHOOK_ALLOW` is a comma-separated list; each entry is an IP address, a
CIDR network or a host name, each optionally with a port:

    127.0.0.1:8099, 10.0.0.0/8, [fd00::5]:443, fd00::/8, hooks.corp.example:8443

An address or network entry permits the addresses it covers (on that port only, when
one is given). A host-name entry permits that exact name and whatever it resolves
to: use it for an internal receiver whose address is not fixed.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from signoff.outbound.addresses import Address

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

_HOST_NAME = re.compile(
    r"[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*"
)


@dataclass(frozen=True)
class AllowEntry:
    """One permitted target: a network or a host name, on one port or on any."""

    network: Network | None = None
    host: str | None = None
    port: int | None = None

    def covers_port(self, port: int) -> bool:
        return self.port is None or self.port == port


@dataclass(frozen=True)
class AllowList:
    """Admin-configured exceptions to the webhook address policy; empty by default."""

    entries: tuple[AllowEntry, ...] = ()

    @classmethod
    def parse(cls, text: str | None) -> AllowList:
        """Read the `SIGNOFF_WEBHOOK_ALLOW` syntax; ValueError names a bad entry."""
        if not text:
            return cls()
        return cls(
            tuple(_parse_entry(raw.strip()) for raw in text.split(",") if raw.strip())
        )

    def permits_address(self, address: Address, port: int) -> bool:
        return any(
            entry.network is not None
            and entry.covers_port(port)
            and address.version == entry.network.version
            and address in entry.network
            for entry in self.entries
        )

    def permits_host(self, host: str, port: int) -> bool:
        return any(
            entry.host == host and entry.covers_port(port) for entry in self.entries
        )


def _parse_entry(raw: str) -> AllowEntry:
    target, port = _split_port(raw)
    try:
        network = ipaddress.ip_network(target, strict=True)
    except ValueError as exc:
        if "/" in target or ":" in target:
            raise ValueError(f"webhook allow entry {raw!r}: {exc}") from None
        network = None
    if network is not None:
        return AllowEntry(network=network, port=port)
    host = target.lower().rstrip(".")
    if not _HOST_NAME.fullmatch(host):
        raise ValueError(f"webhook allow entry {raw!r} is not an address or host name")
    return AllowEntry(host=host, port=port)


def _split_port(raw: str) -> tuple[str, int | None]:
    """`[v6]:port`, `v4:port`, `name:port` carry a port; a bare IPv6 entry cannot."""
    if raw.startswith("["):
        inside, bracket, rest = raw[1:].partition("]")
        if not bracket or (rest and not rest.startswith(":")):
            raise ValueError(f"webhook allow entry {raw!r} is not [address]:port")
        return inside, _port(raw, rest[1:]) if rest else None
    if raw.count(":") == 1:
        target, _, port_text = raw.partition(":")
        return target, _port(raw, port_text)
    return raw, None


def _port(raw: str, text: str) -> int:
    if not text.isascii() or not text.isdigit() or not 0 < int(text) < 65536:
        raise ValueError(f"webhook allow entry {raw!r} has an invalid port")
    return int(text)
