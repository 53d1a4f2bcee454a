"""Engines and transactions: durable SQLite settings, `BEGIN IMMEDIATE` for writes.

SQLite's Python driver would otherwise issue its own deferred `BEGIN`, which under WAL
fails at once with `SQLITE_BUSY` when a reader later tries to write. We disable the
driver's handling and begin every write transaction with `BEGIN IMMEDIATE`, so a second
writer waits on `busy_timeout` instead. Read transactions use a plain `BEGIN` for a
consistent snapshot without taking the write lock.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_MS = 30_000
SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=FULL",
    "PRAGMA foreign_keys=ON",
    f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}",
)
READ_ONLY = "signoff_read_only"


def make_engine(url: str, **engine_options: Any) -> Engine:
    """An engine for `url` with Signoff's durability and locking settings."""
    if url.startswith("sqlite"):
        engine = create_engine(url, **engine_options)
        _configure_sqlite(engine)
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


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        for pragma in SQLITE_PRAGMAS:
            cursor.execute(pragma)
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        read_only = connection.get_execution_options().get(READ_ONLY, False)
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


class Database:
    """An engine with its session factories: `write()` and `read()` own a transaction.

    Callers at the edge (a request, a CLI command) open one transaction, call actions
    that only `flush()`, and the context manager commits or rolls back.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.is_sqlite = engine.dialect.name == "sqlite"
        self._writer = sessionmaker(engine, expire_on_commit=False)
        self._reader = sessionmaker(
            engine.execution_options(**{READ_ONLY: True}), expire_on_commit=False
        )

    @contextmanager
    def write(self) -> Iterator[Session]:
        with self._writer.begin() as session:
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._reader.begin() as session:
            yield session

    def dispose(self) -> None:
        self.engine.dispose()
