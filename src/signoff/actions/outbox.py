"""Queueing side effects in the outbox, in the same transaction as their cause.

A rolled-back action therefore sends nothing, and a crash after commit loses nothing:
the worker delivers what is committed, each message under a stable id. An event that
asks people to act records who they are as it happens (`queries.audience`).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, insert, or_, select, update
from sqlalchemy.orm import Session

from signoff.actions.acting import Acting
from signoff.actions.appends import append
from signoff.actions.audit import record_event
from signoff.actions.users import require_site_admin
from signoff.db.models import OutboxMessage, User
from signoff.domain.errors import InvalidState, NotFound
from signoff.queries.audience import RECIPIENTS, asked_by

PENDING, DEAD = "pending", "dead"
_QUEUE = insert(cast("Table", OutboxMessage.__table__))
"""Built once; a Core insert, since nothing reads a message back in the transaction
that queues it (the worker reads committed rows)."""


@dataclass(frozen=True)
class QueuedMessage:
    """A message as queued; the worker reads the row once it is committed."""

    message_id: str
    kind: str
    space_id: int | None
    payload: dict[str, Any]


def enqueue(
    session: Session,
    kind: str,
    payload: dict[str, Any],
    *,
    now: datetime,
    space_id: int | None = None,
) -> QueuedMessage:
    """Queue `payload` as a `kind` event; one asking
    approvers to act also gets `recipients`, the approvers asked now, so its mail
    never depends on when the worker gets to it."""
    asked = asked_by(session, kind, payload)
    if asked is not None:
        payload = {**payload, RECIPIENTS: asked}
    message = QueuedMessage(str(uuid.uuid4()), kind, space_id, payload)
    append(
        session,
        _QUEUE,
        {
            "message_id": message.message_id,
            "kind": kind,
            "space_id": space_id,
            "payload": payload,
            "status": PENDING,
            "attempts": 0,
            "available_at": now,
            "created_at": now,
            "delivered_at": None,
            "last_error": None,
        },
    )
    return message


class AllDead:
    """`do_retry_dead(session, ALL_DEAD, ...)`: every dead message, not named ones."""


ALL_DEAD = AllDead()


def do_retry_dead(
    session: Session,
    which: Sequence[str] | AllDead,
    *,
    by: Acting[User | None],
) -> int:
    """Make dead messages pending and due now, attempts reset; returns how many.

    `which` names messages by row id or message id. All or nothing: an unknown id,
    or one that is not dead, refuses the whole call. Site administrators only (the
    outbox spans every space); the operator at the console (`None`) passes.
    """
    require_site_admin(by.actor, "retry dead notifications")
    if isinstance(which, AllDead):
        ids = list(
            session.scalars(
                select(OutboxMessage.id).where(OutboxMessage.status == DEAD)
            )
        )
    else:
        ids = [_dead_id(session, ref) for ref in dict.fromkeys(which)]
    if not ids:
        return 0
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(ids))
        .values(status=PENDING, attempts=0, available_at=by.now)
        .execution_options(synchronize_session=False)
    )
    record_event(
        session,
        "outbox.retried",
        f"{by.actor.display_name if by.actor else 'The site operator'} put "
        f"{len(ids)} dead notification(s) back in line.",
        by=by,
        details={"outboxIds": ids[:100], "count": len(ids)},
    )
    return len(ids)


def _dead_id(session: Session, ref: str) -> int:
    conditions = [OutboxMessage.message_id == ref]
    if ref.isascii() and ref.isdigit() and len(ref) <= 18:
        conditions.append(OutboxMessage.id == int(ref))
    message = session.scalar(select(OutboxMessage).where(or_(*conditions)))
    if message is None:
        raise NotFound(f"No outbox message {ref!r}.")
    if message.status != DEAD:
        raise InvalidState(
            f"Outbox message {ref!r} is {message.status}, not dead: "
            "only dead messages are retried."
        )
    return message.id
