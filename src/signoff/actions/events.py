"""Announcing a change: its audit event and its outbox message, written together.

An action whose change people or systems are told about records the event and
queues the message through `announce`, so neither is written without the other and
both carry the same time and space. Changes that are audited but not announced keep
`record_event` alone.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from signoff.actions.acting import Acting
from signoff.actions.audit import AppendedEvent, record_event
from signoff.actions.outbox import enqueue
from signoff.db.models import ApprovalRequest, User


def announce(
    session: Session,
    action: str,
    text: str,
    payload: dict[str, Any],
    *,
    by: Acting[User | None],
    space_id: int | None = None,
    page_id: int | None = None,
    page_version: int | None = None,
    request_id: int | None = None,
    change_set_id: int | None = None,
    details: dict[str, Any] | None = None,
) -> AppendedEvent:
    """Audit `action` with `text` and `details`, then queue `payload` as the
    outbox message of the same kind, in the caller's transaction."""
    event = record_event(
        session,
        action,
        text,
        by=by,
        space_id=space_id,
        page_id=page_id,
        page_version=page_version,
        request_id=request_id,
        change_set_id=change_set_id,
        details=details,
    )
    enqueue(session, action, payload, now=by.now, space_id=space_id)
    return event


def announce_review(
    session: Session,
    action: str,
    text: str,
    request: ApprovalRequest,
    *,
    by: Acting[User | None],
    details: dict[str, Any] | None = None,
) -> AppendedEvent:
    """`announce` an event of one review, with the payload every review event
    carries (page, request, version, status, who and from where, change set) and
    `details` both in it and in the audit row."""
    extra = dict(details or {})
    return announce(
        session,
        action,
        text,
        {
            "pageId": request.page_id,
            "requestId": request.id,
            "version": request.page_version,
            "status": request.status,
            "actorId": by.actor.id if by.actor else None,
            "origin": by.origin.value,
            "changeSetId": request.change_set_id,
            **extra,
        },
        by=by,
        space_id=request.space_id,
        page_id=request.page_id,
        page_version=request.page_version,
        request_id=request.id,
        change_set_id=request.change_set_id,
        details=extra,
    )
