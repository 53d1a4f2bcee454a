"""Credentials the server presents to other sites, sealed at rest under the site key.

A content source's API token must be sent in the clear, so it cannot be hashed the
way Signoff's own tokens are. It is encrypted instead, with AES-256-GCM under a key
derived (HKDF-SHA256) from the site key, and bound to what it is for (`purpose`, for
example the site's name): a copy of the database alone reveals nothing, and a sealed
value moved to another row does not open. Changing the site key makes every sealed
credential unreadable; they must then be entered again.
"""

from __future__ import annotations

import base64
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

VERSION = "v1"
_INFO = b"signoff credentials v1"
_NONCE_BYTES = 12


class CredentialUnreadable(Exception):
    """A sealed credential that does not open: another site key, or tampered with."""


def _key(site_key: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(
        site_key.encode("utf-8")
    )


def seal(site_key: str, purpose: str, secret: str) -> str:
    """`secret` encrypted for storage; only `open_sealed` with the same key and
    `purpose` reads it back."""
    nonce = os.urandom(_NONCE_BYTES)
    sealed = AESGCM(_key(site_key)).encrypt(
        nonce, secret.encode("utf-8"), purpose.encode("utf-8")
    )
    return f"{VERSION}.{base64.urlsafe_b64encode(nonce + sealed).decode('ascii')}"


def open_sealed(site_key: str, purpose: str, stored: str) -> str:
    """The secret `seal` stored, or `CredentialUnreadable`."""
    version, _, payload = stored.partition(".")
    if version != VERSION or not payload:
        raise CredentialUnreadable("not a sealed credential")
    try:
        raw = base64.urlsafe_b64decode(payload.encode("ascii"))
        opened = AESGCM(_key(site_key)).decrypt(
            raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], purpose.encode("utf-8")
        )
    except (InvalidTag, ValueError) as error:
        raise CredentialUnreadable(
            "the credential does not open with this site key"
        ) from error
    return opened.decode("utf-8")
