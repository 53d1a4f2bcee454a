"""Queueing side effects in the outbox, in the same transaction as their cause.

A rolled-back action therefore sends nothing, and a crash after commit loses nothing:
the worker delivers what is committed, each message under a stable id.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from signoff.db.models import OutboxMessage


def enqueue(
    session: Session,
    kind: str,
    payload: dict[str, Any],
    *,
    now: datetime,
    space_id: int | None = None,
) -> OutboxMessage:
    message = OutboxMessage(
        message_id=str(uuid.uuid4()),
        kind=kind,
        space_id=space_id,
        payload=payload,
        status="pending",
        attempts=0,
        available_at=now,
        created_at=now,
    )
    session.add(message)
    return message
