"""A space admin overrides a pending review: forces its outcome, with a reason.

The review closes as a decision would close it, but it stays marked as overridden
(`ApprovalRequest.overridden_by`, `override_reason`), its audit event is
`approval.overridden`, and the approvers it went around are told by email through
the outbox. Who may override is `domain.overrides`' rule.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from signoff.access import space_role
from signoff.actions.acting import Acting
from signoff.actions.approvals import check_review_version
from signoff.actions.events import announce
from signoff.actions.locks import lock_page
from signoff.actions.reviews import close_request
from signoff.actions.validate import clean_text
from signoff.db.models import ApprovalRequest, Page, User
from signoff.domain.errors import (
    Denial,
    InvalidState,
    NotAllowed,
)
from signoff.domain.overrides import (
    MAX_REASON,
    REFUSALS,
    OverrideFacts,
    OverrideRefusal,
    outcome_of,
    override_refusal,
)
from signoff.domain.rereviews import rereview_dates
from signoff.domain.states import DecisionKind, RequestStatus, StepStatus
from signoff.queries.audience import RECIPIENTS
from signoff.queries.facts import (
    latest_request,
    request_exclusions,
    step_decisions,
    step_seats,
)

OVERRIDDEN = "approval.overridden"


def check_override_review(
    session: Session, page: Page, *, actor: User
) -> ApprovalRequest:
    """The pending review `actor` may override; else the refusal
    `do_override_review` gives them. Writes nothing, so the page view offers its
    `Override review` form exactly when the action would take it."""
    role = space_role(session, actor, page.space_id)
    request = latest_request(session, page)
    status = RequestStatus(request.status) if request is not None else None
    refusal = override_refusal(
        OverrideFacts(
            person=actor.id,
            role=role,
            status=status,
            allow_override=request is None or request.allow_override,
            excluded=frozenset(),
        )
    )
    if refusal is None:
        assert request is not None
        # Who wrote the content costs a statement: asked only once all else passes.
        refusal = override_refusal(
            OverrideFacts(
                person=actor.id,
                role=role,
                status=status,
                allow_override=request.allow_override,
                excluded=request_exclusions(request),
            )
        )
    _raise_refusal(refusal, page, actor)
    assert request is not None
    return request


def do_override_review(
    session: Session,
    page: Page,
    decision: DecisionKind,
    *,
    version: int,
    reason: str | None,
    by: Acting[User],
) -> ApprovalRequest:
    """Close the page's pending review of `version` as `decision` says, going
    around its approvers; `reason` is required and kept with the review."""
    locked = lock_page(session, page.id)
    assert locked is not None
    request = check_override_review(session, locked, actor=by.actor)
    text = clean_text(
        reason or "", field="reason", max_length=MAX_REASON, multiline=True
    )
    check_review_version(session, locked, request, version)
    skipped = skipped_approvers(session, request, overrider=by.actor.id)
    outcome = outcome_of(decision)
    close_request(session, request, outcome, now=by.now)
    request.overridden_by = by.actor.id
    request.override_reason = text
    if outcome is RequestStatus.approved:
        _stand_on(locked, request, by=by)
    session.flush()
    _announce(session, locked, request, skipped, decision, reason=text, by=by)
    return request


def skipped_approvers(
    session: Session, request: ApprovalRequest, *, overrider: int
) -> list[int]:
    """The people the override goes around: whoever may decide on a step not yet
    decided (the current one and those after it) and has not, less those the
    rules exclude and the admin overriding; read before the review closes."""
    excluded = request_exclusions(request) | {overrider}
    people: set[int] = set()
    for step in request.steps:
        if step.status not in (StepStatus.active, StepStatus.waiting):
            continue
        holders = {p for seat in step_seats(session, step) for p in seat.holders}
        people |= holders - set(step_decisions(session, step)) - excluded
    return sorted(people)


def _stand_on(page: Page, request: ApprovalRequest, *, by: Acting[User]) -> None:
    """The page stands on the overridden approval, exactly as on one its approvers
    gave (the same lines as `actions.approvals._complete_step`, which is private)."""
    if request.valid_for_days is not None:
        lapses = by.now + timedelta(days=request.valid_for_days)
        if request.expires_at is None or lapses < request.expires_at:
            request.expires_at = lapses
    request.rereview_due_at, request.rereview_remind_at = rereview_dates(
        by.now, request.rereview_days
    )
    page.approved_request_id = request.id
    page.approved_version = request.page_version


def _announce(
    session: Session,
    page: Page,
    request: ApprovalRequest,
    skipped: list[int],
    decision: DecisionKind,
    *,
    reason: str,
    by: Acting[User],
) -> None:
    """The audit event names the approvers skipped by account; the outbox message
    carries them as `recipients`, who the email goes to (`notify.email`)."""
    named: dict[int, str] = dict(
        session.execute(
            select(User.id, User.account_id).where(User.id.in_(skipped))
        ).all()
    )
    details = {
        "outcome": request.status,
        "reason": reason,
        "skippedApprovers": [named[person] for person in skipped if person in named],
    }
    announce(
        session,
        OVERRIDDEN,
        f"{by.actor.display_name} overrode the review of '{page.title}' version "
        f"{request.page_version}: {request.status}, going around "
        f"{len(skipped)} approver(s).",
        {
            "pageId": request.page_id,
            "requestId": request.id,
            "version": request.page_version,
            "status": request.status,
            "actorId": by.actor.id,
            "origin": by.origin.value,
            "changeSetId": request.change_set_id,
            "decision": decision.value,
            **details,
            RECIPIENTS: skipped,
        },
        by=by,
        space_id=request.space_id,
        page_id=request.page_id,
        page_version=request.page_version,
        request_id=request.id,
        change_set_id=request.change_set_id,
        details=details,
    )


def _raise_refusal(refusal: OverrideRefusal | None, page: Page, actor: User) -> None:
    if refusal is None:
        return
    message = REFUSALS[refusal]
    if refusal in (OverrideRefusal.not_an_admin, OverrideRefusal.own_submission):
        raise NotAllowed(
            message,
            denial=Denial(
                action="override reviews",
                reason=refusal.value,
                actor_id=actor.id,
                space_id=page.space_id,
                page_id=page.id,
            ),
        )
    if refusal is OverrideRefusal.nothing_pending:
        raise InvalidState(f"No review of '{page.title}' is pending to override.")
    raise InvalidState(message)
