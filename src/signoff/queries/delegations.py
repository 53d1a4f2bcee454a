"""Reading delegations: the live ones touching two people (to check a new one), the
people a delegate decides for now, and the listings people and site admins see.

"Live" means not revoked; "active" means live and covering the moment asked about.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from signoff.db.models import Delegation, User
from signoff.domain.delegation import Span


def live_spans(session: Session, *people: int) -> list[Span]:
    """Every live delegation in which one of `people` is away or is the delegate."""
    rows = session.scalars(
        select(Delegation).where(
            Delegation.revoked_at.is_(None),
            or_(Delegation.user_id.in_(people), Delegation.delegate_id.in_(people)),
        )
    )
    return [span_of(row) for row in rows]


def span_of(row: Delegation) -> Span:
    return Span(row.user_id, row.delegate_id, row.starts_at, row.ends_at)


def principals_of(session: Session, delegate: int, now: datetime) -> frozenset[int]:
    """The people `delegate` decides for at `now`."""
    return frozenset(
        session.scalars(
            select(Delegation.user_id).where(
                Delegation.delegate_id == delegate,
                Delegation.revoked_at.is_(None),
                Delegation.starts_at <= now,
                Delegation.ends_at > now,
            )
        )
    )


def list_delegations_for(session: Session, user_id: int | None) -> Sequence[Delegation]:
    """Delegations `user_id` is away in or decides in, newest first; every
    delegation when `user_id` is None (a site admin's listing)."""
    query = select(Delegation).order_by(Delegation.starts_at.desc(), Delegation.id)
    if user_id is not None:
        query = query.where(
            or_(Delegation.user_id == user_id, Delegation.delegate_id == user_id)
        )
    return session.scalars(query).all()


def delegations_seen_by(session: Session, viewer: User) -> Sequence[Delegation]:
    """The delegations `viewer` may list: their own (away or deciding), or every one
    for a site admin, who may also set and revoke them for anyone. The people of
    every row are loaded in the same go, so showing them reads nothing more."""
    rows = list_delegations_for(session, None if viewer.is_site_admin else viewer.id)
    ids = {r.user_id for r in rows} | {r.delegate_id for r in rows}
    if ids:
        session.scalars(select(User).where(User.id.in_(ids))).all()
    return rows


def names_in(session: Session, rows: Sequence[Delegation]) -> dict[int, str]:
    """The display names of both people of each of `rows`, by user id."""
    ids = {r.user_id for r in rows} | {r.delegate_id for r in rows}
    found = session.execute(
        select(User.id, User.display_name).where(User.id.in_(ids))
    ).all()
    return {row.id: row.display_name for row in found}
