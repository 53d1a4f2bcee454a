"""What the page view's ad-hoc form shows: whom it may ask, and the pending ask.

The people are the space's members who may approve (as the workflow editor offers
them), plus anyone the pending ask already names, so changing it never drops them
unseen. The pending ask is read back from the one-off workflow it runs under
(`actions.adhoc`), in the terms the form and the API use: quorum 0 for everyone,
a last day rather than a moment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from signoff.db.models import ApprovalRequest, Workflow
from signoff.domain.adhoc import ask_quorum, last_day
from signoff.domain.states import Rule
from signoff.queries.workflows import approver_choices


@dataclass(frozen=True)
class PendingAsk:
    """A pending ad-hoc request's ask; `members` are user ids, in order."""

    members: tuple[int, ...]
    quorum: int
    title: str
    expires_on: date | None
    notify_requests: bool
    notify_status: bool


def pending_ask(session: Session, request: ApprovalRequest) -> PendingAsk:
    """The ask `request` (an ad-hoc one) stands for now, changes included."""
    workflow = session.get(Workflow, request.workflow_id)
    assert workflow is not None
    asked = workflow.steps[-1]
    return PendingAsk(
        members=tuple(asked.approver_ids),
        quorum=ask_quorum(Rule(asked.rule), asked.quorum),
        title=workflow.name,
        expires_on=last_day(request.expires_at),
        notify_requests=workflow.notify_requests,
        notify_status=workflow.notify_status,
    )


def ask_people(
    session: Session, space_id: int, named: tuple[int, ...] = ()
) -> list[tuple[int, str]]:
    """Whom the form offers, as (user id, "Name (username)"), by display name."""
    return approver_choices(session, space_id, named)
