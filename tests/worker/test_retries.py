"""Failures: retries with backoff and jitter, Retry-After, dead letters."""

from __future__ import annotations

from datetime import timedelta

import pytest

from signoff.db.session import Database
from signoff.notify.backoff import backoff_ceiling, retry_delay
from signoff.notify.handlers import GiveUp, Retry

from .support import Clock, Recorder, add_messages, make_worker, outbox_row

BASE = timedelta(seconds=30)
CAP = timedelta(hours=6)


@pytest.mark.parametrize(
    ("attempts", "ceiling"),
    [
        (1, timedelta(seconds=30)),
        (2, timedelta(minutes=1)),
        (3, timedelta(minutes=2)),
        (7, timedelta(minutes=32)),
        (10, timedelta(minutes=256)),
        (11, CAP),
        (500, CAP),
    ],
)
def test_backoff_doubles_up_to_the_cap_with_equal_jitter(
    attempts: int, ceiling: timedelta
) -> None:
    assert backoff_ceiling(attempts, base=BASE, cap=CAP) == ceiling
    low = retry_delay(attempts, base=BASE, cap=CAP, random=lambda: 0.0)
    high = retry_delay(attempts, base=BASE, cap=CAP, random=lambda: 0.999999)
    assert low == ceiling / 2
    assert ceiling / 2 < high <= ceiling


def test_retry_after_is_a_floor_up_to_the_cap() -> None:
    def delay(retry_after: float) -> timedelta:
        return retry_delay(
            1, base=BASE, cap=CAP, random=lambda: 0.0, retry_after=retry_after
        )

    assert delay(5) == timedelta(seconds=15)  # the backoff is longer already
    assert delay(600) == timedelta(seconds=600)
    assert delay(10 * 24 * 3600) == CAP


def test_a_retry_is_scheduled_with_backoff_within_the_jitter_bounds(
    db: Database,
) -> None:
    [message_id] = add_messages(db)
    clock = Clock()
    draws = iter([0.0, 1.0])
    handler = Recorder(error=Retry("receiver answered 503"))
    worker = make_worker(db, handler, clock)
    worker.random = lambda: next(draws)

    failed_at = clock.now
    assert worker.run_once() == 1
    row = outbox_row(db, message_id)
    assert (row.status, row.attempts, row.last_error) == (
        "retry",
        1,
        "receiver answered 503",
    )
    assert row.available_at == failed_at + timedelta(seconds=15)  # lowest jitter

    clock.advance(seconds=14)
    assert worker.run_once() == 0  # not due yet
    failed_at = clock.advance(seconds=1)
    assert worker.run_once() == 1
    assert handler.seen[1].attempts == 1
    row = outbox_row(db, message_id)
    assert row.attempts == 2
    assert row.available_at == failed_at + timedelta(minutes=1)  # highest jitter


def test_retry_after_from_the_receiver_is_honoured(db: Database) -> None:
    [message_id] = add_messages(db)
    clock = Clock()
    worker = make_worker(db, Recorder(error=Retry("429", retry_after=600)), clock)

    worker.run_once()

    assert outbox_row(db, message_id).available_at == clock.now + timedelta(seconds=600)


def test_attempts_reaching_the_maximum_make_a_message_dead(db: Database) -> None:
    [message_id] = add_messages(db)
    clock = Clock()
    handler = Recorder(error=Retry("still down"))
    worker = make_worker(db, handler, clock, max_attempts=3)

    for _ in range(5):
        worker.run_once()
        clock.advance(hours=1)

    assert len(handler.seen) == 3
    row = outbox_row(db, message_id)
    assert (row.status, row.attempts, row.last_error) == ("dead", 3, "still down")
    assert worker.stats.dead == 1 and worker.stats.retried == 2


def test_give_up_makes_a_message_dead_at_once(db: Database) -> None:
    [message_id] = add_messages(db)
    clock = Clock()
    handler = Recorder(error=GiveUp("the subscription was deleted"))
    worker = make_worker(db, handler, clock)

    worker.run_once()
    clock.advance(days=1)
    assert worker.run_once() == 0

    row = outbox_row(db, message_id)
    assert (row.status, row.attempts, row.last_error) == (
        "dead",
        1,
        "the subscription was deleted",
    )
    assert len(handler.seen) == 1


def test_an_unexpected_exception_is_a_retry_with_its_message(db: Database) -> None:
    [message_id] = add_messages(db)
    handler = Recorder(error=ValueError("no route to receiver\nsecond line"))
    worker = make_worker(db, handler, Clock())

    assert worker.run_once() == 1

    row = outbox_row(db, message_id)
    assert (row.status, row.attempts, row.last_error) == (
        "retry",
        1,
        "ValueError: no route to receiver",
    )


def test_a_long_reason_is_cut_short(db: Database) -> None:
    [message_id] = add_messages(db)
    worker = make_worker(db, Recorder(error=Retry("x" * 5000)), Clock())

    worker.run_once()

    last_error = outbox_row(db, message_id).last_error
    assert last_error is not None and len(last_error) == 300
    assert last_error.endswith("…")
