"""A page's approval as clients read it: standing approval, staleness, latest review.

`page_status` adds the latest request's steps, approvers and decisions to the page's
approval facts, in a fixed handful of statements however many there are. The values
are typed (ints, datetimes, the domain's enums); `/api/v1` writes them
(`api/v1/shapes/pages.py`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from signoff.db.models import (
    ApprovalRequest,
    Decision,
    Group,
    GroupMember,
    Page,
    RequestStep,
    RequestStepSeat,
    User,
)
from signoff.domain.states import (
    ApprovalStatus,
    DecisionKind,
    Origin,
    RequestStatus,
    Rule,
    StepStatus,
)
from signoff.queries.page_approvals import page_approvals


@dataclass(frozen=True)
class Person:
    """Someone named in a review, by the account id clients know them by."""

    account_id: str
    display_name: str


@dataclass(frozen=True)
class GroupRef:
    """A group seat of a step: any one member may fill it."""

    id: int
    name: str


@dataclass(frozen=True)
class DecisionView:
    """One approver's decision, at the page version it named."""

    account_id: str
    decision: DecisionKind
    comment: str | None
    version: int
    at: datetime
    origin: Origin
    on_behalf_of: Person | None = None
    """The seat holder a delegate decided for; `account_id` is the delegate."""


@dataclass(frozen=True)
class StepView:
    """A step of the request; `approvers` are named users, then groups' members."""

    name: str
    rule: Rule
    quorum: int | None
    status: StepStatus
    approvers: tuple[Person, ...]
    groups: tuple[GroupRef, ...]
    decisions: tuple[DecisionView, ...]


@dataclass(frozen=True)
class OverrideView:
    """Who forced the review's outcome, why, and when (`actions.overrides`)."""

    account_id: str
    display_name: str
    reason: str
    at: datetime


@dataclass(frozen=True)
class RequestView:
    """The page's latest review: the version submitted, by whom, and its steps;
    `override` when a space admin forced its outcome."""

    id: int
    version: int
    status: RequestStatus
    workflow_id: int
    submitted_by: str
    origin: Origin
    created_at: datetime
    steps: tuple[StepView, ...]
    override: OverrideView | None = None


@dataclass(frozen=True)
class PageStatus:
    """A page's approval: its standing and its latest review.

    The standing is `approval_status` (the latest review's status, `none` when
    never submitted, `approved` whenever an approval covers the current version and
    no review is pending: `domain.standing`), `approved_at_version` (the standing
    approval's version, None without one), `is_stale` and `version_delta` (how far
    the current version has moved past it); the same four as a change set's
    `PageApprovalFacts`. `request` is the latest review itself, whatever the
    standing says.
    """

    page_id: int
    public_id: str
    """The page's id as clients name it (`queries.page_refs`)."""
    title: str
    current_page_version: int
    approval_status: ApprovalStatus
    approved_at_version: int | None
    is_stale: bool
    version_delta: int
    request: RequestView | None
    rereview_due_at: datetime | None = None
    """When the approval the page stands on is due for periodic re-review."""


def page_status(session: Session, page: Page) -> PageStatus:
    """The page's approval; at most six statements, whatever the review's size."""
    facts = page_approvals(session, Page.id == page.id)
    assert facts, "a page always has its current version"
    fact = facts[0]
    request = (
        session.get(ApprovalRequest, fact.latest_request_id)
        if fact.latest_request_id is not None
        else None
    )
    return PageStatus(
        page_id=fact.page_id,
        public_id=fact.public_id,
        title=fact.title,
        current_page_version=fact.current_page_version,
        approval_status=fact.approval_status,
        approved_at_version=fact.approved_at_version,
        is_stale=fact.is_stale,
        version_delta=fact.version_delta,
        request=_request_view(session, request) if request else None,
        rereview_due_at=_rereview_due(session, page),
    )


def _rereview_due(session: Session, page: Page) -> datetime | None:
    """The standing approval's re-review date; read through the identity map, so
    only a page whose latest review is not its approval reads one more row."""
    if page.approved_request_id is None:
        return None
    approved = session.get(ApprovalRequest, page.approved_request_id)
    return approved.rereview_due_at if approved is not None else None


@dataclass
class _StepRows:
    """A step as read, before its people have names."""

    step: tuple[Any, ...]
    user_ids: list[int] = field(default_factory=list)
    group_ids: list[int] = field(default_factory=list)
    decisions: list[Any] = field(default_factory=list)


def _request_view(session: Session, request: ApprovalRequest) -> RequestView:
    steps = _steps_with_seats(session, request.id)
    group_ids = {gid for rows in steps.values() for gid in rows.group_ids}
    groups = _groups_with_members(session, group_ids)
    _add_decisions(session, request.id, steps)
    overrider = {request.overridden_by} if request.overridden_by else set()
    people = _people(
        session,
        {request.submitted_by}
        | overrider
        | {uid for rows in steps.values() for uid in rows.user_ids}
        | {uid for _, members in groups.values() for uid in members}
        | {d.approver_id for rows in steps.values() for d in rows.decisions}
        | {
            d.on_behalf_of
            for rows in steps.values()
            for d in rows.decisions
            if d.on_behalf_of is not None
        },
    )
    return RequestView(
        id=request.id,
        version=request.page_version,
        status=RequestStatus(request.status),
        workflow_id=request.workflow_id,
        submitted_by=people[request.submitted_by].account_id,
        origin=Origin(request.origin),
        created_at=request.created_at,
        steps=tuple(_step_view(rows, groups, people) for rows in steps.values()),
        override=_override_view(request, people),
    )


def _override_view(
    request: ApprovalRequest, people: dict[int, Person]
) -> OverrideView | None:
    if request.overridden_by is None or request.completed_at is None:
        return None
    person = people[request.overridden_by]
    return OverrideView(
        account_id=person.account_id,
        display_name=person.display_name,
        reason=request.override_reason or "",
        at=request.completed_at,
    )


def _add_decisions(
    session: Session, request_id: int, steps: dict[int, _StepRows]
) -> None:
    """Every decision of the request, in one statement, filed under its step."""
    for decision in session.execute(
        select(
            Decision.step_id,
            Decision.approver_id,
            Decision.kind,
            Decision.comment,
            Decision.page_version,
            Decision.created_at,
            Decision.origin,
            Decision.on_behalf_of,
        )
        .where(Decision.request_id == request_id)
        .order_by(Decision.id)
    ):
        if decision.step_id in steps:
            steps[decision.step_id].decisions.append(decision)


def _steps_with_seats(session: Session, request_id: int) -> dict[int, _StepRows]:
    """Steps in order with their seats, in one statement (an outer join)."""
    rows = session.execute(
        select(
            RequestStep.id,
            RequestStep.name,
            RequestStep.rule,
            RequestStep.quorum,
            RequestStep.status,
            RequestStepSeat.user_id,
            RequestStepSeat.group_id,
        )
        .outerjoin(RequestStepSeat, RequestStepSeat.step_id == RequestStep.id)
        .where(RequestStep.request_id == request_id)
        .order_by(RequestStep.position, RequestStepSeat.id)
    )
    steps: dict[int, _StepRows] = {}
    for step_id, name, rule, quorum, status, user_id, group_id in rows:
        rows_of = steps.setdefault(
            step_id, _StepRows((name, Rule(rule), quorum, StepStatus(status)))
        )
        if user_id is not None:
            rows_of.user_ids.append(user_id)
        if group_id is not None:
            rows_of.group_ids.append(group_id)
    return steps


def _groups_with_members(
    session: Session, group_ids: set[int]
) -> dict[int, tuple[str, list[int]]]:
    """Each group's name and current members, in one statement."""
    groups: dict[int, tuple[str, list[int]]] = {}
    if not group_ids:
        return groups
    rows = session.execute(
        select(Group.id, Group.name, GroupMember.user_id)
        .outerjoin(GroupMember, GroupMember.group_id == Group.id)
        .where(Group.id.in_(group_ids))
        .order_by(Group.id, GroupMember.user_id)
    )
    for group_id, name, user_id in rows:
        _, members = groups.setdefault(group_id, (name, []))
        if user_id is not None:
            members.append(user_id)
    return groups


def _people(session: Session, user_ids: Iterable[int]) -> dict[int, Person]:
    wanted = set(user_ids)
    rows = session.execute(
        select(User.id, User.account_id, User.display_name).where(User.id.in_(wanted))
    )
    return {uid: Person(account_id, name) for uid, account_id, name in rows}


def _step_view(
    rows: _StepRows,
    groups: dict[int, tuple[str, list[int]]],
    people: dict[int, Person],
) -> StepView:
    name, rule, quorum, status = rows.step
    holders = list(rows.user_ids)
    for group_id in rows.group_ids:
        holders += sorted(
            groups.get(group_id, ("", []))[1],
            key=lambda uid: people[uid].display_name.casefold(),
        )
    return StepView(
        name=name,
        rule=rule,
        quorum=quorum,
        status=status,
        approvers=tuple(people[uid] for uid in dict.fromkeys(holders)),
        groups=tuple(
            GroupRef(gid, groups[gid][0]) for gid in rows.group_ids if gid in groups
        ),
        decisions=tuple(
            DecisionView(
                account_id=people[d.approver_id].account_id,
                decision=DecisionKind(d.kind),
                comment=d.comment or None,
                version=d.page_version,
                at=d.created_at,
                origin=Origin(d.origin),
                on_behalf_of=people[d.on_behalf_of] if d.on_behalf_of else None,
            )
            for d in rows.decisions
        ),
    )
