"""The table of claims on reviews migrates down and up again, keeping the reviews."""

from __future__ import annotations

from alembic import command
from sqlalchemy import func, inspect, select

from factories import by, make_page, make_space, make_user, make_workflow, step
from migrations import revision_before
from signoff.actions.approvals import do_submit_page
from signoff.db import migrate
from signoff.db.models import ApprovalRequest
from signoff.db.session import Database
from signoff.domain.states import Role

CLAIMS_REVISION = "a44a815bbcd8"


def test_the_claims_table_goes_down_and_comes_back_keeping_reviews(
    db: Database,
) -> None:
    with db.write() as s:
        ann, bob = make_user(s, "ann"), make_user(s, "bob")
        space = make_space(s, admin=ann, members={bob: Role.viewer})
        page = make_page(s, space, ann)
        make_workflow(s, space, ann, [step(bob)], pages=[page])
        do_submit_page(s, page, **by(ann))
    config = migrate.alembic_config(db.engine)
    command.downgrade(config, revision_before(config, CLAIMS_REVISION))
    assert "review_claims" not in inspect(db.engine).get_table_names()

    migrate.upgrade(db.engine)

    assert migrate.is_up_to_date(db.engine)
    assert "review_claims" in inspect(db.engine).get_table_names()
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(ApprovalRequest)) == 1
