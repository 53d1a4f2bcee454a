"""Who has claimed a page's review, as the status, the byline and the queue show it.

`live_claims` is `domain.claims.claim_is_live` written in SQL, as a join condition:
the claim on the current, active step of a pending review, not yet expired, whose
claimant has not decided on that step. The queue adds the same join to its one
statement (`queries.queue`), so its read cost stays flat.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, exists, select
from sqlalchemy.orm import Session, aliased

from signoff.db.base import UTCDateTime
from signoff.db.models import (
    ApprovalRequest,
    Decision,
    Page,
    RequestStep,
    ReviewClaim,
    User,
)
from signoff.domain.states import RequestStatus, StepStatus

CLAIMANT = aliased(User, name="claimant")
"""The claimant, joined under a name of its own beside a query's other users."""


@dataclass(frozen=True)
class ClaimView:
    """A live claim: who holds it (their id, account id and name) and until when."""

    user_id: int
    account_id: str
    display_name: str
    expires_at: datetime


def live_claim_condition(
    step: type[RequestStep] | Any, now: ColumnElement[datetime] | datetime
) -> ColumnElement[bool]:
    """The join condition from a review's current step (`step`, a `RequestStep` or an
    alias of it, joined on the request's `current_step`) to its live claim."""
    return and_(
        ReviewClaim.step_id == step.id,
        step.status == StepStatus.active.value,
        ReviewClaim.expires_at > now,
        ~exists().where(
            Decision.step_id == ReviewClaim.step_id,
            Decision.approver_id == ReviewClaim.user_id,
        ),
    )


_LIVE = (
    select(
        ReviewClaim.user_id,
        CLAIMANT.account_id,
        CLAIMANT.display_name,
        ReviewClaim.expires_at,
    )
    .select_from(ApprovalRequest)
    .join(
        RequestStep,
        and_(
            RequestStep.request_id == ApprovalRequest.id,
            RequestStep.position == ApprovalRequest.current_step,
        ),
    )
    .join(
        ReviewClaim,
        live_claim_condition(RequestStep, bindparam("now", type_=UTCDateTime())),
    )
    .join(CLAIMANT, CLAIMANT.id == ReviewClaim.user_id)
    .where(
        ApprovalRequest.id == bindparam("request_id"),
        ApprovalRequest.status == RequestStatus.pending.value,
    )
)
"""Built once: the live claim on a request's current step, in one statement."""


def live_claim(session: Session, page: Page, now: datetime) -> ClaimView | None:
    """The live claim on `page`'s pending review at `now`; None when there is none."""
    if page.latest_request_id is None:
        return None
    row = session.execute(
        _LIVE, {"request_id": page.latest_request_id, "now": now}
    ).first()
    return ClaimView(*row) if row is not None else None
