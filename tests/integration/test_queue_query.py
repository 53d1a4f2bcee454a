"""The approval queue read model: filters, assigned-to-me, visibility and pagination."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Engine, event, inspect, select
from sqlalchemy.orm import Session

from factories import (
    by,
    edit,
    later,
    make_change_set,
    make_group,
    make_page,
    make_space,
    make_user,
    make_workflow,
    step,
)
from migrations import revision_before
from signoff.actions.approvals import (
    do_cancel_request,
    do_record_decision,
    do_reset_approval,
    do_submit_page,
)
from signoff.actions.changesets import do_submit_change_set
from signoff.api.v1.responses import plain
from signoff.api.v1.shapes.queue import queue_item_out
from signoff.db import migrate
from signoff.db.models import ApprovalRequest, Page, Space, User, Workflow
from signoff.db.session import Database
from signoff.domain.errors import BadInput
from signoff.domain.states import DecisionKind, Role, Rule, StaleOn
from signoff.queries.queue import QueueItem, list_queue, queue_counts

APPROVE, REJECT = DecisionKind.approve, DecisionKind.reject


@contextmanager
def counting(engine: Engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


class World:
    """alice admin; bob, carol and dave editors; erin (in group legal) a viewer.

    The space `DOCS` has a workflow `Review` (carol, then legal) as its default.
    """

    def __init__(self, s: Session, **workflow_options: Any) -> None:
        self.s = s
        names = ("alice", "bob", "carol", "dave", "erin", "zoe")
        self.alice, self.bob, self.carol, self.dave, self.erin, self.zoe = (
            make_user(s, name) for name in names
        )
        self.root = make_user(s, "root", site_admin=True)
        self.legal = make_group(s, "legal", [self.erin])
        self.space = make_space(
            s,
            admin=self.alice,
            members={
                self.bob: Role.editor,
                self.dave: Role.editor,
                self.carol: Role.editor,
                self.erin: Role.viewer,
            },
        )
        self.workflow = make_workflow(
            s,
            self.space,
            self.alice,
            [step(self.carol, name="First"), step(groups=[self.legal], name="Legal")],
            name="Review",
            space_default=True,
            **workflow_options,
        )
        self.count = 0
        self.workflows = 0

    def page_with(
        self,
        steps: list[Any],
        *,
        author: User | None = None,
        title: str,
        **options: Any,
    ) -> Page:
        """A page governed by a workflow of its own."""
        page = make_page(self.s, self.space, author or self.bob, title=title)
        self.workflows += 1
        make_workflow(
            self.s,
            self.space,
            self.alice,
            steps,
            pages=[page],
            name=f"Own {self.workflows}",
            **options,
        )
        return page

    def submit(
        self, submitter: User | None = None, *, title: str | None = None
    ) -> Page:
        self.count += 1
        author = submitter or self.bob
        page = make_page(
            self.s, self.space, author, title=title or f"Page {self.count}"
        )
        do_submit_page(self.s, page, **by(author, now=later(self.count)))
        return page

    def decide(self, page: Page, who: User, kind: DecisionKind = APPROVE) -> None:
        do_record_decision(
            self.s,
            page,
            kind,
            version=page.current_version,
            comment="no" if kind is REJECT else None,
            **by(who, now=later(90)),
        )


def queue(db: Database, user_id: int, **filters: Any) -> list[QueueItem]:
    with db.read() as s:
        user = s.get(User, user_id)
        assert user is not None
        items, _ = list_queue(s, user, **filters)
        return items


def titles(items: list[QueueItem]) -> list[str]:
    return [item.title for item in items]


def test_pending_queue_lists_newest_first_in_the_contract_shape(db: Database) -> None:
    with db.write() as s:
        world = World(s)
        first, second = world.submit(), world.submit()
        workflow_id, space_id = world.workflow.id, world.space.id
        bob_account, ids = world.bob.account_id, (first.id, second.id)
        carol_id = world.carol.id

    items = queue(db, carol_id)

    assert titles(items) == ["Page 2", "Page 1"]
    listed = plain(queue_item_out(items[1]))
    assert listed == {
        "requestId": listed["requestId"],
        "pageId": str(ids[0]),
        "title": "Page 1",
        "spaceId": str(space_id),
        "version": 1,
        "status": "pending",
        "workflowId": str(workflow_id),
        "workflowName": "Review",
        "currentStep": "First",
        "submittedBy": bob_account,
        "createdAt": "2026-01-05T09:01:00Z",
        "changeSetId": None,
        "dueAt": None,
        "claim": None,
        "rereviewDueAt": None,
    }


def test_assigned_to_me_finds_a_direct_seat_on_the_current_step(db: Database) -> None:
    with db.write() as s:
        world = World(s)
        world.submit()
        carol_id, erin_id = world.carol.id, world.erin.id

    assert titles(queue(db, carol_id, assigned_to_me=True)) == ["Page 1"]
    assert queue(db, erin_id, assigned_to_me=True) == []


def test_assigned_to_me_finds_a_seat_through_a_group(db: Database) -> None:
    with db.write() as s:
        world = World(s)
        page = world.submit()
        world.submit()
        world.decide(page, world.carol)
        carol_id, erin_id = world.carol.id, world.erin.id

    items = queue(db, erin_id, assigned_to_me=True)
    assert [(item.title, item.current_step) for item in items] == [("Page 1", "Legal")]
    assert titles(queue(db, carol_id, assigned_to_me=True)) == ["Page 2"]


def test_assigned_to_me_leaves_out_steps_already_decided(db: Database) -> None:
    with db.write() as s:
        world = World(s)
        page = world.page_with([step(world.carol, world.alice)], title="Paired")
        do_submit_page(s, page, **by(world.bob))
        world.decide(page, world.carol)
        carol_id, alice_id = world.carol.id, world.alice.id

    assert queue(db, carol_id, assigned_to_me=True) == []
    assert titles(queue(db, alice_id, assigned_to_me=True)) == ["Paired"]
    assert titles(queue(db, carol_id)) == ["Paired"]


def test_assigned_to_me_leaves_out_my_own_submission(db: Database) -> None:
    with db.write() as s:
        world = World(s)
        own = world.page_with(
            [step(world.carol, world.alice, rule=Rule.any)],
            author=world.carol,
            title="Carol's own",
        )
        do_submit_page(s, own, **by(world.carol))
        world.submit(title="Bob's")
        carol_id, alice_id = world.carol.id, world.alice.id

    assert titles(queue(db, carol_id, assigned_to_me=True)) == ["Bob's"]
    assert titles(queue(db, alice_id, assigned_to_me=True)) == ["Carol's own"]


def test_assigned_to_me_includes_my_submission_when_self_approval_is_allowed(
    db: Database,
) -> None:
    with db.write() as s:
        world = World(s)
        own = world.page_with(
            [step(world.carol)],
            author=world.carol,
            title="Carol's own",
            allow_self_approval=True,
        )
        do_submit_page(s, own, **by(world.carol))
        carol_id = world.carol.id

    assert titles(queue(db, carol_id, assigned_to_me=True)) == ["Carol's own"]


def test_queue_shows_only_spaces_the_user_belongs_to(db: Database) -> None:
    with db.write() as s:
        world = World(s)
        world.submit(title="In DOCS")
        other = make_space(s, "OTHER", admin=world.zoe)
        make_workflow(
            s,
            other,
            world.zoe,
            [step(world.zoe)],
            space_default=True,
            allow_self_approval=True,
        )
        page = make_page(s, other, world.zoe, title="In OTHER")
        do_submit_page(s, page, **by(world.zoe))
        carol_id, zoe_id, root_id, other_id = (
            world.carol.id,
            world.zoe.id,
            world.root.id,
            other.id,
        )

    assert titles(queue(db, carol_id)) == ["In DOCS"]
    assert titles(queue(db, zoe_id)) == ["In OTHER"]
    assert titles(queue(db, root_id)) == ["In OTHER", "In DOCS"]
    assert titles(queue(db, root_id, space_id=other_id)) == ["In OTHER"]
    assert queue(db, carol_id, space_id=other_id) == []


def test_status_filters_follow_each_request_outcome(db: Database) -> None:
    with db.write() as s:
        world = World(s)
        approved, rejected, cancelled, superseded, stale, resaved, pending = (
            world.submit(title=t)
            for t in (
                "approved",
                "rejected",
                "cancelled",
                "superseded",
                "stale",
                "resaved",
                "pending",
            )
        )
        for page in (approved, stale, resaved):
            world.decide(page, world.carol)
            world.decide(page, world.erin)
        world.decide(rejected, world.carol, REJECT)
        do_cancel_request(s, cancelled, **by(world.bob))
        edit(s, superseded, world.bob, "<p>new</p>")
        edit(s, stale, world.bob, "<p>new</p>")
        edit(s, resaved, world.bob, "<p>v1</p>")
        alice_id = world.alice.id
        del pending

    def listed(status: str | None) -> list[str]:
        return titles(queue(db, alice_id, status=status))

    assert listed("pending") == ["pending"]
    assert listed("approved") == ["resaved", "stale", "approved"]
    assert listed("rejected") == ["rejected"]
    assert listed("cancelled") == ["cancelled"]
    assert listed("superseded") == ["superseded"]
    assert listed("stale") == ["stale"]
    assert len(listed(None)) == 7


def test_stale_filter_counts_any_new_version_under_stale_on_version(
    db: Database,
) -> None:
    with db.write() as s:
        world = World(s, stale_on=StaleOn.version)
        page = world.submit(title="resaved")
        world.decide(page, world.carol)
        world.decide(page, world.erin)
        edit(s, page, world.bob, "<p>v1</p>")
        alice_id = world.alice.id
    assert titles(queue(db, alice_id, status="stale")) == ["resaved"]


def test_filters_by_workflow_change_set_and_submitter(db: Database) -> None:
    with db.write() as s:
        world = World(s)
        world.submit(title="by bob")
        world.submit(world.dave, title="by dave")
        pages = [
            make_page(s, world.space, world.bob, title=f"set {n}") for n in range(2)
        ]
        change_set = make_change_set(s, world.space, world.bob, pages)
        do_submit_change_set(s, change_set, **by(world.bob))
        other = world.page_with([step(world.carol)], title="other wf")
        do_submit_page(s, other, **by(world.bob))
        ids = {
            "alice": world.alice.id,
            "dave": world.dave.id,
            "set": change_set.id,
            "wf": world.workflow.id,
            "other": other.workflow_id,
        }

    assert titles(queue(db, ids["alice"], submitter_id=ids["dave"])) == ["by dave"]
    assert titles(queue(db, ids["alice"], change_set_id=ids["set"])) == [
        "set 1",
        "set 0",
    ]
    assert titles(queue(db, ids["alice"], workflow_id=ids["other"])) == ["other wf"]
    assert len(queue(db, ids["alice"], workflow_id=ids["wf"])) == 4
    assert (
        queue(db, ids["alice"], change_set_id=ids["set"])[0].change_set_id == ids["set"]
    )


def test_pagination_walks_every_item_exactly_once(db: Database) -> None:
    with db.write() as s:
        world = World(s)
        for _ in range(7):
            world.submit()
        alice_id = world.alice.id

    seen: list[int] = []
    pages = 0
    with db.read() as s:
        alice = s.get(User, alice_id)
        assert alice is not None
        cursor = None
        while True:
            items, cursor = list_queue(s, alice, cursor=cursor, limit=3)
            pages += 1
            seen += [item.request_id for item in items]
            if cursor is None:
                break
    assert pages == 3
    assert len(seen) == len(set(seen)) == 7
    assert seen == sorted(seen, reverse=True)


def test_exact_fit_page_has_no_next_cursor(db: Database) -> None:
    with db.write() as s:
        world = World(s)
        for _ in range(3):
            world.submit()
        alice_id = world.alice.id
    with db.read() as s:
        alice = s.get(User, alice_id)
        assert alice is not None
        items, cursor = list_queue(s, alice, limit=3)
    assert (len(items), cursor) == (3, None)


@pytest.mark.parametrize(
    "cursor", ["nonsense", "123", "cTE6", "cTE6LTE", "%%%", "cTE6MX"]
)
def test_a_cursor_we_did_not_give_out_is_refused(db: Database, cursor: str) -> None:
    with db.write() as s:
        world = World(s)
        alice_id = world.alice.id
    with pytest.raises(BadInput) as refused:
        queue(db, alice_id, cursor=cursor)
    assert refused.value.field == "cursor"


@pytest.mark.parametrize("limit", [0, -1, 201])
def test_a_limit_out_of_range_is_refused(db: Database, limit: int) -> None:
    with db.write() as s:
        world = World(s)
        alice_id = world.alice.id
    with pytest.raises(BadInput) as refused:
        queue(db, alice_id, limit=limit)
    assert refused.value.field == "limit"


def test_an_unknown_status_is_refused(db: Database) -> None:
    with db.write() as s:
        world = World(s)
        alice_id = world.alice.id
    with pytest.raises(BadInput) as refused:
        queue(db, alice_id, status="done")
    assert refused.value.field == "status"


def test_counts_for_the_queue_tabs(db: Database) -> None:
    with db.write() as s:
        world = World(s)
        approved, rejected, stale = world.submit(), world.submit(), world.submit()
        world.submit()
        for page in (approved, stale):
            world.decide(page, world.carol)
            world.decide(page, world.erin)
        world.decide(rejected, world.carol, REJECT)
        edit(s, stale, world.bob, "<p>changed</p>")
        world.submit()
        other = make_space(
            s, "OTHER", admin=world.alice, members={world.bob: Role.editor}
        )
        lone = make_page(s, other, world.alice, title="Elsewhere")
        make_workflow(s, other, world.alice, [step(world.bob)], pages=[lone])
        do_submit_page(s, lone, **by(world.alice, now=later(300)))
        users = {
            u.username: u.id for u in (world.carol, world.erin, world.zoe, world.root)
        }
        space_id, other_id = world.space.id, other.id

    with db.read() as s:
        carol, zoe = s.get(User, users["carol"]), s.get(User, users["zoe"])
        root = s.get(User, users["root"])
        assert carol is not None and zoe is not None and root is not None
        # a site administrator counts every space, or the one asked for
        assert queue_counts(s, root) == {
            "waiting_for_me": 0,
            "pending": 3,
            "approved": 2,
            "rejected": 1,
            "stale": 1,
            "expired": 0,
        }
        assert queue_counts(s, root, space_id=other_id)["pending"] == 1
        assert queue_counts(s, root, space_id=space_id)["stale"] == 1
        assert queue_counts(s, carol, space_id=other_id) == dict.fromkeys(
            ("waiting_for_me", "pending", "approved", "rejected", "stale", "expired"),
            0,
        )
        assert queue_counts(s, carol) == {
            "waiting_for_me": 2,
            "pending": 2,
            "approved": 2,
            "rejected": 1,
            "stale": 1,
            "expired": 0,
        }
        assert queue_counts(s, carol, space_id=space_id)["pending"] == 2
        assert queue_counts(s, zoe) == {
            "waiting_for_me": 0,
            "pending": 0,
            "approved": 0,
            "rejected": 0,
            "stale": 0,
            "expired": 0,
        }


def test_the_counts_are_one_statement_for_every_kind_of_caller(db: Database) -> None:
    with db.write() as s:
        world = World(s)
        world.submit()
        ids = {u.username: u.id for u in (world.carol, world.root)}
        space_id = world.space.id
    with db.read() as s:
        for username, space in itertools.product(ids, (None, space_id)):
            user = s.get(User, ids[username])
            assert user is not None
            with counting(db.engine) as statements:
                counts = queue_counts(s, user, space_id=space)
            assert counts["pending"] == 1
            assert len(statements) == 1, (username, space)


def test_pages_remember_the_version_their_approval_covers(db: Database) -> None:
    with db.write() as s:
        world = World(s)
        page = world.submit()
        assert page.approved_version is None
        world.decide(page, world.carol)
        assert page.approved_version is None  # one step of two
        world.decide(page, world.erin)
        assert (page.approved_version, page.current_version) == (1, 1)
        edit(s, page, world.bob, "<p>moved on</p>")
        assert (page.approved_version, page.current_version) == (1, 2)
        do_submit_page(s, page, **by(world.bob, now=later(100)))
        world.decide(page, world.carol)
        world.decide(page, world.erin)
        assert page.approved_version == 2
        do_reset_approval(s, page, **by(world.alice, now=later(200)))
        assert page.approved_request_id is None and page.approved_version is None


def _stale_count_plan(db: Database, user_id: int) -> str:
    """The query plan of `queue_counts`' statement (its stale count is the subquery
    that reads `approved_version`), as the backend would run it."""
    seen: list[tuple[str, Any]] = []

    def keep(*args: Any) -> None:
        seen.append((args[2], args[3]))

    with db.read() as s:
        user = s.get(User, user_id)
        assert user is not None
        event.listen(db.engine, "before_cursor_execute", keep)
        try:
            queue_counts(s, user)
        finally:
            event.remove(db.engine, "before_cursor_execute", keep)
        (statement, parameters), *_ = (
            pair for pair in seen if "approved_version" in pair[0]
        )
        cursor = s.connection().connection.cursor()
        if db.is_sqlite:
            cursor.execute("EXPLAIN QUERY PLAN " + statement, parameters)
            return "\n".join(str(row[-1]) for row in cursor.fetchall())
        # Tiny tables make a sequential scan cheapest; forbidding it shows whether the
        # planner can use the partial index for this query at all.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + statement, parameters)
        return "\n".join(str(row[0]) for row in cursor.fetchall())


def test_the_stale_count_reads_moved_pages_from_their_partial_index(
    db: Database,
) -> None:
    with db.write() as s:
        world = World(s)
        for _ in range(3):
            page = world.submit()
            world.decide(page, world.carol)
            world.decide(page, world.erin)
        edit(s, page, world.bob, "<p>changed</p>")
        carol_id = world.carol.id
    assert "ix_pages_moved_since_approval" in _stale_count_plan(db, carol_id)


APPROVED_VERSION_REVISION = "5d1e0c7a9b42"  # adds `pages.approved_version`


def test_the_approved_version_migration_fills_it_from_history(db: Database) -> None:
    with db.write() as s:
        world = World(s)
        pages = [world.submit() for _ in range(3)]
        for page in pages[:2]:
            world.decide(page, world.carol)
            world.decide(page, world.erin)
        edit(s, pages[0], world.bob, "<p>changed</p>")
        carol_id = world.carol.id
    config = migrate.alembic_config(db.engine)
    command.downgrade(config, revision_before(config, APPROVED_VERSION_REVISION))
    columns = {column["name"] for column in inspect(db.engine).get_columns("pages")}
    assert "approved_version" not in columns

    migrate.upgrade(db.engine)

    with db.read() as s:
        kept = s.execute(
            select(Page.title, Page.approved_version, ApprovalRequest.page_version)
            .outerjoin(ApprovalRequest, ApprovalRequest.id == Page.approved_request_id)
            .order_by(Page.id)
        ).all()
        carol = s.get(User, carol_id)
        assert carol is not None
        assert queue_counts(s, carol)["stale"] == 1
    assert kept == [
        ("Page 1", 1, 1),
        ("Page 2", 1, 1),
        ("Page 3", None, None),
    ]


def _statements(db: Database, user_id: int, **filters: Any) -> int:
    with db.read() as s:
        user = s.get(User, user_id)
        assert user is not None
        with counting(db.engine) as statements:
            items, _ = list_queue(s, user, limit=50, **filters)
        assert items
    return len(statements)


def add_pending(db: Database, ids: dict[str, int], count: int, first: int) -> None:
    """`count` more pending requests by bob; carol passes the first, so erin's group
    step has one too."""
    with db.write() as s:
        space, bob, carol = (
            s.get(Space, ids["space"]),
            s.get(User, ids["bob"]),
            s.get(User, ids["carol"]),
        )
        assert space is not None and bob is not None and carol is not None
        for n in range(first, first + count):
            page = make_page(s, space, bob, title=f"Page {n}")
            do_submit_page(s, page, **by(bob))
            if n == first:
                do_record_decision(
                    s, page, APPROVE, version=1, comment=None, **by(carol)
                )


def test_queue_statements_are_the_same_with_5_and_60_pending(db: Database) -> None:
    with db.write() as s:
        world = World(s)
        ids = {
            name: getattr(world, name).id for name in ("space", "bob", "carol", "erin")
        }
    counts = []
    for count, first in ((5, 0), (55, 5)):
        add_pending(db, ids, count, first)
        counts.append(
            (
                _statements(db, ids["carol"]),
                _statements(db, ids["carol"], assigned_to_me=True),
                _statements(db, ids["erin"], assigned_to_me=True),
            )
        )
    assert counts[0] == counts[1] == (1, 1, 1)


def test_reading_the_queue_changes_nothing(db: Database) -> None:
    with db.write() as s:
        world = World(s)
        world.submit()
        alice_id, workflow_id, space_id = (
            world.alice.id,
            world.workflow.id,
            world.space.id,
        )
    with db.read() as s:
        alice = s.get(User, alice_id)
        assert alice is not None
        list_queue(s, alice, status=None)
        queue_counts(s, alice)
        assert not s.dirty and not s.new
        assert (
            s.get(Workflow, workflow_id) is not None
            and s.get(Space, space_id) is not None
        )
