"""`/groups`: everyone with `read:approval` lists them; site admins change them."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from factories import make_group
from signoff.api.v1.responses import GroupList, GroupOne
from signoff.db.models import AuditEvent, Group, User

from .helpers import account, actions_after, last_event, ok, only_a_denial, refused
from .support import AppClient, Team


def _legal(team: Team, *names: str) -> None:
    with team.db.write() as s:
        people = [s.get_one(User, team.users[n]) for n in names]
        make_group(s, "legal", people)


def test_groups_lists_every_group_with_its_members(api: AppClient, team: Team) -> None:
    _legal(team, "carol", "dave")
    body = ok(GroupList, api.get("/api/v1/groups", token=team.tokens["bob"]))
    assert body == {
        "success": True,
        "groups": [
            {
                "name": "legal",
                "members": [
                    {"accountId": account(team, "carol"), "displayName": "Carol"},
                    {"accountId": account(team, "dave"), "displayName": "Dave"},
                ],
                "follows": None,
            }
        ],
    }


def test_site_admin_creates_a_group_with_members(api: AppClient, team: Team) -> None:
    before = last_event(team)
    response = api.post(
        "/api/v1/groups",
        token=team.tokens["alice"],
        json={"name": "legal", "members": [account(team, "carol")]},
    )
    body = ok(GroupOne, response)
    assert body["group"] == {
        "name": "legal",
        "members": [{"accountId": account(team, "carol"), "displayName": "Carol"}],
        "follows": None,
    }
    assert actions_after(team, before) == ["group.created", "group.member_added"]
    with team.db.read() as s:
        event = s.scalars(
            select(AuditEvent).where(AuditEvent.action == "group.created")
        ).one()
    assert (event.origin, event.text) == ("api", "Group legal was created. (via API)")


def test_site_admin_renames_adds_removes_and_deletes(
    api: AppClient, team: Team
) -> None:
    _legal(team, "carol")
    alice = team.tokens["alice"]
    renamed = api.post(
        "/api/v1/groups/rename", token=alice, json={"name": "legal", "newName": "law"}
    )
    assert ok(GroupOne, renamed)["group"]["name"] == "law"
    dave = {"name": "law", "accountId": account(team, "dave")}
    added = ok(GroupOne, api.post("/api/v1/groups/members/add", token=alice, json=dave))
    assert len(added["group"]["members"]) == 2
    removed = api.post("/api/v1/groups/members/remove", token=alice, json=dave)
    assert [m["displayName"] for m in ok(GroupOne, removed)["group"]["members"]] == [
        "Carol"
    ]
    deleted = api.post("/api/v1/groups/delete", token=alice, json={"name": "law"})
    assert ok(GroupOne, deleted)["group"]["name"] == "law"
    with team.db.read() as s:
        assert s.scalars(select(Group)).all() == []


def test_a_space_admin_who_is_not_a_site_admin_cannot_change_groups(
    api: AppClient, team: Team
) -> None:
    _legal(team, "carol")
    with team.db.write() as s:
        s.get_one(User, team.users["alice"]).is_site_admin = False
    with only_a_denial(team):
        response = api.post(
            "/api/v1/groups/members/add",
            token=team.tokens["alice"],
            json={"name": "legal", "accountId": account(team, "alice")},
        )
    refused(response, 403, "Only site administrators can change group membership.")


@pytest.mark.parametrize(
    ("path", "payload", "status", "error"),
    [
        ("/api/v1/groups", {"name": "legal"}, 409,
         "A group named 'legal' already exists."),
        ("/api/v1/groups", {"name": "Not Ok"}, 400, None),
        ("/api/v1/groups", {}, 400, None),
        ("/api/v1/groups/rename", {"name": "nope", "newName": "x"}, 404,
         "name: no group named 'nope'."),
        ("/api/v1/groups/members/add", {"name": "legal", "accountId": "nobody"}, 404,
         "accountId: no user with accountId 'nobody'."),
        ("/api/v1/groups/members/add", {"name": "legal", "accountId": "@carol"}, 409,
         "Carol is already in group legal."),
        ("/api/v1/groups/members/remove", {"name": "legal", "accountId": "@dave"},
         409, "Dave is not in group legal."),
        ("/api/v1/groups/delete", {"name": "nope"}, 404,
         "name: no group named 'nope'."),
    ],
)  # fmt: skip
def test_group_changes_are_refused_in_the_envelope(
    api: AppClient,
    team: Team,
    path: str,
    payload: dict[str, str],
    status: int,
    error: str | None,
) -> None:
    _legal(team, "carol")
    if payload.get("accountId", "").startswith("@"):
        payload = {**payload, "accountId": account(team, payload["accountId"][1:])}
    refused(api.post(path, token=team.tokens["alice"], json=payload), status, error)


def test_deleting_a_group_a_pending_review_waits_on_answers_409(
    api: AppClient, team: Team
) -> None:
    _legal(team, "carol")
    with team.db.write() as s:
        legal = s.scalars(select(Group).where(Group.name == "legal")).one()
        legal_id = legal.id
    workflow = {
        "spaceId": team.space_id,
        "name": "Legal",
        "steps": [{"name": "Legal", "groups": ["legal"], "rule": "any"}],
    }
    created = api.post("/api/v1/workflows", token=team.tokens["alice"], json=workflow)
    assert created.status_code == 200, created.text
    assign = {"workflowId": created.json()["workflow"]["id"], "pageIds": team.pages[:1]}
    api.post("/api/v1/workflows/assign", token=team.tokens["alice"], json=assign)
    submitted = api.post(
        "/api/v1/pages/submit", token=team.tokens["bob"], json={"pageId": team.pages[0]}
    )
    assert submitted.status_code == 200, submitted.text
    error = refused(
        api.post(
            "/api/v1/groups/delete", token=team.tokens["alice"], json={"name": "legal"}
        ),
        409,
    )
    assert "pending review of" in error
    with team.db.read() as s:
        assert s.get(Group, legal_id) is not None


def test_the_same_idempotency_key_creates_one_group(api: AppClient, team: Team) -> None:
    headers = {"Idempotency-Key": "group-once"}
    for _ in range(2):
        response = api.post(
            "/api/v1/groups",
            token=team.tokens["alice"],
            json={"name": "legal"},
            headers=headers,
        )
        assert response.status_code == 200, response.text
    with team.db.read() as s:
        assert len(s.scalars(select(Group)).all()) == 1


def test_groups_needs_a_token(api: AppClient, team: Team) -> None:
    refused(api.get("/api/v1/groups"), 401)
