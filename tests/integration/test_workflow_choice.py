"""A submitter's choice of workflow counts only where the resolution rule leaves one.

The page's explicit assignment, else the space default, else the only active workflow
decides; naming another workflow is refused, by preflight and submit alike, with a
reason that names the page's workflow. Only with no assignment, no default and several
active workflows does the named one decide.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from factories import by, make_page, make_space, make_user, make_workflow, step
from signoff.actions.approvals import (
    check_submit_page,
    do_record_decision,
    do_submit_page,
)
from signoff.actions.workflows import do_assign_workflow, do_deactivate_workflow
from signoff.db.models import ApprovalRequest, Page, Space, User, Workflow
from signoff.db.session import Database
from signoff.domain.errors import InvalidState, NotAllowed
from signoff.domain.preflight import Blocker
from signoff.domain.states import DecisionKind, RequestStatus, Role

LEGAL_REFUSAL = (
    "Another workflow cannot be chosen for this page: its workflow is 'Legal'"
)


@dataclass
class World:
    """alice admin; bob editor; carol (legal) and dave (owner) approve."""

    s: Session
    alice: User
    bob: User
    carol: User
    dave: User
    space: Space
    page: Page
    legal: Workflow
    quick: Workflow


def world(s: Session) -> World:
    alice, bob = make_user(s, "alice"), make_user(s, "bob")
    carol, dave = make_user(s, "carol"), make_user(s, "dave")
    space = make_space(
        s,
        admin=alice,
        members={bob: Role.editor, carol: Role.viewer, dave: Role.viewer},
    )
    page = make_page(s, space, bob)
    legal = make_workflow(
        s,
        space,
        alice,
        [step(carol, name="Legal"), step(dave, name="Owner")],
        name="Legal",
    )
    quick = make_workflow(s, space, alice, [step(dave)], name="Quick review")
    return World(s, alice, bob, carol, dave, space, page, legal, quick)


def requests(s: Session) -> int:
    return s.scalar(select(func.count()).select_from(ApprovalRequest)) or 0


def assign_legal(w: World, *, space_default: bool = False) -> None:
    do_assign_workflow(
        w.s,
        w.legal,
        page_ids=[] if space_default else [w.page.id],
        space_default=space_default,
        **by(w.alice),
    )


@pytest.mark.parametrize("space_default", [False, True], ids=["assigned", "default"])
def test_editor_cannot_override_assigned_workflow(
    db: Database, space_default: bool
) -> None:
    with db.write() as s:
        w = world(s)
        assign_legal(w, space_default=space_default)
        with pytest.raises(InvalidState) as refused:
            do_submit_page(s, w.page, workflow_id=w.quick.id, **by(w.bob))
        assert refused.value.message == f"{LEGAL_REFUSAL}."
        assert requests(s) == 0


def test_the_quick_review_cannot_skip_the_legal_step(db: Database) -> None:
    """The hostile review's story: with the choice refused, only Legal then Owner
    approve the page; the owner's approval alone does not."""
    with db.write() as s:
        w = world(s)
        assign_legal(w)
        with pytest.raises(InvalidState):
            do_submit_page(s, w.page, workflow_id=w.quick.id, **by(w.bob))
        request = do_submit_page(s, w.page, **by(w.bob))
        assert request.workflow_id == w.legal.id
        with pytest.raises(NotAllowed, match="not an approver of the current step"):
            do_record_decision(
                s, w.page, DecisionKind.approve, version=1, comment=None, **by(w.dave)
            )
        assert request.status == RequestStatus.pending


def test_the_only_active_workflow_cannot_be_swapped_for_a_deactivated_one(
    db: Database,
) -> None:
    with db.write() as s:
        w = world(s)
        do_deactivate_workflow(s, w.quick, **by(w.alice))
        with pytest.raises(InvalidState, match="its workflow is 'Legal'"):
            do_submit_page(s, w.page, workflow_id=w.quick.id, **by(w.bob))
        assert requests(s) == 0


def test_a_workflow_of_another_space_is_refused_naming_the_page_workflow(
    db: Database,
) -> None:
    with db.write() as s:
        w = world(s)
        assign_legal(w)
        other = make_space(
            s, "OTHER", admin=w.alice, members={w.bob: Role.editor, w.dave: Role.viewer}
        )
        elsewhere = make_workflow(s, other, w.alice, [step(w.dave)], name="Elsewhere")
        with pytest.raises(InvalidState, match="its workflow is 'Legal'"):
            do_submit_page(s, w.page, workflow_id=elsewhere.id, **by(w.bob))


def test_naming_the_page_own_workflow_submits_under_it(db: Database) -> None:
    with db.write() as s:
        w = world(s)
        assign_legal(w)
        request = do_submit_page(s, w.page, workflow_id=w.legal.id, **by(w.bob))
        assert request.workflow_id == w.legal.id


def test_a_chosen_workflow_decides_where_several_are_active_and_none_assigned(
    db: Database,
) -> None:
    with db.write() as s:
        w = world(s)
        request = do_submit_page(s, w.page, workflow_id=w.quick.id, **by(w.bob))
        assert request.workflow_id == w.quick.id


def test_a_choice_that_is_not_an_active_workflow_of_the_space_is_no_choice(
    db: Database,
) -> None:
    with db.write() as s:
        w = world(s)
        spare = make_workflow(s, w.space, w.alice, [step(w.carol)], name="Spare")
        do_deactivate_workflow(s, spare, **by(w.alice))
        with pytest.raises(InvalidState, match="Several workflows are active"):
            do_submit_page(s, w.page, workflow_id=spare.id, **by(w.bob))
        with pytest.raises(InvalidState, match="Several workflows are active"):
            do_submit_page(s, w.page, workflow_id=999_999, **by(w.bob))
        assert requests(s) == 0


def test_preflight_gives_the_same_refusal_and_names_the_page_workflow(
    db: Database,
) -> None:
    with db.write() as s:
        w = world(s)
        assign_legal(w)
        verdict, plan = check_submit_page(
            s, w.page, actor=w.bob, workflow_id=w.quick.id
        )
        assert verdict.blocker is Blocker.workflow_fixed
        assert verdict.reason == LEGAL_REFUSAL
        assert plan.workflow is not None and plan.workflow.id == w.legal.id
        same, _plan = check_submit_page(s, w.page, actor=w.bob, workflow_id=w.legal.id)
        assert same.can_submit
        assert requests(s) == 0
