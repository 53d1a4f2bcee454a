"""Permission-checked loaders: fetch what the principal may see, or refuse.

An object the caller may not see is reported as not found, so ids cannot be probed.
A visible object the caller may not change is refused with `NotAllowed`, which
carries a `Denial` the unit of work records as `auth.denied`.
"""

from __future__ import annotations

from sqlalchemy import Integer, and_, bindparam, inspect, select
from sqlalchemy import event as orm_event
from sqlalchemy.orm import Session, SessionTransaction

from signoff.db.models import (
    ChangeSet,
    Group,
    Page,
    Space,
    SpaceMember,
    User,
    WebhookSubscription,
    Workflow,
)
from signoff.domain.errors import Denial, NotAllowed, NotFound
from signoff.domain.states import Role, WorkflowKind


def space_role(session: Session, user: User | None, space_id: int) -> Role | None:
    """The user's role in the space; site administrators act as admin everywhere."""
    if user is None:
        return None
    if user.is_site_admin:
        return Role.admin
    member = _membership(session, space_id, user.id)
    return Role(member.role) if member else None


_MEMBERS = "signoff.members"  # session.info key: (space id, user id) -> SpaceMember


@orm_event.listens_for(Session, "after_transaction_end")
def _forget_members(session: Session, transaction: SessionTransaction) -> None:
    # Another transaction may change a role; only this one's reads are kept.
    if transaction.parent is None:
        session.info.pop(_MEMBERS, None)


def _membership(session: Session, space_id: int, user_id: int) -> SpaceMember | None:
    """The membership row, read once per transaction: an action checks the same role
    several times. The session's identity map holds rows only weakly, so the rows are
    kept here; a role changed through the ORM changes this same object, and a deleted
    row is read again."""
    members: dict[tuple[int, int], SpaceMember] = session.info.setdefault(_MEMBERS, {})
    member = members.get((space_id, user_id))
    if member is not None and member in session and not inspect(member).deleted:
        return member
    member = session.get(SpaceMember, (space_id, user_id))
    if member is not None:
        members[(space_id, user_id)] = member
    return member


def remember_membership(session: Session, member: SpaceMember) -> None:
    """Keep a membership row a query loaded beside what it was after (a page and
    its reader's role in one statement), so `space_role` need not read it again."""
    members: dict[tuple[int, int], SpaceMember] = session.info.setdefault(_MEMBERS, {})
    members[(member.space_id, member.user_id)] = member


def with_membership(user: User | None) -> dict[str, int]:
    """The parameters of a statement built with `MEMBER_OF_PAGE_SPACE`."""
    return {"member_user_id": -1 if user is None else user.id}


MEMBER_OF_PAGE_SPACE = and_(
    SpaceMember.space_id == Page.space_id,
    SpaceMember.user_id == bindparam("member_user_id", type_=Integer),
)
"""Join a page's space membership of one user (`with_membership`)."""

# Built once: a page and its reader's membership, the first read of every action.
_PAGE_AS = (
    select(Page, SpaceMember)
    .outerjoin(SpaceMember, MEMBER_OF_PAGE_SPACE)
    .where(Page.id == bindparam("page_id", type_=Integer))
)


def require_role(
    session: Session,
    user: User | None,
    space_id: int,
    needed: Role,
    *,
    action: str,
    page_id: int | None = None,
    change_set_id: int | None = None,
) -> Role:
    """The user's role if it includes `needed`; otherwise refuse, naming the action."""
    role = space_role(session, user, space_id)
    if role is not None and role.includes(needed):
        return role
    raise NotAllowed(
        f"You need the {needed.value} role in this space to {action}.",
        denial=Denial(
            action=action,
            reason=f"role {role.value if role else 'none'} < {needed.value}",
            actor_id=user.id if user else None,
            space_id=space_id,
            page_id=page_id,
            change_set_id=change_set_id,
        ),
    )


def access_space(
    session: Session,
    user: User | None,
    space_id: int,
    needed: Role = Role.viewer,
    *,
    action: str | None = None,
) -> Space:
    """A space the user belongs to, refused (naming `action`) below `needed`."""
    space = session.get(Space, space_id)
    if space is None or space_role(session, user, space.id) is None:
        raise NotFound(f"Space {space_id} not found.")
    require_role(
        session, user, space.id, needed, action=action or f"use space {space.key}"
    )
    return space


def access_space_by_key(session: Session, user: User | None, key: str) -> Space:
    space = session.scalar(select(Space).where(Space.key == key))
    if space is None or space_role(session, user, space.id) is None:
        raise NotFound(f"Space {key!r} not found.")
    return space


def access_page(session: Session, user: User | None, page_id: int) -> Page:
    """A page the user may read (any role in its space); the page and the user's
    membership of its space are read in one statement."""
    page = (
        session.get(Page, page_id) if user is None else _page_as(session, user, page_id)
    )
    if page is None or space_role(session, user, page.space_id) is None:
        raise NotFound(f"Page {page_id} not found.")
    return page


def _page_as(session: Session, user: User, page_id: int) -> Page | None:
    row = session.execute(
        _PAGE_AS, {"page_id": page_id, **with_membership(user)}
    ).first()
    if row is None:
        return None
    page, member = row
    if member is not None:
        remember_membership(session, member)
    result: Page = page
    return result


def access_change_set(
    session: Session, user: User | None, change_set_id: int
) -> ChangeSet:
    change_set = session.get(ChangeSet, change_set_id)
    if change_set is None or space_role(session, user, change_set.space_id) is None:
        raise NotFound(f"Change set {change_set_id} not found.")
    return change_set


def access_workflow(session: Session, user: User | None, workflow_id: int) -> Workflow:
    """A workflow a space admin defined, in a space the user belongs to (an ad-hoc
    request's one-off workflow is not one to read or manage on its own)."""
    workflow = session.get(Workflow, workflow_id)
    if (
        workflow is None
        or workflow.kind != WorkflowKind.defined
        or space_role(session, user, workflow.space_id) is None
    ):
        raise NotFound(f"Workflow {workflow_id} not found.")
    return workflow


def access_webhook(
    session: Session, user: User | None, webhook_id: int
) -> WebhookSubscription:
    """A webhook of a space the user belongs to; the role to manage it is checked by
    the caller. One in a space the user cannot see reads exactly as a missing one."""
    webhook = session.get(WebhookSubscription, webhook_id)
    if webhook is None or space_role(session, user, webhook.space_id) is None:
        raise NotFound(f"Webhook {webhook_id} not found.")
    return webhook


def access_account(session: Session, account_id: str, *, field: str) -> User:
    """The person an account id names; unknown ids are reported naming the field.

    Account ids are what every reader already sees beside a decision or a
    submission, so naming one reveals nothing the caller could not read.
    """
    person = session.scalar(select(User).where(User.account_id == account_id))
    if person is None:
        raise NotFound(f"{field}: no user with accountId {account_id!r}.")
    return person


def access_group(session: Session, name: str, *, field: str = "name") -> Group:
    """The group `name` names; groups are site-wide and their names visible to
    everyone who signs in, so an unknown name is simply reported."""
    group = session.scalar(select(Group).where(Group.name == name))
    if group is None:
        raise NotFound(f"{field}: no group named {name!r}.")
    return group


def access_member_account(
    session: Session, user: User | None, space: Space, account_id: str
) -> User:
    """A person a space admin names to add or remove: the role is checked first, so
    whoever may not manage members learns nothing about accounts."""
    require_role(session, user, space.id, Role.admin, action="manage members")
    return access_account(session, account_id, field="accountId")
