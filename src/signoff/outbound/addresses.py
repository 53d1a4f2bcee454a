"""Which IP addresses a webhook may reach, and how hosts spell IPv4 addresses.

Browsers and the C resolver accept IPv4 addresses in forms `ipaddress` refuses
(`2130706433`, `0x7f.1`, `0177.0.0.1`, `127.1`). A policy that only asked
`ipaddress` would treat those as host names and let the resolver turn them into
127.0.0.1, so they are parsed here exactly as a browser would (WHATWG URL, IPv4 parser).
"""

from __future__ import annotations

import ipaddress
import re

Address = ipaddress.IPv4Address | ipaddress.IPv6Address

_RFC1918 = tuple(
    ipaddress.IPv4Network(net)
    for net in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")
)
_SHARED = ipaddress.IPv4Network("100.64.0.0/10")  # carrier-grade NAT, RFC 6598
_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")  # deprecated ::a.b.c.d form
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")  # RFC 6052: embeds an IPv4 address
_NAT64_LOCAL = ipaddress.IPv6Network("64:ff9b:1::/48")  # RFC 8215: site-local NAT64
_ULA = ipaddress.IPv6Network("fc00::/7")
_SITE_LOCAL = ipaddress.IPv6Network(
    "fec0::/10"
)  # deprecated, still routed inside sites

_HEX_NUMBER = re.compile(r"0[xX][0-9a-fA-F]*")
_DIGITS = {
    8: re.compile(r"[0-7]+"),
    10: re.compile(r"[0-9]+"),
    16: re.compile(r"[0-9a-fA-F]+"),
}


def blocked_reason(address: Address) -> str | None:
    """Why a webhook may not reach `address`, or None when it is a public address."""
    if isinstance(address, ipaddress.IPv6Address):
        return _blocked_v6(address)
    return _blocked_v4(address)


def _blocked_v4(address: ipaddress.IPv4Address) -> str | None:
    if address.is_unspecified:
        return "an unspecified address"
    if address.is_loopback:
        return "a loopback address"
    if address.is_link_local:
        return "a link-local address (cloud metadata lives there)"
    if address.is_multicast:
        return "a multicast address"
    if any(address in net for net in _RFC1918):
        return "a private (RFC 1918) address"
    if address in _SHARED:
        return "a shared carrier-grade NAT address (100.64.0.0/10)"
    if address.is_reserved:
        return "a reserved address"
    if not address.is_global:
        return "a special-purpose address that is not publicly routable"
    return None


def _blocked_v6(address: ipaddress.IPv6Address) -> str | None:
    if address.scope_id:
        return "an IPv6 address with a zone index"
    # Checked before the embedded forms: :: and ::1 also lie inside ::/96.
    if address.is_unspecified:
        return "an unspecified address"
    if address.is_loopback:
        return "a loopback address"
    mapped = address.ipv4_mapped
    if mapped is not None:
        return f"an IPv4-mapped IPv6 address (of {mapped})"
    if address in _IPV4_COMPATIBLE:
        return "an IPv4-compatible IPv6 address (a deprecated form)"
    if address in _NAT64_LOCAL:
        return "a local-use NAT64 address"
    if address in _NAT64:
        # Public hosts reached through DNS64 look like this; judge what it embeds.
        embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        reason = _blocked_v4(embedded)
        return None if reason is None else f"a NAT64 address of {embedded}, {reason}"
    if address.sixtofour is not None:
        reason = _blocked_v4(address.sixtofour)
        if reason is not None:
            return f"a 6to4 address of {address.sixtofour}, {reason}"
    if address.teredo is not None:
        return "a Teredo tunnel address"
    if address.is_link_local:
        return "a link-local address"
    if address.is_multicast:
        return "a multicast address"
    if address in _ULA:
        return "a private (unique local) address"
    if address in _SITE_LOCAL:
        return "a site-local address"
    if address.is_reserved:
        return "a reserved address"
    if not address.is_global:
        return "a special-purpose address that is not publicly routable"
    return None


def ends_in_number(host: str) -> bool:
    """True when a browser would parse `host` as an IPv4 address (WHATWG URL)."""
    labels = host.split(".")
    if labels[-1] == "" and len(labels) > 1:
        labels.pop()
    last = labels[-1]
    return (last.isascii() and last.isdigit()) or bool(_HEX_NUMBER.fullmatch(last))


def parse_ipv4_like(host: str) -> ipaddress.IPv4Address:
    """The IPv4 address a browser reads in `host`, in any spelling it accepts.

    Decimal, octal (leading 0) and hex (0x) parts, one to four of them, the last
    filling the remaining bytes: `127.1`, `0x7f000001` and `017700000001` all mean
    127.0.0.1. Raises ValueError for a number-ending host that is no address.
    """
    parts = host.split(".")
    if parts[-1] == "" and len(parts) > 1:
        parts.pop()
    if len(parts) > 4:
        raise ValueError(f"{host!r} has too many parts for an IPv4 address")
    numbers = [_ipv4_number(part) for part in parts]
    *leading, last = numbers
    if any(number > 255 for number in leading):
        raise ValueError(f"{host!r} has a part above 255")
    if last >= 256 ** (5 - len(numbers)):
        raise ValueError(f"{host!r} is out of the IPv4 range")
    value = last
    for index, number in enumerate(leading):
        value += number * 256 ** (3 - index)
    return ipaddress.IPv4Address(value)


def _ipv4_number(part: str) -> int:
    if not part or not part.isascii():
        raise ValueError("empty or non-ASCII part")
    if part[:2] in ("0x", "0X"):
        digits, base = part[2:], 16
    elif len(part) > 1 and part[0] == "0":
        digits, base = part[1:], 8
    else:
        digits, base = part, 10
    if not digits:
        return 0  # "0x" alone is zero, as browsers read it
    if not _DIGITS[base].fullmatch(digits):
        raise ValueError(f"{part!r} is not a base-{base} number")
    return int(digits, base)
