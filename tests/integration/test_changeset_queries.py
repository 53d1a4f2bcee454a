"""Change-set list and detail read models: every rollup state through real actions."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from factories import (
    by,
    edit,
    later,
    make_change_set,
    make_page,
    make_space,
    make_user,
    make_workflow,
    step,
)
from signoff.actions.approvals import do_cancel_request, do_record_decision
from signoff.actions.changesets import do_archive_change_set, do_submit_change_set
from signoff.api.v1.responses import plain
from signoff.api.v1.shapes.changesets import (
    change_set_detail_out,
    change_set_summary,
)
from signoff.db.models import ChangeSet, Page, Space
from signoff.db.session import Database
from signoff.domain.states import DecisionKind, Role, StaleOn
from signoff.queries.changesets import change_set_detail, list_change_sets

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
    """alice admin, bob the editor and author, carol the approver of the workflow."""

    def __init__(self, s: Session, *, stale_on: StaleOn = StaleOn.content) -> None:
        self.s = s
        self.alice, self.bob, self.carol = (
            make_user(s, n) for n in ("alice", "bob", "carol")
        )
        self.space = make_space(
            s,
            admin=self.alice,
            members={self.bob: Role.editor, self.carol: Role.viewer},
        )
        make_workflow(
            s,
            self.space,
            self.alice,
            [step(self.carol)],
            space_default=True,
            stale_on=stale_on,
        )

    def pages(self, count: int, prefix: str = "Page") -> list[Page]:
        return [
            make_page(self.s, self.space, self.bob, title=f"{prefix} {n}")
            for n in range(count)
        ]

    def change_set(self, pages: list[Page], *, submit: bool = True) -> ChangeSet:
        change_set = make_change_set(self.s, self.space, self.bob, pages)
        if submit:
            do_submit_change_set(self.s, change_set, **by(self.bob, now=later(5)))
        return change_set

    def decide(self, page: Page, kind: DecisionKind = APPROVE) -> None:
        comment = "no" if kind is REJECT else None
        do_record_decision(
            self.s,
            page,
            kind,
            version=page.current_version,
            comment=comment,
            **by(self.carol, now=later(10)),
        )


def detail(db: Database, change_set_id: int) -> dict[str, Any]:
    with db.read() as s:
        change_set = s.get(ChangeSet, change_set_id)
        assert change_set is not None
        return plain(change_set_detail_out(change_set_detail(s, change_set)))


def rollup(db: Database, change_set_id: int) -> str:
    return str(detail(db, change_set_id)["rollupState"])


def test_unsubmitted_change_set_is_open(db: Database) -> None:
    with db.write() as s:
        world = World(s)
        change_set = world.change_set(world.pages(2), submit=False)
        ident = change_set.id
    assert rollup(db, ident) == "open"


def test_empty_change_set_is_open(db: Database) -> None:
    with db.write() as s:
        world = World(s)
        ident = world.change_set([], submit=False).id
    body = detail(db, ident)
    assert (body["rollupState"], body["pageRefs"]) == ("open", [])


def test_submitted_change_set_is_in_review(db: Database) -> None:
    with db.write() as s:
        world = World(s)
        ident = world.change_set(world.pages(2)).id
    assert rollup(db, ident) == "in_review"


def test_one_page_approved_of_two_is_partially_approved(db: Database) -> None:
    with db.write() as s:
        world = World(s)
        pages = world.pages(2)
        ident = world.change_set(pages).id
        world.decide(pages[0])
    assert rollup(db, ident) == "partially_approved"


def test_every_page_approved_is_all_approved(db: Database) -> None:
    with db.write() as s:
        world = World(s)
        pages = world.pages(2)
        ident = world.change_set(pages).id
        for page in pages:
            world.decide(page)
    assert rollup(db, ident) == "all_approved"


def test_a_rejection_outranks_approvals(db: Database) -> None:
    with db.write() as s:
        world = World(s)
        pages = world.pages(3)
        ident = world.change_set(pages).id
        world.decide(pages[0])
        world.decide(pages[1], REJECT)
    assert rollup(db, ident) == "has_rejections"


def test_withdrawn_review_with_nothing_approved_stays_in_review(db: Database) -> None:
    with db.write() as s:
        world = World(s)
        pages = world.pages(1)
        ident = world.change_set(pages).id
        do_cancel_request(s, pages[0], **by(world.bob, now=later(7)))
    body = detail(db, ident)
    assert body["rollupState"] == "in_review"
    assert body["pageRefs"][0]["approvalStatus"] == "cancelled"


def test_edit_after_approval_makes_change_set_stale(db: Database) -> None:
    with db.write() as s:
        world = World(s)
        pages = world.pages(2)
        ident = world.change_set(pages).id
        for page in pages:
            world.decide(page)
        edit(s, pages[1], world.bob, "<p>changed</p>", minutes=20)
        page_ids = [page.id for page in pages]

    body = detail(db, ident)

    assert body["rollupState"] == "stale"
    assert body["pageRefs"] == [
        {
            "pageId": str(page_ids[0]),
            "title": "Page 0",
            "currentPageVersion": 1,
            "approvedAtVersion": 1,
            "isStale": False,
            "versionDelta": 0,
            "approvalStatus": "approved",
        },
        {
            "pageId": str(page_ids[1]),
            "title": "Page 1",
            "currentPageVersion": 2,
            "approvedAtVersion": 1,
            "isStale": True,
            "versionDelta": 1,
            "approvalStatus": "approved",
        },
    ]


def test_no_op_save_after_approval_keeps_change_set_approved_under_content(
    db: Database,
) -> None:
    with db.write() as s:
        world = World(s)
        pages = world.pages(1)
        ident = world.change_set(pages).id
        world.decide(pages[0])
        edit(s, pages[0], world.bob, "<p>v1</p>", minutes=20)

    body = detail(db, ident)

    assert body["rollupState"] == "all_approved"
    assert (body["pageRefs"][0]["isStale"], body["pageRefs"][0]["versionDelta"]) == (
        False,
        1,
    )


def test_no_op_save_after_approval_makes_change_set_stale_under_version(
    db: Database,
) -> None:
    with db.write() as s:
        world = World(s, stale_on=StaleOn.version)
        pages = world.pages(1)
        ident = world.change_set(pages).id
        world.decide(pages[0])
        edit(s, pages[0], world.bob, "<p>v1</p>", minutes=20)
    assert rollup(db, ident) == "stale"


def test_detail_json_has_the_contract_fields(db: Database) -> None:
    with db.write() as s:
        world = World(s)
        pages = world.pages(2)
        change_set = world.change_set(pages, submit=False)
        do_archive_change_set(s, change_set, **by(world.bob, now=later(3)))
        ident, space_id, account = change_set.id, world.space.id, world.bob.account_id

    body = detail(db, ident)

    assert {key: value for key, value in body.items() if key != "pageRefs"} == {
        "id": str(ident),
        "spaceId": str(space_id),
        "title": "Release",
        "summary": "Docs for the release",
        "referenceUrl": "https://git.example.com/pr/1",
        "status": "archived",
        "rollupState": "open",
        "createdAt": "2026-01-05T09:00:00Z",
        "createdBy": account,
    }
    assert [ref["title"] for ref in body["pageRefs"]] == ["Page 0", "Page 1"]
    assert body["pageRefs"][0]["approvalStatus"] == "none"


def test_list_shows_the_space_sets_newest_first_with_rollups(db: Database) -> None:
    with db.write() as s:
        world = World(s)
        first_pages, second_pages = world.pages(2, "First"), world.pages(1, "Second")
        first = world.change_set(first_pages)
        second = world.change_set(second_pages, submit=False)
        world.decide(first_pages[0])
        other = make_space(
            s, "OTHER", admin=world.alice, members={world.bob: Role.editor}
        )
        make_change_set(s, other, world.bob, [])
        space_id = world.space.id
        expected = [
            (second.id, "open", [p.id for p in second_pages]),
            (first.id, "partially_approved", [p.id for p in first_pages]),
        ]

    with db.read() as s:
        listed = [
            plain(change_set_summary(change_set))
            for change_set in list_change_sets(s, space_id)
        ]

    assert [(body["id"], body["rollupState"], body["pageRefs"]) for body in listed] == [
        (str(ident), state, [{"pageId": str(page_id)} for page_id in page_ids])
        for ident, state, page_ids in expected
    ]
    assert set(listed[0]) == {
        "id",
        "spaceId",
        "title",
        "summary",
        "referenceUrl",
        "status",
        "rollupState",
        "pageRefs",
        "createdAt",
        "createdBy",
    }


def test_detail_and_list_statements_do_not_grow_with_pages(db: Database) -> None:
    with db.write() as s:
        world = World(s)
        small = world.change_set(world.pages(2, "Small"))
        large = world.change_set(world.pages(12, "Large"))
        world.decide(s.get(Page, large.page_refs[0].page_id))  # type: ignore[arg-type]
        world.decide(s.get(Page, large.page_refs[1].page_id), REJECT)  # type: ignore[arg-type]
        ids, space_id = (small.id, large.id), world.space.id

    counts = []
    for ident in ids:
        with db.read() as s:
            change_set = s.get(ChangeSet, ident)
            assert change_set is not None
            with counting(db.engine) as statements:
                change_set_detail(s, change_set)
            counts.append(len(statements))
    with db.read() as s:
        s.get(Space, space_id)
        with counting(db.engine) as statements:
            assert len(list_change_sets(s, space_id)) == 2
        counts.append(len(statements))
    assert counts == [2, 2, 2]
