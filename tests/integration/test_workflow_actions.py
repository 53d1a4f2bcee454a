"""Workflow definitions: validation, adoption by untouched reviews, deactivation."""

from __future__ import annotations

import pytest

from audit_helpers import actions_since, last_event_id
from factories import by, make_page, make_space, make_user, make_workflow, step
from signoff.actions.approvals import do_record_decision, do_submit_page
from signoff.actions.workflows import (
    do_assign_workflow,
    do_create_workflow,
    do_deactivate_workflow,
    do_update_workflow,
)
from signoff.db.models import Page, User
from signoff.db.session import Database
from signoff.domain.errors import BadInput, InvalidState, NotAllowed
from signoff.domain.states import DecisionKind, Role, Rule
from signoff.domain.workflows import StepDefinition


@pytest.fixture
def ids(db: Database) -> dict[str, int]:
    with db.write() as s:
        alice, bob, carol = (
            make_user(s, "alice"),
            make_user(s, "bob"),
            make_user(s, "carol"),
        )
        space = make_space(
            s, admin=alice, members={bob: Role.editor, carol: Role.viewer}
        )
        page = make_page(s, space, bob)
        return {"alice": alice.id, "bob": bob.id, "carol": carol.id, "page": page.id}


def test_update_is_adopted_by_pending_reviews_without_decisions_only(
    db: Database, ids: dict[str, int]
) -> None:
    with db.write() as s:
        alice, bob, carol = (s.get(User, ids[n]) for n in ("alice", "bob", "carol"))
        page = s.get(Page, ids["page"])
        other = make_page(s, page.space, bob, title="Other")
        workflow = make_workflow(
            s, page.space, alice, [step(carol, alice)], pages=[page, other]
        )
        untouched = do_submit_page(s, page, **by(bob))
        decided = do_submit_page(s, other, **by(bob))
        do_record_decision(
            s, other, DecisionKind.approve, version=1, comment=None, **by(carol)
        )
        mark = last_event_id(s)
        do_update_workflow(s, workflow, steps=[step(carol, name="Solo")], **by(alice))
        assert [st.name for st in untouched.steps] == ["Solo"]
        assert [st.name for st in decided.steps] == ["Review"]
        assert actions_since(s, mark) == ["workflow.updated"]
        do_record_decision(
            s, page, DecisionKind.approve, version=1, comment=None, **by(carol)
        )
        assert untouched.status == "approved"


def test_deactivation_clears_assignments(db: Database, ids: dict[str, int]) -> None:
    with db.write() as s:
        alice, carol = s.get(User, ids["alice"]), s.get(User, ids["carol"])
        page = s.get(Page, ids["page"])
        workflow = make_workflow(
            s, page.space, alice, [step(carol)], pages=[page], space_default=True
        )
        do_deactivate_workflow(s, workflow, **by(alice))
        assert page.workflow_id is None and page.space.default_workflow_id is None
        with pytest.raises(InvalidState):
            do_assign_workflow(s, workflow, page_ids=[page.id], **by(alice))
        with pytest.raises(InvalidState):
            do_deactivate_workflow(s, workflow, **by(alice))


@pytest.mark.parametrize(
    ("definition", "field"),
    [
        (StepDefinition("", (1,), (), Rule.all, None, 1), "steps[0].name"),
        (StepDefinition("S", (), (), Rule.all, None, 1), "steps[0].approvers"),
        (StepDefinition("S", (1,), (), Rule.quorum, None, 1), "steps[0].quorum"),
        (StepDefinition("S", (1,), (), Rule.quorum, 0, 1), "steps[0].quorum"),
        (StepDefinition("S", (1,), (), Rule.any, 2, 1), "steps[0].quorum"),
        (StepDefinition("S", (1,), (), Rule.all, None, 0), "steps[0].minRejections"),
        (StepDefinition("S", (999,), (), Rule.all, None, 1), "steps[0].approvers"),
        (StepDefinition("S", (), (999,), Rule.all, None, 1), "steps[0].groups"),
    ],
)
def test_bad_definitions_are_refused_naming_the_field(
    db: Database, ids: dict[str, int], definition: StepDefinition, field: str
) -> None:
    with db.write() as s:
        alice, page = s.get(User, ids["alice"]), s.get(Page, ids["page"])
        with pytest.raises(BadInput) as refused:
            do_create_workflow(s, page.space, name="W", steps=[definition], **by(alice))
        assert refused.value.field == field


def test_only_space_admins_manage_workflows(db: Database, ids: dict[str, int]) -> None:
    with db.write() as s:
        bob, carol, page = (
            s.get(User, ids["bob"]),
            s.get(User, ids["carol"]),
            s.get(Page, ids["page"]),
        )
        with pytest.raises(NotAllowed):
            do_create_workflow(s, page.space, name="W", steps=[step(carol)], **by(bob))


def test_assign_refuses_pages_of_another_space(
    db: Database, ids: dict[str, int]
) -> None:
    with db.write() as s:
        alice, bob, carol = (s.get(User, ids[n]) for n in ("alice", "bob", "carol"))
        page = s.get(Page, ids["page"])
        other = make_space(s, "OTHER", admin=alice, members={bob: Role.editor})
        foreign = make_page(s, other, bob)
        workflow = make_workflow(s, page.space, alice, [step(carol)])
        with pytest.raises(BadInput) as refused:
            do_assign_workflow(s, workflow, page_ids=[foreign.id], **by(alice))
        assert refused.value.field == "pageIds[0]"


def test_each_workflow_action_writes_its_audit_event(
    db: Database, ids: dict[str, int]
) -> None:
    with db.write() as s:
        alice, carol = s.get(User, ids["alice"]), s.get(User, ids["carol"])
        page = s.get(Page, ids["page"])
        mark = last_event_id(s)
        workflow = do_create_workflow(
            s, page.space, name="W", steps=[step(carol)], **by(alice)
        )
        do_assign_workflow(s, workflow, page_ids=[page.id], **by(alice))
        do_update_workflow(s, workflow, name="W2", **by(alice))
        do_update_workflow(s, workflow, name="W2", **by(alice))  # no change, no event
        do_deactivate_workflow(s, workflow, **by(alice))
        assert actions_since(s, mark) == [
            "workflow.created",
            "workflow.assigned",
            "workflow.updated",
            "workflow.deactivated",
        ]


def test_an_approver_outside_the_space_is_refused_by_name(
    db: Database, ids: dict[str, int]
) -> None:
    with db.write() as s:
        alice, carol = s.get(User, ids["alice"]), s.get(User, ids["carol"])
        page = s.get(Page, ids["page"])
        outsider = make_user(s, "oscar")
        root = make_user(s, "root", site_admin=True)  # reads every space
        with pytest.raises(BadInput) as refused:
            do_create_workflow(
                s, page.space, name="W", steps=[step(carol, outsider)], **by(alice)
            )
        assert refused.value.field == "steps[0].approvers"
        assert refused.value.message == (
            f"steps[0].approvers: Oscar ({outsider.account_id}) is not a member of "
            "space DOCS; add them to the space first."
        )
        workflow = do_create_workflow(
            s, page.space, name="W", steps=[step(carol, root)], **by(alice)
        )
        with pytest.raises(BadInput) as refused:
            do_update_workflow(
                s, workflow, steps=[step(outsider, name="Later")], **by(alice)
            )
        assert refused.value.field == "steps[0].approvers"
        assert [st.name for st in workflow.steps] == ["Review"]


def test_an_all_step_that_waits_for_two_rejections_is_refused(
    db: Database, ids: dict[str, int]
) -> None:
    with db.write() as s:
        alice, bob, carol = (s.get(User, ids[n]) for n in ("alice", "bob", "carol"))
        page = s.get(Page, ids["page"])
        with pytest.raises(BadInput) as refused:
            do_create_workflow(
                s,
                page.space,
                name="W",
                steps=[step(carol, bob, rule=Rule.all, min_rejections=2)],
                **by(alice),
            )
        assert refused.value.field == "steps[0].minRejections"
        assert "set it to at most 1." in refused.value.message


def test_a_stored_contradictory_step_keeps_working_until_an_update_fixes_it(
    db: Database, ids: dict[str, int]
) -> None:
    with db.write() as s:
        alice, bob, carol = (s.get(User, ids[n]) for n in ("alice", "bob", "carol"))
        page = s.get(Page, ids["page"])
        workflow = make_workflow(
            s, page.space, alice, [step(carol, alice)], pages=[page]
        )
        workflow.steps[0].min_rejections = 2  # as stored before the rule existed
        s.flush()
        request = do_submit_page(s, page, **by(bob))
        do_record_decision(
            s, page, DecisionKind.reject, version=1, comment="No.", **by(carol)
        )
        assert request.status == "rejected"  # one rejection, as it always did
        with pytest.raises(BadInput) as refused:
            do_update_workflow(s, workflow, name="Renamed", **by(alice))
        assert refused.value.field == "steps[0].minRejections"
        assert workflow.name == "Standard review"
        fixed = StepDefinition("Review", (carol.id, alice.id), (), Rule.all, None, 1)
        do_update_workflow(s, workflow, name="Renamed", steps=[fixed], **by(alice))
        assert (workflow.name, workflow.steps[0].min_rejections) == ("Renamed", 1)
