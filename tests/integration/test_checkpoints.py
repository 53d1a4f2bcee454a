"""Checkpoints leave the request path only where a checkpointer takes them over:
the server's connections have SQLite's auto-checkpoint off while its thread runs,
and everything else (CLI commands, tests) keeps it on."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import event, text

from api.support import AppClient
from factories import AT
from signoff.actions.outbox import enqueue
from signoff.api.app import create_app
from signoff.config import Settings
from signoff.db.checkpoints import Checkpointer
from signoff.db.session import Database

NEVER = 3600.0  # the thread's own ticks stay out of the way; the tests tick by hand


def autocheckpoint(db: Database) -> int:
    with db.write() as session:
        return int(session.execute(text("PRAGMA wal_autocheckpoint")).scalar_one())


def checkpointer_of(db: Database) -> Checkpointer:
    assert db.checkpointer is not None
    return db.checkpointer


def write_pages(db: Database, transactions: int) -> None:
    """Some 700 to 900 WAL pages a transaction: 500 rows of two pages each."""
    for _ in range(transactions):
        with db.write() as session:
            for n in range(500):
                enqueue(session, "test.event", {"n": n, "blob": "x" * 5000}, now=AT)


def wal_file(url: str) -> Path:
    return Path(url.removeprefix("sqlite:///") + "-wal")


def test_without_a_checkpointer_connections_checkpoint_as_sqlite_does(
    sqlite_db: Database,
) -> None:
    assert autocheckpoint(sqlite_db) == 1000
    assert not checkpointer_of(sqlite_db).running


def test_while_the_checkpointer_runs_connections_leave_checkpoints_to_it(
    sqlite_db: Database,
) -> None:
    checkpointer_of(sqlite_db).interval = NEVER
    assert autocheckpoint(sqlite_db) == 1000  # a pooled connection, set on checkout
    sqlite_db.start_checkpoints()
    assert checkpointer_of(sqlite_db).running
    assert autocheckpoint(sqlite_db) == 0

    sqlite_db.stop_checkpoints()
    assert not checkpointer_of(sqlite_db).running
    assert autocheckpoint(sqlite_db) == 1000


def test_the_checkpointer_copies_the_wal_back_and_empties_it_when_idle(
    sqlite_db: Database, sqlite_url: str
) -> None:
    checkpointer = checkpointer_of(sqlite_db)
    checkpointer.interval = NEVER
    sqlite_db.start_checkpoints()
    write_pages(sqlite_db, 3)

    copied = checkpointer.tick()
    assert copied.wal_pages > 2000  # no commit checkpointed on its own
    assert copied.checkpointed == copied.wal_pages
    assert wal_file(sqlite_url).stat().st_size > 0

    emptied = checkpointer.tick()  # nothing written since: idle
    assert (emptied.busy, emptied.wal_pages) == (False, 0)
    assert wal_file(sqlite_url).stat().st_size == 0
    assert checkpointer.resets == 1
    assert sqlite_db.writer_queue is not None and not sqlite_db.writer_queue.busy


def test_a_large_wal_is_rewound_even_while_writes_go_on(
    sqlite_db: Database, sqlite_url: str
) -> None:
    checkpointer = checkpointer_of(sqlite_db)
    checkpointer.interval, checkpointer.restart_pages = NEVER, 1000
    sqlite_db.start_checkpoints()
    write_pages(sqlite_db, 1)
    checkpointer.tick()
    write_pages(sqlite_db, 2)  # not idle, and past the limit

    rewound = checkpointer.tick()

    assert (rewound.busy, checkpointer.resets) == (False, 1)
    write_pages(sqlite_db, 1)
    assert checkpointer.tick().wal_pages < 1000  # the next writes start over


def test_postgresql_has_no_checkpointer(db: Database) -> None:
    if db.is_sqlite:
        assert db.checkpointer is not None
        return
    assert db.checkpointer is None
    db.start_checkpoints()  # nothing to start
    db.dispose()


def test_the_server_checkpoints_in_the_background_while_it_serves(
    sqlite_url: str, tmp_path: Path
) -> None:
    app = create_app(Settings(data_dir=tmp_path / "data", database_url=sqlite_url))
    db: Database = app.state.db
    seen: list[int] = []

    @event.listens_for(db.engine, "checkout")
    def record(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        row = dbapi_connection.execute("PRAGMA wal_autocheckpoint").fetchone()
        seen.append(row[0])

    client = AppClient(app)
    try:
        assert checkpointer_of(db).running
        assert client.get("/healthz").status_code == 200
    finally:
        client.close()
    assert seen and set(seen) == {0}
    assert not checkpointer_of(db).running
    assert os.path.exists(sqlite_url.removeprefix("sqlite:///"))
