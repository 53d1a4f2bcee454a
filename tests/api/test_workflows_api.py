"""`/workflows`: definitions named by account ids and group names, managed by space
admins, readable by every member."""

from __future__ import annotations

from typing import Any

import pytest

from factories import make_group, make_space, make_user
from signoff.api.v1.responses import WorkflowList, WorkflowOne
from signoff.db.models import Page, Space, User

from .helpers import (
    NOW_TEXT,
    account,
    fix_clock,
    ok,
    only_a_denial,
    refused,
    review_by,
    workflow_revision,
)
from .support import AppClient, Team


@pytest.fixture
def legal(team: Team) -> str:
    """The group `legal`, with dave in it."""
    with team.db.write() as s:
        dave = s.get(User, team.users["dave"])
        assert dave is not None
        return make_group(s, "legal", [dave]).name


def _definition(team: Team, **changes: Any) -> dict[str, Any]:
    return {
        "spaceId": str(team.space_id),
        "name": "Legal review",
        "steps": [
            {
                "name": "Legal",
                "approvers": [account(team, "carol")],
                "groups": ["legal"],
                "rule": "any",
                "minRejections": 2,
                "dueDays": 3,
            },
            {
                "name": "Sign-off",
                "approvers": [account(team, "carol"), account(team, "dave")],
                "rule": "quorum",
                "quorum": 2,
            },
        ],
        "staleOn": "version",
        "validForDays": 90,
        **changes,
    }


def _create(api: AppClient, team: Team, **changes: Any) -> dict[str, Any]:
    response = api.post(
        "/api/v1/workflows",
        token=team.tokens["alice"],
        json=_definition(team, **changes),
    )
    return ok(WorkflowOne, response)["workflow"]


def test_space_admin_creates_a_workflow_by_account_ids_and_group_names(
    api: AppClient, team: Team, legal: str
) -> None:
    fix_clock(api)
    workflow = _create(api, team)
    carol, dave = account(team, "carol"), account(team, "dave")
    assert workflow == {
        "id": workflow["id"],
        "spaceId": str(team.space_id),
        "name": "Legal review",
        "active": True,
        "revision": 1,
        "spaceDefault": False,
        "steps": [
            {
                "name": "Legal",
                "approvers": [carol],
                "groups": [legal],
                "rule": "any",
                "quorum": None,
                "minRejections": 2,
                "dueDays": 3,
            },
            {
                "name": "Sign-off",
                "approvers": [carol, dave],
                "groups": [],
                "rule": "quorum",
                "quorum": 2,
                "minRejections": 1,
                "dueDays": None,
            },
        ],
        "expireOnEdit": True,
        "staleOn": "version",
        "allowSelfApproval": False,
        "validForDays": 90,
        "notifyRequests": True,
        "notifyStatus": True,
        "createdAt": NOW_TEXT,
        "updatedAt": NOW_TEXT,
        "allowOverride": True,
        "rereviewDays": None,
    }


def test_every_member_lists_the_workflows(
    api: AppClient, team: Team, legal: str
) -> None:
    created = _create(api, team)
    listed = api.get(
        "/api/v1/workflows",
        token=team.tokens["carol"],
        params={"spaceId": str(team.space_id)},
    )
    assert ok(WorkflowList, listed) == {"success": True, "workflows": [created]}


def test_listing_needs_a_space_the_caller_is_in(api: AppClient, team: Team) -> None:
    carol = team.tokens["carol"]
    refused(api.get("/api/v1/workflows", token=carol), 400, "spaceId is required.")
    refused(
        api.get("/api/v1/workflows", token=carol, params={"spaceId": "abc"}),
        400,
        "spaceId: Value error, must be an id: a string of digits.",
    )
    with team.db.write() as s:
        alice = s.get(User, team.users["alice"])
        assert alice is not None
        ops = make_space(s, "OPS", admin=alice).id
    refused(
        api.get("/api/v1/workflows", token=carol, params={"spaceId": str(ops)}),
        404,
        f"Space {ops} not found.",
    )


@pytest.mark.parametrize(
    ("change", "error"),
    [
        (
            {"approvers": ["nobody"]},
            "steps[0].approvers: no user with accountId 'nobody'.",
        ),
        ({"groups": ["ghosts"]}, "steps[0].groups: no group named 'ghosts'."),
        (
            {"rule": "most"},
            "steps[0].rule: Input should be 'all', 'any' or 'quorum'.",
        ),
        (
            {"quorum": 1},
            "steps[0].quorum is only allowed with rule quorum.",
        ),
        (
            {"dueDays": 0},
            "steps[0].dueDays: Input should be greater than or equal to 1.",
        ),
        (
            {"approvers": [], "groups": []},
            "steps[0] needs at least one approver or group.",
        ),
        (
            {"rule": "all"},
            "steps[0].minRejections is 2, but with rule all and 2 seat(s) the step "
            "already fails after 1 rejection(s), when the approvals still possible "
            "can no longer meet the rule: set it to at most 1.",
        ),
        (
            {"minRejections": 3},
            "steps[0].minRejections is 3, but with rule any and 2 seat(s) the step "
            "already fails after 2 rejection(s), when the approvals still possible "
            "can no longer meet the rule: set it to at most 2.",
        ),
    ],
)
def test_a_bad_step_is_refused_naming_its_field(
    api: AppClient, team: Team, legal: str, change: dict[str, Any], error: str
) -> None:
    body = _definition(team)
    body["steps"][0] = {**body["steps"][0], **change}
    response = api.post("/api/v1/workflows", token=team.tokens["alice"], json=body)
    refused(response, 400, error)


def test_an_approver_outside_the_space_is_refused_naming_them(
    api: AppClient, team: Team, legal: str
) -> None:
    with team.db.write() as s:
        outsider = make_user(s, "olga")
        outsider_account = outsider.account_id
    body = _definition(team)
    body["steps"][1]["approvers"] = [account(team, "carol"), outsider_account]
    response = api.post("/api/v1/workflows", token=team.tokens["alice"], json=body)
    refused(
        response,
        400,
        f"steps[1].approvers: Olga ({outsider_account}) is not a member of space "
        "DOCS; add them to the space first.",
    )
    created = _create(api, team)
    update = api.post(
        "/api/v1/workflows/update",
        token=team.tokens["alice"],
        json={
            "workflowId": created["id"],
            "steps": [{"name": "A", "approvers": [outsider_account], "rule": "any"}],
        },
    )
    refused(
        update,
        400,
        f"steps[0].approvers: Olga ({outsider_account}) is not a member of space "
        "DOCS; add them to the space first.",
    )
    assert workflow_revision(team, int(created["id"])) == 1


def test_a_workflow_needs_steps_and_a_unique_name(
    api: AppClient, team: Team, legal: str
) -> None:
    alice = team.tokens["alice"]
    no_steps = {"spaceId": str(team.space_id), "name": "Empty"}
    refused(
        api.post("/api/v1/workflows", token=alice, json=no_steps),
        400,
        "steps is required.",
    )
    refused(
        api.post("/api/v1/workflows", token=alice, json={**no_steps, "steps": []}),
        400,
        "A workflow needs at least one step.",
    )
    _create(api, team)
    again = api.post("/api/v1/workflows", token=alice, json=_definition(team))
    refused(again, 400, "A workflow named 'Legal review' already exists here.")


def test_an_editor_cannot_create_workflows_nor_probe_accounts(
    api: AppClient, team: Team
) -> None:
    body = _definition(team)
    body["steps"][0]["approvers"] = ["nobody"]
    with only_a_denial(team):
        response = api.post("/api/v1/workflows", token=team.tokens["bob"], json=body)
    refused(response, 403, "You need the admin role in this space to manage workflows.")


def test_update_changes_only_what_is_given_and_bumps_the_revision(
    api: AppClient, team: Team, legal: str
) -> None:
    created = _create(api, team)
    response = api.post(
        "/api/v1/workflows/update",
        token=team.tokens["alice"],
        json={
            "workflowId": created["id"],
            "name": "Legal and brand review",
            "steps": [{"name": "Brand", "groups": ["legal"], "rule": "all"}],
            "allowSelfApproval": True,
        },
    )
    updated = ok(WorkflowOne, response)["workflow"]
    assert updated["revision"] == 2
    assert updated["name"] == "Legal and brand review"
    assert updated["allowSelfApproval"] is True
    assert updated["staleOn"] == "version"
    assert updated["steps"] == [
        {
            "name": "Brand",
            "approvers": [],
            "groups": ["legal"],
            "rule": "all",
            "quorum": None,
            "minRejections": 1,
            "dueDays": None,
        }
    ]


def test_update_keeps_the_expiry_unless_given_and_null_removes_it(
    api: AppClient, team: Team, legal: str
) -> None:
    created = _create(api, team)
    assert created["validForDays"] == 90

    def update(**fields: Any) -> dict[str, Any]:
        response = api.post(
            "/api/v1/workflows/update",
            token=team.tokens["alice"],
            json={"workflowId": created["id"], **fields},
        )
        workflow: dict[str, Any] = ok(WorkflowOne, response)["workflow"]
        return workflow

    kept = update(name="Legal review, renamed")
    assert (kept["validForDays"], kept["revision"]) == (90, 2)
    removed = update(validForDays=None)
    assert (removed["validForDays"], removed["revision"]) == (None, 3)
    unchanged = update(validForDays=None)
    assert unchanged["revision"] == 3


def test_update_refuses_unknown_people_and_unknown_workflows(
    api: AppClient, team: Team, legal: str
) -> None:
    created = _create(api, team)
    alice = team.tokens["alice"]
    unknown_person = api.post(
        "/api/v1/workflows/update",
        token=alice,
        json={
            "workflowId": created["id"],
            "steps": [{"name": "A", "approvers": ["ghost"], "rule": "any"}],
        },
    )
    refused(unknown_person, 400, "steps[0].approvers: no user with accountId 'ghost'.")
    refused(
        api.post("/api/v1/workflows/update", token=alice, json={"workflowId": "999"}),
        404,
        "Workflow 999 not found.",
    )
    assert workflow_revision(team, int(created["id"])) == 1


def test_deactivating_clears_assignments_and_freezes_the_workflow(
    api: AppClient, team: Team, legal: str
) -> None:
    workflow_id = review_by(team, ["carol"], pages=2, space_default=True)
    alice = team.tokens["alice"]
    response = api.post(
        "/api/v1/workflows/deactivate", token=alice, json={"workflowId": workflow_id}
    )
    deactivated = ok(WorkflowOne, response)["workflow"]
    assert (deactivated["active"], deactivated["spaceDefault"]) == (False, False)
    with team.db.read() as s:
        pages = [s.get(Page, page_id) for page_id in team.pages[:2]]
        assert [page.workflow_id for page in pages if page] == [None, None]
    refused(
        api.post(
            "/api/v1/workflows/deactivate",
            token=alice,
            json={"workflowId": workflow_id},
        ),
        409,
        "Workflow 'Standard review' is already deactivated.",
    )
    refused(
        api.post(
            "/api/v1/workflows/update",
            token=alice,
            json={"workflowId": workflow_id, "name": "Again"},
        ),
        409,
        "Workflow 'Standard review' is deactivated.",
    )
    refused(
        api.post(
            "/api/v1/workflows/assign",
            token=alice,
            json={"workflowId": workflow_id, "spaceDefault": True},
        ),
        409,
        "Workflow 'Standard review' is deactivated.",
    )


def test_assign_to_pages_and_as_space_default(api: AppClient, team: Team) -> None:
    workflow_id = review_by(team, ["carol"], pages=0)
    response = api.post(
        "/api/v1/workflows/assign",
        token=team.tokens["alice"],
        json={
            "workflowId": str(workflow_id),
            "pageIds": [str(p) for p in team.pages[:2]],
            "spaceDefault": True,
        },
    )
    assert ok(WorkflowOne, response)["workflow"]["spaceDefault"] is True
    with team.db.read() as s:
        assigned = [s.get(Page, p) for p in team.pages[:3]]
        space = s.get(Space, team.space_id)
    assert [page.workflow_id if page else None for page in assigned] == [
        workflow_id,
        workflow_id,
        None,
    ]
    assert space is not None
    assert space.default_workflow_id == workflow_id


def test_assign_needs_pages_of_the_space_or_the_default(
    api: AppClient, team: Team
) -> None:
    workflow_id = review_by(team, ["carol"], pages=0)
    alice = team.tokens["alice"]
    nothing = api.post(
        "/api/v1/workflows/assign", token=alice, json={"workflowId": workflow_id}
    )
    refused(nothing, 400, "Give pageIds or spaceDefault: true.")
    stranger = api.post(
        "/api/v1/workflows/assign",
        token=alice,
        json={"workflowId": workflow_id, "pageIds": ["99999"]},
    )
    refused(stranger, 400, "pageIds[0]: page 99999 is not in this workflow's space.")
    bad_id = api.post(
        "/api/v1/workflows/assign",
        token=alice,
        json={"workflowId": workflow_id, "pageIds": ["x"]},
    )
    refused(bad_id, 400, "pageIds[0]: Value error, must be an id: a string of digits.")


def test_an_editor_cannot_assign_deactivate_or_update(
    api: AppClient, team: Team
) -> None:
    workflow_id = str(review_by(team, ["carol"], pages=0))
    calls = [
        ("/api/v1/workflows/assign", {"spaceDefault": True}),
        ("/api/v1/workflows/deactivate", {}),
        ("/api/v1/workflows/update", {"name": "Mine"}),
    ]
    for path, extra in calls:
        with only_a_denial(team):
            response = api.post(
                path,
                token=team.tokens["bob"],
                json={"workflowId": workflow_id, **extra},
            )
        refused(
            response, 403, "You need the admin role in this space to manage workflows."
        )
