"""An action that records several audit events reads and locks its chain head once,
and a savepoint ending makes the next event lock it afresh (both backends)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from factories import by, make_page, make_space, make_user, make_workflow, step
from signoff.actions.approvals import do_record_decision, do_submit_page
from signoff.db.models import Page, User
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
