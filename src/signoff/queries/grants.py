"""OAuth grants as the account page lists them: one row per application a person let
in, while any of its tokens still works.

A grant is live while an access token is unexpired, or a refresh token is unused and
unexpired; revoked tokens never count. Reads only: revoking is `actions/oauth.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from signoff.db.models import OAuthClient, OAuthToken


@dataclass(frozen=True)
class GrantView:
    client_id: str
    """The application's public OAuth client id, which the revoke form posts."""
    name: str
    scopes: tuple[str, ...]
    """Every scope any live token of the grant holds, sorted."""
    since: datetime
    """When its oldest live token was issued."""


def _live(token: OAuthToken, now: datetime) -> bool:
    refreshable = (
        token.refresh_expires_at is not None
        and token.refresh_used_at is None
        and token.refresh_expires_at > now
    )
    return token.access_expires_at > now or refreshable


def list_live_grants(session: Session, user_id: int, now: datetime) -> list[GrantView]:
    """The person's live grants, by application name, in one statement."""
    rows = session.execute(
        select(OAuthToken, OAuthClient)
        .join(OAuthClient, OAuthClient.id == OAuthToken.client_id)
        .where(OAuthToken.user_id == user_id, OAuthToken.revoked_at.is_(None))
        .order_by(OAuthClient.name, OAuthToken.id)
    ).all()
    scopes: dict[int, set[str]] = {}
    firsts: dict[int, tuple[OAuthClient, datetime]] = {}
    for token, client in rows:
        if not _live(token, now):
            continue
        scopes.setdefault(client.id, set()).update(token.scope.split())
        _, since = firsts.get(client.id, (client, token.created_at))
        firsts[client.id] = (client, min(since, token.created_at))
    return [
        GrantView(client.client_id, client.name, tuple(sorted(scopes[key])), since)
        for key, (client, since) in firsts.items()
    ]


def get_oauth_client(session: Session, client_id: str) -> OAuthClient | None:
    """The registered application with this public client id, if any."""
    return session.scalar(select(OAuthClient).where(OAuthClient.client_id == client_id))
