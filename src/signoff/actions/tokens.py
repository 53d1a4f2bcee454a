"""Personal access tokens: minted once, stored hashed, scoped, expiring, revocable.

Creating and revoking a token are audited; noting when a token was last used is not
(it changes no one's rights), and is written at most once a minute per token.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, or_, update
from sqlalchemy.orm import Session

from signoff.actions.acting import Acting
from signoff.actions.audit import record_event
from signoff.actions.users import require_site_admin
from signoff.actions.validate import clean_text
from signoff.auth.scopes import ALL_SCOPES
from signoff.auth.tokens import PERSONAL_TOKEN_PREFIX, hash_secret, mint_secret
from signoff.db.models import PersonalToken, User
from signoff.domain.errors import BadInput, InvalidState
from signoff.domain.lifetimes import TOKEN_USE_PRECISION

MAX_EXPIRY_DAYS = 3650


def do_create_token(
    session: Session,
    owner: User,
    *,
    scopes: Sequence[str],
    name: str | None = None,
    expires_days: int | None = None,
    by: Acting[User | None],
) -> tuple[PersonalToken, str]:
    """Mint a token for `owner`; the plaintext is returned once and never stored."""
    if by.actor is None or by.actor.id != owner.id:
        require_site_admin(by.actor, "create tokens for other people")
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
        created_at=by.now,
        expires_at=by.now + timedelta(days=expires_days) if expires_days else None,
    )
    session.add(token)
    session.flush()
    record_event(
        session,
        "token.created",
        f"A personal token '{label}' was created for {owner.display_name}.",
        by=by,
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
    by: Acting[User | None],
) -> PersonalToken:
    if by.actor is None or by.actor.id != token.user_id:
        require_site_admin(by.actor, "revoke other people's tokens")
    if token.revoked_at is not None:
        raise InvalidState("The token is already revoked.")
    token.revoked_at = by.now
    session.flush()
    record_event(
        session,
        "token.revoked",
        f"Personal token '{token.name}' was revoked.",
        by=by,
        details={"tokenId": token.id},
    )
    return token


def do_record_token_use(
    session: Session, token_id: int, *, by: Acting[User | None]
) -> bool:
    """Note that the token was used at `by.now`, unless a use within the last minute is
    already noted; whether the row changed.

    One conditional UPDATE by primary key, with no read before it: callers that saw
    a stale time at once all reach here, and the condition lets one of them write.
    """
    result = cast(
        "CursorResult[Any]",
        session.execute(
            update(PersonalToken)
            .where(
                PersonalToken.id == token_id,
                or_(
                    PersonalToken.last_used_at.is_(None),
                    PersonalToken.last_used_at <= by.now - TOKEN_USE_PRECISION,
                ),
            )
            .values(last_used_at=by.now)
            .execution_options(synchronize_session=False)
        ),
    )
    return result.rowcount == 1
