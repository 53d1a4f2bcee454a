"""Engines and transactions: durable SQLite settings, `BEGIN IMMEDIATE` for writes.

SQLite's Python driver would otherwise issue its own deferred `BEGIN`, which under WAL
fails at once with `SQLITE_BUSY` when a reader later tries to write. We disable the
driver's handling and begin every write transaction with `BEGIN IMMEDIATE`, after a
turn in the process's fair writer queue (`writer_queue.py`). Read transactions use a
plain `BEGIN` for a consistent snapshot without taking the write lock.
"""

from __future__ import annotations

import sqlite3
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from signoff.db.checkpoints import Checkpointer
from signoff.db.writer_queue import QueuedConnection, WriterQueue

SQLITE_BUSY_TIMEOUT_MS = 30_000
SQLITE_AUTOCHECKPOINT_PAGES = 1_000  # SQLite's own default
SYNCHRONOUS = ("full", "normal")
SQLITE_PRAGMAS = (  # the production defaults; the bench's floor runs with the same
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=FULL",
    "PRAGMA foreign_keys=ON",
    f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}",
)
READ_ONLY = "signoff_read_only"
SQLITE_POOL_SIZE = 20
"""Connections a SQLite engine keeps open between uses, and as many more at a peak."""
AUTOCHECKPOINT = "signoff_wal_autocheckpoint"  # what a pooled connection was set to


@dataclass
class SqliteSetup:
    """What one SQLite engine shares between its connections and its `Database`."""

    synchronous: str
    queue: WriterQueue = field(default_factory=WriterQueue)
    background_checkpoints: bool = False
    """True while a `Checkpointer` runs: connections then leave checkpoints to it."""

    @property
    def pragmas(self) -> tuple[str, ...]:
        return (
            "PRAGMA journal_mode=WAL",
            f"PRAGMA synchronous={self.synchronous.upper()}",
            "PRAGMA foreign_keys=ON",
            f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}",
        )


_sqlite_setups: weakref.WeakKeyDictionary[Engine, SqliteSetup] = (
    weakref.WeakKeyDictionary()
)


def make_engine(
    url: str, *, synchronous: str = "full", **engine_options: Any
) -> Engine:
    """An engine for `url` with Signoff's durability and locking settings.

    `synchronous` (SQLite only) is `full`, the default, or `normal`; see
    docs/performance.md for what `normal` gives up.
    """
    if url.startswith("sqlite"):
        if synchronous not in SYNCHRONOUS:
            raise ValueError(f"synchronous must be full or normal, not {synchronous!r}")
        engine_options.setdefault("connect_args", {}).setdefault(
            "factory", QueuedConnection
        )
        if make_url(url).database not in (None, "", ":memory:"):
            # Every request thread keeps its connection pooled: a connection the
            # pool closed on return must be opened again, pragmas and all, and
            # under load that was a visible share of each request. The server
            # runs up to 40 handlers at once.
            engine_options.setdefault("pool_size", SQLITE_POOL_SIZE)
            engine_options.setdefault("max_overflow", SQLITE_POOL_SIZE)
        engine = create_engine(url, **engine_options)
        _sqlite_setups[engine] = setup = SqliteSetup(synchronous)
        _configure_sqlite(engine, setup)
        return engine
    options: dict[str, Any] = {
        "pool_pre_ping": True,
        "pool_size": 10,
        "max_overflow": 20,
    }
    options.update(engine_options)
    options.setdefault("connect_args", {}).setdefault(
        "options", "-c idle_in_transaction_session_timeout=60000"
    )
    return create_engine(url, **options)


def sqlite_setup(engine: Engine) -> SqliteSetup | None:
    """The SQLite setup of an engine `make_engine` built; None for any other."""
    return _sqlite_setups.get(engine)


def _configure_sqlite(engine: Engine, setup: SqliteSetup) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        if isinstance(dbapi_connection, QueuedConnection):
            dbapi_connection.writer_queue = setup.queue
        cursor = dbapi_connection.cursor()
        for pragma in setup.pragmas:
            cursor.execute(pragma)
        cursor.close()
        record.info[AUTOCHECKPOINT] = SQLITE_AUTOCHECKPOINT_PAGES

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        # Off only while a checkpointer runs, so a process without one (a CLI
        # command, a test) never leaves a WAL that grows without bound.
        wanted = 0 if setup.background_checkpoints else SQLITE_AUTOCHECKPOINT_PAGES
        if record.info.get(AUTOCHECKPOINT) != wanted:
            dbapi_connection.execute(f"PRAGMA wal_autocheckpoint={wanted}")
            record.info[AUTOCHECKPOINT] = wanted

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        if connection.get_execution_options().get(READ_ONLY, False):
            connection.exec_driver_sql("BEGIN")
            return
        raw: Any = connection.connection.dbapi_connection
        queued = raw if isinstance(raw, QueuedConnection) else None
        if queued is not None and not queued.take_turn(SQLITE_BUSY_TIMEOUT_MS / 1000):
            raise OperationalError(
                "BEGIN IMMEDIATE",
                None,
                sqlite3.OperationalError(
                    "database is locked (no turn in the writer queue in time)"
                ),
            )
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            if queued is not None:
                queued.give_turn_back()
            raise


class Database:
    """An engine with its session factories: `write()` and `read()` own a transaction.

    Callers at the edge (a request, a CLI command) open one transaction, call actions
    that only `flush()`, and the context manager commits or rolls back. On SQLite a
    write waits for its turn in the writer queue at its first statement and gives it
    back when it commits or rolls back, however the block is left.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.is_sqlite = engine.dialect.name == "sqlite"
        self._sqlite = sqlite_setup(engine)
        self._writer = sessionmaker(engine, expire_on_commit=False)
        self._reader = sessionmaker(
            engine.execution_options(**{READ_ONLY: True}), expire_on_commit=False
        )
        self.checkpointer: Checkpointer | None = None
        if self._sqlite is not None and engine.url.database not in (None, ":memory:"):
            self.checkpointer = Checkpointer(
                engine, self._sqlite.queue, busy_timeout_ms=SQLITE_BUSY_TIMEOUT_MS
            )

    @property
    def writer_queue(self) -> WriterQueue | None:
        """The SQLite writer queue (its `stats()` say what waiting cost); None on
        PostgreSQL."""
        return self._sqlite.queue if self._sqlite is not None else None

    @contextmanager
    def write(self) -> Iterator[Session]:
        with self._writer.begin() as session:
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._reader.begin() as session:
            yield session

    def start_checkpoints(self) -> None:
        """Checkpoint in a thread of its own from now on (a file SQLite database only;
        otherwise nothing happens). Long-running processes call it; `dispose` stops it.
        """
        if self.checkpointer is None or self._sqlite is None:
            return
        self._sqlite.background_checkpoints = True
        self.checkpointer.start()

    def stop_checkpoints(self) -> None:
        if self.checkpointer is None or self._sqlite is None:
            return
        self.checkpointer.stop()
        self._sqlite.background_checkpoints = False

    def dispose(self) -> None:
        self.stop_checkpoints()
        self.engine.dispose()
