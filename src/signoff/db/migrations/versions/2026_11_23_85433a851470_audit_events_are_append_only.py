"""audit events are append-only

The database itself refuses to change or remove an audit event, whoever asks: an
UPDATE or DELETE (and on PostgreSQL a TRUNCATE, which fires no row triggers) aborts.
Whoever owns the database can still drop these triggers; the hash chain and signed
checkpoints are what catch that. A later migration that rebuilds `audit_events` (an
SQLite batch copy drops the table's triggers) must create them again.

Revision ID: 85433a851470
Revises: 973e6fb4394e
Create Date: 2026-11-23 14:40:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "85433a851470"
down_revision: str | None = "973e6fb4394e"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REFUSAL = "audit events are append-only"

SQLITE_UP = [
    f"""
    CREATE TRIGGER audit_events_refuse_{verb.lower()}
    BEFORE {verb} ON audit_events
    BEGIN
        SELECT RAISE(ABORT, '{REFUSAL} ({verb} refused)');
    END
    """
    for verb in ("UPDATE", "DELETE")
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS audit_events_refuse_update",
    "DROP TRIGGER IF EXISTS audit_events_refuse_delete",
]

POSTGRESQL_UP = [
    f"""
    CREATE FUNCTION audit_events_refuse_change() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION USING MESSAGE = '{REFUSAL} (' || TG_OP || ' refused)';
    END
    $$
    """,
    """
    CREATE TRIGGER audit_events_refuse_change
    BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_refuse_change()
    """,
    # TRUNCATE empties the table without firing row triggers, so it needs its own.
    """
    CREATE TRIGGER audit_events_refuse_truncate
    BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_refuse_change()
    """,
]
POSTGRESQL_DOWN = [
    "DROP TRIGGER IF EXISTS audit_events_refuse_truncate ON audit_events",
    "DROP TRIGGER IF EXISTS audit_events_refuse_change ON audit_events",
    "DROP FUNCTION IF EXISTS audit_events_refuse_change()",
]


def _statements(*, up: bool) -> list[str]:
    if op.get_bind().dialect.name == "sqlite":
        return SQLITE_UP if up else SQLITE_DOWN
    return POSTGRESQL_UP if up else POSTGRESQL_DOWN


def upgrade() -> None:
    for statement in _statements(up=True):
        op.execute(statement)


def downgrade() -> None:
    for statement in _statements(up=False):
        op.execute(statement)
