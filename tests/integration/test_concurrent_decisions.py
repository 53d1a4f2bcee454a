"""Racing decisions: a quorum completes exactly once, a double click counts once.

Each thread runs its own unit of work on its own connection, as concurrent requests
do, against the same database file or server.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import func, select

from factories import by, make_page, make_space, make_user, make_workflow, step
from signoff.actions.acting import Acting
from signoff.actions.approvals import do_record_decision, do_submit_page
from signoff.actions.unit import unit_of_work, utcnow
from signoff.db.models import ApprovalRequest, AuditEvent, Decision, Page, User
from signoff.db.session import Database
from signoff.domain.errors import SignoffError
from signoff.domain.states import DecisionKind, Origin, Role, Rule
from threads import run_together

APPROVERS = 12
QUORUM = 3


def _setup(
    db: Database, approvers: int, rule: Rule, quorum: int | None
) -> tuple[int, list[int]]:
    with db.write() as s:
        admin, author = make_user(s, "admin"), make_user(s, "author")
        people = [make_user(s, f"approver{n}") for n in range(approvers)]
        space = make_space(
            s,
            admin=admin,
            members={author: Role.editor, **dict.fromkeys(people, Role.viewer)},
        )
        page = make_page(s, space, author)
        make_workflow(
            s, space, admin, [step(*people, rule=rule, quorum=quorum)], pages=[page]
        )
        do_submit_page(s, page, **by(author))
        return page.id, [p.id for p in people]


def _approve(db: Database, page_id: int, user_id: int) -> Callable[[], None]:
    def work() -> None:
        with unit_of_work(db, origin=Origin.api) as s:
            do_record_decision(
                s,
                s.get(Page, page_id),
                DecisionKind.approve,
                version=1,
                comment=None,
                by=Acting(s.get(User, user_id), Origin.api, None, utcnow()),
            )

    return work


def test_quorum_race_completes_the_review_exactly_once(db: Database) -> None:
    page_id, people = _setup(db, APPROVERS, Rule.quorum, QUORUM)
    failures = run_together([_approve(db, page_id, person) for person in people])
    assert all(isinstance(f, SignoffError) for f in failures), failures
    assert len(failures) == APPROVERS - QUORUM
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Decision)) == QUORUM
        approved = s.scalar(
            select(func.count()).where(AuditEvent.action == "approval.approved")
        )
        assert approved == 1
        assert s.scalars(select(ApprovalRequest.status)).one() == "approved"


def test_double_click_records_one_decision(db: Database) -> None:
    page_id, people = _setup(db, 2, Rule.all, None)
    failures = run_together([_approve(db, page_id, people[0]) for _ in range(8)])
    assert len(failures) == 7
    assert all("already decided" in str(f) for f in failures), failures
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Decision)) == 1
