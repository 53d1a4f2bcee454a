"""What the top navigation needs to know about the signed-in person, on every page.

One statement per page render: the unread mentions beside `Inbox` (the inbox's own
count) and whether the person administers a space (the `Audit trail` and
`Analytics` links are for them).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session

from signoff.db.models import SpaceMember, User
from signoff.domain.states import Role
from signoff.queries.inbox import unread_mentions_count


@dataclass(frozen=True)
class NavFacts:
    unread: int
    administers: bool
    """A site admin administers every space."""


def nav_facts(session: Session, user_id: int) -> NavFacts:
    admin_somewhere = exists().where(
        SpaceMember.user_id == user_id, SpaceMember.role == Role.admin.value
    )
    site_admin = exists().where(User.id == user_id, User.is_site_admin.is_(True))
    row = session.execute(
        select(
            unread_mentions_count(user_id).scalar_subquery(),
            or_(admin_somewhere, site_admin),
        )
    ).one()
    return NavFacts(unread=int(row[0] or 0), administers=bool(row[1]))
