"""OAuth 2.0 grants: registering clients, issuing codes, the token critical sections.

Every secret arrives or leaves here in plaintext exactly once and is stored as its
SHA-256. Consuming a code and rotating a refresh token are guarded single-row
`UPDATE ... WHERE used_at IS NULL` statements whose row count decides the winner, so
two concurrent redemptions can never both issue tokens, on SQLite or PostgreSQL.
"""

from __future__ import annotations

import re
import secrets
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, update
from sqlalchemy.orm import Session

from signoff.actions.acting import Acting
from signoff.actions.audit import record_event
from signoff.actions.users import require_site_admin
from signoff.actions.validate import clean_text
from signoff.auth.bearer import find_oauth_token
from signoff.auth.redirect_uris import redirect_uri_matches, redirect_uri_problem
from signoff.auth.scopes import ALL_SCOPES, Scope
from signoff.auth.tokens import OAUTH_CLIENT_SECRET_PREFIX, hash_secret, mint_secret
from signoff.db.models import OAuthClient, OAuthCode, OAuthToken, User
from signoff.domain.errors import BadInput, InvalidState

CODE_TTL = timedelta(minutes=10)
ACCESS_TOKEN_TTL = timedelta(hours=1)
REFRESH_TOKEN_TTL = timedelta(days=30)  # absolute: rotation never extends a family
MAX_REDIRECT_URIS = 10
S256 = "S256"
S256_CHALLENGE = re.compile(r"[A-Za-z0-9_-]{43}")
SCOPE_ORDER = {scope.value: position for position, scope in enumerate(Scope)}


class InvalidGrant(InvalidState):
    """The code or refresh token cannot be used (OAuth's `invalid_grant`)."""


class GrantReplayed(InvalidGrant):
    """A used code or refresh token came back: its tokens were revoked.

    The revocation is flushed in the caller's transaction before this is raised;
    the caller commits it and then reports the refusal.
    """


def canonical_scope(scopes: Sequence[str]) -> str:
    """Space-separated, without repeats, in the order `Scope` lists them."""
    return " ".join(sorted(set(scopes), key=lambda scope: SCOPE_ORDER[scope]))


def do_register_client(
    session: Session,
    *,
    name: str,
    redirect_uris: Sequence[str],
    scopes: Sequence[str],
    by: Acting[User | None],
) -> tuple[OAuthClient, str]:
    """Register a confidential client; its secret is returned once, never stored."""
    require_site_admin(by.actor, "register OAuth clients")
    label = clean_text(name, field="name", max_length=200)
    uris = list(dict.fromkeys(redirect_uris))
    if not 1 <= len(uris) <= MAX_REDIRECT_URIS:
        raise BadInput(
            f"give 1 to {MAX_REDIRECT_URIS} redirect URIs.", field="redirectUri"
        )
    for uri in uris:
        problem = redirect_uri_problem(uri)
        if problem is not None:
            raise BadInput(f"redirect URI {uri!r} {problem}.", field="redirectUri")
    unknown = sorted(set(scopes) - ALL_SCOPES)
    if not scopes or unknown:
        raise BadInput(
            f"scope must be one or more of {', '.join(sorted(ALL_SCOPES))}"
            + (f"; unknown: {', '.join(unknown)}." if unknown else "."),
            field="scope",
        )
    secret = mint_secret(OAUTH_CLIENT_SECRET_PREFIX)
    client = OAuthClient(
        client_id=secrets.token_hex(16),  # public; hex is safe in URLs and shells
        client_secret_hash=hash_secret(secret),
        name=label,
        redirect_uris=uris,
        scopes=canonical_scope(scopes).split(),
        created_at=by.now,
        created_by=by.actor.id if by.actor else None,
    )
    session.add(client)
    session.flush()
    record_event(
        session,
        "oauth.client_registered",
        f"OAuth client '{label}' was registered.",
        by=by,
        details={
            "clientId": client.client_id,
            "name": label,
            "redirectUris": uris,
            "scopes": client.scopes,
        },
    )
    return client, secret


def do_issue_code(
    session: Session,
    client: OAuthClient,
    user: User,
    *,
    code: str,
    redirect_uri: str,
    scope: str,
    code_challenge: str,
    code_challenge_method: str,
    by: Acting[User | None],
) -> OAuthCode:
    """Store the code `user` consented to; the interface validated the request.

    The checks repeat the request's validation as invariants: a code is never bound
    to an unregistered redirect URI, a scope the client lacks, or a PKCE method
    other than S256.
    """
    scopes = scope.split()
    if (
        client.revoked_at is not None
        or not redirect_uri_matches(client.redirect_uris, redirect_uri)
        or not scopes
        or not set(scopes) <= set(client.scopes)
        or code_challenge_method != S256
        or not S256_CHALLENGE.fullmatch(code_challenge)
    ):
        raise BadInput("The authorization request is not valid for this client.")
    row = OAuthCode(
        code_hash=hash_secret(code),
        client_id=client.id,
        user_id=user.id,
        redirect_uri=redirect_uri,
        scope=canonical_scope(scopes),
        code_challenge=code_challenge,
        code_challenge_method=code_challenge_method,
        created_at=by.now,
        expires_at=by.now + CODE_TTL,
    )
    session.add(row)
    session.flush()
    record_event(
        session,
        "oauth.authorized",
        f"{user.display_name} authorized {client.name} ({row.scope}).",
        by=by.with_actor(user),
        details={"clientName": client.name, "scope": row.scope, "codeId": row.id},
    )
    return row


def do_exchange_code(
    session: Session,
    code: OAuthCode,
    *,
    client: OAuthClient,
    access_token: str,
    refresh_token: str,
    by: Acting[User | None],
) -> OAuthToken:
    """Consume `code` once and store the first tokens of a new family.

    The guarded UPDATE is the whole critical section: only the transaction that
    flips `used_at` from NULL may insert tokens. A loser sees the code used and
    treats it as a replay (RFC 6749 §4.1.2): every token issued from the code,
    rotated ones included, is revoked.
    """
    if code.client_id != client.id:
        raise InvalidGrant("The code was issued to another client.")
    consumed = rowcount(
        session.execute(
            update(OAuthCode)
            .where(
                OAuthCode.id == code.id,
                OAuthCode.used_at.is_(None),
                OAuthCode.expires_at > by.now,
            )
            .values(used_at=by.now)
            .execution_options(synchronize_session=False)
        )
    )
    if consumed != 1:
        session.refresh(code)
        if code.used_at is None:
            raise InvalidGrant("The code has expired.")
        revoke_code_lineage(session, code, client=client, by=by)
        raise GrantReplayed("The code was already used; its tokens are revoked.")
    session.expire(code)
    token = store_token(
        session,
        client=client,
        user_id=code.user_id,
        scope=code.scope,
        family=str(uuid.uuid4()),
        code_id=code.id,
        access_token=access_token,
        refresh_token=refresh_token,
        refresh_expires_at=by.now + REFRESH_TOKEN_TTL,
        now=by.now,
    )
    audit_issue(session, token, client, grant_type="authorization_code", by=by)
    return token


def do_refresh(
    session: Session,
    old: OAuthToken,
    *,
    client: OAuthClient,
    access_token: str,
    refresh_token: str,
    scope: str,
    by: Acting[User | None],
) -> OAuthToken:
    """Rotate: mark `old`'s refresh token used and issue the next pair of its family.

    The new refresh token keeps the family's absolute expiry. When the guarded
    UPDATE loses (the refresh token was used meanwhile), that is reuse: the family
    is revoked.
    """
    if old.client_id != client.id:
        raise InvalidGrant("The refresh token was issued to another client.")
    if not scope.split() or not set(scope.split()) <= set(old.scope.split()):
        raise InvalidGrant("A refresh cannot widen the granted scope.")
    rotated = rowcount(
        session.execute(
            update(OAuthToken)
            .where(
                OAuthToken.id == old.id,
                OAuthToken.refresh_used_at.is_(None),
                OAuthToken.revoked_at.is_(None),
                OAuthToken.refresh_expires_at > by.now,
            )
            .values(refresh_used_at=by.now)
            .execution_options(synchronize_session=False)
        )
    )
    session.refresh(old)
    if rotated != 1:
        if old.refresh_used_at is not None:
            do_revoke_reused_family(session, old, client=client, by=by)
            raise GrantReplayed("The refresh token was already used.")
        raise InvalidGrant("The refresh token is revoked or expired.")
    token = store_token(
        session,
        client=client,
        user_id=old.user_id,
        scope=canonical_scope(scope.split()),
        family=old.family,
        code_id=old.code_id,
        access_token=access_token,
        refresh_token=refresh_token,
        refresh_expires_at=old.refresh_expires_at,
        now=by.now,
    )
    audit_issue(session, token, client, grant_type="refresh_token", by=by)
    return token


def do_revoke_reused_family(
    session: Session, token: OAuthToken, *, client: OAuthClient, by: Acting[User | None]
) -> int:
    """A used refresh token came back: someone holds a copy, so end the family."""
    revoked = revoke_where(session, OAuthToken.family == token.family, now=by.now)
    record_event(
        session,
        "oauth.refresh_reused",
        f"A used refresh token of {client.name} was presented again; "
        f"{revoked} token(s) of its family were revoked.",
        by=by.with_actor(session.get(User, token.user_id)),
        details={"tokenId": token.id, "family": token.family, "revoked": revoked},
    )
    return revoked


def revoke_code_lineage(
    session: Session, code: OAuthCode, *, client: OAuthClient, by: Acting[User | None]
) -> int:
    revoked = revoke_where(session, OAuthToken.code_id == code.id, now=by.now)
    record_event(
        session,
        "oauth.code_replayed",
        f"A used authorization code of {client.name} was presented again; "
        f"{revoked} token(s) issued from it were revoked.",
        by=by.with_actor(session.get(User, code.user_id)),
        details={"codeId": code.id, "revoked": revoked},
    )
    return revoked


def do_revoke_token(
    session: Session,
    secret: str,
    *,
    token_type_hint: str | None,
    client: OAuthClient,
    by: Acting[User | None],
) -> int:
    """RFC 7009: revoke the token `client` presents; returns how many were revoked.

    Unknown tokens, and tokens of other clients, revoke nothing and raise nothing,
    so the endpoint answers the same and cannot be used to probe for tokens. A
    refresh token takes its whole family with it; an access token ends its own row
    (and with it the refresh token issued alongside).
    """
    found = find_oauth_token(session, secret, token_type_hint)
    if found is None or found[0].client_id != client.id:
        return 0
    token, kind = found
    if kind == "refresh_token":
        revoked = revoke_where(session, OAuthToken.family == token.family, now=by.now)
    else:
        revoked = revoke_where(session, OAuthToken.id == token.id, now=by.now)
    if revoked:
        record_event(
            session,
            "oauth.revoked",
            f"{client.name} revoked {revoked} token(s) ({kind.replace('_', ' ')}).",
            by=by.with_actor(session.get(User, token.user_id)),
            details={"tokenId": token.id, "family": token.family, "kind": kind},
        )
    return revoked


def do_revoke_grant(
    session: Session,
    user: User,
    client: OAuthClient,
    *,
    by: Acting[User | None],
) -> int:
    """End everything `user` granted `client`: its tokens and any unredeemed codes."""
    if by.actor is None or by.actor.id != user.id:
        require_site_admin(by.actor, "revoke other people's OAuth grants")
    revoked = revoke_where(
        session,
        (OAuthToken.user_id == user.id) & (OAuthToken.client_id == client.id),
        now=by.now,
    )
    session.execute(
        update(OAuthCode)
        .where(
            OAuthCode.user_id == user.id,
            OAuthCode.client_id == client.id,
            OAuthCode.used_at.is_(None),
            OAuthCode.expires_at > by.now,
        )
        .values(expires_at=by.now)
        .execution_options(synchronize_session=False)
    )
    record_event(
        session,
        "oauth.revoked",
        f"{user.display_name}'s grant to {client.name} was revoked "
        f"({revoked} token(s)).",
        by=by,
        details={"clientId": client.client_id, "grant": True, "revoked": revoked},
    )
    return revoked


def store_token(
    session: Session,
    *,
    client: OAuthClient,
    user_id: int,
    scope: str,
    family: str,
    code_id: int | None,
    access_token: str,
    refresh_token: str,
    refresh_expires_at: datetime | None,
    now: datetime,
) -> OAuthToken:
    token = OAuthToken(
        client_id=client.id,
        user_id=user_id,
        access_token_hash=hash_secret(access_token),
        refresh_token_hash=hash_secret(refresh_token),
        scope=scope,
        family=family,
        code_id=code_id,
        created_at=now,
        access_expires_at=now + ACCESS_TOKEN_TTL,
        refresh_expires_at=refresh_expires_at,
    )
    session.add(token)
    session.flush()
    return token


def audit_issue(
    session: Session,
    token: OAuthToken,
    client: OAuthClient,
    *,
    grant_type: str,
    by: Acting[User | None],
) -> None:
    record_event(
        session,
        "oauth.token_issued",
        f"{client.name} received a token ({token.scope}).",
        by=by.with_actor(session.get(User, token.user_id)),
        details={
            "tokenId": token.id,
            "family": token.family,
            "grantType": grant_type,
            "scope": token.scope,
        },
    )


def revoke_where(
    session: Session, condition: ColumnElement[bool], *, now: datetime
) -> int:
    return rowcount(
        session.execute(
            update(OAuthToken)
            .where(condition, OAuthToken.revoked_at.is_(None))
            .values(revoked_at=now)
            .execution_options(synchronize_session="fetch")
        )
    )


def rowcount(result: Any) -> int:
    return cast("CursorResult[Any]", result).rowcount
