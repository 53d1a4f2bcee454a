"""Groups: site-wide teams that hold one seat on a workflow step, filled by any member.

Only site administrators (and the console operator, `actor=None`) change them: a
group's seats reach every space, so whoever could join one would gain seats where
they have no say. Joining or leaving a group changes whom pending reviews wait for,
at once (`actions.assignments`, `actions.seats`). A group that follows a Confluence
group (`actions.confluence.group_follow`) is filled only by that following.
"""

from __future__ import annotations

import re

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from signoff.actions.acting import Acting
from signoff.actions.assignments import assign_new_member
from signoff.actions.audit import record_event
from signoff.actions.seats import leave_group_seats, lock_reviews_seating_group
from signoff.actions.users import require_site_admin
from signoff.actions.validate import check_pattern
from signoff.db.models import (
    ApprovalRequest,
    ConfluenceGroupFollow,
    ConfluenceSite,
    Group,
    GroupMember,
    Page,
    RequestStep,
    RequestStepSeat,
    Space,
    User,
    Workflow,
    WorkflowStep,
)
from signoff.domain.errors import InvalidState
from signoff.domain.states import RequestStatus, WorkflowKind

GROUP_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,99}")
_NAME_HINT = "must be 1-100 lower-case letters, digits, '.', '_' or '-'"


def do_create_group(session: Session, name: str, *, by: Acting[User | None]) -> Group:
    require_site_admin(by.actor, "create groups")
    _check_new_name(session, name, field="name")
    group = Group(name=name, created_at=by.now)
    session.add(group)
    session.flush()
    record_event(
        session,
        "group.created",
        f"Group {name} was created.",
        by=by,
        details={"group": name},
    )
    return group


def do_rename_group(
    session: Session, group: Group, new_name: str, *, by: Acting[User | None]
) -> Group:
    """Workflows and reviews hold the group by id, so they follow the new name."""
    require_site_admin(by.actor, "rename groups")
    _check_new_name(session, new_name, field="newName")
    old_name, group.name = group.name, new_name
    session.flush()
    record_event(
        session,
        "group.renamed",
        f"Group {old_name} was renamed {new_name}.",
        by=by,
        details={"group": new_name, "previousName": old_name},
    )
    return group


def do_add_group_member(
    session: Session,
    group: Group,
    user: User,
    *,
    by: Acting[User | None],
    via: str | None = None,
) -> None:
    """The pending reviews whose current step the group holds wait for them now.

    `via` names the Confluence group a following group copies (the sync passes it,
    and only the sync may change such a group); a change by hand has none.
    """
    require_site_admin(by.actor, "change group membership")
    _refuse_if_following(session, group, via)
    if session.get(GroupMember, (group.id, user.id)) is not None:
        raise InvalidState(f"{user.display_name} is already in group {group.name}.")
    session.add(GroupMember(group_id=group.id, user_id=user.id))
    session.flush()
    assign_new_member(session, group.id, user.id)
    record_event(
        session,
        "group.member_added",
        f"{user.display_name} joined group {group.name}{_from(via)}.",
        by=by,
        details={"group": group.name, "accountId": user.account_id} | _via(via),
    )


def do_remove_group_member(
    session: Session,
    group: Group,
    user: User,
    *,
    by: Acting[User | None],
    via: str | None = None,
) -> None:
    """The group's seats stop counting `user`: the reviews stop waiting for them
    there (unless they hold the step another way) and are counted again, so a step
    that can no longer pass fails now and one whose other seats are filled passes.
    `via` as for `do_add_group_member`."""
    require_site_admin(by.actor, "change group membership")
    _refuse_if_following(session, group, via)
    member = session.get(GroupMember, (group.id, user.id))
    if member is None:
        raise InvalidState(f"{user.display_name} is not in group {group.name}.")
    held = lock_reviews_seating_group(session, group.id)
    session.delete(member)
    session.flush()
    record_event(
        session,
        "group.member_removed",
        f"{user.display_name} left group {group.name}{_from(via)}.",
        by=by,
        details={"group": group.name, "accountId": user.account_id} | _via(via),
    )
    leave_group_seats(session, held, group.id, user, by=by)


def do_delete_group(session: Session, group: Group, *, by: Acting[User | None]) -> None:
    """Only a group nothing refers to goes: a pending review waiting on it, a
    workflow naming it, or a finished review's record of it each keep it (an
    emptied group holds seats nobody can fill, so empty it to retire it)."""
    require_site_admin(by.actor, "delete groups")
    _refuse_if_used(session, group)
    members = list(
        session.scalars(
            select(User.account_id)
            .join(GroupMember, GroupMember.user_id == User.id)
            .where(GroupMember.group_id == group.id)
            .order_by(User.account_id)
        )
    )
    session.execute(delete(GroupMember).where(GroupMember.group_id == group.id))
    session.delete(group)
    session.flush()
    record_event(
        session,
        "group.deleted",
        f"Group {group.name} was deleted.",
        by=by,
        details={"group": group.name, "members": members},
    )


def _refuse_if_following(session: Session, group: Group, via: str | None) -> None:
    """By hand, a following group would drift from its Confluence group until the
    next pass undid the change: refused, saying where membership is kept."""
    if via is not None:
        return
    found = session.execute(
        select(ConfluenceGroupFollow.confluence_group_name, ConfluenceSite.name)
        .join(ConfluenceSite, ConfluenceSite.id == ConfluenceGroupFollow.site_id)
        .where(ConfluenceGroupFollow.group_id == group.id)
    ).first()
    if found is not None:
        raise InvalidState(
            f"group {group.name} follows Confluence group {found[0]} on site "
            f"{found[1]}; change membership there or unfollow"
        )


def _from(via: str | None) -> str:
    return f" (from {via})" if via else ""


def _via(via: str | None) -> dict[str, str]:
    return {"via": via} if via else {}


def _check_new_name(session: Session, name: str, *, field: str) -> None:
    check_pattern(name, GROUP_NAME, field=field, hint=_NAME_HINT)
    if session.scalar(select(Group.id).where(Group.name == name)) is not None:
        raise InvalidState(f"A group named {name!r} already exists.")


def _refuse_if_used(session: Session, group: Group) -> None:
    pending = session.execute(
        select(Page.title, ApprovalRequest.page_version, Space.key)
        .join(ApprovalRequest, ApprovalRequest.page_id == Page.id)
        .join(Space, Space.id == ApprovalRequest.space_id)
        .join(RequestStep, RequestStep.request_id == ApprovalRequest.id)
        .join(RequestStepSeat, RequestStepSeat.step_id == RequestStep.id)
        .where(
            RequestStepSeat.group_id == group.id,
            ApprovalRequest.status == RequestStatus.pending.value,
        )
        .order_by(ApprovalRequest.id)
        .limit(1)
    ).first()
    if pending is not None:
        title, version, key = pending
        raise InvalidState(
            f"Group {group.name} holds a seat in the pending review of '{title}' "
            f"version {version} in {key}; it can be deleted once that review ends."
        )
    for name, key, group_ids in session.execute(
        select(Workflow.name, Space.key, WorkflowStep.group_ids)
        .join(Workflow, Workflow.id == WorkflowStep.workflow_id)
        .join(Space, Space.id == Workflow.space_id)
        .where(Workflow.kind == WorkflowKind.defined)
        .order_by(Workflow.id, WorkflowStep.position)
    ):
        if group.id in group_ids:
            raise InvalidState(
                f"Group {group.name} is named by workflow '{name}' in {key}; "
                "take it out of the workflow first."
            )
    if session.scalar(
        select(RequestStepSeat.id).where(RequestStepSeat.group_id == group.id).limit(1)
    ):
        raise InvalidState(
            f"Group {group.name} took part in past reviews, whose record names it; "
            "remove its members instead."
        )
