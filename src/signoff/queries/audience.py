"""Who a review event asks to act: fixed when the event is recorded.

"Approval requested" and reminders go to the approvers of a step as it stands when
the event happens. Worked out later, when the outbox worker gets to the event, a
review decided in the meantime has no current step and nobody would be told, so
`enqueue` stores the answer in the event's payload under `recipients`, in the
event's own transaction. The other review events go to the submitter and to the
people who approved, which cannot change once the event has happened.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from signoff.db.models import ApprovalRequest, Decision
from signoff.domain.states import RequestStatus
from signoff.queries.facts import request_exclusions, step_seats

RECIPIENTS = "recipients"
"""Payload key: the user ids the event asks, as the action recorded them."""
ASKING = ("approval.submitted", "approval.step_started")
REMINDER = "approval.reminder"


def current_approvers(session: Session, request: ApprovalRequest) -> set[int]:
    """Everyone who may decide the request's current step now: named people and the
    members of named groups who may read the space, less those the rules exclude
    (submitter, author)."""
    if request.status != RequestStatus.pending or request.current_step is None:
        return set()
    if request.current_step >= len(request.steps):
        return set()
    step = request.steps[request.current_step]
    holders = {person for seat in step_seats(session, step) for person in seat.holders}
    return holders - request_exclusions(request)


def undecided_approvers(session: Session, request: ApprovalRequest) -> set[int]:
    """The current step's approvers who have not decided on it yet: a reminder's
    audience."""
    if request.current_step is None or request.current_step >= len(request.steps):
        return set()
    step = request.steps[request.current_step]
    decided = set(
        session.scalars(select(Decision.approver_id).where(Decision.step_id == step.id))
    )
    return current_approvers(session, request) - decided


def asked_by(
    session: Session, kind: str, payload: Mapping[str, Any]
) -> list[int] | None:
    """The people an event of `kind` asks, now; None for events that ask nobody."""
    request_id = payload.get("requestId")
    if kind not in (*ASKING, REMINDER) or not isinstance(request_id, int):
        return None
    request = session.get(ApprovalRequest, request_id)
    if request is None:
        return None
    if kind == REMINDER:
        return sorted(undecided_approvers(session, request))
    return sorted(current_approvers(session, request))


def recorded_recipients(payload: Mapping[str, Any]) -> list[int] | None:
    """The `recipients` an event was recorded with; None for events recorded before
    Signoff stored them (their audience is worked out as it used to be)."""
    value = payload.get(RECIPIENTS)
    if not isinstance(value, list):
        return None
    return [
        person
        for person in value
        if isinstance(person, int) and not isinstance(person, bool)
    ]
