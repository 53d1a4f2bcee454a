"""Who each pending review is waiting for, kept as rows as the review moves.

"Waiting for me" is the queue's busiest read. Working it out from seats, group
memberships and decisions each time costs what every pending review costs; the rows of
`review_assignments` hold the answer for the current step of each pending review, so
the queue reads a person's own rows by index, newest first, and their count from
`assignment_counts` (kept by database triggers on these rows).

The rule is `domain.steps.can_decide`'s, applied when it can change:
- a step becomes current (`assign_step`): its seat holders, direct or through a group,
  less the people the request excludes (the submitter and every author of the content
  under review, unless self-approval: `domain.duties`);
- a person decides (`unassign`), or joins a group holding seats (`assign_new_member`);
- a step completes or the review ends (`clear_step`, `clear_request`).
"""

from __future__ import annotations

from typing import cast

from sqlalchemy import Delete, Integer, Table, bindparam, delete, exists, insert, select
from sqlalchemy.orm import Session

from signoff.db.models import (
    ApprovalRequest,
    Decision,
    GroupMember,
    RequestStep,
    RequestStepSeat,
    ReviewAssignment,
)
from signoff.domain.duties import excluded_deciders
from signoff.domain.states import RequestStatus, StepStatus
from signoff.queries.authors import requests_authors
from signoff.queries.facts import request_exclusions

_ASSIGNMENTS = cast("Table", ReviewAssignment.__table__)
# Core statements built once: the ORM's bulk delete would look for loaded rows to
# synchronise, and none of these rows is ever loaded as an object. A Core statement
# does not flush the session first, so `_delete` does: rows `assign_step` added and
# not yet written are deleted too, as the ORM statement's autoflush did.
_UNASSIGN = delete(_ASSIGNMENTS).where(
    _ASSIGNMENTS.c.step_id == bindparam("step_id", type_=Integer),
    _ASSIGNMENTS.c.user_id == bindparam("user_id", type_=Integer),
)
_CLEAR_STEP = delete(_ASSIGNMENTS).where(
    _ASSIGNMENTS.c.step_id == bindparam("step_id", type_=Integer)
)
_CLEAR_REQUEST = delete(_ASSIGNMENTS).where(
    _ASSIGNMENTS.c.request_id == bindparam("request_id", type_=Integer)
)


def assign_step(
    session: Session,
    request: ApprovalRequest,
    step: RequestStep,
    *,
    excluded: frozenset[int] | None = None,
) -> None:
    """`step` is now the current step of `request`: it waits for its seat holders.

    `excluded` is `request_exclusions(request)` when the caller has it already.
    """
    people = {seat.user_id for seat in step.seats if seat.user_id is not None}
    groups = [seat.group_id for seat in step.seats if seat.group_id is not None]
    if groups:
        people.update(
            session.scalars(
                select(GroupMember.user_id).where(GroupMember.group_id.in_(groups))
            )
        )
    people -= request_exclusions(request) if excluded is None else excluded
    # Added to the session rather than inserted at once, so that a bulk submit's
    # rows go out in the same flush as its other rows.
    session.add_all(
        ReviewAssignment(
            step_id=step.id,
            user_id=person,
            request_id=request.id,
            space_id=request.space_id,
        )
        for person in sorted(people)
    )


def reassign_current_step(session: Session, request: ApprovalRequest) -> None:
    """Work out again whom `request`'s current step waits for, after something
    that decides who may decide changed (an author's account was mapped)."""
    step = next((s for s in request.steps if s.position == request.current_step), None)
    if request.status != RequestStatus.pending.value or step is None:
        return
    clear_step(session, step)
    decided = frozenset(
        session.scalars(select(Decision.approver_id).where(Decision.step_id == step.id))
    )
    assign_step(session, request, step, excluded=request_exclusions(request) | decided)


def unassign(session: Session, step: RequestStep, user_id: int) -> None:
    """`user_id` has decided on `step`: it no longer waits for them."""
    _delete(session, _UNASSIGN, {"step_id": step.id, "user_id": user_id})


def clear_step(session: Session, step: RequestStep) -> None:
    """`step` has completed: it waits for nobody."""
    _delete(session, _CLEAR_STEP, {"step_id": step.id})


def clear_request(session: Session, request: ApprovalRequest) -> None:
    """`request` has ended (or is starting over): it waits for nobody."""
    _delete(session, _CLEAR_REQUEST, {"request_id": request.id})


def _delete(session: Session, statement: Delete, params: dict[str, int]) -> None:
    session.flush()
    session.execute(statement, params)


def assign_new_member(session: Session, group_id: int, user_id: int) -> None:
    """`user_id` joined `group_id`: the current steps the group holds seats on now
    wait for them too, unless they have decided there, are already waited for, or
    are excluded from the request."""
    already = exists().where(
        ReviewAssignment.step_id == RequestStep.id,
        ReviewAssignment.user_id == user_id,
    )
    decided = exists().where(
        Decision.step_id == RequestStep.id, Decision.approver_id == user_id
    )
    rows = session.execute(
        select(
            RequestStep.id,
            ApprovalRequest.id,
            ApprovalRequest.space_id,
            ApprovalRequest.submitted_by,
            ApprovalRequest.allow_self_approval,
        )
        .select_from(RequestStepSeat)
        .join(RequestStep, RequestStep.id == RequestStepSeat.step_id)
        .join(ApprovalRequest, ApprovalRequest.id == RequestStep.request_id)
        .where(
            RequestStepSeat.group_id == group_id,
            RequestStep.status == StepStatus.active.value,
            ApprovalRequest.status == RequestStatus.pending.value,
            ApprovalRequest.current_step == RequestStep.position,
            ~already,
            ~decided,
        )
        .distinct()
    ).all()
    authors = requests_authors(session, {row[1] for row in rows})
    fresh = [
        {
            "step_id": step_id,
            "user_id": user_id,
            "request_id": request_id,
            "space_id": space_id,
        }
        for step_id, request_id, space_id, submitter, allow_self in rows
        if user_id
        not in excluded_deciders(
            submitter_id=submitter,
            authors=authors[request_id],
            allow_self_approval=allow_self,
        )
    ]
    if fresh:
        session.execute(insert(ReviewAssignment), fresh)
