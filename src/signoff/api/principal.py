"""Who is calling the API: a bearer token resolved to a user, its scopes and client.

Personal access tokens and OAuth access tokens are both accepted; only their SHA-256
is ever looked up. A token of a deactivated user, a revoked or an expired token is
treated as no token at all (401).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from signoff.api.problems import not_authenticated
from signoff.auth.bearer import oauth_client_id, resolve_oauth_access_token
from signoff.auth.tokens import PERSONAL_TOKEN_PREFIX, hash_secret
from signoff.db.models import PersonalToken, User


@dataclass(frozen=True)
class Principal:
    user_id: int
    scopes: frozenset[str]
    client_id: str
    """The OAuth client id, or `pat:<id>` for a personal access token."""
    personal_token_id: int | None = None
    last_used_at: datetime | None = None
    """The personal token's last recorded use, as read while resolving it."""

    @property
    def key(self) -> str:
        """Scopes idempotency keys and rate limits to one user through one client."""
        return f"{self.user_id}|{self.client_id}"


def bearer_token(authorization: str | None) -> str:
    if not authorization:
        raise not_authenticated("Send an API token as 'Authorization: Bearer <token>'.")
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or len(token) > 512:
        raise not_authenticated("The Authorization header must be 'Bearer <token>'.")
    return token


def resolve_principal(session: Session, token: str, now: datetime) -> Principal:
    principal = (
        _personal(session, token, now)
        if token.startswith(PERSONAL_TOKEN_PREFIX)
        else _oauth(session, token, now)
    )
    if principal is None:
        raise not_authenticated("The token is not valid, has expired or was revoked.")
    user = session.get(User, principal.user_id)
    if user is None or not user.is_active:
        raise not_authenticated("The token's user is not active.")
    return principal


def _personal(session: Session, token: str, now: datetime) -> Principal | None:
    stored = session.scalar(
        select(PersonalToken).where(PersonalToken.token_hash == hash_secret(token))
    )
    if stored is None or stored.revoked_at is not None:
        return None
    if stored.expires_at is not None and stored.expires_at <= now:
        return None
    return Principal(
        stored.user_id,
        frozenset(stored.scopes),
        f"pat:{stored.id}",
        personal_token_id=stored.id,
        last_used_at=stored.last_used_at,
    )


def _oauth(session: Session, token: str, now: datetime) -> Principal | None:
    stored = resolve_oauth_access_token(session, token, now)
    if stored is None:
        return None
    return Principal(
        stored.user_id,
        frozenset(stored.scope.split()),
        oauth_client_id(session, stored),
    )
