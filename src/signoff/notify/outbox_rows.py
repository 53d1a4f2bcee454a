"""The outbox as operators see it: messages by status, newest first.

Statuses: `pending` (new, due at `available_at`), `delivering` (claimed by a worker
until `available_at`, its lease), `retry` (failed, due again at `available_at`),
`delivered`, and `dead` (gave up; only `do_retry_dead` brings it back). The rows are
values; `signoff outbox list --json` writes them (`cli/outbox.py`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select

from signoff.db.models import OutboxMessage
from signoff.db.session import Database


class OutboxStatus(StrEnum):
    pending = "pending"
    delivering = "delivering"
    retry = "retry"
    delivered = "delivered"
    dead = "dead"


@dataclass(frozen=True)
class OutboxRow:
    id: int
    message_id: str
    kind: str
    space_id: int | None
    status: str
    attempts: int
    available_at: datetime
    created_at: datetime
    delivered_at: datetime | None
    last_error: str | None

    @property
    def next_attempt(self) -> datetime | None:
        """When a worker may take it (again); none once it is delivered or dead."""
        done = (OutboxStatus.delivered, OutboxStatus.dead)
        return None if self.status in done else self.available_at


def _row(message: OutboxMessage) -> OutboxRow:
    return OutboxRow(
        id=message.id,
        message_id=message.message_id,
        kind=message.kind,
        space_id=message.space_id,
        status=message.status,
        attempts=message.attempts,
        available_at=message.available_at,
        created_at=message.created_at,
        delivered_at=message.delivered_at,
        last_error=message.last_error,
    )


def list_messages(
    db: Database, status: OutboxStatus | None = None, limit: int = 50
) -> list[OutboxRow]:
    """The newest messages first, optionally of one status."""
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
    if status is not None:
        query = query.where(OutboxMessage.status == status.value)
    with db.read() as session:
        return [_row(message) for message in session.scalars(query)]
