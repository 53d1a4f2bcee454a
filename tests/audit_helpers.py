"""Reading back what actions wrote, for assertions; and tampering as the owner would.

The database refuses to change or remove audit events (triggers from the migration
`audit events are append-only`). Tests that play an attacker who owns the database
first do what such an attacker can: take the triggers away, through
`as_database_owner_without_triggers`, the one place that knows how.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine, func, select, text
from sqlalchemy.orm import Session

from signoff.db.models import AuditEvent, OutboxMessage


def last_event_id(session: Session) -> int:
    return session.scalar(select(func.coalesce(func.max(AuditEvent.id), 0))) or 0


def actions_since(session: Session, after_id: int) -> list[str]:
    return list(
        session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.id > after_id)
            .order_by(AuditEvent.id)
        )
    )


def outbox_kinds(session: Session) -> list[str]:
    return list(session.scalars(select(OutboxMessage.kind).order_by(OutboxMessage.id)))


@contextmanager
def as_database_owner_without_triggers(engine: Engine) -> Iterator[Connection]:
    """One transaction in which the append-only triggers are gone, then restored.

    What the owner of a PostgreSQL database (or anyone who can write the SQLite file)
    is able to do; the triggers are back before commit, so nothing else looks touched.
    """
    with engine.begin() as connection:
        if connection.dialect.name == "sqlite":
            triggers = _sqlite_audit_triggers(connection)
            for name in triggers:
                connection.exec_driver_sql(f'DROP TRIGGER "{name}"')
            yield connection
            for sql in triggers.values():
                connection.exec_driver_sql(sql)
        else:
            connection.exec_driver_sql("ALTER TABLE audit_events DISABLE TRIGGER USER")
            yield connection
            connection.exec_driver_sql("ALTER TABLE audit_events ENABLE TRIGGER USER")


def _sqlite_audit_triggers(connection: Connection) -> dict[str, str]:
    rows = connection.execute(
        text(
            "SELECT name, sql FROM sqlite_master "
            "WHERE type = 'trigger' AND tbl_name = 'audit_events'"
        )
    )
    triggers = {str(name): str(sql) for name, sql in rows}
    assert triggers, "the append-only triggers are missing"
    return triggers
