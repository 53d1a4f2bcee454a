"""What leaving a space does to the reviews under way there: the person's seats go.

A member removed from a space may no longer read its pages, so they can no longer
review them: their own seats on the steps still to run are dropped (each drop is
audited as `approval.seat_dropped`), and a group seat stops counting them, since only
people who may read the space hold seats (`queries.facts.seats_of`). Each review is
then counted again as a decision would count it: a step under `all` whose remaining
seats are filled passes; one that can no longer meet its rule fails; and a later
step that can no longer pass ends the review now rather than stall it when reached.
Leaving a group (`actions.groups`) locks and settles reviews the same way.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from signoff.actions.acting import Acting
from signoff.actions.approvals import complete_step
from signoff.actions.assignments import unassign
from signoff.actions.audit import record_event
from signoff.actions.locks import lock_page
from signoff.db.models import (
    ApprovalRequest,
    GroupMember,
    Page,
    RequestStep,
    RequestStepSeat,
    Space,
    User,
)
from signoff.domain.states import RequestStatus, StepStatus
from signoff.domain.steps import StepOutcome, can_ever_pass, step_outcome
from signoff.queries.facts import (
    request_exclusions,
    step_decisions,
    step_rule,
    step_seats,
)

UNFINISHED = (StepStatus.active.value, StepStatus.waiting.value)


def lock_reviews_held_by(
    session: Session, space: Space, user: User
) -> list[ApprovalRequest]:
    """The space's pending reviews in which `user` holds a seat on a step still to
    finish (their own, or through a group), with their pages locked in id order.

    Called before anything is written: the pages are locked before the audit chain,
    as a decision locks them, so the two never wait on each other.
    """
    groups = select(GroupMember.group_id).where(GroupMember.user_id == user.id)
    return _lock_pending(
        session,
        ApprovalRequest.space_id == space.id,
        or_(
            RequestStepSeat.user_id == user.id,
            RequestStepSeat.group_id.in_(groups),
        ),
    )


def lock_reviews_seating_group(
    session: Session, group_id: int
) -> list[ApprovalRequest]:
    """Every pending review, in any space, in which the group holds a seat on a step
    still to finish, with their pages locked in id order (as `lock_reviews_held_by`)."""
    return _lock_pending(session, RequestStepSeat.group_id == group_id)


def _lock_pending(
    session: Session, *where: ColumnElement[bool]
) -> list[ApprovalRequest]:
    held = session.execute(
        select(ApprovalRequest.id, ApprovalRequest.page_id)
        .join(RequestStep, RequestStep.request_id == ApprovalRequest.id)
        .join(RequestStepSeat, RequestStepSeat.step_id == RequestStep.id)
        .where(
            ApprovalRequest.status == RequestStatus.pending.value,
            RequestStep.status.in_(UNFINISHED),
            *where,
        )
        .distinct()
    ).all()
    requests = []
    for request_id, page_id in sorted(held, key=lambda row: row.page_id):
        lock_page(session, page_id)
        request = session.get_one(ApprovalRequest, request_id)
        session.refresh(request)  # as it stands under the page's lock
        if request.status == RequestStatus.pending:
            requests.append(request)
    return requests


def drop_seats(
    session: Session,
    requests: Sequence[ApprovalRequest],
    user: User,
    space: Space,
    *,
    by: Acting[User | None],
) -> None:
    """`user` has left `space`: drop their seats in `requests` (from
    `lock_reviews_held_by`) and settle each review as its seats now stand."""
    for request in requests:
        page = session.get_one(Page, request.page_id)
        dropped = _drop_own_seats(session, request, user)
        if dropped:
            record_event(
                session,
                "approval.seat_dropped",
                f"{user.display_name} left {space.key}: their seat on step(s) "
                + ", ".join(f"'{name}'" for name in dropped)
                + f" of the review of '{page.title}' version {request.page_version}"
                " was dropped.",
                by=by,
                space_id=request.space_id,
                page_id=request.page_id,
                page_version=request.page_version,
                request_id=request.id,
                change_set_id=request.change_set_id,
                details={"accountId": user.account_id, "steps": dropped},
            )
        settle_review(session, page, request, by=by)


def _drop_own_seats(
    session: Session, request: ApprovalRequest, user: User
) -> list[str]:
    """Delete `user`'s own seats on the steps still to finish; the names of those
    steps. The queue stops waiting for them there unless a group seat still could."""
    their_groups = set(
        session.scalars(
            select(GroupMember.group_id).where(GroupMember.user_id == user.id)
        )
    )
    dropped = []
    for step in request.steps:
        if step.status not in UNFINISHED:
            continue
        own = [seat for seat in step.seats if seat.user_id == user.id]
        if not own:
            continue
        for seat in own:
            step.seats.remove(seat)  # delete-orphan: the row goes at the flush
        dropped.append(step.name)
        if not any(seat.group_id in their_groups for seat in step.seats):
            unassign(session, step, user.id)
    session.flush()
    return dropped


def settle_review(
    session: Session,
    page: Page,
    request: ApprovalRequest,
    *,
    by: Acting[User | None],
) -> None:
    """Count the current step as a decision would, and the steps it starts; then
    end the review if a step still to come can no longer pass."""
    excluded = request_exclusions(request)
    while request.status == RequestStatus.pending and request.current_step is not None:
        step = request.steps[request.current_step]
        seats = step_seats(session, step)
        decided = step_decisions(session, step)
        outcome = step_outcome(step_rule(step), seats, decided, excluded)
        if outcome is StepOutcome.open:
            break
        complete_step(session, page, request, step, outcome, by=by)
    if request.status != RequestStatus.pending or request.current_step is None:
        return
    for step in request.steps[request.current_step + 1 :]:
        if not can_ever_pass(step_rule(step), step_seats(session, step), excluded):
            complete_step(session, page, request, step, StepOutcome.rejected, by=by)
            return


def leave_group_seats(
    session: Session,
    requests: Sequence[ApprovalRequest],
    group_id: int,
    user: User,
    *,
    by: Acting[User | None],
) -> None:
    """`user` has left the group `group_id` (the membership row is gone): the steps
    of `requests` (from `lock_reviews_seating_group`) stop waiting for them where
    that group was their only seat, and each review is settled as its seats now
    stand, as when someone leaves a space."""
    their_groups = set(
        session.scalars(
            select(GroupMember.group_id).where(GroupMember.user_id == user.id)
        )
    )
    for request in requests:
        for step in request.steps:
            seated = {seat.group_id for seat in step.seats}
            if step.status not in UNFINISHED or group_id not in seated:
                continue
            direct = any(seat.user_id == user.id for seat in step.seats)
            if not direct and not seated & their_groups:
                unassign(session, step, user.id)
        settle_review(session, session.get_one(Page, request.page_id), request, by=by)
