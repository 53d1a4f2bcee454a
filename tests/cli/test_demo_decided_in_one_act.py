"""The demo data shows a change set decided in one act: carol approves every page of
Release 2.0 documentation she reviews with one "Approve all"."""

from __future__ import annotations

from sqlalchemy import select

from factories import AT
from signoff.db.models import AuditEvent, ChangeSet, User
from signoff.db.session import Database
from signoff.demo import seed_demo


def test_demo_change_set_was_approved_by_carol_in_one_act(db: Database) -> None:
    seed_demo(db, now=AT)

    with db.read() as session:
        act = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "changeset.decided")
        ).one()
        carol = session.scalars(select(User).where(User.username == "carol")).one()
        change_set = session.scalars(select(ChangeSet)).one()
        decisions = session.scalars(
            select(AuditEvent.actor_id).where(
                AuditEvent.action == "approval.decided", AuditEvent.at <= act.at
            )
        ).all()
    assert act.actor_id == carol.id
    assert act.change_set_id == change_set.id
    assert act.details["decidedCount"] == 3
    assert act.details["decision"] == "approve"
    assert decisions == [carol.id] * 3
