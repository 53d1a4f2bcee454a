"""The approval rules over `/api/v1`: a named workflow never replaces the page's own,
and nobody who wrote content under review decides on it. Preflight and submit (and
approve) give the same reasons."""

from __future__ import annotations

from sqlalchemy import func, select

from factories import by, edit, make_workflow, step
from signoff.actions.spaces import do_add_member
from signoff.api.v1.responses import PagePreflight, PageStatus, PageSubmitted
from signoff.db.models import ApprovalRequest, Page, Space, User
from signoff.domain.states import Role, Rule

from .helpers import ok, refused
from .support import AppClient, Team

LEGAL_REFUSAL = (
    "Another workflow cannot be chosen for this page: its workflow is 'Legal'"
)


def legal_and_quick(team: Team) -> tuple[int, int]:
    """'Legal' (carol, then dave) assigned to the first page; 'Quick review' (dave
    alone) active in the same space."""
    with team.db.write() as s:
        space = s.get_one(Space, team.space_id)
        alice = s.get_one(User, team.users["alice"])
        carol = s.get_one(User, team.users["carol"])
        dave = s.get_one(User, team.users["dave"])
        legal = make_workflow(
            s,
            space,
            alice,
            [step(carol, name="Legal"), step(dave, name="Owner")],
            name="Legal",
            pages=[s.get_one(Page, team.pages[0])],
        )
        quick = make_workflow(s, space, alice, [step(dave)], name="Quick review")
        return legal.id, quick.id


def requests(team: Team) -> int:
    with team.db.read() as s:
        return s.scalar(select(func.count()).select_from(ApprovalRequest)) or 0


def test_editor_cannot_override_assigned_workflow(api: AppClient, team: Team) -> None:
    legal, quick = legal_and_quick(team)
    body = {"pageId": str(team.pages[0]), "workflowId": str(quick)}
    bob = team.tokens["bob"]
    preflight = ok(
        PagePreflight, api.post("/api/v1/pages/preflight", token=bob, json=body)
    )
    assert preflight == {
        "success": True,
        "canSubmit": False,
        "workflowId": str(legal),
        "reason": LEGAL_REFUSAL,
    }
    refused(
        api.post("/api/v1/pages/submit", token=bob, json=body), 409, f"{LEGAL_REFUSAL}."
    )
    assert requests(team) == 0


def test_naming_the_page_own_workflow_is_accepted(api: AppClient, team: Team) -> None:
    legal, _quick = legal_and_quick(team)
    body = {"pageId": str(team.pages[0]), "workflowId": str(legal)}
    submitted = ok(
        PageSubmitted,
        api.post("/api/v1/pages/submit", token=team.tokens["bob"], json=body),
    )
    assert submitted["request"]["workflowId"] == str(legal)


def test_a_choice_decides_for_a_page_without_a_workflow_of_its_own(
    api: AppClient, team: Team
) -> None:
    _legal, quick = legal_and_quick(team)
    body = {"pageId": str(team.pages[1]), "workflowId": str(quick)}
    submitted = ok(
        PageSubmitted,
        api.post("/api/v1/pages/submit", token=team.tokens["bob"], json=body),
    )
    assert submitted["request"]["workflowId"] == str(quick)


def test_a_workflow_id_that_is_not_an_id_is_bad_input(
    api: AppClient, team: Team
) -> None:
    legal_and_quick(team)
    body = {"pageId": str(team.pages[0]), "workflowId": "legal"}
    for path in ("/api/v1/pages/submit", "/api/v1/pages/preflight"):
        error = refused(api.post(path, token=team.tokens["bob"], json=body), 400)
        assert "workflowId" in error
    assert requests(team) == 0


def earlier_author_world(team: Team, *, only_carol: bool = False) -> None:
    """carol (an editor who also approves) writes version 2 of the first page, bob
    re-saves it as version 3; the page's workflow names carol (and dave, unless
    `only_carol`)."""
    with team.db.write() as s:
        space = s.get_one(Space, team.space_id)
        alice = s.get_one(User, team.users["alice"])
        bob, carol = (s.get_one(User, team.users[n]) for n in ("bob", "carol"))
        dave = s.get_one(User, team.users["dave"])
        page = s.get_one(Page, team.pages[0])
        do_add_member(s, space, carol, Role.editor, **by(alice))
        approvers = [carol] if only_carol else [carol, dave]
        make_workflow(
            s,
            space,
            alice,
            [step(*approvers, rule=Rule.any, name="Review")],
            pages=[page],
        )
        edit(s, page, carol, "<p>carol's change</p>", minutes=1)
        edit(s, page, bob, "<p>carol's change, re-saved</p>", minutes=2)


def test_the_author_of_an_earlier_version_cannot_approve_after_a_resave(
    api: AppClient, team: Team
) -> None:
    earlier_author_world(team)
    page = str(team.pages[0])
    ok(
        PageSubmitted,
        api.post(
            "/api/v1/pages/submit", token=team.tokens["bob"], json={"pageId": page}
        ),
    )
    decision = {"pageId": page, "version": 3}
    refused(
        api.post("/api/v1/pages/approve", token=team.tokens["carol"], json=decision),
        403,
        "Authors and submitters cannot approve their own submission.",
    )
    status = ok(
        PageStatus,
        api.post("/api/v1/pages/approve", token=team.tokens["dave"], json=decision),
    )
    assert status["approvalStatus"] == "approved"


def test_preflight_and_submit_say_no_eligible_approver_for_an_earlier_author(
    api: AppClient, team: Team
) -> None:
    earlier_author_world(team, only_carol=True)
    body = {"pageId": str(team.pages[0])}
    bob = team.tokens["bob"]
    preflight = ok(
        PagePreflight, api.post("/api/v1/pages/preflight", token=bob, json=body)
    )
    assert (preflight["canSubmit"], preflight["reason"]) == (
        False,
        "No eligible approver for step 'Review'",
    )
    refused(
        api.post("/api/v1/pages/submit", token=bob, json=body),
        409,
        "No eligible approver for step 'Review'.",
    )
