"""Who is calling, and may they call this operation on this base URL.

The site form (`/wiki`) takes classic API tokens over HTTP Basic only; the gateway
form (`/ex/confluence/{cloudId}/wiki`) takes bearer tokens and scoped API tokens too,
and checks their scopes against the operation's.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Sequence
from dataclasses import dataclass

from confluence_site.records import ApiToken, BearerToken, User
from confluence_site.site import ConfluenceSite

Credential = ApiToken | BearerToken


@dataclass(frozen=True)
class Caller:
    user: User
    credential: Credential

    @property
    def scopes(self) -> frozenset[str] | None:
        """None for a classic token, which may call anything its user may."""
        return self.credential.scopes

    def describe(self) -> str:
        if isinstance(self.credential, BearerToken):
            return f"bearer:{self.user.account_id}"
        kind = "basic" if self.credential.scopes is None else "basic-scoped"
        return f"{kind}:{self.credential.email}"


class AuthRefused(Exception):
    """401: `scope` tells the gateway's scope refusal from bad credentials."""

    def __init__(self, *, scope: bool = False) -> None:
        self.scope = scope
        super().__init__("scope does not match" if scope else "unauthorized")


def authenticate(site: ConfluenceSite, header: str | None, *, gateway: bool) -> Caller:
    """The caller behind an Authorization header, or AuthRefused (401)."""
    if not header or " " not in header:
        raise AuthRefused
    scheme, _, value = header.partition(" ")
    credential: Credential | None
    if scheme.lower() == "basic":
        credential = _api_token(site, value.strip())
        if credential is not None and credential.scopes is not None and not gateway:
            credential = None  # scoped tokens live on the gateway only
    elif scheme.lower() == "bearer" and gateway:
        credential = site.bearer_tokens.get(value.strip())
    else:
        credential = None
    if credential is None or credential.revoked:
        raise AuthRefused
    user = site.user_of(credential)
    if user is None:
        raise AuthRefused
    return Caller(user, credential)


def check_scopes(caller: Caller, accepted: Sequence[frozenset[str]]) -> None:
    """The caller's scopes must include one of the operation's accepted sets."""
    held = caller.scopes
    if held is None:
        return
    if not any(wanted <= held for wanted in accepted):
        raise AuthRefused(scope=True)


def _api_token(site: ConfluenceSite, encoded: str) -> ApiToken | None:
    try:
        email, sep, token = (
            base64.b64decode(encoded, validate=True).decode().partition(":")
        )
    except (binascii.Error, UnicodeDecodeError):
        return None
    if not sep:
        return None
    for made in site.api_tokens:
        if made.email == email and hmac.compare_digest(made.token, token):
            return made
    return None
