"""Leases: a dead worker's messages are taken over; a late worker changes nothing."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import timedelta

from signoff.db.session import Database
from signoff.notify.handlers import FollowUp, Message, Retry
from signoff.notify.worker import LEASE_LOST, Claim

from .support import (
    Clock,
    Recorder,
    add_messages,
    make_worker,
    outbox_count,
    outbox_row,
)

LEASE = timedelta(minutes=2)


def test_a_message_claimed_by_a_dead_worker_is_delivered_after_the_lease(
    db: Database,
) -> None:
    [message_id] = add_messages(db)
    clock = Clock()
    dead = make_worker(db, Recorder(), clock)
    assert len(dead.claim()) == 1  # ... and the process dies here
    handler = Recorder()
    survivor = make_worker(db, handler, clock)

    clock.advance(seconds=LEASE.total_seconds() - 1)
    assert survivor.run_once() == 0
    clock.advance(seconds=1)
    assert survivor.run_once() == 1

    assert [seen.message_id for seen in handler.seen] == [message_id]
    row = outbox_row(db, message_id)
    assert (row.status, row.attempts, row.last_error) == ("delivered", 1, LEASE_LOST)


def test_a_late_success_does_not_overwrite_the_new_holder(db: Database) -> None:
    [message_id] = add_messages(db)
    clock = Clock()
    takeover = make_worker(db, Recorder(error=Retry("receiver busy")), clock)

    def stalls(message: Message, _db: Database) -> Sequence[FollowUp]:
        clock.advance(minutes=3)  # worker A's lease runs out while it waits ...
        assert takeover.run_once() == 1  # ... and worker B takes the message over
        return [FollowUp("webhook.deliver", {}, None, "webhook:1")]

    late = make_worker(db, stalls, clock)
    assert late.run_once() == 1

    row = outbox_row(db, message_id)
    assert (row.status, row.attempts, row.last_error) == ("retry", 2, "receiver busy")
    assert row.delivered_at is None
    assert outbox_count(db) == 1  # A's follow-up went with its dropped outcome
    assert (late.stats.lost, late.stats.delivered) == (1, 0)


def test_a_late_failure_does_not_overwrite_a_delivery(db: Database) -> None:
    [message_id] = add_messages(db)
    clock = Clock()
    takeover = make_worker(db, Recorder(), clock)

    def stalls(message: Message, _db: Database) -> Sequence[FollowUp]:
        clock.advance(minutes=3)
        assert takeover.run_once() == 1
        delivered_by_b = clock.now
        clock.advance(seconds=5)
        assert outbox_row(db, message_id).delivered_at == delivered_by_b
        raise Retry("timed out")

    late = make_worker(db, stalls, clock)
    late.run_once()

    row = outbox_row(db, message_id)
    assert (row.status, row.last_error) == ("delivered", LEASE_LOST)
    assert row.delivered_at == clock.now - timedelta(seconds=5)
    assert late.stats.lost == 1


def test_stopping_hands_the_rest_of_the_batch_back_at_once(db: Database) -> None:
    ids = add_messages(db, 3)
    clock = Clock()
    stop = threading.Event()

    def stop_after_this(message: Message, _db: Database) -> Sequence[FollowUp]:
        stop.set()  # SIGTERM arrives while the first message is handled
        return ()

    worker = make_worker(db, stop_after_this, clock)
    assert worker.run_once(stop) == 1
    assert worker.stats.released == 2
    assert [outbox_row(db, mid).status for mid in ids] == [
        "delivered",
        "pending",
        "pending",
    ]
    assert outbox_row(db, ids[1]).available_at == clock.now

    other = make_worker(db, Recorder(), clock)
    assert other.run_once() == 2  # at once, not after the lease


def test_a_batch_stops_before_its_lease_runs_short(db: Database) -> None:
    ids = add_messages(db, 3)
    clock = Clock()

    def slow(message: Message, _db: Database) -> Sequence[FollowUp]:
        clock.advance(seconds=61)  # more than half of the two-minute lease
        return ()

    worker = make_worker(db, slow, clock)
    assert worker.run_once() == 1
    assert [outbox_row(db, mid).status for mid in ids] == [
        "delivered",
        "pending",
        "pending",
    ]


def test_a_message_whose_worker_dies_every_time_ends_dead(db: Database) -> None:
    [message_id] = add_messages(db)
    clock = Clock()
    worker = make_worker(db, Recorder(), clock, max_attempts=2)

    assert len(worker.claim()) == 1
    clock.advance(minutes=3)
    assert len(worker.claim()) == 1  # lease lost once: attempt 1
    clock.advance(minutes=3)
    assert worker.claim() == []  # lease lost twice: attempt 2 of 2

    row = outbox_row(db, message_id)
    assert (row.status, row.attempts, row.last_error) == ("dead", 2, LEASE_LOST)
    assert worker.stats.abandoned == 1


def test_a_late_completion_leaves_alone_a_message_another_worker_holds(
    db: Database,
) -> None:
    [message_id] = add_messages(db)
    clock = Clock()
    takeover = make_worker(db, Recorder(), clock)
    held: list[Claim] = []

    def stalls(message: Message, _db: Database) -> Sequence[FollowUp]:
        clock.advance(minutes=3)
        held.extend(takeover.claim())  # B is mid-delivery when A finishes
        return [FollowUp("webhook.deliver", {}, None, "webhook:1")]

    late = make_worker(db, stalls, clock)
    late.run_once()

    [claim] = held
    row = outbox_row(db, message_id)
    assert (row.status, row.available_at) == ("delivering", claim.lease_until)
    assert outbox_count(db) == 1 and late.stats.lost == 1
    takeover.process(claim)  # B's own outcome still lands
    assert outbox_row(db, message_id).status == "delivered"
