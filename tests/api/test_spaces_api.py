"""`/spaces`: listing with roles, creation by site admins, members by account id."""

from __future__ import annotations

from sqlalchemy import select

from factories import make_space, make_user
from signoff.api.v1.responses import MemberOne, SpaceOne, SpaceWithRoleList
from signoff.db.models import AuditEvent, Space, SpaceMember, User

from .helpers import account, actions_after, last_event, ok, only_a_denial, refused
from .support import AppClient, Team


def _other_space(team: Team) -> int:
    with team.db.write() as s:
        alice = s.get(User, team.users["alice"])
        assert alice is not None
        return make_space(s, "OPS", admin=alice).id


def _erin(team: Team) -> str:
    with team.db.write() as s:
        return make_user(s, "erin").account_id


def test_spaces_lists_the_callers_spaces_with_their_role(
    api: AppClient, team: Team
) -> None:
    _other_space(team)
    body = ok(SpaceWithRoleList, api.get("/api/v1/spaces", token=team.tokens["bob"]))
    assert body == {
        "success": True,
        "spaces": [
            {
                "id": str(team.space_id),
                "key": "DOCS",
                "name": "DOCS space",
                "role": "editor",
                "adhocApprovals": "unassigned",
            }
        ],
    }


def test_site_admin_sees_every_space_as_admin(api: AppClient, team: Team) -> None:
    ops = _other_space(team)
    body = ok(SpaceWithRoleList, api.get("/api/v1/spaces", token=team.tokens["alice"]))
    assert body["spaces"] == [
        {
            "id": str(team.space_id),
            "key": "DOCS",
            "name": "DOCS space",
            "role": "admin",
            "adhocApprovals": "unassigned",
        },
        {
            "id": str(ops),
            "key": "OPS",
            "name": "OPS space",
            "role": "admin",
            "adhocApprovals": "unassigned",
        },
    ]


def test_spaces_needs_a_token(api: AppClient, team: Team) -> None:
    refused(api.get("/api/v1/spaces"), 401)
    refused(api.get("/api/v1/spaces", token="so_pat_not-a-token"), 401)


def test_site_admin_creates_a_space_and_becomes_its_admin(
    api: AppClient, team: Team
) -> None:
    response = api.post(
        "/api/v1/spaces",
        token=team.tokens["alice"],
        json={"key": "HANDBOOK", "name": "Staff handbook"},
    )
    body = ok(SpaceOne, response)
    with team.db.read() as s:
        space = s.scalars(select(Space).where(Space.key == "HANDBOOK")).one()
        member = s.get(SpaceMember, (space.id, team.users["alice"]))
        event = s.scalars(
            select(AuditEvent).where(AuditEvent.action == "space.created")
        ).all()[-1]
    assert body == {
        "success": True,
        "space": {
            "id": str(space.id),
            "key": "HANDBOOK",
            "name": "Staff handbook",
            "role": "admin",
            "adhocApprovals": "unassigned",
        },
    }
    assert member is not None
    assert member.role == "admin"
    assert (event.origin, event.text) == (
        "api",
        "Space HANDBOOK (Staff handbook) was created. (via API)",
    )


def test_only_site_admins_create_spaces(api: AppClient, team: Team) -> None:
    with only_a_denial(team):
        response = api.post(
            "/api/v1/spaces",
            token=team.tokens["bob"],
            json={"key": "MINE", "name": "Mine"},
        )
    refused(response, 403, "Only site administrators can create spaces.")


def test_space_key_and_name_are_checked_naming_the_field(
    api: AppClient, team: Team
) -> None:
    alice = team.tokens["alice"]
    bad_key = api.post("/api/v1/spaces", token=alice, json={"key": "x", "name": "X"})
    refused(bad_key, 400, "key must be 2-50 upper-case letters and digits.")
    no_name = api.post("/api/v1/spaces", token=alice, json={"key": "XY"})
    refused(no_name, 400, "name is required.")


def test_a_taken_space_key_is_a_conflict(api: AppClient, team: Team) -> None:
    response = api.post(
        "/api/v1/spaces", token=team.tokens["alice"], json={"key": "DOCS", "name": "D"}
    )
    refused(response, 409, "A space with key 'DOCS' already exists.")


def test_space_admin_gives_a_role_by_account_id(api: AppClient, team: Team) -> None:
    erin = _erin(team)
    before = last_event(team)
    added = api.post(
        "/api/v1/spaces/members",
        token=team.tokens["alice"],
        json={"spaceId": str(team.space_id), "accountId": erin, "role": "viewer"},
    )
    assert ok(MemberOne, added) == {
        "success": True,
        "member": {
            "spaceId": str(team.space_id),
            "accountId": erin,
            "displayName": "Erin",
            "role": "viewer",
        },
    }
    promoted = api.post(
        "/api/v1/spaces/members",
        token=team.tokens["alice"],
        json={"spaceId": team.space_id, "accountId": erin, "role": "editor"},
    )
    assert ok(MemberOne, promoted)["member"]["role"] == "editor"
    assert actions_after(team, before) == ["space.member_added"] * 2


def test_an_unknown_account_is_not_found_by_name(api: AppClient, team: Team) -> None:
    response = api.post(
        "/api/v1/spaces/members",
        token=team.tokens["alice"],
        json={"spaceId": str(team.space_id), "accountId": "nobody", "role": "viewer"},
    )
    refused(response, 404, "accountId: no user with accountId 'nobody'.")


def test_a_role_must_be_one_the_space_knows(api: AppClient, team: Team) -> None:
    response = api.post(
        "/api/v1/spaces/members",
        token=team.tokens["alice"],
        json={
            "spaceId": str(team.space_id),
            "accountId": account(team, "carol"),
            "role": "owner",
        },
    )
    refused(response, 400, "role: Input should be 'viewer', 'editor' or 'admin'.")


def test_members_need_space_id_and_account_id(api: AppClient, team: Team) -> None:
    alice = team.tokens["alice"]
    no_space = api.post(
        "/api/v1/spaces/members", token=alice, json={"accountId": "a", "role": "viewer"}
    )
    refused(no_space, 400, "spaceId is required.")
    no_account = api.post(
        "/api/v1/spaces/members/remove",
        token=alice,
        json={"spaceId": str(team.space_id)},
    )
    refused(no_account, 400, "accountId is required.")


def test_an_editor_cannot_manage_members_nor_probe_accounts(
    api: AppClient, team: Team
) -> None:
    for account_id in (account(team, "carol"), "nobody"):
        with only_a_denial(team):
            response = api.post(
                "/api/v1/spaces/members",
                token=team.tokens["bob"],
                json={
                    "spaceId": str(team.space_id),
                    "accountId": account_id,
                    "role": "admin",
                },
            )
        refused(
            response, 403, "You need the admin role in this space to manage members."
        )


def test_a_space_the_caller_is_not_in_is_not_found(api: AppClient, team: Team) -> None:
    ops = _other_space(team)
    response = api.post(
        "/api/v1/spaces/members",
        token=team.tokens["bob"],
        json={"spaceId": str(ops), "accountId": account(team, "bob"), "role": "admin"},
    )
    refused(response, 404, f"Space {ops} not found.")


def test_space_admin_removes_a_member(api: AppClient, team: Team) -> None:
    dave = account(team, "dave")
    response = api.post(
        "/api/v1/spaces/members/remove",
        token=team.tokens["alice"],
        json={"spaceId": str(team.space_id), "accountId": dave},
    )
    assert ok(MemberOne, response)["member"] == {
        "spaceId": str(team.space_id),
        "accountId": dave,
        "displayName": "Dave",
        "role": None,
    }
    with team.db.read() as s:
        assert s.get(SpaceMember, (team.space_id, team.users["dave"])) is None


def test_removing_a_non_member_or_the_last_admin_is_a_conflict(
    api: AppClient, team: Team
) -> None:
    alice = team.tokens["alice"]
    stranger = api.post(
        "/api/v1/spaces/members/remove",
        token=alice,
        json={"spaceId": str(team.space_id), "accountId": _erin(team)},
    )
    refused(stranger, 409, "Erin is not a member of DOCS.")
    last_admin = api.post(
        "/api/v1/spaces/members/remove",
        token=alice,
        json={"spaceId": str(team.space_id), "accountId": account(team, "alice")},
    )
    refused(last_admin, 409, "A space must keep at least one admin.")
