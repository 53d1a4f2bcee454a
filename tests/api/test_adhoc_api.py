"""`/pages/request-approval` and `/spaces/settings` over HTTP: an editor asks named
people, asking again changes the request, and a space admin says where asking goes."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from factories import make_workflow, step
from signoff.api.v1.responses import ApprovalAsked, PageStatus, SpaceOne
from signoff.db.models import AuditEvent, Page, Space, User

from .helpers import account, fix_clock, ok, refused
from .support import AppClient, Team


def _ask(api: AppClient, team: Team, who: str = "bob", **body: Any) -> Any:
    body.setdefault("pageId", str(team.pages[0]))
    return api.post("/api/v1/pages/request-approval", token=team.tokens[who], json=body)


def test_an_editor_asks_two_people_and_both_approve(api: AppClient, team: Team) -> None:
    fix_clock(api)
    members = [account(team, "carol"), account(team, "dave")]
    body = ok(
        ApprovalAsked,
        _ask(api, team, members=members, title="Legal check", expiryDate="2026-03-01"),
    )
    assert body["created"] is True
    (only,) = body["request"]["steps"]
    assert only["name"] == "Requested approvers"
    assert only["rule"] == "all"
    assert [a["accountId"] for a in only["approvers"]] == members
    for who in ("carol", "dave"):
        decided = api.post(
            "/api/v1/pages/approve",
            token=team.tokens[who],
            json={"pageId": str(team.pages[0]), "version": 1},
        )
        assert decided.status_code == 200, decided.text
    status = ok(
        PageStatus,
        api.get(
            f"/api/v1/pages/status?pageId={team.pages[0]}", token=team.tokens["bob"]
        ),
    )
    assert status["approvalStatus"] == "approved"
    with team.db.read() as s:
        text = s.scalars(
            select(AuditEvent.text).where(AuditEvent.action == "approval.submitted")
        ).one()
    assert text.endswith("(Legal check). (via API)")


def test_asking_again_changes_the_request(api: AppClient, team: Team) -> None:
    fix_clock(api)
    first = ok(ApprovalAsked, _ask(api, team, members=[account(team, "carol")]))
    again = ok(
        ApprovalAsked,
        _ask(
            api, team, members=[account(team, "dave"), account(team, "carol")], quorum=1
        ),
    )
    assert again["created"] is False
    assert again["request"]["id"] == first["request"]["id"]
    assert again["request"]["steps"][0]["rule"] == "quorum"
    assert again["request"]["steps"][0]["quorum"] == 1


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        ({"members": []}, 400, None),
        ({"members": ["nobody"]}, 404, "members: no user with accountId 'nobody'."),
        ({"members": ["@carol"], "quorum": 2}, 400, None),
        (
            {"members": ["@carol"], "expiryDate": "2026-02-01"},
            400,
            "The expiry date must be today or later.",
        ),
        ({"members": ["@carol"], "expiryDate": "tomorrow"}, 400, None),
        ({"members": ["@bob"]}, 409, None),
    ],
)
def test_bad_asks_are_refused(
    api: AppClient, team: Team, body: dict[str, Any], status: int, error: str | None
) -> None:
    fix_clock(api)
    body = dict(body)
    body["members"] = [
        account(team, m[1:]) if m.startswith("@") else m for m in body["members"]
    ]
    refused(_ask(api, team, **body), status, error)


def test_a_viewer_may_not_ask(api: AppClient, team: Team) -> None:
    refused(_ask(api, team, "carol", members=[account(team, "dave")]), 403)


def test_the_space_setting_is_listed_and_changed_by_its_admin(
    api: AppClient, team: Team
) -> None:
    spaces = api.get("/api/v1/spaces", token=team.tokens["bob"]).json()["spaces"]
    assert spaces[0]["adhocApprovals"] == "unassigned"
    refused(
        api.post(
            "/api/v1/spaces/settings",
            token=team.tokens["bob"],
            json={"spaceId": str(team.space_id), "adhocApprovals": "off"},
        ),
        403,
    )
    body = ok(
        SpaceOne,
        api.post(
            "/api/v1/spaces/settings",
            token=team.tokens["alice"],
            json={"spaceId": str(team.space_id), "adhocApprovals": "off"},
        ),
    )
    assert body["space"]["adhocApprovals"] == "off"
    refused(
        _ask(api, team, members=[account(team, "carol")]),
        403,
        "Ad-hoc approvals are switched off in space DOCS.",
    )
    refused(
        api.post(
            "/api/v1/spaces/settings",
            token=team.tokens["alice"],
            json={"spaceId": str(team.space_id), "adhocApprovals": "sometimes"},
        ),
        400,
    )


def test_a_page_with_an_assigned_workflow_is_submitted_instead(
    api: AppClient, team: Team
) -> None:
    with team.db.write() as s:
        alice, dave = (
            s.get_one(User, team.users["alice"]),
            s.get_one(User, team.users["dave"]),
        )
        space = s.get_one(Space, team.space_id)
        page = s.get_one(Page, team.pages[0])
        make_workflow(s, space, alice, [step(dave)], pages=[page])
    refused(
        _ask(api, team, members=[account(team, "carol")]),
        403,
        "Space DOCS allows ad-hoc approvals only on pages no workflow governs; this "
        "page is reviewed under 'Standard review': submit it instead.",
    )
