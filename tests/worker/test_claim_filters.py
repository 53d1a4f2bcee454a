"""A worker told to deliver only some kinds, or only some spaces' messages, claims
nothing else: the rest stay pending, untouched, for the worker that handles them."""

from __future__ import annotations

import pytest

from signoff.actions.outbox import enqueue
from signoff.db.session import Database
from signoff.notify.handlers import Handlers
from signoff.notify.worker import OutboxWorker

from .support import Clock, Recorder, add_messages, outbox_row

WANTED, OTHER = "test.wanted", "test.other"


def test_a_worker_given_kinds_claims_only_messages_of_those_kinds(
    db: Database,
) -> None:
    [other] = add_messages(db, kind=OTHER)
    [wanted] = add_messages(db, kind=WANTED)
    handler = Recorder()
    worker = OutboxWorker(
        db, Handlers({WANTED: handler}, fallback=handler), clock=Clock(), kinds={WANTED}
    )

    assert worker.run_once() == 1

    assert [message.kind for message in handler.seen] == [WANTED]
    assert outbox_row(db, wanted).status == "delivered"
    untouched = outbox_row(db, other)
    assert (untouched.status, untouched.attempts) == ("pending", 0)


def test_a_worker_given_spaces_claims_only_those_spaces_messages(
    db: Database,
) -> None:
    with db.write() as session:
        ids = [
            enqueue(session, WANTED, {}, now=Clock()(), space_id=space).message_id
            for space in (None, 7, 8)
        ]
    handler = Recorder()
    worker = OutboxWorker(
        db, Handlers(fallback=handler), clock=Clock(), kinds={WANTED}, spaces={8}
    )

    assert worker.run_once() == 1

    assert [message.space_id for message in handler.seen] == [8]
    statuses = [outbox_row(db, message_id).status for message_id in ids]
    assert statuses == ["pending", "pending", "delivered"]


def test_a_worker_given_no_space_claims_nothing(db: Database) -> None:
    add_messages(db, kind=WANTED)
    worker = OutboxWorker(db, Handlers(), clock=Clock(), spaces=())

    assert worker.run_once() == 0


def test_a_worker_given_no_kind_at_all_is_refused(db: Database) -> None:
    with pytest.raises(ValueError, match="kinds"):
        OutboxWorker(db, Handlers(), clock=Clock(), kinds=())
