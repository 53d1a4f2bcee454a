"""The success path: a message is delivered once, its follow-ups enqueued once."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from sqlalchemy import select

from factories import AT, make_space, make_user
from signoff.actions.outbox import enqueue
from signoff.db.models import OutboxMessage
from signoff.db.session import Database
from signoff.notify.handlers import FollowUp, Handlers, Message, follow_up_message_id
from signoff.notify.worker import LEASE_LOST, OutboxWorker

from .support import (
    Clock,
    Recorder,
    add_messages,
    make_worker,
    outbox_count,
    outbox_row,
)

MEMBER_ADDED = "space.member_added"
FAN_OUT = [
    FollowUp("webhook.deliver", {"subscription": 1}, 7, "webhook:1"),
    FollowUp("webhook.deliver", {"subscription": 2}, 7, "webhook:2"),
]


class Crash(BaseException):
    """The worker process dying between the handler and its completion."""


def follow_up_rows(db: Database) -> list[OutboxMessage]:
    with db.read() as session:
        return list(
            session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.kind == "webhook.deliver")
                .order_by(OutboxMessage.id)
            )
        )


def test_an_action_row_is_delivered_and_fans_out_once(db: Database) -> None:
    with db.write() as session:
        ann = make_user(session, "ann")
        space = make_space(session, "DOCS", admin=ann)  # enqueues member_added
        space_id = space.id
    clock = Clock()
    handler = Recorder(FAN_OUT)
    worker = make_worker(db, handler, clock, kind=MEMBER_ADDED)

    assert worker.run_once() == 1

    [seen] = handler.seen
    assert seen.kind == MEMBER_ADDED and seen.space_id == space_id
    assert seen.payload["role"] == "admin" and seen.attempts == 0
    parent = outbox_row(db, seen.message_id)
    assert parent.status == "delivered" and parent.delivered_at == clock.now
    rows = follow_up_rows(db)
    assert [row.message_id for row in rows] == [
        follow_up_message_id(seen.message_id, "webhook:1"),
        follow_up_message_id(seen.message_id, "webhook:2"),
    ]
    assert [row.payload for row in rows] == [{"subscription": 1}, {"subscription": 2}]
    assert {(row.status, row.space_id, row.available_at) for row in rows} == {
        ("pending", 7, clock.now)
    }
    # The follow-ups are delivered next (no handler: the fallback), with no more rows.
    assert worker.run_once() == 2
    assert outbox_count(db, status="delivered") == 3
    assert worker.run_once() == 0
    assert len(handler.seen) == 1 and outbox_count(db) == 3


def test_a_crash_before_completion_reruns_without_fanning_out_twice(
    db: Database,
) -> None:
    [message_id] = add_messages(db)
    clock = Clock()
    runs: list[Message] = []

    def fan_out(message: Message, _db: Database) -> Sequence[FollowUp]:
        runs.append(message)
        if len(runs) == 1:
            raise Crash  # after the handler's work, before the worker records it
        return FAN_OUT

    first = make_worker(db, fan_out, clock)
    with pytest.raises(Crash):
        first.run_once()
    assert outbox_row(db, message_id).status == "delivering"

    second = make_worker(db, fan_out, clock)
    assert second.run_once() == 0  # the lease still holds
    clock.advance(minutes=2, seconds=1)
    assert second.run_once() == 1

    assert [run.message_id for run in runs] == [message_id, message_id]
    assert runs[1].attempts == 1  # the lost try counts
    parent = outbox_row(db, message_id)
    assert (parent.status, parent.attempts, parent.last_error) == (
        "delivered",
        1,
        LEASE_LOST,
    )
    assert len(follow_up_rows(db)) == 2


def test_follow_ups_already_enqueued_are_not_enqueued_again(db: Database) -> None:
    [message_id] = add_messages(db)
    earlier = follow_up_message_id(message_id, "webhook:1")
    with db.write() as session:  # as a previous, completed run left it
        queued = enqueue(session, "webhook.deliver", {"old": True}, now=AT)
        row = session.scalars(
            select(OutboxMessage).where(OutboxMessage.message_id == queued.message_id)
        ).one()
        row.message_id, row.status = earlier, "delivered"
    repeated = [*FAN_OUT, FollowUp("webhook.deliver", {"again": 1}, 7, "webhook:2")]
    worker = make_worker(db, Recorder(repeated), Clock())

    assert worker.run_once() == 1

    rows = follow_up_rows(db)
    assert [row.message_id for row in rows] == [
        earlier,
        follow_up_message_id(message_id, "webhook:2"),
    ]
    assert rows[0].payload == {"old": True}  # untouched
    assert rows[1].payload == {"subscription": 2}  # the first of equal keys wins
    assert worker.stats.follow_ups == 1


def test_a_rolled_back_action_leaves_nothing_to_deliver(db: Database) -> None:
    handler = Recorder()
    worker = make_worker(db, handler, Clock(), kind=MEMBER_ADDED)
    with pytest.raises(RuntimeError), db.write() as session:
        ann = make_user(session, "ann")
        make_space(session, "DOCS", admin=ann)
        session.flush()
        assert session.scalar(select(OutboxMessage.id)) is not None  # it enqueued
        raise RuntimeError("the request failed after the action")

    assert outbox_count(db) == 0
    assert worker.run_once() == 0
    assert handler.seen == []


def test_a_kind_without_handler_is_delivered_with_nothing_to_do(
    db: Database,
) -> None:
    [message_id] = add_messages(db, kind="nobody.listens")
    worker = OutboxWorker(db, Handlers(), clock=Clock())

    assert worker.run_once() == 1
    assert outbox_row(db, message_id).status == "delivered"


def test_a_message_not_yet_due_waits(db: Database) -> None:
    clock = Clock()
    [message_id] = add_messages(db, at=clock.advance(minutes=5))
    clock.now = AT
    handler = Recorder()
    worker = make_worker(db, handler, clock)

    assert worker.run_once() == 0
    clock.advance(minutes=5)
    assert worker.run_once() == 1
    assert [seen.message_id for seen in handler.seen] == [message_id]


def test_messages_are_taken_oldest_first_in_batches(db: Database) -> None:
    ids = add_messages(db, 5)
    handler = Recorder()
    worker = make_worker(db, handler, Clock(), batch=2)

    assert [worker.run_once() for _ in range(4)] == [2, 2, 1, 0]
    assert [seen.message_id for seen in handler.seen] == ids


def test_a_registry_refuses_two_handlers_for_one_kind() -> None:
    handlers = Handlers({"a": Recorder()})
    with pytest.raises(ValueError, match="already registered"):
        handlers.register("a", Recorder())
    assert handlers.kinds == {"a"}
