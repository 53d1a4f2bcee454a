"""Indexes hold only the rows their reads ask for: the seven partial indexes are
partial on both backends, migrate down to full indexes and up again, the reads
they serve still use them (SQLite's plans), and a submission outside a change set
with no due date or expiry writes to none of them."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from sqlalchemy import inspect, select, text

from factories import by, make_page, make_space, make_user, make_workflow, step
from migrations import revision_before
from signoff.actions.approvals import do_submit_page
from signoff.db import migrate
from signoff.db.models import ApprovalRequest, RequestStep, RequestStepSeat
from signoff.db.session import Database
from signoff.domain.states import Role

REVISION = "b5e1d7c3a920"
PARTIAL = {
    "ix_approval_requests_change_set_id": ("approval_requests", "change_set_id"),
    "ix_approval_requests_space_completed": ("approval_requests", "completed_at"),
    "ix_approval_requests_expires_at": ("approval_requests", "expires_at"),
    "ix_audit_events_change_set_id_id": ("audit_events", "change_set_id"),
    "ix_request_steps_due_at": ("request_steps", "due_at"),
    "ix_request_step_seats_user_step": ("request_step_seats", "user_id"),
    "ix_request_step_seats_group_step": ("request_step_seats", "group_id"),
}


def _where(db: Database, name: str, table: str) -> str | None:
    """The index's condition as the database keeps it, or None for a full index."""
    [found] = [i for i in inspect(db.engine).get_indexes(table) if i["name"] == name]
    options = found.get("dialect_options", {})
    where = options.get("sqlite_where")
    if where is None:
        where = options.get("postgresql_where")
    return None if where is None else str(where)


def test_the_indexes_are_partial_and_migrate_down_to_full_ones_and_back(
    db: Database,
) -> None:
    for name, (table, column) in PARTIAL.items():
        where = _where(db, name, table)
        assert where is not None and column in where and "NOT NULL" in where.upper()
    config = migrate.alembic_config(db.engine)
    command.downgrade(config, revision_before(config, REVISION))
    assert all(_where(db, name, t) is None for name, (t, _) in PARTIAL.items())
    migrate.upgrade(db.engine)
    assert migrate.is_up_to_date(db.engine)
    assert all(_where(db, name, t) is not None for name, (t, _) in PARTIAL.items())


def test_a_plain_submission_leaves_the_partial_indexes_untouched(db: Database) -> None:
    with db.write() as s:
        admin, editor, approver = (make_user(s, n) for n in ("ad", "ed", "ap"))
        space = make_space(
            s, admin=admin, members={editor: Role.editor, approver: Role.viewer}
        )
        page = make_page(s, space, editor, title="Policy")
        make_workflow(s, space, admin, [step(approver)], space_default=True)
        request = do_submit_page(s, page, **by(editor))
        request_id = request.id
    with db.read() as s:
        stored = s.get_one(ApprovalRequest, request_id)
        assert (stored.change_set_id, stored.completed_at, stored.expires_at) == (
            None,
            None,
            None,
        )
        due = s.scalars(
            select(RequestStep.due_at).where(RequestStep.request_id == request_id)
        ).all()
        assert due == [None]
        seats = s.execute(
            select(RequestStepSeat.user_id, RequestStepSeat.group_id)
            .join(RequestStep, RequestStep.id == RequestStepSeat.step_id)
            .where(RequestStep.request_id == request_id)
        ).all()
        assert [(user is None) != (group is None) for user, group in seats] == [True]


def test_the_reads_they_serve_still_use_them(db: Database) -> None:
    reads = {
        "ix_approval_requests_change_set_id": "SELECT id FROM approval_requests "
        "WHERE change_set_id = :v",
        "ix_approval_requests_expires_at": "SELECT id FROM approval_requests "
        "WHERE expires_at <= :t ORDER BY expires_at, id",
        "ix_request_steps_due_at": "SELECT id FROM request_steps WHERE due_at <= :t",
        "ix_request_step_seats_group_step": "SELECT step_id FROM request_step_seats "
        "WHERE group_id = :v",
        "ix_request_step_seats_user_step": "SELECT step_id FROM request_step_seats "
        "WHERE user_id = :v",
        "ix_audit_events_change_set_id_id": "SELECT id FROM audit_events "
        "WHERE change_set_id = :v AND id > 0 ORDER BY id",
    }
    explain = "EXPLAIN QUERY PLAN" if db.is_sqlite else "EXPLAIN"
    moment = datetime(2027, 1, 1, tzinfo=UTC)
    values = {"v": 1, "t": moment.isoformat() if db.is_sqlite else moment}
    with db.engine.connect() as connection:
        if not db.is_sqlite:
            # An empty table is read whole otherwise; the question is whether the
            # planner may use the partial index at all.
            connection.execute(text("SET enable_seqscan = off"))
        for index, read in reads.items():
            plan = " ".join(
                str(row[-1])
                for row in connection.execute(
                    text(f"{explain} {read}"),
                    {k: v for k, v in values.items() if f":{k}" in read},
                )
            )
            assert index in plan, (read, plan)
