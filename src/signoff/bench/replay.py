"""The replay ceiling: the product's own writes without any of its Python.

The floor writes the fewest rows an approval record needs. The product writes more:
the request with its steps and seats, audit events, outbox rows, comments and
mentions, each with the indexes its reads need. To tell how much of the gap to the
floor is that data and how much is Python, the bench records the statements and
parameters of the first transactions of a timed phase, exactly as the driver
received them, and replays them with plain `sqlite3` on a copy of the database as it
was when the phase began, with the same pragmas and one commit per transaction.
Nothing the product does per action can be faster than its replay.

SQLite only: a copy of the database is one backup call there. On PostgreSQL the
figures are left out (None).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, event

from signoff.db.session import SQLITE_PRAGMAS

SAMPLE = 1000  # transactions replayed per phase: enough for a stable rate
CHECKPOINT_EVERY = 32  # transactions; about SQLite's default of 1,000 pages

# SQL, parameters, executemany. A batch of "insertmanyvalues" is flagged executemany
# but sent as one statement with its parameters flattened into one sequence.
Statement = tuple[str, Any, bool]
ROWS = (tuple, list, dict)  # what one row of parameters of a true executemany is
Transaction = list[Statement]


@dataclass(frozen=True)
class Replay:
    transactions: int
    per_second: float
    pages_written: float
    """Database pages written to the WAL per transaction, on average."""


@dataclass
class StatementRecorder:
    """Records the committed transactions sent while `recording` is on."""

    limit: int = SAMPLE
    transactions: list[Transaction] = field(default_factory=list)
    _open: Transaction = field(default_factory=list)
    _on: bool = False

    def attach(self, engine: Engine) -> None:
        event.listen(engine, "before_cursor_execute", self._statement)
        event.listen(engine, "commit", self._commit)
        event.listen(engine, "rollback", self._rollback)

    def start(self) -> None:
        self.transactions, self._open, self._on = [], [], True

    def stop(self) -> list[Transaction]:
        self._on = False
        return self.transactions

    def _statement(
        self,
        _connection: Connection,
        _cursor: Any,
        statement: str,
        parameters: Any,
        _context: Any,
        executemany: bool,
    ) -> None:
        if self._on and len(self.transactions) < self.limit:
            self._open.append((statement, parameters, executemany))

    def _commit(self, _connection: Connection) -> None:
        if self._on and self._open:
            self.transactions.append(self._open)
        self._open = []

    def _rollback(self, _connection: Connection) -> None:
        self._open = []


def snapshot(database: Path, copy: Path) -> Path:
    """A consistent copy of a live SQLite database (WAL included), by the backup API."""
    source = sqlite3.connect(database)
    target = sqlite3.connect(copy)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()
    return copy


def replay(database: Path, transactions: Sequence[Transaction]) -> Replay:
    """Run `transactions` on `database` with plain sqlite3, one commit each, timed."""
    connection = sqlite3.connect(database, isolation_level=None)
    try:
        for pragma in SQLITE_PRAGMAS:
            connection.execute(pragma)
        # Checkpoints are run by hand, at about the default rate, so that their
        # reports count the pages each transaction wrote.
        connection.execute("PRAGMA wal_autocheckpoint=0")
        pages, seconds = 0, 0.0
        for done, transaction in enumerate(transactions, start=1):
            started = time.perf_counter()
            _run(connection, transaction)
            seconds += time.perf_counter() - started
            if done % CHECKPOINT_EVERY == 0 or done == len(transactions):
                pages += _checkpoint(connection)
        count = len(transactions)
        return Replay(count, count / max(seconds, 1e-9), pages / max(count, 1))
    finally:
        connection.close()


def _run(connection: sqlite3.Connection, transaction: Transaction) -> None:
    began = False
    for statement, parameters, executemany in transaction:
        if statement.startswith("BEGIN"):
            began = True
            connection.execute(statement)
        elif executemany and parameters and isinstance(parameters[0], ROWS):
            connection.executemany(statement, parameters)
        else:
            connection.execute(statement, parameters)
    if not began:  # the product began the transaction outside the cursor
        raise ValueError("a recorded transaction has no BEGIN")
    connection.execute("COMMIT")


def _checkpoint(connection: sqlite3.Connection) -> int:
    """Pages the WAL held, moved into the database; the time is not counted."""
    _busy, logged, _moved = connection.execute(
        "PRAGMA wal_checkpoint(PASSIVE)"
    ).fetchone()
    return int(logged)
