"""Writers of one process take turns in arrival order on SQLite, and always give the
turn back; writers of several processes still meet in SQLite's busy handler.

Each write is a real transaction on a real database file, enqueuing one outbox row.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Generator
from functools import partial

import pytest
from sqlalchemy import func, select

from factories import AT
from signoff.actions.appends import write_appended
from signoff.actions.outbox import enqueue
from signoff.db.models import OutboxMessage
from signoff.db.session import Database
from signoff.db.writer_queue import WriterQueue
from threads import run_together

THREADS = 8
WRITES = 25


def queue_of(db: Database) -> WriterQueue:
    assert db.writer_queue is not None
    return db.writer_queue


def rows(db: Database) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(OutboxMessage)) or 0


def write_one(db: Database, n: int = 0) -> None:
    with db.write() as session:
        enqueue(session, "test.event", {"n": n}, now=AT)


def test_concurrent_writers_enter_in_the_order_they_arrived(
    sqlite_db: Database,
) -> None:
    queue = queue_of(sqlite_db)
    entered: list[tuple[int, int]] = []  # (arrival ticket, writer), in entry order
    inside = 0
    most_inside = 0

    def writer(n: int) -> None:
        nonlocal inside, most_inside
        for _ in range(WRITES):
            with sqlite_db.write() as session:
                enqueue(session, "test.event", {"n": n}, now=AT)
                write_appended(session)  # the first statement takes the turn
                inside += 1
                most_inside = max(most_inside, inside)
                assert queue.ticket is not None
                entered.append((queue.ticket, n))
                inside -= 1

    failures = run_together([partial(writer, n) for n in range(THREADS)])

    assert failures == []
    assert rows(sqlite_db) == THREADS * WRITES
    tickets = [ticket for ticket, _ in entered]
    assert tickets == sorted(tickets)  # nobody overtook anybody
    assert len(set(tickets)) == THREADS * WRITES
    assert all(
        sum(1 for _, n in entered if n == writer) == WRITES for writer in range(THREADS)
    )
    assert most_inside == 1
    assert not queue.busy
    assert queue.stats().entries >= THREADS * WRITES


def test_an_exception_inside_a_write_gives_the_turn_back(sqlite_db: Database) -> None:
    queue = queue_of(sqlite_db)
    with pytest.raises(RuntimeError), sqlite_db.write() as session:
        enqueue(session, "test.event", {}, now=AT)
        write_appended(session)
        assert queue.busy
        raise RuntimeError("the request failed after the action")

    assert not queue.busy
    assert run_together([lambda: write_one(sqlite_db)]) == []  # another thread enters
    assert rows(sqlite_db) == 1


def test_a_generator_closed_early_gives_the_turn_back(sqlite_db: Database) -> None:
    queue = queue_of(sqlite_db)

    def numbered() -> Generator[int]:
        with sqlite_db.write() as session:
            for n in range(3):
                enqueue(session, "test.event", {"n": n}, now=AT)
                write_appended(session)
                yield n

    numbers = numbered()
    assert next(numbers) == 0
    assert queue.ticket is not None  # inside its write
    numbers.close()

    assert not queue.busy
    assert run_together([lambda: write_one(sqlite_db)]) == []
    assert rows(sqlite_db) == 1  # the generator's rows rolled back


def test_a_write_that_never_runs_a_statement_takes_no_turn(
    sqlite_db: Database,
) -> None:
    queue = queue_of(sqlite_db)
    with sqlite_db.write():
        assert not queue.busy
    assert queue.stats().entries == 0


def test_reads_do_not_queue(sqlite_db: Database) -> None:
    queue = queue_of(sqlite_db)
    with sqlite_db.write() as session:
        enqueue(session, "test.event", {}, now=AT)
        write_appended(session)
        assert run_together([partial(rows, sqlite_db)]) == []  # type: ignore[list-item]
        assert queue.waiting == 0


def test_postgresql_writers_have_no_queue(db: Database) -> None:
    if db.is_sqlite:
        assert db.writer_queue is not None
        return
    assert db.writer_queue is None
    assert run_together([partial(write_one, db, n) for n in range(4)]) == []
    assert rows(db) == 4


WRITER_PROCESS = """
import sys
from datetime import UTC, datetime
from signoff.actions.outbox import enqueue
from signoff.db.session import Database, make_engine

db = Database(make_engine(sys.argv[1]))
for n in range(int(sys.argv[2])):
    with db.write() as session:
        enqueue(session, "test.event", {"n": n}, now=datetime.now(UTC))
db.dispose()
"""


def test_two_processes_writing_to_one_file_both_finish(
    sqlite_db: Database, sqlite_url: str
) -> None:
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER_PROCESS, sqlite_url, str(WRITES)]
        )
        for _ in range(2)
    ]
    write_threads = [
        threading.Thread(target=write_one, args=(sqlite_db, n)) for n in range(4)
    ]
    for thread in write_threads:
        thread.start()
    for thread in write_threads:
        thread.join()

    assert [process.wait() for process in processes] == [0, 0]
    assert rows(sqlite_db) == 2 * WRITES + 4
