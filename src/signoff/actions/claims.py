"""Claiming a review ("I'm reviewing this") and releasing the claim.

Only someone who may decide on the current step now may claim it, by the decision's
own check (`check_record_decision`); a live claim of someone else's refuses a new
one, naming who holds it and until when. Each claim and release is audited
(`approval.claimed`, `approval.claim_released`) under the page's lock, as the other
review actions are. A claim is advisory: deciding never looks at it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from signoff.actions.acting import Acting
from signoff.actions.approvals import check_record_decision
from signoff.actions.audit import record_event
from signoff.actions.locks import lock_page
from signoff.db.models import ApprovalRequest, Page, RequestStep, ReviewClaim, User
from signoff.domain.audit_chain import utc_text
from signoff.domain.claims import (
    Claim,
    ClaimRefusal,
    claim_expiry,
    claim_is_live,
    claim_refusal,
    release_refusal,
)
from signoff.domain.errors import InvalidState
from signoff.domain.states import RequestStatus, StepStatus
from signoff.queries.facts import latest_request, step_decisions


def check_claim_review(
    session: Session, page: Page, *, actor: User, now: datetime
) -> tuple[ApprovalRequest, RequestStep, ReviewClaim | None]:
    """The review and step `actor` may claim now, with the step's stored claim row
    (live or not) to replace; else the refusal `do_claim_review` raises. Writes
    nothing, so the byline offers `Claim review` exactly when the action would
    take it."""
    check_record_decision(session, page, actor=actor)
    request = latest_request(session, page)
    assert request is not None, "a review is pending once a decision may be made"
    step = request.steps[request.current_step or 0]
    row, live = _stored_and_live(session, step, now)
    if claim_refusal(live, person=actor.id) is not None:
        assert row is not None
        raise InvalidState(f"{_held_by(session, row, page)}.")
    return request, step, row


def do_claim_review(
    session: Session, page: Page, *, hours: float, by: Acting[User]
) -> ReviewClaim:
    """Claim the current step of `page`'s pending review for `hours`; the claimant
    claiming again renews it from now."""
    locked = lock_page(session, page.id)
    assert locked is not None
    request, step, row = check_claim_review(session, locked, actor=by.actor, now=by.now)
    expires_at = claim_expiry(by.now, hours)
    renewed = row is not None and row.user_id == by.actor.id
    if row is None:
        row = ReviewClaim(step_id=step.id)
        session.add(row)
    row.request_id = request.id
    row.user_id = by.actor.id
    row.claimed_at = by.now
    row.expires_at = expires_at
    session.flush()
    record_event(
        session,
        "approval.claimed",
        f"{by.actor.display_name} claimed the review of '{locked.title}' "
        f"version {request.page_version} at step '{step.name}' until "
        f"{_shown(expires_at)}.",
        by=by,
        **_review_fields(request),
        details={
            "step": step.name,
            "expiresAt": utc_text(expires_at),
            "renewed": renewed,
        },
    )
    return row


def do_release_claim(session: Session, page: Page, *, by: Acting[User]) -> None:
    """The claimant gives their live claim up; nobody else may."""
    locked = lock_page(session, page.id)
    assert locked is not None
    request = latest_request(session, locked)
    row, live = None, None
    if request is not None and request.status == RequestStatus.pending:
        step = request.steps[request.current_step or 0]
        row, live = _stored_and_live(session, step, by.now)
    refusal = release_refusal(live, person=by.actor.id)
    if refusal is ClaimRefusal.not_held:
        raise InvalidState(
            f"You have no claim on the review of '{locked.title}' to release."
        )
    assert row is not None
    assert request is not None
    if refusal is ClaimRefusal.held_by_other:
        raise InvalidState(
            f"{_held_by(session, row, locked)}; only they can release it."
        )
    step_name = step.name
    session.delete(row)
    session.flush()
    record_event(
        session,
        "approval.claim_released",
        f"{by.actor.display_name} released their claim on the review of "
        f"'{locked.title}' version {request.page_version}.",
        by=by,
        **_review_fields(request),
        details={"step": step_name},
    )


def _stored_and_live(
    session: Session, step: RequestStep, now: datetime
) -> tuple[ReviewClaim | None, Claim | None]:
    """The step's claim row, and the claim when it is live at `now`."""
    row = session.get(ReviewClaim, step.id)
    if row is None:
        return None, None
    claim = Claim(row.user_id, row.step_id, row.expires_at)
    live = claim_is_live(
        claim,
        current_step_id=step.id if step.status == StepStatus.active else None,
        claimant_decided=row.user_id in step_decisions(session, step),
        now=now,
    )
    return row, claim if live else None


def _held_by(session: Session, row: ReviewClaim, page: Page) -> str:
    """Who holds the claim and until when, as a refusal names them."""
    claimant = session.get_one(User, row.user_id)
    return (
        f"{claimant.display_name} has claimed the review of '{page.title}' "
        f"until {_shown(row.expires_at)}"
    )


def _shown(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC"


def _review_fields(request: ApprovalRequest) -> dict[str, int | None]:
    return {
        "space_id": request.space_id,
        "page_id": request.page_id,
        "page_version": request.page_version,
        "request_id": request.id,
        "change_set_id": request.change_set_id,
    }
