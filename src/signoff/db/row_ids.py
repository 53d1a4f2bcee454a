"""Numbering new rows before a flush, so that SQLite inserts them in batches.

To learn the ids SQLite gives new rows, the ORM must ask for them with RETURNING, and
SQLite cannot say which returned id belongs to which row of a multi-row INSERT: the
ORM then inserts one row per statement. A bulk write (a change set of a thousand
pages) numbers its new rows itself instead and the ORM sends each table's rows in one
`executemany`. That is safe only where nobody else can insert meanwhile: inside a
SQLite write transaction, which holds the database's only write lock from
`BEGIN IMMEDIATE` on. PostgreSQL batches RETURNING on its own, so there the rows are
left to their sequences.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import Table, func, inspect, select
from sqlalchemy.orm import Session


def number_new_rows(session: Session) -> None:
    """Give each new row of an integer-keyed table the next free id (SQLite only),
    in the order the rows were added, as SQLite would have."""
    if session.get_bind().dialect.name != "sqlite":
        return
    waiting: dict[tuple[Table, str], list[object]] = defaultdict(list)
    for row in session.new:
        mapper = inspect(row).mapper
        table = mapper.local_table
        column = table.autoincrement_column if isinstance(table, Table) else None
        if column is None:
            continue
        attribute = mapper.get_property_by_column(column).key
        if getattr(row, attribute) is None:
            waiting[(table, attribute)].append(row)
    for (table, attribute), rows in waiting.items():
        column = table.autoincrement_column
        assert column is not None
        with session.no_autoflush:  # the rows must not go out before they are numbered
            last = session.scalar(select(func.max(column))) or 0
        rows.sort(key=lambda row: inspect(row).insert_order or 0)
        for number, row in enumerate(rows, start=last + 1):
            setattr(row, attribute, number)
