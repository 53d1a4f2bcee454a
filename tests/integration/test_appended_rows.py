"""An action's audit events, outbox messages, decisions and mentions are written in
one statement per table as it ends; a read in the same transaction still sees them,
a savepoint rolled back drops only its own, and nothing is lost or written twice
(both backends)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from factories import by, make_page, make_space, make_user, make_workflow, step
from signoff.actions.approvals import do_record_decision, do_submit_page
from signoff.actions.audit import record_event
from signoff.actions.outbox import enqueue
from signoff.db.models import AuditEvent, OutboxMessage, Page, User
from signoff.db.session import Database
from signoff.domain.states import DecisionKind, Role
from signoff.queries.audit import verify_audit_chains


@contextmanager
def inserts(db: Database) -> Iterator[list[str]]:
    """The tables of the INSERT statements run while it is open, one per statement."""
    seen: list[str] = []

    def note(*args: object) -> None:
        words = str(args[2]).split()
        if words[:2] == ["INSERT", "INTO"]:
            seen.append(words[2])

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", note)


def test_a_final_approval_writes_its_events_and_messages_in_one_statement_each(
    db: Database,
) -> None:
    with db.write() as s:
        admin, editor, approver = (make_user(s, n) for n in ("ad", "ed", "ap"))
        space = make_space(
            s, admin=admin, members={editor: Role.editor, approver: Role.viewer}
        )
        page = make_page(s, space, editor, title="Policy")
        make_workflow(s, space, admin, [step(approver)], space_default=True)
        do_submit_page(s, page, **by(editor))
        ids = (page.id, approver.id)
    with db.read() as s:
        events_before = s.scalar(select(func.count()).select_from(AuditEvent))
        messages_before = s.scalar(select(func.count()).select_from(OutboxMessage))
    with inserts(db) as seen, db.write() as s:
        page, approver = s.get(Page, ids[0]), s.get(User, ids[1])
        assert page is not None
        do_record_decision(
            s, page, DecisionKind.approve, version=1, comment=None, **by(approver)
        )
    assert seen.count("audit_events") == 1
    assert seen.count("outbox") == 1
    assert seen.count("decisions") == 1
    with db.read() as s:
        actions = s.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.page_id == ids[0])
            .order_by(AuditEvent.id)
        ).all()
        assert actions[-3:] == [
            "approval.decided",
            "approval.step_completed",
            "approval.approved",
        ]
        assert s.scalar(select(func.count()).select_from(AuditEvent)) == (
            (events_before or 0) + 3
        )
        assert s.scalar(select(func.count()).select_from(OutboxMessage)) == (
            (messages_before or 0) + 3
        )
        assert [r.broken for r in verify_audit_chains(s)] == [None, None]


def test_a_read_in_the_same_transaction_sees_the_rows_appended_before_it(
    db: Database,
) -> None:
    space_id, admin_id = _space_and_admin(db)
    with db.write() as s:
        admin = s.get(User, admin_id)
        before = _events(s, space_id)
        record_event(s, "test.one", "One.", **by(admin), space_id=space_id)
        record_event(s, "test.two", "Two.", **by(admin), space_id=space_id)
        assert _events(s, space_id) == before + 2
        enqueue(s, "test.sent", {"n": 1}, now=by(admin)["by"].now, space_id=space_id)
        assert (
            s.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.kind == "test.sent")
            )
            == 1
        )
    with db.read() as s:
        assert _events(s, space_id) == before + 2  # written once, not again at commit


def test_a_savepoint_rolled_back_drops_only_the_rows_appended_inside_it(
    db: Database,
) -> None:
    space_id, admin_id = _space_and_admin(db)
    with db.write() as s:
        before = _events(s, space_id)
    with db.write() as s:
        admin = s.get(User, admin_id)
        record_event(s, "test.kept", "Kept.", **by(admin), space_id=space_id)
        with pytest.raises(RuntimeError), s.begin_nested():
            record_event(s, "test.undone", "Undone.", **by(admin), space_id=space_id)
            # a read inside the savepoint writes both rows there; its rollback
            # undoes both, and the one appended before it must still be written
            assert _events(s, space_id) == before + 2
            raise RuntimeError("the savepoint rolls back")
        assert _events(s, space_id) == before + 1  # the kept one, waiting again
        record_event(s, "test.after", "After.", **by(admin), space_id=space_id)
    with db.read() as s:
        actions = s.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.space_id == space_id)
            .order_by(AuditEvent.seq)
        ).all()
        assert actions[-2:] == ["test.kept", "test.after"]
        assert "test.undone" not in actions
        assert [r.broken for r in verify_audit_chains(s)] == [None, None]


def test_a_released_savepoint_keeps_its_rows(db: Database) -> None:
    space_id, admin_id = _space_and_admin(db)
    with db.write() as s:
        admin = s.get(User, admin_id)
        with s.begin_nested():
            record_event(s, "test.inner", "Inner.", **by(admin), space_id=space_id)
        record_event(s, "test.outer", "Outer.", **by(admin), space_id=space_id)
    with db.read() as s:
        actions = s.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.space_id == space_id)
            .order_by(AuditEvent.seq)
        ).all()
        assert actions[-2:] == ["test.inner", "test.outer"]


def test_a_transaction_rolled_back_writes_nothing_it_appended(db: Database) -> None:
    space_id, admin_id = _space_and_admin(db)
    with db.read() as s:
        before = _events(s, space_id)
    with pytest.raises(RuntimeError), db.write() as s:
        admin = s.get(User, admin_id)
        record_event(s, "test.lost", "Lost.", **by(admin), space_id=space_id)
        raise RuntimeError("the action fails")
    with db.write() as s:  # the next transaction starts clean
        admin = s.get(User, admin_id)
        record_event(s, "test.next", "Next.", **by(admin), space_id=space_id)
    with db.read() as s:
        assert _events(s, space_id) == before + 1
        assert [r.broken for r in verify_audit_chains(s)] == [None, None]


def _events(s: Session, space_id: int) -> int:
    return int(
        s.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.space_id == space_id)
        )
        or 0
    )


def _space_and_admin(db: Database) -> tuple[int, int]:
    with db.write() as s:
        admin = make_user(s, "ad")
        space = make_space(s, admin=admin)
        return space.id, admin.id
