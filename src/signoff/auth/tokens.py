"""Bearer secrets: minted with a recognisable prefix, stored only as SHA-256.

The tokens carry 256 bits of randomness, so a fast hash is enough at rest: there is
nothing to brute-force, and lookups stay a single indexed equality.
"""

from __future__ import annotations

import hashlib
import secrets

PERSONAL_TOKEN_PREFIX = "sgnp_"  # noqa: S105 (a prefix, not a secret)
# OAuth 2.0: a bearer's prefix tells a resource server which table to look in.
OAUTH_ACCESS_TOKEN_PREFIX = "sgoa_"  # noqa: S105
OAUTH_REFRESH_TOKEN_PREFIX = "sgor_"  # noqa: S105
OAUTH_CODE_PREFIX = "sgoc_"
OAUTH_CLIENT_SECRET_PREFIX = "sgos_"  # noqa: S105


def mint_secret(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()
