"""A review measures what it changes when it opens: against the approved version,
else the one before; the review thread, the request email and the queue say so."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect, select

from factories import (
    by,
    edit,
    later,
    make_page,
    make_space,
    make_user,
    make_workflow,
    step,
)
from migrations import revision_before
from signoff.actions.approvals import do_record_decision, do_submit_page
from signoff.db import migrate
from signoff.db.models import ApprovalRequest, Comment, Page, User
from signoff.db.session import Database
from signoff.domain.states import DecisionKind, Role
from signoff.notify.email_audience import load_review
from signoff.queries.queue import list_queue

REVISION = "c2e8f4a61d05"


def _world(db: Database) -> dict[str, int]:
    with db.write() as s:
        alice, bob = make_user(s, "alice"), make_user(s, "bob")
        carol = make_user(s, "carol")
        space = make_space(
            s, admin=alice, members={bob: Role.editor, carol: Role.viewer}
        )
        page = make_page(s, space, bob, body="<p>Pay within 30 days.</p>")
        make_workflow(s, space, alice, [step(carol)], space_default=True)
        return {"page": page.id, "bob": bob.id, "carol": carol.id}


def _submit(db: Database, ids: dict[str, int], minutes: int) -> int:
    with db.write() as s:
        page, bob = s.get_one(Page, ids["page"]), s.get_one(User, ids["bob"])
        return do_submit_page(s, page, **by(bob, now=later(minutes))).id


def _edit(db: Database, ids: dict[str, int], body: str, minutes: int) -> None:
    with db.write() as s:
        page, bob = s.get_one(Page, ids["page"]), s.get_one(User, ids["bob"])
        edit(s, page, bob, body, minutes=minutes)


def _approve(db: Database, ids: dict[str, int], version: int, minutes: int) -> None:
    with db.write() as s:
        page, carol = s.get_one(Page, ids["page"]), s.get_one(User, ids["carol"])
        do_record_decision(
            s,
            page,
            DecisionKind.approve,
            version=version,
            comment="",
            **by(carol, now=later(minutes)),
        )


def _request(db: Database, request_id: int) -> tuple[int | None, str | None]:
    with db.read() as s:
        request = s.get_one(ApprovalRequest, request_id)
        return request.change_from, request.change_summary


def test_a_first_version_has_nothing_to_measure(db: Database) -> None:
    ids = _world(db)
    assert _request(db, _submit(db, ids, 1)) == (None, None)


def test_a_later_version_is_measured_against_the_one_before(db: Database) -> None:
    ids = _world(db)
    _edit(db, ids, "<p>Pay within 14 days.</p>", 1)
    request_id = _submit(db, ids, 2)
    assert _request(db, request_id) == (1, "1 paragraph changed, 2 words")
    with db.read() as s:
        opened = s.scalars(
            select(Comment.body).where(Comment.request_id == request_id)
        ).one()
        review = load_review(s, request_id)
    assert "What changed since version 1: 1 paragraph changed, 2 words." in opened
    assert f'href="/spaces/DOCS/pages/{ids["page"]}/compare?from=1&amp;to=2"' in (
        opened
    )
    assert review is not None
    assert review.facts()["change"] == {
        "summary": "1 paragraph changed, 2 words",
        "from": 1,
        "to": 2,
        "path": f"/spaces/DOCS/pages/{ids['page']}/compare?from=1&to=2",
    }


def test_after_an_approval_it_is_measured_against_the_approved_version(
    db: Database,
) -> None:
    ids = _world(db)
    _submit(db, ids, 1)
    _approve(db, ids, 1, 2)
    _edit(db, ids, "<p>Pay within 14 days.</p>", 3)
    _edit(db, ids, "<p>Pay within 14 days.</p><p>Keep receipts.</p>", 4)
    request_id = _submit(db, ids, 5)
    assert _request(db, request_id) == (1, "1 paragraph changed, 1 added, 4 words")
    with db.read() as s:
        items, _ = list_queue(s, s.get_one(User, ids["carol"]), status="pending")
        (item,) = [i for i in items if i.request_id == request_id]
    assert item.change_summary == "1 paragraph changed, 1 added, 4 words"


def test_the_migration_goes_down_and_up(db: Database) -> None:
    ids = _world(db)
    _edit(db, ids, "<p>Pay within 14 days.</p>", 1)
    request_id = _submit(db, ids, 2)
    config = migrate.alembic_config(db.engine)
    command.downgrade(config, revision_before(config, REVISION))
    columns = {c["name"] for c in inspect(db.engine).get_columns("approval_requests")}
    assert "change_summary" not in columns
    migrate.upgrade(db.engine)
    assert migrate.is_up_to_date(db.engine)
    # A review opened before keeps going without a measure.
    assert _request(db, request_id) == (None, None)
