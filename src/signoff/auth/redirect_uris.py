"""OAuth redirect URIs: which ones a client may register, and which requests match.

Matching is exact string comparison (RFC 9700 §4.1.3). The one exception is the one
RFC 8252 §7.3 makes for native apps: an `http` loopback IP literal may use any port,
because the app picks a free one each time it runs; every other character must match.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from urllib.parse import urlsplit

MAX_LENGTH = 2000
_LOOPBACK_NETLOC = re.compile(r"(127\.0\.0\.1|\[::1\])(:\d{1,5})?")
_FORBIDDEN = re.compile(r"[\s\x00-\x1f\x7f\\#]")


def redirect_uri_problem(uri: str) -> str | None:
    """Why `uri` cannot be registered, or None when it can.

    Absolute `https`, or `http` only for a loopback host; no fragment (RFC 6749
    §3.1.2), no user info, no wildcard, no whitespace or backslash.
    """
    if not isinstance(uri, str) or not uri or len(uri) > MAX_LENGTH:
        return f"must be a URL of at most {MAX_LENGTH} characters"
    if _FORBIDDEN.search(uri) or "*" in uri:
        return "must not contain spaces, backslashes, '*' or a fragment ('#')"
    try:
        parts = urlsplit(uri)
        parts.port  # noqa: B018 (raises ValueError for a port that is not a number)
    except ValueError:
        return "is not a valid URL"
    if not parts.hostname or "@" in parts.netloc:
        return "must name a host, without user name or password"
    if parts.scheme == "https":
        return None
    if parts.scheme == "http" and is_loopback_host(parts.hostname):
        return None
    return "must use https (http is allowed only for 127.0.0.1, [::1] or localhost)"


def is_loopback_host(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def redirect_uri_matches(registered: Iterable[str], requested: str) -> bool:
    """Whether `requested` is one of the client's registered redirect URIs."""
    registered = list(registered)
    if not isinstance(requested, str) or not requested:
        return False
    if requested in registered:
        return True
    portless = _loopback_without_port(requested)
    return portless is not None and any(
        _loopback_without_port(uri) == portless for uri in registered
    )


def _loopback_without_port(uri: str) -> str | None:
    """`http://127.0.0.1:PORT/rest` as `http://127.0.0.1/rest`; None for others."""
    if not uri.startswith("http://"):
        return None
    netloc, slash, rest = uri[len("http://") :].partition("/")
    match = _LOOPBACK_NETLOC.fullmatch(netloc)
    if match is None:
        return None
    return f"http://{match.group(1)}{slash}{rest}"
