"""A workflow's `allowOverride` is stored, snapshotted onto each review, and kept by
reviews from before the column existed; the migration goes down and up."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect

from factories import by, make_page, make_space, make_user, make_workflow, step
from migrations import revision_before
from signoff.actions.approvals import do_submit_page
from signoff.actions.workflows import do_update_workflow
from signoff.db import migrate
from signoff.db.models import ApprovalRequest, Page, User, Workflow
from signoff.db.session import Database
from signoff.domain.states import Role

REVISION = "d41f7a2c9e63"


def _world(db: Database, **options: bool) -> dict[str, int]:
    with db.write() as s:
        alice, bob = make_user(s, "alice"), make_user(s, "bob")
        carol = make_user(s, "carol")
        space = make_space(
            s, admin=alice, members={bob: Role.editor, carol: Role.viewer}
        )
        page = make_page(s, space, bob)
        workflow = make_workflow(
            s, space, alice, [step(carol)], space_default=True, **options
        )
        return {"page": page.id, "bob": bob.id, "alice": alice.id, "wf": workflow.id}


def _submit(db: Database, ids: dict[str, int]) -> int:
    with db.write() as s:
        page, bob = s.get_one(Page, ids["page"]), s.get_one(User, ids["bob"])
        return do_submit_page(s, page, **by(bob)).id


def _allows(db: Database, request_id: int) -> bool:
    with db.read() as s:
        return s.get_one(ApprovalRequest, request_id).allow_override


def test_workflows_allow_overrides_unless_told_not_to(db: Database) -> None:
    ids = _world(db)
    with db.read() as s:
        assert s.get_one(Workflow, ids["wf"]).allow_override is True
    assert _allows(db, _submit(db, ids)) is True


def test_a_review_keeps_the_allow_override_it_was_submitted_under(
    db: Database,
) -> None:
    ids = _world(db, allow_override=False)
    request_id = _submit(db, ids)
    assert _allows(db, request_id) is False
    with db.write() as s:
        workflow, alice = s.get_one(Workflow, ids["wf"]), s.get_one(User, ids["alice"])
        do_update_workflow(s, workflow, allow_override=True, **by(alice))
    # Without decisions the review adopts the edited definition, options included.
    assert _allows(db, request_id) is True


def test_the_migration_goes_down_and_up(db: Database) -> None:
    ids = _world(db, allow_override=False)
    request_id = _submit(db, ids)
    config = migrate.alembic_config(db.engine)
    command.downgrade(config, revision_before(config, REVISION))
    columns = {c["name"] for c in inspect(db.engine).get_columns("approval_requests")}
    assert not columns & {"allow_override", "overridden_by", "override_reason"}
    migrate.upgrade(db.engine)
    assert migrate.is_up_to_date(db.engine)
    # Rows from before the column allow overrides, as workflows did until then.
    assert _allows(db, request_id) is True
    with db.read() as s:
        request = s.get_one(ApprovalRequest, request_id)
        assert (request.overridden_by, request.override_reason) == (None, None)
