"""The queue's derived rows stay equal to what they are derived from.

`review_assignments` (kept by the actions) must always hold exactly what the seats,
group memberships, decisions and self-approval rule say, which the migration's
backfill query computes from scratch; `assignment_counts` and `space_request_counts`
(kept by triggers) must always equal a count of the rows they follow. Each check runs
after every step of a history that goes through every path that moves a review.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from importlib import import_module
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Connection, text
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
from signoff.actions.approvals import (
    do_cancel_request,
    do_record_decision,
    do_submit_page,
)
from signoff.actions.changesets import do_submit_change_set
from signoff.actions.groups import do_add_group_member
from signoff.actions.unit import unit_of_work, utcnow
from signoff.actions.workflows import do_assign_workflow, do_update_workflow
from signoff.db import migrate
from signoff.db.models import Page, User
from signoff.db.session import Database
from signoff.domain.states import DecisionKind, Origin, Role, Rule
from signoff.queries.queue import queue_counts
from threads import run_together

BEFORE_ASSIGNMENTS = "85433a851470"

Rows = set[tuple[Any, ...]]


def _migration() -> Any:
    """The migration module, for its backfill query (the rule, in SQL)."""
    return import_module(
        "signoff.db.migrations.versions."
        "2026_11_23_189ca3bbcbae_queue_assignments_and_counts"
    )


def derived(connection: Connection) -> Rows:
    """Who each current step waits for, worked out from scratch."""
    backfill = _migration().BACKFILL_ASSIGNMENTS
    select_part = backfill[backfill.index("SELECT") :]
    return {tuple(row) for row in connection.execute(text(select_part))}


def kept(connection: Connection) -> Rows:
    return {
        tuple(row)
        for row in connection.execute(
            text(
                "SELECT step_id, user_id, request_id, space_id FROM review_assignments"
            )
        )
    }


def counters(connection: Connection) -> tuple[Rows, Rows]:
    """The counters' non-zero rows."""
    waiting = connection.execute(
        text(
            "SELECT user_id, space_id, waiting"
            " FROM assignment_counts WHERE waiting <> 0"
        )
    )
    statuses = connection.execute(
        text(
            "SELECT space_id, status, requests FROM space_request_counts"
            " WHERE requests <> 0"
        )
    )
    return {tuple(row) for row in waiting}, {tuple(row) for row in statuses}


def counted(connection: Connection) -> tuple[Rows, Rows]:
    """What the counters should say, counted from the rows."""
    waiting = connection.execute(
        text(
            "SELECT user_id, space_id, count(*) FROM review_assignments"
            " GROUP BY user_id, space_id"
        )
    )
    statuses = connection.execute(
        text(
            "SELECT space_id, status, count(*) FROM approval_requests"
            " GROUP BY space_id, status"
        )
    )
    return {tuple(row) for row in waiting}, {tuple(row) for row in statuses}


def check(session: Session) -> Rows:
    """The invariants, inside the transaction that just changed things."""
    session.flush()
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        # The counters are kept at commit there: bring them up to date now.
        connection.execute(text("SET CONSTRAINTS ALL IMMEDIATE"))
        connection.execute(text("SET CONSTRAINTS ALL DEFERRED"))
    rows = kept(connection)
    assert rows == derived(connection)
    assert counters(connection) == counted(connection)
    return rows


def waiting_for(rows: Rows, user: User) -> set[int]:
    return {
        request_id for _step, person, request_id, _space in rows if person == user.id
    }


class History:
    """ann admin and author; two of bob, carol and dave approve, then group legal
    (erin)."""

    def __init__(self, s: Session) -> None:
        self.s = s
        self.ann, self.bob, self.carol, self.erin, self.dave = (
            make_user(s, name) for name in ("ann", "bob", "carol", "erin", "dave")
        )
        self.legal = make_group(s, "legal", [self.erin])
        self.space = make_space(
            s,
            admin=self.ann,
            members={
                self.bob: Role.editor,
                self.carol: Role.editor,
                self.erin: Role.viewer,
                self.dave: Role.viewer,
            },
        )
        self.workflow = make_workflow(
            s,
            self.space,
            self.ann,
            [
                step(
                    self.bob,
                    self.carol,
                    self.dave,
                    rule=Rule.quorum,
                    quorum=2,
                    name="Editors",
                ),
                step(groups=[self.legal], name="Legal"),
            ],
            space_default=True,
        )
        self.pages = 0

    def page(self, author: User | None = None) -> Page:
        self.pages += 1
        return make_page(self.s, self.space, author or self.ann, title=f"P{self.pages}")

    def submit(self, page: Page, who: User | None = None) -> None:
        do_submit_page(self.s, page, **by(who or self.ann, now=later(self.pages)))

    def decide(self, page: Page, who: User, kind: DecisionKind) -> None:
        do_record_decision(
            self.s,
            page,
            kind,
            version=page.current_version,
            comment="no" if kind is DecisionKind.reject else None,
            **by(who, now=later(100)),
        )


def test_rows_and_counters_follow_every_path_a_review_takes(db: Database) -> None:
    with db.write() as s:
        h = History(s)
        approved, rejected = h.page(), h.page()
        h.submit(approved)
        h.submit(rejected)
        rows = check(s)
        assert waiting_for(rows, h.bob) == waiting_for(rows, h.carol) != set()
        assert waiting_for(rows, h.erin) == set()

        h.decide(approved, h.bob, DecisionKind.approve)  # bob done, one more due
        rows = check(s)
        assert approved.latest_request_id not in waiting_for(rows, h.bob)
        assert approved.latest_request_id in waiting_for(rows, h.carol)

        h.decide(approved, h.carol, DecisionKind.approve)  # on to legal
        rows = check(s)
        assert waiting_for(rows, h.erin) == {approved.latest_request_id}
        assert approved.latest_request_id not in waiting_for(rows, h.dave)

        do_add_group_member(s, h.legal, h.dave, **by(None))  # joins mid-review
        rows = check(s)
        assert approved.latest_request_id in waiting_for(rows, h.dave)

        h.decide(approved, h.erin, DecisionKind.approve)  # approved: nobody waits
        h.decide(rejected, h.bob, DecisionKind.reject)  # rejected at the first step
        rows = check(s)
        assert rows == set()

        superseded, cancelled = h.page(), h.page()
        h.submit(superseded)
        h.submit(cancelled)
        edit(s, superseded, h.ann, "<p>v2</p>", minutes=30)
        do_cancel_request(s, cancelled, **by(h.ann, now=later(31)))
        assert check(s) == set()

        own = h.page(author=h.bob)  # bob wrote it: he may not approve it
        h.submit(own, h.bob)
        rows = check(s)
        assert waiting_for(rows, h.bob) == set()
        assert waiting_for(rows, h.carol) == {own.latest_request_id}

        # A pending review with no decision adopts the edited workflow.
        do_update_workflow(
            s,
            h.workflow,
            steps=[step(h.erin, rule=Rule.any, name="Erin")],
            **by(h.ann, now=later(40)),
        )
        rows = check(s)
        assert waiting_for(rows, h.carol) == set()
        assert waiting_for(rows, h.erin) == {own.latest_request_id}

        bundle = [h.page() for _ in range(3)]
        change_set = make_change_set(s, h.space, h.ann, bundle)
        do_submit_change_set(s, change_set, **by(h.ann, now=later(50)))
        rows = check(s)
        assert len(waiting_for(rows, h.erin)) == 4


def test_an_upgrade_fills_the_rows_and_counters_from_history(db: Database) -> None:
    with db.write() as s:
        h = History(s)
        first, second, third = h.page(), h.page(), h.page()
        for page in (first, second, third):
            h.submit(page)
        h.decide(first, h.bob, DecisionKind.approve)
        h.decide(second, h.bob, DecisionKind.approve)
        h.decide(second, h.carol, DecisionKind.approve)
        h.decide(third, h.carol, DecisionKind.reject)
    with db.engine.connect() as connection:
        before = kept(connection), counters(connection)
    assert before[0]

    config = migrate.alembic_config(db.engine)
    command.downgrade(config, BEFORE_ASSIGNMENTS)
    migrate.upgrade(db.engine)

    with db.engine.connect() as connection:
        assert (kept(connection), counters(connection)) == before


@pytest.mark.parametrize("space_filter", [True, False])
def test_the_counts_cover_only_spaces_the_person_may_see(
    db: Database, space_filter: bool
) -> None:
    with db.write() as s:
        h = History(s)
        h.submit(h.page())
        other = make_space(s, "OTHER", admin=h.ann, members={h.bob: Role.editor})
        # carol may not be named there (she is no member), but a group may hold
        # her: its seat is not hers to fill, though the group's row waits for her.
        outsiders = make_group(s, "outsiders", [h.carol])
        make_workflow(
            s,
            other,
            h.ann,
            [step(h.bob, groups=[outsiders], rule=Rule.any)],
            space_default=True,
            name="Other",
        )
        outside = make_page(s, other, h.ann, title="Elsewhere")
        do_submit_page(s, outside, **by(h.ann, now=later(60)))
        carol_id, bob_id, docs_id = h.carol.id, h.bob.id, h.space.id
    with db.read() as s:
        # carol is in a group holding a seat in OTHER but is not a member of it:
        # that review is not shown to her, so it is not counted either.
        carol, bob = s.get_one(User, carol_id), s.get_one(User, bob_id)
        counts = queue_counts(s, carol, docs_id if space_filter else None)
        assert counts["waiting_for_me"] == 1
        assert counts["pending"] == 1
        bob_counts = queue_counts(s, bob, None)
        assert bob_counts["waiting_for_me"] == 2
        assert bob_counts["pending"] == 2


def test_submits_and_decisions_racing_in_one_space_all_complete(db: Database) -> None:
    """Two workflows pass between bob and carol in opposite orders, so decisions move
    counter rows in opposite orders while submits add to them: every action must
    still complete (no deadlock on PostgreSQL), and the counters must add up."""
    rounds = 8
    with db.write() as s:
        h = History(s)
        forward = make_workflow(
            s, h.space, h.ann, [step(h.bob), step(h.carol)], name="Forward"
        )
        backward = make_workflow(
            s, h.space, h.ann, [step(h.carol), step(h.bob)], name="Backward"
        )
        pages: dict[str, list[int]] = {"forward": [], "backward": [], "new": []}
        for kind, workflow in (("forward", forward), ("backward", backward)):
            for _ in range(rounds):
                page = h.page()
                do_assign_workflow(
                    s, workflow, page_ids=[page.id], space_default=False, **by(h.ann)
                )
                h.submit(page)
                pages[kind].append(page.id)
        for _ in range(rounds):
            page = h.page()
            do_assign_workflow(
                s, forward, page_ids=[page.id], space_default=False, **by(h.ann)
            )
            pages["new"].append(page.id)
        ids = {"ann": h.ann.id, "bob": h.bob.id, "carol": h.carol.id}

    def approve(who: str, page_id: int) -> None:
        with unit_of_work(db, origin=Origin.api) as s:
            actor = s.get_one(User, ids[who])
            page = s.get_one(Page, page_id)
            do_record_decision(
                s,
                page,
                DecisionKind.approve,
                version=page.current_version,
                comment=None,
                **by(actor, Origin.api, now=utcnow()),
            )

    def submit(page_id: int) -> None:
        with unit_of_work(db, origin=Origin.api) as s:
            actor = s.get_one(User, ids["ann"])
            page = s.get_one(Page, page_id)
            do_submit_page(s, page, **by(actor, Origin.api, now=utcnow()))

    def run_all(work: list[Callable[[], None]]) -> Callable[[], None]:
        def run() -> None:
            for item in work:
                item()

        return run

    failures = run_together(
        [
            run_all([partial(approve, "bob", p) for p in pages["forward"]]),
            run_all([partial(approve, "carol", p) for p in pages["backward"]]),
            run_all([partial(submit, p) for p in pages["new"]]),
        ]
    )

    assert failures == []
    with db.engine.connect() as connection:
        assert kept(connection) == derived(connection)
        assert counters(connection) == counted(connection)
        waiting = {user: n for user, _space, n in counters(connection)[0]}
    # carol has the forward pages' second step, bob the backward ones' and the
    # new submissions' first.
    assert waiting == {ids["carol"]: rounds, ids["bob"]: 2 * rounds}
