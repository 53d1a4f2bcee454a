"""Personal access tokens: minted once, stored hashed, scoped, expiring, revocable."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from signoff.actions.audit import record_event
from signoff.actions.users import require_site_admin
from signoff.actions.validate import clean_text
from signoff.auth.scopes import ALL_SCOPES
from signoff.auth.tokens import PERSONAL_TOKEN_PREFIX, hash_secret, mint_secret
from signoff.db.models import PersonalToken, User
from signoff.domain.errors import BadInput, InvalidState
from signoff.domain.states import Origin

MAX_EXPIRY_DAYS = 3650


def do_create_token(
    session: Session,
    owner: User,
    *,
    scopes: Sequence[str],
    name: str | None = None,
    expires_days: int | None = None,
    actor: User | None,
    origin: Origin,
    client_id: str | None,
    now: datetime,
) -> tuple[PersonalToken, str]:
    """Mint a token for `owner`; the plaintext is returned once and never stored."""
    if actor is None or actor.id != owner.id:
        require_site_admin(actor, "create tokens for other people")
    unknown = sorted(set(scopes) - ALL_SCOPES)
    if not scopes or unknown:
        raise BadInput(
            f"scope must be one or more of {', '.join(sorted(ALL_SCOPES))}"
            + (f"; unknown: {', '.join(unknown)}." if unknown else "."),
            field="scope",
        )
    if expires_days is not None and not 1 <= expires_days <= MAX_EXPIRY_DAYS:
        raise BadInput(
            f"expiresDays must be 1 to {MAX_EXPIRY_DAYS}.", field="expiresDays"
        )
    label = clean_text(name or "personal token", field="name", max_length=200)
    secret = mint_secret(PERSONAL_TOKEN_PREFIX)
    token = PersonalToken(
        user_id=owner.id,
        name=label,
        token_hash=hash_secret(secret),
        scopes=sorted(set(scopes)),
        created_at=now,
        expires_at=now + timedelta(days=expires_days) if expires_days else None,
    )
    session.add(token)
    session.flush()
    record_event(
        session,
        "token.created",
        f"A personal token '{label}' was created for {owner.display_name}.",
        actor=actor,
        origin=origin,
        client_id=client_id,
        now=now,
        details={
            "tokenId": token.id,
            "owner": owner.account_id,
            "scopes": token.scopes,
            "expiresAt": token.expires_at.isoformat() if token.expires_at else None,
        },
    )
    return token, secret


def do_revoke_token(
    session: Session,
    token: PersonalToken,
    *,
    actor: User | None,
    origin: Origin,
    client_id: str | None,
    now: datetime,
) -> PersonalToken:
    if actor is None or actor.id != token.user_id:
        require_site_admin(actor, "revoke other people's tokens")
    if token.revoked_at is not None:
        raise InvalidState("The token is already revoked.")
    token.revoked_at = now
    session.flush()
    record_event(
        session,
        "token.revoked",
        f"Personal token '{token.name}' was revoked.",
        actor=actor,
        origin=origin,
        client_id=client_id,
        now=now,
        details={"tokenId": token.id},
    )
    return token
