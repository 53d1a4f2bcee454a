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
from signoff.actions.audit import record_event
from signoff.actions.outbox import enqueue
from signoff.db.models import AuditEvent, User


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
) -> AuditEvent:
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
