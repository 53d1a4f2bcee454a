"""Shared pieces of the worker tests: a clock to move by hand, real outbox rows."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from factories import AT
from signoff.actions.outbox import enqueue
from signoff.db.models import OutboxMessage
from signoff.db.session import Database
from signoff.notify.handlers import FollowUp, Handler, Handlers, Message
from signoff.notify.worker import OutboxWorker

KIND = "test.event"


class Clock:
    """The worker's clock: stands still until a test moves it."""

    def __init__(self, now: datetime = AT) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


def add_messages(
    db: Database, count: int = 1, *, kind: str = KIND, at: datetime = AT
) -> list[str]:
    """`count` committed outbox rows, as an action would enqueue them."""
    with db.write() as session:
        rows = [
            enqueue(session, kind, {"n": n}, now=at, space_id=None)
            for n in range(count)
        ]
    return [row.message_id for row in rows]


def outbox_row(db: Database, message_id: str) -> OutboxMessage:
    with db.read() as session:
        row = session.scalar(
            select(OutboxMessage).where(OutboxMessage.message_id == message_id)
        )
    assert row is not None, message_id
    return row


def outbox_count(db: Database, **where: Any) -> int:
    query = select(func.count()).select_from(OutboxMessage)
    for column, value in where.items():
        query = query.where(getattr(OutboxMessage, column) == value)
    with db.read() as session:
        return session.scalar(query) or 0


def make_worker(
    db: Database,
    handler: Handler,
    clock: Clock,
    *,
    kind: str = KIND,
    random: float = 0.5,
    **options: Any,
) -> OutboxWorker:
    return OutboxWorker(
        db,
        Handlers({kind: handler}),
        clock=clock,
        random=lambda: random,
        **options,
    )


class Recorder:
    """A handler that remembers what it was given and answers as told."""

    def __init__(
        self,
        follow_ups: Sequence[FollowUp] = (),
        error: BaseException | None = None,
    ) -> None:
        self.seen: list[Message] = []
        self.follow_ups = follow_ups
        self.error = error

    def __call__(self, message: Message, db: Database) -> Sequence[FollowUp]:
        self.seen.append(message)
        if self.error is not None:
            raise self.error
        return self.follow_ups
