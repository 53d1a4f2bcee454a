"""Pages for a space's admins: the role check, audited when it refuses.

The check runs in a unit of work of its own, so a refusal lands in the audit trail
as `auth.denied`, while the page itself is read in a read transaction.
"""

from __future__ import annotations

from sqlalchemy.orm import Session
from starlette.requests import Request

from signoff.access import access_space_by_key, require_role
from signoff.actions.unit import unit_of_work
from signoff.db.models import Space, User
from signoff.domain.states import Origin, Role
from signoff.web import context
from signoff.web.sessions import CurrentSession


def signed_in_user(session: Session, current: CurrentSession) -> User:
    user = session.get(User, current.user_id)
    assert user is not None
    return user


def admin_space(session: Session, user: User, key: str, *, action: str) -> Space:
    """The space, if `user` is its admin; 404 outside it, 403 below admin."""
    space = access_space_by_key(session, user, key)
    require_role(session, user, space.id, Role.admin, action=action)
    return space


def check_admin(
    request: Request, current: CurrentSession, key: str, *, action: str
) -> int:
    """The space's id once the admin check passed (refusals audited)."""
    with unit_of_work(context.database(request), origin=Origin.ui) as session:
        user = signed_in_user(session, current)
        return admin_space(session, user, key, action=action).id
