"""A batch settles in one transaction: every message's outcome (delivered, retry,
dead) is recorded together after the handlers ran, and one message's failure,
whether its handler's or the database's, costs the others nothing."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from sqlalchemy import Connection, event

from signoff.db.session import READ_ONLY, Database
from signoff.notify.handlers import FollowUp, GiveUp, Message, Retry

from .support import Clock, add_messages, make_worker, outbox_count, outbox_row

BATCH = 10


@pytest.fixture
def write_transactions(db: Database) -> Iterator[list[int]]:
    """One entry per write transaction begun on the engine from now on."""
    begun: list[int] = []

    def count(connection: Connection) -> None:
        if not connection.get_execution_options().get(READ_ONLY, False):
            begun.append(1)

    event.listen(db.engine, "begin", count)
    yield begun
    event.remove(db.engine, "begin", count)


def by_number(
    outcomes: dict[int, BaseException | Sequence[FollowUp]],
) -> Any:
    """A handler answering message `n` (its payload's number) as `outcomes` says;
    any other is delivered with nothing to follow."""

    def handle(message: Message, _db: Database) -> Sequence[FollowUp]:
        answer = outcomes.get(message.payload["n"], ())
        if isinstance(answer, BaseException):
            raise answer
        return answer

    return handle


def test_a_batch_of_deliveries_is_recorded_in_one_transaction(
    db: Database, write_transactions: list[int]
) -> None:
    ids = add_messages(db, BATCH)
    worker = make_worker(db, by_number({}), Clock(), batch=BATCH)
    write_transactions.clear()

    assert worker.run_once() == BATCH

    assert len(write_transactions) == 2  # the claim, then every completion
    assert {outbox_row(db, mid).status for mid in ids} == {"delivered"}
    assert worker.stats.delivered == BATCH


def test_two_batches_take_two_completion_transactions(
    db: Database, write_transactions: list[int]
) -> None:
    add_messages(db, 2 * BATCH)
    worker = make_worker(db, by_number({}), Clock(), batch=BATCH)
    write_transactions.clear()

    assert [worker.run_once(), worker.run_once()] == [BATCH, BATCH]

    assert len(write_transactions) == 4
    assert outbox_count(db, status="delivered") == 2 * BATCH


def test_failures_in_a_batch_are_recorded_beside_the_deliveries(
    db: Database, write_transactions: list[int]
) -> None:
    ids = add_messages(db, 4)
    handler = by_number(
        {1: Retry("receiver busy"), 2: GiveUp("receiver deleted"), 3: ValueError("x")}
    )
    worker = make_worker(db, handler, Clock(), batch=4)
    write_transactions.clear()

    assert worker.run_once() == 4

    assert len(write_transactions) == 2
    rows = [outbox_row(db, mid) for mid in ids]
    assert [(row.status, row.last_error) for row in rows] == [
        ("delivered", None),
        ("retry", "receiver busy"),
        ("dead", "receiver deleted"),
        ("retry", "ValueError: x"),
    ]
    stats = worker.stats
    assert (stats.delivered, stats.retried, stats.dead) == (1, 2, 1)


def test_a_follow_up_the_database_refuses_fails_only_its_own_message(
    db: Database,
) -> None:
    ids = add_messages(db, 3)
    refused = FollowUp(None, {}, None, "webhook:1")  # type: ignore[arg-type]
    accepted = FollowUp("webhook.deliver", {"n": 9}, None, "webhook:2")
    worker = make_worker(
        db, by_number({0: [accepted], 1: [refused], 2: [accepted]}), Clock(), batch=3
    )

    assert worker.run_once() == 3

    statuses = [outbox_row(db, mid).status for mid in ids]
    assert statuses == ["delivered", "retry", "delivered"]
    assert outbox_row(db, ids[1]).last_error.startswith("IntegrityError")  # type: ignore[union-attr]
    assert outbox_count(db, kind="webhook.deliver") == 2  # the others' follow-ups
    assert (worker.stats.delivered, worker.stats.retried) == (2, 1)
    assert worker.stats.follow_ups == 2
