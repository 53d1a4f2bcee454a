"""The delegations table and the decisions' `on_behalf_of` migrate down and up
again, keeping the decisions already made."""

from __future__ import annotations

from alembic import command
from sqlalchemy import func, inspect, select

from factories import by, make_page, make_space, make_user, make_workflow, step
from migrations import revision_before
from signoff.actions.approvals import do_record_decision, do_submit_page
from signoff.db import migrate
from signoff.db.models import Decision
from signoff.db.session import Database
from signoff.domain.states import DecisionKind, Role

DELEGATIONS_REVISION = "c7e2a9d4b118"


def test_the_delegations_table_goes_down_and_comes_back_keeping_decisions(
    db: Database,
) -> None:
    with db.write() as s:
        ann, bob = make_user(s, "ann"), make_user(s, "bob")
        space = make_space(s, admin=ann, members={bob: Role.viewer})
        page = make_page(s, space, ann)
        make_workflow(s, space, ann, [step(bob)], pages=[page])
        do_submit_page(s, page, **by(ann))
        do_record_decision(
            s, page, DecisionKind.approve, version=1, comment=None, **by(bob)
        )
    config = migrate.alembic_config(db.engine)
    command.downgrade(config, revision_before(config, DELEGATIONS_REVISION))
    found = inspect(db.engine)
    assert "delegations" not in found.get_table_names()
    assert "on_behalf_of" not in {c["name"] for c in found.get_columns("decisions")}

    migrate.upgrade(db.engine)

    assert migrate.is_up_to_date(db.engine)
    found = inspect(db.engine)
    assert "delegations" in found.get_table_names()
    assert "on_behalf_of" in {c["name"] for c in found.get_columns("decisions")}
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Decision)) == 1
