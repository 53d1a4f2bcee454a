"""One run at a time across processes, for the background jobs every process runs.

Each app process of `signoff serve --workers N` and each `signoff worker` runs the
sweeper and the Confluence poller; on PostgreSQL a run first takes the job's advisory
lock, and a process that finds it taken skips that run, since another process is doing
the same work right now. SQLite serves one machine with one writer: every run goes on.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from enum import IntEnum

from sqlalchemy import Connection, text
from sqlalchemy.exc import SQLAlchemyError

from signoff.db.session import Database

logger = logging.getLogger(__name__)


class Job(IntEnum):
    """The advisory lock key of each job; fixed, since every process must agree.

    Advisory locks belong to one database, so two Signoff sites sharing a PostgreSQL
    server never block each other."""

    sweeper = 0x5167_0001
    confluence_poller = 0x5167_0002


@contextmanager
def single_run(db: Database, job: Job) -> Iterator[bool]:
    """Yield True when this process may run `job` now, False when another runs it.

    The lock is a session lock (`pg_try_advisory_lock`) on a connection of its own,
    held across the run: a Confluence pass spans many short transactions and calls to
    the site, and one transaction held open for all of it would meet the server's
    idle-in-transaction timeout. Should the process die, the lock ends with its
    connection. A database that cannot be reached yields False: the run would fail.
    """
    if db.is_sqlite:
        yield True
        return
    try:
        connection = db.engine.connect()
    except SQLAlchemyError:
        logger.warning("%s: the database is unreachable; run skipped", job.name)
        yield False
        return
    with connection:
        taken = _try_lock(connection, job)
        try:
            yield taken
        finally:
            if taken:
                _unlock(connection, job)


def _try_lock(connection: Connection, job: Job) -> bool:
    try:
        taken = connection.scalar(
            text("SELECT pg_try_advisory_lock(:k)"), {"k": int(job)}
        )
        connection.commit()  # the lock outlives the transaction; the transaction ends
    except SQLAlchemyError:
        logger.warning("%s: the lock could not be asked for; run skipped", job.name)
        return False
    return bool(taken)


def _unlock(connection: Connection, job: Job) -> None:
    """Release the lock; a connection lost meanwhile took the lock with it."""
    try:
        connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": int(job)})
        connection.commit()
    except SQLAlchemyError:
        logger.warning("%s: the lock went with its connection", job.name)
