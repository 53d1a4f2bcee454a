"""Periodic re-review: remind a page's owner before its approval is due to be
re-confirmed, and on the date open a new review of the page's current version.

The re-review is opened by Signoff itself (origin `system`, no actor), under the
page's workflow and the usual submit rules; the previous approval stays on record
and the page keeps standing on it until the new review is decided. The request
names the owner (the submitter of the approval) as its submitter, so they hear its
outcome and, as for any submission, may not approve it themselves.
`notify.sweeper` finds what is due and calls these, one item per transaction.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from signoff.actions.acting import Acting
from signoff.actions.approvals import open_request
from signoff.actions.assignments import assign_step
from signoff.actions.audit import record_event
from signoff.actions.events import announce_review
from signoff.actions.locks import lock_page
from signoff.actions.outbox import enqueue
from signoff.db.models import ApprovalRequest, Page, User
from signoff.domain.rereviews import rereview_skip
from signoff.domain.states import RequestStatus
from signoff.queries.authors import remember_request_authors
from signoff.queries.facts import current_version, submit_facts
from signoff.queries.page_approvals import standing_at

REMINDER = "approval.rereview_reminder"


def due_rereview_reminders(session: Session, now: datetime, *, limit: int) -> list[int]:
    """Approvals whose owner is owed the reminder now, earliest due first."""
    return list(
        session.scalars(
            select(ApprovalRequest.id)
            .where(
                ApprovalRequest.rereview_due_at > now,
                ApprovalRequest.rereview_remind_at <= now,
                ApprovalRequest.rereview_reminded_at.is_(None),
                ApprovalRequest.status == RequestStatus.approved,
            )
            .order_by(ApprovalRequest.rereview_due_at, ApprovalRequest.id)
            .limit(limit)
        )
    )


def due_rereviews(session: Session, now: datetime, *, limit: int) -> list[int]:
    """Approvals whose re-review date has come and not yet been dealt with."""
    return list(
        session.scalars(
            select(ApprovalRequest.id)
            .where(
                ApprovalRequest.rereview_due_at <= now,
                ApprovalRequest.rereview_swept_at.is_(None),
                ApprovalRequest.status == RequestStatus.approved,
            )
            .order_by(ApprovalRequest.rereview_due_at, ApprovalRequest.id)
            .limit(limit)
        )
    )


def do_remind_rereview(session: Session, request_id: int, *, by: Acting[None]) -> bool:
    """Queue the owner's reminder, once; False when none is owed (already sent, or
    the page no longer stands on this approval: then nothing is ever sent)."""
    request = session.get(ApprovalRequest, request_id)
    if request is None:
        return False
    page = lock_page(session, request.page_id)
    session.refresh(request)
    due, remind = request.rereview_due_at, request.rereview_remind_at
    if due is None or remind is None or request.rereview_reminded_at is not None:
        return False
    if not (remind <= by.now < due):
        return False
    request.rereview_reminded_at = by.now
    session.flush()
    if page is None or not _stands(session, page, request):
        return False
    enqueue(
        session,
        REMINDER,
        {
            "pageId": request.page_id,
            "requestId": request.id,
            "version": request.page_version,
            "dueAt": due.isoformat(),
            "origin": by.origin.value,
            "changeSetId": request.change_set_id,
        },
        now=by.now,
        space_id=request.space_id,
    )
    return True


def do_open_rereview(
    session: Session, request_id: int, *, by: Acting[None]
) -> ApprovalRequest | None:
    """Open the re-review that approval `request_id` is due for, audited as
    `approval.rereview_opened`; None when it opens nothing: already dealt with, or
    skipped (audited once as `approval.rereview_skipped`, with the reason)."""
    approval = session.get(ApprovalRequest, request_id)
    if approval is None:
        return None
    page = lock_page(session, approval.page_id)
    session.refresh(approval)
    due = approval.rereview_due_at
    if page is None or due is None or approval.rereview_swept_at is not None:
        return None
    if due > by.now or approval.status != RequestStatus.approved:
        return None
    approval.rereview_swept_at = by.now
    owner = session.get(User, approval.submitted_by)
    assert owner is not None
    plan = submit_facts(session, page, actor=owner, strict=True)
    asks = plan.workflow is not None and plan.workflow.rereview_days is not None
    stands = _stands(session, page, approval)
    skip = rereview_skip(plan.facts, stands=stands, workflow_asks=asks)
    if skip is not None:
        reason, refusal = skip
        record_event(
            session,
            "approval.rereview_skipped",
            f"The re-review of '{page.title}' due {due.date()} was not opened: "
            f"{reason.value.replace('_', ' ')}.",
            by=by,
            space_id=page.space_id,
            page_id=page.id,
            page_version=approval.page_version,
            request_id=approval.id,
            details={"reason": reason.value, "refusal": refusal},
        )
        session.flush()
        return None
    request = open_request(
        session, page, plan, by=by.with_actor(owner), change_set=None
    )
    session.flush()
    if plan.authors is not None:
        remember_request_authors(request, plan.authors)
    assign_step(session, request, request.steps[0], excluded=plan.excluded)
    page.latest_request_id = request.id
    session.flush()
    announce_review(
        session,
        "approval.rereview_opened",
        f"'{page.title}' version {request.page_version} is due for its periodic "
        f"re-review: a new review opened; the approval of version "
        f"{approval.page_version} stays on record until it is decided.",
        request,
        by=by,
        details={
            "previousRequestId": approval.id,
            "rereviewDueAt": due.isoformat(),
            "workflowId": request.workflow_id,
        },
    )
    return request


def _stands(session: Session, page: Page, approval: ApprovalRequest) -> bool:
    """The page still stands on `approval`, at the content it approved."""
    if page.approved_request_id != approval.id:
        return False
    standing = standing_at(session, page, current_version(session, page))
    return standing.covers_current
