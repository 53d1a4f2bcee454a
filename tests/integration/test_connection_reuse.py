"""Concurrent requests reuse the SQLite connections they pooled instead of opening
new ones: opening one runs the connection's pragmas, which under load was a visible
share of every request's time."""

from __future__ import annotations

import threading
from functools import partial

from sqlalchemy import event, select

from signoff.db.models import User
from signoff.db.session import Database
from threads import run_together

READERS = 12
ROUNDS = 25


def test_a_dozen_concurrent_readers_open_at_most_one_connection_each(
    sqlite_db: Database,
) -> None:
    opened = []
    lock = threading.Lock()

    def count(*_: object) -> None:
        with lock:
            opened.append(1)

    event.listen(sqlite_db.engine, "connect", count)
    overlap = threading.Barrier(READERS)

    def read(_: int) -> None:
        for _round in range(ROUNDS):
            with sqlite_db.read() as session:
                session.execute(select(User.id).limit(1)).all()
                overlap.wait(timeout=20)  # every reader holds a connection at once
            overlap.wait(timeout=20)  # and every one has given it back

    try:
        assert run_together([partial(read, n) for n in range(READERS)]) == []
    finally:
        event.remove(sqlite_db.engine, "connect", count)
    assert len(opened) <= READERS
