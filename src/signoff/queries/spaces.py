"""Spaces as a caller sees them: the ones they belong to, each with their role.

Site administrators act as admin in every space, so they see every space as admin.
`/api/v1` writes these values (`api/v1/shapes/spaces.py`).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from signoff.db.models import Space, SpaceMember, User
from signoff.domain.adhoc import AdhocMode
from signoff.domain.states import Role


@dataclass(frozen=True)
class SpaceView:
    id: int
    key: str
    name: str
    role: Role
    adhoc_approvals: AdhocMode = AdhocMode.unassigned


@dataclass(frozen=True)
class MemberView:
    """A membership as it stands after a change; `role` None once removed."""

    space_id: int
    account_id: str
    display_name: str
    role: Role | None


def list_spaces_for(session: Session, user: User) -> list[SpaceView]:
    """The user's spaces by key, in one statement (every space for site admins)."""
    if user.is_site_admin:
        spaces = session.scalars(select(Space).order_by(Space.key))
        return [
            SpaceView(s.id, s.key, s.name, Role.admin, AdhocMode(s.adhoc_approvals))
            for s in spaces
        ]
    rows = session.execute(
        select(Space, SpaceMember.role)
        .join(SpaceMember, SpaceMember.space_id == Space.id)
        .where(SpaceMember.user_id == user.id)
        .order_by(Space.key)
    )
    return [
        SpaceView(s.id, s.key, s.name, Role(role), AdhocMode(s.adhoc_approvals))
        for s, role in rows
    ]


def space_view(session: Session, user: User, space: Space) -> SpaceView | None:
    """One space with the user's role in it, or None when they have none."""
    if user.is_site_admin:
        return SpaceView(
            space.id,
            space.key,
            space.name,
            Role.admin,
            AdhocMode(space.adhoc_approvals),
        )
    member = session.get(SpaceMember, (space.id, user.id))
    if member is None:
        return None
    return SpaceView(
        space.id,
        space.key,
        space.name,
        Role(member.role),
        AdhocMode(space.adhoc_approvals),
    )


def member_view(session: Session, space: Space, person: User) -> MemberView:
    member = session.get(SpaceMember, (space.id, person.id))
    role = Role(member.role) if member is not None else None
    return MemberView(space.id, person.account_id, person.display_name, role)
