"""Spaces and their members: creation by site administrators, roles by space admins.

Removing a member also drops their seats in the space's pending reviews
(`actions.seats`): whoever may not read a space may not review it.
"""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from signoff.access import require_role
from signoff.actions.acting import Acting
from signoff.actions.audit import record_event
from signoff.actions.events import announce
from signoff.actions.seats import drop_seats, lock_reviews_held_by
from signoff.actions.users import require_site_admin
from signoff.actions.validate import check_pattern, clean_text
from signoff.db.models import Space, SpaceMember, User
from signoff.domain.errors import BadInput, InvalidState
from signoff.domain.states import Role
from signoff.queries.readers import forget_readers

SPACE_KEY = re.compile(r"[A-Z][A-Z0-9]{1,49}")


def do_create_space(
    session: Session,
    key: str,
    name: str,
    *,
    by: Acting[User | None],
) -> Space:
    require_site_admin(by.actor, "create spaces")
    check_pattern(
        key, SPACE_KEY, field="key", hint="must be 2-50 upper-case letters and digits"
    )
    name = clean_text(name, field="name", max_length=200)
    if session.scalar(select(Space.id).where(Space.key == key)) is not None:
        raise InvalidState(f"A space with key {key!r} already exists.")
    space = Space(
        key=key,
        name=name,
        created_at=by.now,
        created_by=by.actor.id if by.actor else None,
    )
    session.add(space)
    session.flush()
    if by.actor is not None:
        session.add(
            SpaceMember(
                space_id=space.id, user_id=by.actor.id, role=Role.admin, added_at=by.now
            )
        )
    record_event(
        session,
        "space.created",
        f"Space {key} ({name}) was created.",
        by=by,
        space_id=space.id,
        details={"key": key, "name": name},
    )
    return space


def do_add_member(
    session: Session,
    space: Space,
    user: User,
    role: Role | str,
    *,
    by: Acting[User | None],
) -> SpaceMember:
    """Add `user` to the space, or change their role if they are already a member."""
    if by.actor is not None:
        require_role(session, by.actor, space.id, Role.admin, action="manage members")
    try:
        role = Role(role)
    except ValueError:
        raise BadInput("role must be admin, editor or viewer.", field="role") from None
    member = session.get(SpaceMember, (space.id, user.id))
    previous = member.role if member else None
    if member is None:
        member = SpaceMember(
            space_id=space.id, user_id=user.id, role=role, added_at=by.now
        )
        session.add(member)
    elif previous == role:
        return member
    else:
        member.role = role
    session.flush()
    forget_readers(session)
    announce(
        session,
        "space.member_added",
        f"{user.display_name} was given the {role.value} role in {space.key}.",
        {"spaceId": space.id, "accountId": user.account_id, "role": role.value},
        by=by,
        space_id=space.id,
        details={
            "accountId": user.account_id,
            "role": role.value,
            "previousRole": previous,
        },
    )
    return member


def do_remove_member(
    session: Session,
    space: Space,
    user: User,
    *,
    by: Acting[User | None],
) -> None:
    if by.actor is not None:
        require_role(session, by.actor, space.id, Role.admin, action="manage members")
    member = session.get(SpaceMember, (space.id, user.id))
    if member is None:
        raise InvalidState(f"{user.display_name} is not a member of {space.key}.")
    if member.role == Role.admin and _admin_count(session, space.id) == 1:
        raise InvalidState("A space must keep at least one admin.")
    held = lock_reviews_held_by(session, space, user)
    session.delete(member)
    session.flush()
    forget_readers(session)
    record_event(
        session,
        "space.member_removed",
        f"{user.display_name} was removed from {space.key}.",
        by=by,
        space_id=space.id,
        details={"accountId": user.account_id, "previousRole": member.role},
    )
    # Whoever may not read the space may not review it: their seats go.
    drop_seats(
        session,
        held,
        user,
        space,
        by=by,
    )


def _admin_count(session: Session, space_id: int) -> int:
    return len(
        session.scalars(
            select(SpaceMember.user_id).where(
                SpaceMember.space_id == space_id, SpaceMember.role == Role.admin
            )
        ).all()
    )
