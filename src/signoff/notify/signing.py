"""Webhook signatures: receivers prove a delivery came from this server, unchanged.

Each delivery carries three headers:

    X-Signoff-Message-Id: <stable id; the same on every retry, so receivers dedupe>
    X-Signoff-Timestamp:  <Unix seconds when this attempt was signed>
    X-Signoff-Signature:  v1=<hex HMAC-SHA256 of f"{timestamp}.{body}">

The timestamp is inside the signed text, so an old delivery cannot be replayed with
a fresh timestamp; receivers refuse timestamps outside a tolerance (5 minutes).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import datetime, timedelta

SIGNATURE_HEADER = "X-Signoff-Signature"
TIMESTAMP_HEADER = "X-Signoff-Timestamp"
MESSAGE_ID_HEADER = "X-Signoff-Message-Id"
SCHEME = "v1"
DEFAULT_TOLERANCE = timedelta(minutes=5)

_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_MESSAGE_ID = re.compile(r"[\x21-\x7e]{1,200}")  # visible ASCII: no header injection


def sign(secret: str | bytes, timestamp: int, body: bytes) -> str:
    """The `X-Signoff-Signature` value for `body` signed at `timestamp`."""
    return f"{SCHEME}={_digest(secret, timestamp, body)}"


def verify(
    secret: str | bytes,
    header_value: str | None,
    timestamp_header: str | None,
    body: bytes,
    *,
    now: datetime,
    tolerance: timedelta | float = DEFAULT_TOLERANCE,
) -> bool:
    """True when the signature matches and the timestamp is within `tolerance` of now.

    `tolerance` is a timedelta or a number of seconds. `header_value` may list
    several comma-separated signatures (while a secret is being rotated); any `v1`
    one that matches is enough. Unknown schemes are ignored.
    """
    if not header_value or not timestamp_header:
        return False
    if not _TIMESTAMP.fullmatch(timestamp_header.strip()):
        return False
    timestamp = int(timestamp_header)
    window = (
        tolerance.total_seconds() if isinstance(tolerance, timedelta) else tolerance
    )
    if abs(_unix(now) - timestamp) > window:
        return False
    expected = _digest(secret, timestamp, body).encode("ascii")
    matched = False
    for candidate in header_value.split(","):
        scheme, _, value = candidate.strip().partition("=")
        if scheme == SCHEME:
            # Compare every candidate, so timing does not reveal which one matched.
            matched |= hmac.compare_digest(expected, value.encode("utf-8"))
    return matched


def webhook_headers(
    message_id: str, secret: str | bytes, body: bytes, now: datetime
) -> dict[str, str]:
    """The three headers that authenticate one delivery attempt of `body`."""
    if not _MESSAGE_ID.fullmatch(message_id):
        raise ValueError("a message id is 1-200 visible ASCII characters")
    timestamp = int(_unix(now))
    return {
        MESSAGE_ID_HEADER: message_id,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: sign(secret, timestamp, body),
    }


def _digest(secret: str | bytes, timestamp: int, body: bytes) -> str:
    key = secret.encode("utf-8") if isinstance(secret, str) else secret
    if not key:
        raise ValueError("a webhook secret may not be empty")
    if timestamp < 0:
        raise ValueError("a webhook timestamp is Unix seconds, never negative")
    signed = str(timestamp).encode("ascii") + b"." + body
    return hmac.new(key, signed, hashlib.sha256).hexdigest()


def _unix(now: datetime) -> float:
    if now.tzinfo is None:
        raise ValueError("pass an aware datetime (UTC) as now")
    return now.timestamp()
