"""Webhook signing secrets, derived rather than stored.

A receiver needs the secret in the clear to check signatures, so it cannot be kept
as a one-way hash the way tokens are. Instead the database holds a random salt per
subscription and the secret is an HMAC of it under the site key: a copy of the
database alone reveals no secret. Rotating the salt rotates the secret; changing
the site key changes every webhook secret, so receivers must be given new ones.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

PREFIX = "whsec_"


def new_salt() -> str:
    return secrets.token_hex(32)


def webhook_secret(site_key: str, subscription_id: int, salt: str) -> str:
    digest = hmac.new(
        site_key.encode("utf-8"),
        f"signoff-webhook:{subscription_id}:{salt}".encode(),
        hashlib.sha256,
    ).digest()
    return PREFIX + base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")
