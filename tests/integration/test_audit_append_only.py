"""The database refuses to change or remove audit events, and the migration that
makes it so can be undone and redone.

Every statement goes through the app's own engine, as code with a bug, or someone
with the app's credentials, would send it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Engine, delete, select, text, update
from sqlalchemy.exc import DBAPIError

from audit_helpers import as_database_owner_without_triggers
from conftest import fresh_database_url
from factories import edit, make_page, make_space, make_user
from reliability.figures import record
from signoff.db import migrate
from signoff.db.models import AuditEvent
from signoff.db.session import Database, make_engine

BEFORE_APPEND_ONLY = "973e6fb4394e"


@pytest.fixture
def trail(db: Database) -> Database:
    with db.write() as session:
        ann = make_user(session, "ann")
        page = make_page(session, make_space(session, "DOCS", admin=ann), ann)
        edit(session, page, ann, "<p>v2</p>", minutes=5)
    return db


def snapshot(engine: Engine) -> list[tuple[Any, ...]]:
    with engine.connect() as connection:
        rows = connection.execute(select(AuditEvent.__table__).order_by(AuditEvent.id))
        return [tuple(row) for row in rows]


def attempt(engine: Engine, statement: Any) -> bool:
    """Run `statement` in a transaction of its own; True when the append-only rule
    refused it (any other error is not a refusal)."""
    try:
        with engine.begin() as connection:
            connection.execute(statement)
    except DBAPIError as error:
        return "audit events are append-only" in str(error.orig)
    return False


def refused_and_unchanged(engine: Engine, statement: Any) -> bool:
    before = snapshot(engine)
    refused = attempt(engine, statement)
    unchanged = snapshot(engine) == before
    record("tampering attempts", 1)
    record("tampering detected", int(refused and unchanged))
    return refused and unchanged


TAMPERING = {
    "edit-text": update(AuditEvent)
    .where(AuditEvent.seq == 2)
    .values(text="Nothing happened here."),
    "edit-hash": update(AuditEvent).values(hash="0" * 64),
    "delete-one": delete(AuditEvent).where(AuditEvent.seq == 1),
    "delete-all": delete(AuditEvent),
}


@pytest.mark.parametrize("statement", TAMPERING.values(), ids=TAMPERING.keys())
def test_the_database_refuses_to_change_audit_events(
    trail: Database, statement: Any
) -> None:
    assert refused_and_unchanged(trail.engine, statement)


def test_an_orm_session_cannot_edit_an_event_either(trail: Database) -> None:
    before = snapshot(trail.engine)

    with pytest.raises(DBAPIError, match="append-only"), trail.write() as session:
        event = session.scalars(select(AuditEvent).limit(1)).one()
        event.text = "Nothing happened here."
        session.flush()

    assert snapshot(trail.engine) == before


def test_postgresql_refuses_to_truncate_the_audit_events(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    db = Database(make_engine(fresh_database_url("postgresql", request, tmp_path)))
    try:
        with db.write() as session:
            make_user(session, "ann")

        assert refused_and_unchanged(db.engine, text("TRUNCATE audit_events"))
    finally:
        db.dispose()


def test_appending_events_still_works(trail: Database) -> None:
    before = len(snapshot(trail.engine))

    with trail.write() as session:
        make_user(session, "bob")

    assert len(snapshot(trail.engine)) == before + 1


def test_the_owner_can_take_the_triggers_away_and_they_come_back(
    trail: Database,
) -> None:
    with as_database_owner_without_triggers(trail.engine) as connection:
        changed = connection.execute(
            update(AuditEvent).where(AuditEvent.seq == 1).values(text="Rewritten.")
        )
        assert changed.rowcount > 0

    assert refused_and_unchanged(trail.engine, TAMPERING["edit-text"])


def test_the_migration_downgrades_and_upgrades_again(trail: Database) -> None:
    config = migrate.alembic_config(trail.engine)

    command.downgrade(config, BEFORE_APPEND_ONLY)
    assert migrate.current_revision(trail.engine) == BEFORE_APPEND_ONLY
    assert not attempt(trail.engine, TAMPERING["edit-text"])
    assert_no_triggers(trail.engine)

    migrate.upgrade(trail.engine)
    assert migrate.is_up_to_date(trail.engine)
    assert attempt(trail.engine, TAMPERING["edit-hash"])


def assert_no_triggers(engine: Engine) -> None:
    """Downgrade leaves nothing behind: no trigger, and on PostgreSQL no function."""
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            leftovers = connection.scalars(
                text("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            ).all()
        else:
            leftovers = connection.scalars(
                text(
                    "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal "
                    "UNION ALL SELECT proname FROM pg_proc "
                    "WHERE proname = 'audit_events_refuse_change'"
                )
            ).all()
    assert leftovers == []
