"""The approval record of one page version (`domain.approval_records`), read.

The record is the latest review of that version: its members are the people its
steps seat, in step order (a group seat counts each member who may read the space),
each with the last decision they gave on it. Ad-hoc requests and workflow reviews
read alike.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from signoff.db.models import ApprovalRequest, Decision, Page, User, Workflow
from signoff.domain.adhoc import ask_quorum
from signoff.domain.approval_records import (
    ApprovalRecord,
    RecordMember,
    approval_id,
    member_status,
)
from signoff.domain.states import DecisionKind, Rule
from signoff.queries.facts import step_seats
from signoff.queries.page_refs import public_page_id


def version_request(
    session: Session, page: Page, version: int
) -> ApprovalRequest | None:
    """The latest review of `version` of the page, if it was ever reviewed."""
    return session.scalars(
        select(ApprovalRequest)
        .where(
            ApprovalRequest.page_id == page.id, ApprovalRequest.page_version == version
        )
        .order_by(ApprovalRequest.id.desc())
        .limit(1)
    ).first()


def approval_record(
    session: Session, page: Page, request: ApprovalRequest
) -> ApprovalRecord:
    workflow = session.get(Workflow, request.workflow_id)
    assert workflow is not None
    people: dict[int, None] = {}
    for step in request.steps:
        for seat in step_seats(session, step):
            people.update(dict.fromkeys(sorted(seat.holders)))
    decided: dict[int, Decision] = {}
    for row in session.scalars(
        select(Decision)
        .where(Decision.request_id == request.id)
        .order_by(Decision.created_at, Decision.id)
    ):
        decided[row.approver_id] = row
        people.setdefault(row.approver_id)
    users = {
        user.id: user
        for user in session.scalars(select(User).where(User.id.in_(list(people))))
    }
    creator = session.get(User, request.submitted_by)
    assert creator is not None
    members = []
    for user_id in people:
        user = users[user_id]
        decision = decided.get(user_id)
        kind = DecisionKind(decision.kind) if decision is not None else None
        members.append(
            RecordMember(
                approval_id=approval_id(
                    str(page.id), request.page_version, user.account_id
                ),
                account_id=user.account_id,
                display_name=user.display_name,
                status=member_status(kind),
                at=decision.created_at if decision is not None else request.created_at,
            )
        )
    last = request.steps[-1]
    return ApprovalRecord(
        creator_account=creator.account_id,
        page_id=int(public_page_id(page)),
        title=workflow.name,
        request_notifications=workflow.notify_requests,
        status_notifications=workflow.notify_status,
        expire_on_edit=request.expire_on_edit,
        quorum_size=ask_quorum(Rule(last.rule), last.quorum),
        members=members,
        version=request.page_version,
        superseded=page.current_version > request.page_version,
    )
