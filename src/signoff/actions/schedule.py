"""What time alone changes: approvals that lapse, and steps that are (over)due.

A workflow may say how long an approval stays valid (`validForDays`); when that time
has passed the approval is marked `expired` (audited as `approval.expired`, origin
`system`), the page no longer stands on it, and its author is told through the
outbox, so policies come back for periodic review by themselves. A step with a due
period gets a reminder a day before it is due and another once it is overdue, each
sent once. `notify.sweeper` finds what is due and calls these, one item per
transaction, so a failure on one leaves the others alone.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from signoff.actions.acting import Acting
from signoff.actions.events import announce_review
from signoff.actions.outbox import enqueue
from signoff.actions.reviews import close_request
from signoff.db.models import ApprovalRequest, Page, RequestStep
from signoff.domain.states import RequestStatus, StepStatus

REMIND_BEFORE = timedelta(days=1)
BEFORE_DUE, OVERDUE = 1, 2


LAPSING = (RequestStatus.approved.value, RequestStatus.pending.value)


def due_expiries(session: Session, now: datetime, *, limit: int) -> list[int]:
    """Approved requests whose validity has lapsed, and pending ad-hoc requests past
    their last day, oldest first."""
    return list(
        session.scalars(
            select(ApprovalRequest.id)
            .where(
                ApprovalRequest.status.in_(LAPSING),
                ApprovalRequest.expires_at <= now,
            )
            .order_by(ApprovalRequest.expires_at, ApprovalRequest.id)
            .limit(limit)
        )
    )


def due_reminders(session: Session, now: datetime, *, limit: int) -> list[int]:
    """Active steps owed a reminder now: a day before due, then once overdue."""
    return list(
        session.scalars(
            select(RequestStep.id)
            .where(
                RequestStep.status == StepStatus.active,
                RequestStep.due_at.is_not(None),
                (
                    (RequestStep.reminders_sent < BEFORE_DUE)
                    & (RequestStep.due_at <= now + REMIND_BEFORE)
                )
                | (
                    (RequestStep.reminders_sent < OVERDUE) & (RequestStep.due_at <= now)
                ),
            )
            .order_by(RequestStep.due_at, RequestStep.id)
            .limit(limit)
        )
    )


def do_expire_approval(
    session: Session, request_id: int, *, by: Acting[None]
) -> ApprovalRequest | None:
    """Mark one lapsed approval expired, or end a pending ad-hoc request on its last
    day; None when it no longer needs it (another worker got there first, or it was
    reset, decided or superseded meanwhile)."""
    request = session.get(ApprovalRequest, request_id)
    if request is None:
        return None
    page = session.get(Page, request.page_id, with_for_update=True)
    session.refresh(request)
    lapsed = request.expires_at is not None and request.expires_at <= by.now
    if page is None or request.status not in LAPSING or not lapsed:
        return None
    if request.status == RequestStatus.pending:
        close_request(session, request, RequestStatus.expired, now=by.now)
        announce_review(
            session,
            "approval.expired",
            f"The review of '{page.title}' version {request.page_version} reached "
            "its last day undecided and expired.",
            request,
            by=by,
            details={"expiredAt": _iso(request.expires_at), "undecided": True},
        )
        return request
    request.status = RequestStatus.expired
    if page.approved_request_id == request.id:
        page.approved_request_id = page.approved_version = None
    session.flush()
    details = {"expiredAt": _iso(request.expires_at)}
    announce_review(
        session,
        "approval.expired",
        f"The approval of '{page.title}' version {request.page_version} expired "
        f"{_how_long(request)}; the page needs a new review.",
        request,
        by=by,
        details=details,
    )
    return request


def do_remind_step(session: Session, step_id: int, *, by: Acting[None]) -> bool:
    """Queue the reminder a step is owed now; False when it is owed none."""
    step = session.get(RequestStep, step_id, with_for_update=True)
    if step is None or step.status != StepStatus.active or step.due_at is None:
        return False
    overdue = step.due_at <= by.now
    stage = OVERDUE if overdue else BEFORE_DUE
    if step.reminders_sent >= stage or step.due_at > by.now + REMIND_BEFORE:
        return False
    step.reminders_sent = stage
    request = session.get(ApprovalRequest, step.request_id)
    assert request is not None
    session.flush()
    enqueue(
        session,
        "approval.reminder",
        {
            "pageId": request.page_id,
            "requestId": request.id,
            "version": request.page_version,
            "step": step.name,
            "dueAt": step.due_at.isoformat(),
            "overdue": overdue,
            "origin": by.origin.value,
            "changeSetId": request.change_set_id,
        },
        now=by.now,
        space_id=request.space_id,
    )
    return True


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _how_long(request: ApprovalRequest) -> str:
    """After the workflow's validity, or on the last day an ad-hoc request set."""
    lapsed_on = request.expires_at
    if request.valid_for_days is None and lapsed_on is not None:
        return f"at the end of its last day, {(lapsed_on.date() - timedelta(days=1))}"
    return f"after {request.valid_for_days} day(s)"
