"""Append-only rows an action writes together: one statement per table, at the end.

Audit events, outbox messages, decisions and mentions are only ever added, and the
action that adds them never reads them back. So an action appends them here, and
they are written in one `executemany` per table just before the transaction commits,
instead of one `INSERT` each as they happen: an approval that completes a review
writes three audit events and three outbox messages, which become two statements.

Nothing may observe the difference. Before any statement of the session that reads
or writes one of those tables, the rows waiting for it are written first, so a read
in the same transaction (a keyed API call's answer, a bulk action's next page) sees
them exactly as if they had been inserted at once. A savepoint that rolls back drops
the rows appended since it began, as it would have undone their inserts.
"""

from __future__ import annotations

import contextlib
import itertools
import weakref
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Alias, Connection, Engine, Insert, Table, TextClause
from sqlalchemy import event as orm_event
from sqlalchemy.orm import Session, SessionTransaction
from sqlalchemy.sql.util import find_tables

_LOG = "signoff.appends"
"""session.info: `Appended`, the rows of the transaction, written and still waiting."""
_MARKS = "signoff.appends_marks"
"""session.info: [(savepoint, rows appended, rows written)] as each savepoint began."""
_ENDED = "signoff.appends_ended"
"""session.info: the savepoint that just ended and its mark, until we know whether it
was released or rolled back (SQLAlchemy ends it before saying so)."""

_SESSION = "signoff.appends_session"
"""connection.info: a weak reference to the session using the connection."""

_tables_of: weakref.WeakKeyDictionary[Any, frozenset[str] | None] = (
    weakref.WeakKeyDictionary()
)
"""The tables a statement touches, by statement: most are built once, at import."""


@dataclass
class Appended:
    """A transaction's appended rows in order; those from `written` on still wait.

    Rows written inside a savepoint stay in the list while it is open: should it roll
    back, the ones appended before it began wait again, since their inserts were
    undone with it."""

    rows: list[tuple[Insert, dict[str, Any]]] = field(default_factory=list)
    written: int = 0
    writing: bool = False
    tables: set[str] = field(default_factory=set)
    """The tables rows wait for, kept as rows come: every statement asks, and a bulk
    action may have thousands waiting."""

    def waiting(self) -> list[tuple[Insert, dict[str, Any]]]:
        return self.rows[self.written :]


def _log(session: Session) -> Appended:
    log: Appended | None = session.info.get(_LOG)
    if log is None:
        session.info[_LOG] = log = Appended()
    return log


def append(session: Session, statement: Insert, row: dict[str, Any]) -> None:
    """Add `row` to what `statement` (a Core insert built once, with no RETURNING)
    writes when the transaction commits, or sooner if a statement needs it."""
    log = _log(session)
    log.rows.append((statement, row))
    log.tables.add(statement.table.name)


def append_many(
    session: Session, statement: Insert, rows: list[dict[str, Any]]
) -> None:
    """`append` each of `rows`."""
    log = _log(session)
    log.rows.extend((statement, row) for row in rows)
    if rows:
        log.tables.add(statement.table.name)


def write_appended(session: Session) -> None:
    """Write every waiting row now, one statement per table, in first-use order."""
    log: Appended | None = session.info.get(_LOG)
    if log is None or log.writing or log.written == len(log.rows):
        return
    by_statement: dict[Insert, list[dict[str, Any]]] = {}
    for statement, row in log.waiting():
        by_statement.setdefault(statement, []).append(row)
    log.writing = True
    try:
        for statement, rows in by_statement.items():
            session.execute(statement, rows[0] if len(rows) == 1 else rows)
    finally:
        log.writing = False
    log.written = len(log.rows)
    log.tables.clear()
    if not session.info.get(_MARKS):
        log.rows.clear()  # no savepoint can undo them now
        log.written = 0


def _touched(statement: Any) -> frozenset[str] | None:
    """Names of the tables `statement` reads or writes; None when it cannot be told
    (text), which counts as touching every table."""
    with contextlib.suppress(KeyError, TypeError):
        return _tables_of[statement]
    if isinstance(statement, (str, TextClause)):
        names: frozenset[str] | None = None
    else:
        found = set()
        for found_table in find_tables(
            statement,
            check_columns=True,
            include_aliases=True,
            include_joins=True,
            include_selects=True,
            include_crud=True,
        ):
            table: Any = found_table
            while isinstance(table, Alias):
                table = table.element
            if isinstance(table, Table):
                found.add(table.name)
        names = frozenset(found)
    with contextlib.suppress(TypeError):  # a statement that takes no weak reference
        _tables_of[statement] = names
    return names


def _waiting_tables(log: Appended) -> set[str]:
    return log.tables


@orm_event.listens_for(Session, "after_begin")
def _connected(session: Session, _: SessionTransaction, connection: Connection) -> None:
    """Let the connection find the session whose rows may wait, so that a statement
    run on it directly (`session.connection().execute`) is guarded too."""
    connection.info[_SESSION] = weakref.ref(session)


@orm_event.listens_for(Engine, "before_execute")
def _before_statement(connection: Connection, statement: Any, *_: object) -> None:
    """Write waiting rows before a statement that touches their tables, whether the
    session runs it (a query, a flush) or it is run on its connection."""
    owner = connection.info.get(_SESSION)
    session = owner() if owner is not None else None
    if session is None:
        return
    log: Appended | None = session.info.get(_LOG)
    if log is None or log.writing or log.written == len(log.rows):
        return
    touched = _touched(statement)
    if touched is None or touched & _waiting_tables(log):
        write_appended(session)


@orm_event.listens_for(Session, "before_flush")
def _before_flush(session: Session, *_: object) -> None:
    """Write waiting rows before a flush that writes mapped objects of their tables,
    or deletes anything (a delete may cascade to them in the database)."""
    log: Appended | None = session.info.get(_LOG)
    if log is None or log.writing or log.written == len(log.rows):
        return
    if session.deleted:
        write_appended(session)
        return
    flushed = {
        type(instance).__table__.name
        for instance in itertools.chain(session.new, session.dirty)
    }
    if flushed & _waiting_tables(log):
        write_appended(session)


@orm_event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return
    session.flush()  # rows may name objects added but not yet flushed
    write_appended(session)


@orm_event.listens_for(Session, "after_transaction_create")
def _savepoint_began(session: Session, transaction: SessionTransaction) -> None:
    if transaction.nested:
        log = _log(session)
        mark = (transaction, len(log.rows), log.written)
        session.info.setdefault(_MARKS, []).append(mark)


@orm_event.listens_for(Session, "after_transaction_end")
def _transaction_ended(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        for key in (_LOG, _MARKS, _ENDED):
            session.info.pop(key, None)  # written at commit, or rolled back
        return
    marks = session.info.get(_MARKS)
    if transaction.nested and marks and marks[-1][0] is transaction:
        session.info[_ENDED] = marks.pop()


@orm_event.listens_for(Session, "after_soft_rollback")
def _rolled_back(session: Session, previous: SessionTransaction) -> None:
    """A savepoint rolled back: drop what it appended, and what it wrote of the rows
    appended before it waits again. Any other rollback inside the transaction (a
    failed flush) leaves it unusable: nothing appended is written."""
    ended = session.info.pop(_ENDED, None)
    log: Appended | None = session.info.get(_LOG)
    if log is None:
        return
    if ended is not None and ended[0] is previous:
        _, appended, written = ended
        del log.rows[appended:]
        log.written = min(log.written, written)
        log.tables = {statement.table.name for statement, _ in log.waiting()}
    elif previous.parent is not None:
        session.info.pop(_LOG, None)


@orm_event.listens_for(Session, "after_commit")
def _savepoint_released(session: Session) -> None:
    session.info.pop(_ENDED, None)
