"""An action that records several audit events reads and locks its chain head once,
a bulk submit once for all its pages (its savepoints are released), and a savepoint
rolled back restores the head it began with, so the chain has no gap (both
backends)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from factories import (
    by,
    make_change_set,
    make_page,
    make_space,
    make_user,
    make_workflow,
    step,
)
from signoff.actions.approvals import do_record_decision, do_submit_page
from signoff.actions.audit import record_event
from signoff.actions.changesets import do_submit_change_set
from signoff.db.models import AuditChainHead, ChangeSet, Page, User
from signoff.db.session import Database
from signoff.domain.states import DecisionKind, Role
from signoff.queries.audit import verify_audit_chains


@contextmanager
def head_reads(db: Database) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(*args: object) -> None:
        statement = str(args[2])
        if statement.lstrip().upper().startswith("SELECT") and (
            "audit_chain_heads" in statement
        ):
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def test_a_final_approval_reads_its_chain_head_once(db: Database) -> None:
    with db.write() as s:
        admin, editor, approver = (make_user(s, n) for n in ("ad", "ed", "ap"))
        space = make_space(
            s, admin=admin, members={editor: Role.editor, approver: Role.viewer}
        )
        page = make_page(s, space, editor, title="Policy")
        make_workflow(s, space, admin, [step(approver)], space_default=True)
        do_submit_page(s, page, **by(editor))
        ids = (page.id, approver.id)
    with head_reads(db) as seen, db.write() as s:
        page, approver = s.get(Page, ids[0]), s.get(User, ids[1])
        assert page is not None
        do_record_decision(
            s, page, DecisionKind.approve, version=1, comment=None, **by(approver)
        )
    assert len(seen) == 1  # decided, step completed and approved: one chain, one read
    with db.read() as s:
        assert [r.broken for r in verify_audit_chains(s)] == [None, None]


def test_a_bulk_submit_reads_its_chain_head_once(db: Database) -> None:
    with db.write() as s:
        admin, editor, approver = (make_user(s, n) for n in ("ad", "ed", "ap"))
        space = make_space(
            s, admin=admin, members={editor: Role.editor, approver: Role.viewer}
        )
        pages = [make_page(s, space, editor, title=f"Policy {n}") for n in range(5)]
        make_workflow(s, space, admin, [step(approver)], space_default=True)
        change_set = make_change_set(s, space, editor, pages)
        ids = (change_set.id, editor.id)
    with head_reads(db) as seen, db.write() as s:
        change_set, editor = s.get(ChangeSet, ids[0]), s.get(User, ids[1])
        assert change_set is not None
        results = do_submit_change_set(s, change_set, **by(editor))
    assert [r.success for r in results] == [True] * 5
    assert len(seen) == 1  # five submissions and the set's own event: one read
    with db.read() as s:
        assert all(r.broken is None for r in verify_audit_chains(s))


def test_a_savepoint_rolled_back_restores_the_head_it_began_with(
    db: Database,
) -> None:
    space_id, admin_id, seq_before = _space_and_admin(db)
    with head_reads(db) as seen, db.write() as s:
        admin = s.get(User, admin_id)
        record_event(s, "test.kept", "Kept.", **by(admin), space_id=space_id)
        with pytest.raises(RuntimeError), s.begin_nested():
            record_event(s, "test.undone", "Undone.", **by(admin), space_id=space_id)
            s.flush()
            raise RuntimeError("the savepoint rolls back")
        record_event(s, "test.after", "After.", **by(admin), space_id=space_id)
    assert len(seen) == 1  # the savepoint's copy of the head, not a second read
    _assert_whole_chain(db, space_id, seq_before + 2)  # kept, after: no gap


def test_a_released_savepoint_then_one_rolled_back_keep_the_chain_whole(
    db: Database,
) -> None:
    space_id, admin_id, seq_before = _space_and_admin(db)
    with db.write() as s:
        admin = s.get(User, admin_id)
        with s.begin_nested():
            record_event(s, "test.kept", "Kept.", **by(admin), space_id=space_id)
        with pytest.raises(RuntimeError), s.begin_nested():
            record_event(s, "test.undone", "Undone.", **by(admin), space_id=space_id)
            raise RuntimeError("the savepoint rolls back")
        record_event(s, "test.after", "After.", **by(admin), space_id=space_id)
    _assert_whole_chain(db, space_id, seq_before + 2)


def test_several_events_in_one_transaction_move_the_head_once_by_their_number(
    db: Database,
) -> None:
    space_id, admin_id, seq_before = _space_and_admin(db)
    with db.write() as s:
        admin = s.get(User, admin_id)
        for n in range(3):
            record_event(s, "test.n", f"Event {n}.", **by(admin), space_id=space_id)
    _assert_whole_chain(db, space_id, seq_before + 3)


def _space_and_admin(db: Database) -> tuple[int, int, int]:
    """A space and its admin, and the seq of the space's chain head after them."""
    with db.write() as s:
        admin = make_user(s, "ad")
        space = make_space(s, admin=admin)
        space_id, admin_id = space.id, admin.id
    with db.read() as s:
        head = s.get(AuditChainHead, f"space:{space_id}")
        return space_id, admin_id, 0 if head is None else head.seq


def _assert_whole_chain(db: Database, space_id: int, seq: int) -> None:
    with db.read() as s:
        head = s.get(AuditChainHead, f"space:{space_id}")
        assert head is not None and head.seq == seq
        assert [r.broken for r in verify_audit_chains(s)] == [None, None]
