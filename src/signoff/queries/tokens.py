"""Personal access tokens as an operator lists them: whose, what for, and when used.

Never the secret (only its hash is stored, and is not shown either). A token's state
is `revoked`, `expired` or `active`, decided at the time the caller gives. `signoff
token list --json` writes these values (`cli/tokens.py`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from signoff.db.models import PersonalToken, User


@dataclass(frozen=True)
class TokenView:
    """A token as listed; `owner` is its user's username."""

    id: int
    owner: str
    name: str
    scopes: tuple[str, ...]
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None
    state: str


def token_state(token: PersonalToken, now: datetime) -> str:
    if token.revoked_at is not None:
        return "revoked"
    if token.expires_at is not None and token.expires_at <= now:
        return "expired"
    return "active"


def list_personal_tokens(
    session: Session, now: datetime, user_id: int | None = None
) -> list[TokenView]:
    """Every personal token (or `user_id`'s), oldest first, revoked ones included."""
    query = (
        select(PersonalToken, User.username)
        .join(User, User.id == PersonalToken.user_id)
        .order_by(PersonalToken.id)
    )
    if user_id is not None:
        query = query.where(PersonalToken.user_id == user_id)
    return [_view(token, owner, now) for token, owner in session.execute(query)]


def token_view(session: Session, token: PersonalToken, now: datetime) -> TokenView:
    owner = session.get(User, token.user_id)
    assert owner is not None  # a foreign key guarantees the row
    return _view(token, owner.username, now)


def _view(token: PersonalToken, owner: str, now: datetime) -> TokenView:
    return TokenView(
        id=token.id,
        owner=owner,
        name=token.name,
        scopes=tuple(token.scopes),
        created_at=token.created_at,
        expires_at=token.expires_at,
        last_used_at=token.last_used_at,
        revoked_at=token.revoked_at,
        state=token_state(token, now),
    )
