"""The busiest approvers of a space: decisions per person in a range, most first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from factories import by, make_page, make_space, make_user, make_workflow, step
from signoff.actions.approvals import do_record_decision, do_submit_page
from signoff.db.models import Page, Space, User
from signoff.db.session import Database
from signoff.domain.states import DecisionKind, Role
from signoff.queries.analytics import ApproverCounts, busiest_approvers

APPROVE, REJECT = DecisionKind.approve, DecisionKind.reject
MONDAY = datetime(2026, 3, 2, tzinfo=UTC)


def at(day: int, hour: int = 9) -> datetime:
    return MONDAY + timedelta(days=day, hours=hour)


def review(
    s: Session,
    space: Space,
    author: User,
    decisions: list[tuple[User, DecisionKind]],
    *,
    day: int = 0,
) -> Page:
    """A page submitted on `day` and decided by each (person, kind) an hour apart."""
    page = make_page(s, space, author, title=f"Page {space.key} {day} {len(decisions)}")
    do_submit_page(s, page, **by(author, now=at(day)))
    for hour, (person, kind) in enumerate(decisions, start=10):
        do_record_decision(
            s,
            page,
            kind,
            version=page.current_version,
            comment="no" if kind is REJECT else None,
            **by(person, now=at(day, hour)),
        )
    return page


@pytest.fixture
def people(db: Database) -> dict[str, int]:
    """On Monday Carol decides 3 times (2 approvals), Dave twice (1 each way), Erin
    once; Erin approves again on Thursday; Dave also decides once in another space."""
    with db.write() as s:
        alice, bob, carol, dave, erin = (
            make_user(s, name) for name in ("alice", "bob", "carol", "dave", "erin")
        )
        docs = make_space(
            s,
            "DOCS",
            admin=alice,
            members={bob: Role.editor}
            | dict.fromkeys((carol, dave, erin), Role.viewer),
        )
        ops = make_space(
            s, "OPS", admin=alice, members={bob: Role.editor, dave: Role.viewer}
        )
        for space, approvers in ((docs, (carol, dave, erin)), (ops, (dave,))):
            make_workflow(s, space, alice, [step(*approvers)], space_default=True)
        review(s, docs, bob, [(carol, APPROVE), (dave, APPROVE), (erin, APPROVE)])
        review(s, docs, bob, [(carol, APPROVE), (dave, REJECT)])
        review(s, docs, bob, [(carol, REJECT)])
        review(s, docs, bob, [(erin, APPROVE)], day=3)
        review(s, ops, bob, [(dave, APPROVE)])
        return {
            "DOCS": docs.id,
            **{u.username: u.id for u in (carol, dave, erin)},
        }


def busiest(
    db: Database,
    space_id: int,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    limit: int = 10,
) -> list[ApproverCounts]:
    with db.read() as s:
        return list(busiest_approvers(s, space_id, start=start, end=end, limit=limit))


def test_approvers_are_ranked_by_decisions_in_the_space(
    db: Database, people: dict[str, int]
) -> None:
    assert busiest(db, people["DOCS"]) == [
        ApproverCounts(people["carol"], "Carol", 3, 2, 1),
        ApproverCounts(people["dave"], "Dave", 2, 1, 1),
        ApproverCounts(people["erin"], "Erin", 2, 2, 0),
    ]


def test_only_decisions_within_the_range_count(
    db: Database, people: dict[str, int]
) -> None:
    monday = busiest(db, people["DOCS"], start=at(0, 0), end=at(1, 0))
    assert [(row.name, row.decisions) for row in monday] == [
        ("Carol", 3),
        ("Dave", 2),
        ("Erin", 1),
    ]
    thursday = busiest(db, people["DOCS"], start=at(3, 0), end=at(4, 0))
    assert thursday == [ApproverCounts(people["erin"], "Erin", 1, 1, 0)]
    assert busiest(db, people["DOCS"], start=at(5, 0)) == []


def test_the_limit_keeps_the_busiest_and_ties_go_by_name(
    db: Database, people: dict[str, int]
) -> None:
    top = busiest(db, people["DOCS"], limit=2)
    assert [row.name for row in top] == ["Carol", "Dave"]
