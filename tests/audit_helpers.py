"""Reading back what actions wrote, for assertions."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from signoff.db.models import AuditEvent, OutboxMessage


def last_event_id(session: Session) -> int:
    return session.scalar(select(func.coalesce(func.max(AuditEvent.id), 0))) or 0


def actions_since(session: Session, after_id: int) -> list[str]:
    return list(
        session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.id > after_id)
            .order_by(AuditEvent.id)
        )
    )


def outbox_kinds(session: Session) -> list[str]:
    return list(session.scalars(select(OutboxMessage.kind).order_by(OutboxMessage.id)))
