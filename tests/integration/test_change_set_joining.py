"""A change set counts a page's reviews from the moment the page joined it.

Reviews submitted since, a review still pending, and an approval that still covers
the page count; older outcomes (a rejection, an approval the page has moved away
from) belong to earlier work and no longer colour a fresh set.
"""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

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
from signoff.actions.changesets import (
    do_create_change_set,
    do_submit_change_set,
    do_update_change_set,
)
from signoff.db import migrate
from signoff.db.models import ChangeSet, ChangeSetPage, Page, User
from signoff.db.session import Database
from signoff.domain.states import ApprovalStatus, DecisionKind, Role, RollupState
from signoff.queries.changesets import change_set_detail, list_change_sets

JOINED_AT_REVISION = "b4e1f07a2c95"  # adds `change_set_pages.joined_at`


class World:
    """bob writes and submits, carol approves; reviews happen at the minute given."""

    def __init__(self, s: Session) -> None:
        self.s = s
        alice, self.bob, self.carol = (
            make_user(s, n) for n in ("alice", "bob", "carol")
        )
        self.space = make_space(
            s, admin=alice, members={self.bob: Role.editor, self.carol: Role.viewer}
        )
        make_workflow(s, self.space, alice, [step(self.carol)], space_default=True)

    def page(self, title: str) -> Page:
        return make_page(self.s, self.space, self.bob, title=title)

    def review(self, page: Page, kind: DecisionKind, *, minute: int) -> None:
        do_submit_page(self.s, page, **by(self.bob, now=later(minute)))
        do_record_decision(
            self.s,
            page,
            kind,
            version=page.current_version,
            comment="No" if kind is DecisionKind.reject else None,
            **by(self.carol, now=later(minute)),
        )

    def change_set(self, pages: list[Page], *, minute: int) -> ChangeSet:
        return do_create_change_set(
            self.s,
            self.space,
            title="Release",
            page_ids=[page.id for page in pages],
            **by(self.bob, now=later(minute)),
        )


def statuses(s: Session, change_set: ChangeSet) -> list[ApprovalStatus]:
    return [ref.approval_status for ref in change_set_detail(s, change_set).page_refs]


def test_an_old_rejection_does_not_make_a_fresh_change_set_read_has_rejections(
    db: Database,
) -> None:
    with db.write() as s:
        world = World(s)
        page = world.page("Guide")
        world.review(page, DecisionKind.reject, minute=10)
        fresh = world.change_set([page], minute=20)
        detail = change_set_detail(s, fresh)
        assert detail.rollup_state is RollupState.open
        assert statuses(s, fresh) == [ApprovalStatus.none]
        assert [view.rollup_state for view in list_change_sets(s, world.space.id)] == [
            RollupState.open
        ]
        do_submit_change_set(s, fresh, **by(world.bob, now=later(30)))
        assert change_set_detail(s, fresh).rollup_state is RollupState.in_review


def test_a_rejection_after_the_page_joined_still_counts(db: Database) -> None:
    with db.write() as s:
        world = World(s)
        page = world.page("Guide")
        change_set = world.change_set([page], minute=5)
        world.review(page, DecisionKind.reject, minute=10)
        assert change_set_detail(s, change_set).rollup_state is (
            RollupState.has_rejections
        )


def test_an_older_approval_that_still_covers_the_page_counts(db: Database) -> None:
    with db.write() as s:
        world = World(s)
        approved, fresh = world.page("Approved"), world.page("Fresh")
        world.review(approved, DecisionKind.approve, minute=10)
        change_set = world.change_set([approved, fresh], minute=20)
        assert statuses(s, change_set) == [ApprovalStatus.approved, ApprovalStatus.none]
        assert change_set_detail(s, change_set).rollup_state is (
            RollupState.partially_approved
        )


def test_an_older_approval_the_page_moved_away_from_does_not_make_it_stale(
    db: Database,
) -> None:
    with db.write() as s:
        world = World(s)
        page = world.page("Guide")
        world.review(page, DecisionKind.approve, minute=10)
        edit(s, page, world.bob, "<p>Rewritten</p>", minutes=15)
        change_set = world.change_set([page], minute=20)
        (ref,) = change_set_detail(s, change_set).page_refs
        assert (ref.approval_status, ref.is_stale, ref.approved_at_version) == (
            ApprovalStatus.none,
            False,
            None,
        )
        assert change_set_detail(s, change_set).rollup_state is RollupState.open


def test_a_pending_review_from_before_the_page_joined_counts(db: Database) -> None:
    with db.write() as s:
        world = World(s)
        page = world.page("Guide")
        do_submit_page(s, page, **by(world.bob, now=later(10)))
        change_set = world.change_set([page], minute=20)
        assert statuses(s, change_set) == [ApprovalStatus.pending]


def test_a_page_kept_in_an_edited_set_keeps_the_time_it_joined(db: Database) -> None:
    with db.write() as s:
        world = World(s)
        kept, added = world.page("Kept"), world.page("Added")
        change_set = world.change_set([kept], minute=5)
        world.review(kept, DecisionKind.reject, minute=10)
        world.review(added, DecisionKind.reject, minute=10)
        do_update_change_set(
            s, change_set, page_ids=[added.id, kept.id], **by(world.bob, now=later(20))
        )
        joined = dict(
            s.execute(
                select(ChangeSetPage.page_id, ChangeSetPage.joined_at).where(
                    ChangeSetPage.change_set_id == change_set.id
                )
            ).all()
        )
        assert joined == {kept.id: later(5), added.id: later(20)}
        assert statuses(s, change_set) == [
            ApprovalStatus.none,
            ApprovalStatus.rejected,
        ]


def test_the_migration_dates_existing_pages_from_the_set_creation(
    db: Database,
) -> None:
    with db.write() as s:
        world = World(s)
        page = world.page("Guide")
        world.review(page, DecisionKind.reject, minute=10)
        change_set_id = world.change_set([page], minute=20).id
        bob_id = world.bob.id
    config = migrate.alembic_config(db.engine)
    command.downgrade(config, revision_before(config, JOINED_AT_REVISION))
    columns = inspect(db.engine).get_columns("change_set_pages")
    assert "joined_at" not in {column["name"] for column in columns}

    migrate.upgrade(db.engine)

    assert migrate.is_up_to_date(db.engine)
    with db.write() as s:
        (joined_at,) = s.scalars(select(ChangeSetPage.joined_at)).all()
        assert joined_at == later(20)
        change_set = s.get_one(ChangeSet, change_set_id)
        assert change_set_detail(s, change_set).rollup_state is RollupState.open
        bob = s.get_one(User, bob_id)
        do_update_change_set(s, change_set, title="Renamed", **by(bob, now=later(30)))
