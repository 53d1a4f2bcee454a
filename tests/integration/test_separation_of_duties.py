"""Nobody who wrote the content under review decides on it, unless the workflow
allows self-approval.

The content under review is every version after the one the page's last approved
request covered (after none, if it never was approved), up to and including the
submitted version. Decisions, the queue's "waiting for me" rows, preflight, single
and change-set submits all apply that one rule.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from sqlalchemy import Engine, event, select
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
    check_submit_page,
    do_record_decision,
    do_reset_approval,
    do_submit_page,
)
from signoff.actions.changesets import check_submit_change_set, do_submit_change_set
from signoff.actions.groups import do_add_group_member
from signoff.db.models import ApprovalRequest, Page, ReviewAssignment, User, Workflow
from signoff.db.session import Database
from signoff.domain.errors import InvalidState, NotAllowed
from signoff.domain.preflight import Blocker
from signoff.domain.states import DecisionKind, RequestStatus, Role, Rule

APPROVE, REJECT = DecisionKind.approve, DecisionKind.reject
SELF = "Authors and submitters cannot approve their own submission."


@dataclass
class Team:
    """alice admin; bob and carol editors (carol also approves); dave approves."""

    s: Session
    alice: User
    bob: User
    carol: User
    dave: User
    page: Page

    def review(self, *approvers: User, **options: object) -> Workflow:
        """One step, any of `approvers`, assigned to the page."""
        return make_workflow(
            self.s,
            self.page.space,
            self.alice,
            [step(*approvers, rule=Rule.any, name="Review")],
            pages=[self.page],
            **options,
        )

    def decide(self, who: User, kind: DecisionKind = APPROVE) -> ApprovalRequest:
        return do_record_decision(
            self.s,
            self.page,
            kind,
            version=self.page.current_version,
            comment="no" if kind is REJECT else None,
            **by(who, now=later(60)),
        )

    def waiting(self, who: User) -> bool:
        return (
            self.s.scalar(
                select(ReviewAssignment.request_id).where(
                    ReviewAssignment.user_id == who.id,
                    ReviewAssignment.request_id == self.page.latest_request_id,
                )
            )
            is not None
        )


def team_in(s: Session) -> Team:
    alice, bob = make_user(s, "alice"), make_user(s, "bob")
    carol, dave = make_user(s, "carol"), make_user(s, "dave")
    space = make_space(
        s,
        admin=alice,
        members={bob: Role.editor, carol: Role.editor, dave: Role.viewer},
    )
    return Team(s, alice, bob, carol, dave, make_page(s, space, bob))


def carol_writes_bob_resaves(t: Team) -> None:
    edit(t.s, t.page, t.carol, "<p>carol's change</p>", minutes=1)
    edit(t.s, t.page, t.bob, "<p>carol's change, tidied</p>", minutes=2)


def test_author_of_an_earlier_version_cannot_approve_after_another_editor_resaves(
    db: Database,
) -> None:
    with db.write() as s:
        t = team_in(s)
        t.review(t.carol, t.dave)
        carol_writes_bob_resaves(t)
        request = do_submit_page(s, t.page, **by(t.bob, now=later(3)))
        assert not t.waiting(t.carol) and t.waiting(t.dave)
        with pytest.raises(NotAllowed) as refused:
            t.decide(t.carol)
        assert refused.value.message == SELF
        t.decide(t.dave)
        assert request.status == RequestStatus.approved


def test_the_first_version_counts_when_the_page_was_never_approved(
    db: Database,
) -> None:
    with db.write() as s:
        t = team_in(s)
        t.review(t.bob, t.dave)  # bob wrote version 1
        edit(s, t.page, t.carol, "<p>v2</p>")
        do_submit_page(s, t.page, **by(t.carol, now=later(3)))
        with pytest.raises(NotAllowed):
            t.decide(t.bob)


def test_authors_before_the_last_approval_may_decide_again(db: Database) -> None:
    with db.write() as s:
        t = team_in(s)
        t.review(t.carol, t.dave)
        edit(s, t.page, t.carol, "<p>carol's change</p>")
        do_submit_page(s, t.page, **by(t.bob, now=later(3)))
        t.decide(t.dave)  # version 2 approved
        edit(s, t.page, t.bob, "<p>bob's change</p>", minutes=70)
        request = do_submit_page(s, t.page, **by(t.bob, now=later(71)))
        assert t.waiting(t.carol)
        t.decide(t.carol)
        assert request.status == RequestStatus.approved


def test_a_rejected_review_does_not_clear_its_authors(db: Database) -> None:
    with db.write() as s:
        t = team_in(s)
        t.review(t.carol, t.dave)
        carol_writes_bob_resaves(t)
        do_submit_page(s, t.page, **by(t.bob, now=later(3)))
        t.decide(t.dave, REJECT)
        edit(s, t.page, t.bob, "<p>fixed</p>", minutes=70)
        do_submit_page(s, t.page, **by(t.bob, now=later(71)))
        with pytest.raises(NotAllowed):
            t.decide(t.carol)


def test_an_approval_reset_by_an_admin_still_marks_what_was_reviewed(
    db: Database,
) -> None:
    with db.write() as s:
        t = team_in(s)
        t.review(t.carol, t.dave)
        edit(s, t.page, t.carol, "<p>carol's change</p>")
        do_submit_page(s, t.page, **by(t.bob, now=later(3)))
        t.decide(t.dave)
        do_reset_approval(s, t.page, **by(t.alice, now=later(65)))
        edit(s, t.page, t.bob, "<p>bob's change</p>", minutes=70)
        do_submit_page(s, t.page, **by(t.bob, now=later(71)))
        t.decide(t.carol)


def test_the_author_of_the_submitted_version_cannot_approve_its_re_review(
    db: Database,
) -> None:
    """Resubmitting the very version an approval covered (after a reset) still
    reviews that version: its author never approves their own submission."""
    with db.write() as s:
        t = team_in(s)
        t.review(t.carol, t.dave)
        edit(s, t.page, t.carol, "<p>carol's change</p>")
        do_submit_page(s, t.page, **by(t.bob, now=later(3)))
        t.decide(t.dave)  # version 2 approved
        do_reset_approval(s, t.page, **by(t.alice, now=later(65)))
        request = do_submit_page(s, t.page, **by(t.bob, now=later(70)))
        assert request.page_version == 2
        assert not t.waiting(t.carol) and t.waiting(t.dave)
        with pytest.raises(NotAllowed) as refused:
            t.decide(t.carol)
        assert refused.value.message == SELF


def test_versions_saved_after_the_submitted_one_are_not_under_review(
    db: Database,
) -> None:
    with db.write() as s:
        t = team_in(s)
        t.review(t.carol, t.dave, expire_on_edit=False)
        request = do_submit_page(s, t.page, **by(t.bob, now=later(1)))
        edit(s, t.page, t.carol, "<p>a later draft</p>", minutes=2)
        assert request.status == RequestStatus.pending
        do_record_decision(
            s, t.page, APPROVE, version=1, comment=None, **by(t.carol, now=later(3))
        )
        assert request.status == RequestStatus.approved


def test_self_approval_lets_every_author_decide(db: Database) -> None:
    with db.write() as s:
        t = team_in(s)
        t.review(t.carol, allow_self_approval=True)
        carol_writes_bob_resaves(t)
        request = do_submit_page(s, t.page, **by(t.bob, now=later(3)))
        assert t.waiting(t.carol)
        t.decide(t.carol)
        assert request.status == RequestStatus.approved


def test_preflight_and_submit_report_no_eligible_approver_for_an_earlier_author(
    db: Database,
) -> None:
    with db.write() as s:
        t = team_in(s)
        t.review(t.carol)
        carol_writes_bob_resaves(t)
        verdict, _plan = check_submit_page(s, t.page, actor=t.bob)
        assert verdict.blocker is Blocker.no_eligible_approver
        assert verdict.reason == "No eligible approver for step 'Review'"
        with pytest.raises(
            InvalidState, match="No eligible approver for step 'Review'"
        ):
            do_submit_page(s, t.page, **by(t.bob, now=later(3)))


def test_change_set_preflight_and_submit_skip_a_page_only_its_author_could_approve(
    db: Database,
) -> None:
    with db.write() as s:
        t = team_in(s)
        t.review(t.carol)
        carol_writes_bob_resaves(t)
        fresh = make_page(s, t.page.space, t.bob, title="Untouched by carol")
        make_workflow(
            s, t.page.space, t.alice, [step(t.carol)], name="Carol", pages=[fresh]
        )
        change_set = make_change_set(s, t.page.space, t.bob, [t.page, fresh])
        reason = "No eligible approver for step 'Review'"
        preflight = check_submit_change_set(s, change_set, actor=t.bob)
        assert [(r.success, r.reason) for r in preflight] == [
            (False, reason),
            (True, None),
        ]
        results = do_submit_change_set(s, change_set, **by(t.bob, now=later(3)))
        assert [(r.success, r.reason) for r in results] == [
            (False, reason),
            (True, None),
        ]


def test_an_author_who_joins_a_reviewing_group_is_not_waited_for(
    db: Database,
) -> None:
    with db.write() as s:
        t = team_in(s)
        legal = make_group(s, "legal", [t.dave])
        make_workflow(
            s,
            t.page.space,
            t.alice,
            [step(groups=[legal], name="Legal")],
            pages=[t.page],
        )
        carol_writes_bob_resaves(t)
        do_submit_page(s, t.page, **by(t.bob, now=later(3)))
        do_add_group_member(s, legal, t.carol, **by(None))
        assert not t.waiting(t.carol) and t.waiting(t.dave)


@contextmanager
def counting(engine: Engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def versions_read(statements: list[str]) -> list[str]:
    return [sql for sql in statements if "page_versions" in sql]


def test_deciding_reads_the_authors_in_one_statement_however_many_versions(
    db: Database,
) -> None:
    """The decide path is hot: the authors come from one indexed statement, not one
    read per version, so a review of thirty versions costs what one of two does.
    Starting the next step (who it waits for, whom it asks) reads them no more."""
    with db.write() as s:
        t = team_in(s)
        long = make_page(s, t.page.space, t.bob, title="Long")
        make_workflow(
            s,
            t.page.space,
            t.alice,
            [step(t.dave, name="First"), step(t.carol, name="Second")],
            pages=[t.page, long],
        )
        for page, versions in ((t.page, 2), (long, 30)):
            for number in range(2, versions + 1):
                edit(s, page, t.bob, f"<p>v{number}</p>", minutes=number)
            do_submit_page(s, page, **by(t.bob, now=later(100)))
        page_ids, dave_id = (t.page.id, long.id), t.dave.id
    counts = []
    for page_id in page_ids:
        with db.write() as s:
            page, dave = s.get_one(Page, page_id), s.get_one(User, dave_id)
            with counting(db.engine) as statements:
                request = do_record_decision(
                    s,
                    page,
                    APPROVE,
                    version=page.current_version,
                    comment=None,
                    **by(dave, now=later(200)),
                )
            assert request.current_step == 1
        counts.append(len(statements))
        assert len(versions_read(statements)) == 1, versions_read(statements)
    assert counts[0] == counts[1]


def test_submitting_reads_the_authors_in_one_statement(db: Database) -> None:
    """Preflight's answer serves the new review: who it waits for and whom it asks."""
    with db.write() as s:
        t = team_in(s)
        t.review(t.dave)
        carol_writes_bob_resaves(t)
        with counting(db.engine) as statements:
            do_submit_page(s, t.page, **by(t.bob, now=later(3)))
        # The page's current version is read whole once; the authors once more;
        # and the version the review is read against, to measure the change.
        assert len(versions_read(statements)) == 3, versions_read(statements)
