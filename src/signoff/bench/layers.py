"""What one statement costs in each layer the product sends it through.

The same two statements (an insert and a read by key, each built once) run many times
through the driver alone (`sqlite3`), through SQLAlchemy Core on a connection, and
through a Session, the way the product's actions run theirs. Their difference is
the price of each layer per statement, which bounds how close an action of N
statements can come to its replay, whatever else it does.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    create_engine,
    insert,
    select,
)
from sqlalchemy.orm import Session

ROUNDS = 1000
"""Insert-and-read pairs per layer and attempt: enough for a stable figure."""
ATTEMPTS = 3
"""The best of these is kept: the machine's noise only ever adds time."""

_TABLE = Table(
    "layer_probe",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("name", String, nullable=False),
    Column("number", Integer, nullable=False),
)
_INSERT = insert(_TABLE)
_READ = select(_TABLE.c.name, _TABLE.c.number).where(
    _TABLE.c.id == bindparam("key", type_=Integer)
)


@dataclass(frozen=True)
class StatementLayers:
    """Microseconds per statement through each layer, one transaction each."""

    driver: float
    core: float
    session: float


def measure_layers(workdir: Path, rounds: int = ROUNDS) -> StatementLayers:
    """Time each layer on a scratch SQLite file in `workdir`; nothing is committed
    (each attempt rolls back), so the figures hold no disk time."""
    path = workdir / "layers.db"
    engine = create_engine(f"sqlite:///{path}")
    try:
        _TABLE.metadata.create_all(engine)

        def driver() -> None:
            connection = sqlite3.connect(path, isolation_level=None)
            try:
                connection.execute("BEGIN")
                for n in range(rounds):
                    connection.execute(
                        "INSERT INTO layer_probe (name, number) VALUES (?, ?)",
                        ("probe", n),
                    )
                    connection.execute(
                        "SELECT name, number FROM layer_probe WHERE id = ?", (n,)
                    ).fetchone()
                connection.execute("ROLLBACK")
            finally:
                connection.close()

        def core() -> None:
            with engine.connect() as connection:
                for n in range(rounds):
                    connection.execute(_INSERT, {"name": "probe", "number": n})
                    connection.execute(_READ, {"key": n}).first()
                connection.rollback()

        def session() -> None:
            with Session(engine) as s:
                for n in range(rounds):
                    s.execute(_INSERT, {"name": "probe", "number": n})
                    s.execute(_READ, {"key": n}).first()
                s.rollback()

        statements = 2 * rounds
        return StatementLayers(
            driver=_best_micros(driver, statements),
            core=_best_micros(core, statements),
            session=_best_micros(session, statements),
        )
    finally:
        engine.dispose()
        path.unlink(missing_ok=True)


def _best_micros(run: Callable[[], None], statements: int) -> float:
    best = float("inf")
    for _ in range(ATTEMPTS):
        started = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - started)
    return 1_000_000 * best / statements
