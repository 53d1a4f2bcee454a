"""Looking up OAuth tokens by the secret a caller presents, for the resource server.

A bearer is only ever compared as its SHA-256, through the unique index, so a lookup
costs one indexed equality whatever the secret; a token is live while it is neither
revoked nor expired and its client and user are still in good standing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from signoff.auth.tokens import hash_secret
from signoff.db.models import OAuthClient, OAuthToken, User

TokenKind = Literal["access_token", "refresh_token"]


def resolve_oauth_access_token(
    session: Session, token: str, now: datetime
) -> OAuthToken | None:
    """The live OAuth token whose access token is `token`, or None.

    Callers read `scope` (space-separated), `user_id`, and the public client id
    through `oauth_client_id(session, found)`; `OAuthToken.client_id` is the
    client's row id, not its public id.
    """
    return session.scalar(
        select(OAuthToken)
        .join(OAuthClient, OAuthClient.id == OAuthToken.client_id)
        .join(User, User.id == OAuthToken.user_id)
        .where(
            OAuthToken.access_token_hash == hash_secret(token),
            OAuthToken.revoked_at.is_(None),
            OAuthToken.access_expires_at > now,
            OAuthClient.revoked_at.is_(None),
            User.is_active.is_(True),
        )
    )


def oauth_client_id(session: Session, token: OAuthToken) -> str:
    """The public `client_id` of the client `token` was issued to."""
    client_id = session.scalar(
        select(OAuthClient.client_id).where(OAuthClient.id == token.client_id)
    )
    assert client_id is not None  # a foreign key guarantees the row
    return client_id


def find_oauth_token(
    session: Session, secret: str, token_type_hint: str | None = None
) -> tuple[OAuthToken, TokenKind] | None:
    """The token row `secret` is the access or refresh token of, live or not.

    The hint only chooses which column is tried first (RFC 7009 §2.1).
    """
    digest = hash_secret(secret)
    kinds: list[TokenKind] = ["access_token", "refresh_token"]
    if token_type_hint == "refresh_token":  # noqa: S105 (a token type name)
        kinds.reverse()
    for kind in kinds:
        column = (
            OAuthToken.access_token_hash
            if kind == "access_token"
            else OAuthToken.refresh_token_hash
        )
        found = session.scalar(select(OAuthToken).where(column == digest))
        if found is not None:
            return found, kind
    return None
