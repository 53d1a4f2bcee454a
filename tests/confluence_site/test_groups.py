"""Groups: one by id, a search by part of the name, a group's members page by page,
404 for an unknown group, and the scopes a token needs."""

from __future__ import annotations

import httpx
import pytest

from confluence_site.conformance import assert_shape, assert_v1_error
from confluence_site.support import World

PICKER = "/rest/api/group/picker"


def _members(group_id: str) -> str:
    return f"/rest/api/group/{group_id}/membersByGroupId"


def test_a_group_is_read_by_its_id(world: World, client: httpx.Client) -> None:
    legal = world.site.add_group("legal", (world.ada,))
    answer = client.get("/rest/api/group/by-id", params={"id": legal.id})
    body = answer.json()
    assert_shape("v1Group", body)
    assert (body["id"], body["name"], body["type"]) == (legal.id, "legal", "group")


def test_an_unknown_group_id_is_a_v1_not_found(client: httpx.Client) -> None:
    assert_v1_error(client.get("/rest/api/group/by-id", params={"id": "nope"}), 404)
    assert_v1_error(client.get(_members("nope")), 404)


def test_the_picker_finds_groups_by_part_of_the_name_in_name_order(
    world: World, client: httpx.Client
) -> None:
    for name in ("legal-emea", "Legal", "docs"):
        world.site.add_group(name)
    body = client.get(PICKER, params={"query": "legal"}).json()
    assert_shape("v1GroupArrayWithLinks", body)
    assert [g["name"] for g in body["results"]] == ["Legal", "legal-emea"]
    assert "totalSize" not in body


def test_the_picker_needs_a_query(client: httpx.Client) -> None:
    assert_v1_error(client.get(PICKER), 400)


def test_members_come_page_by_page_following_next(
    world: World, client: httpx.Client
) -> None:
    people = [world.site.add_user(f"Person {n}") for n in range(5)]
    team = world.site.add_group("team", tuple(people))
    seen: list[str] = []
    url: str | None = _members(team.id) + "?limit=2"
    while url is not None:
        body = client.get(url).json()
        assert_shape("v1UserArray", body)
        assert body["size"] == len(body["results"]) <= 2
        seen += [u["accountId"] for u in body["results"]]
        url = body["_links"].get("next")
    assert seen == [p.account_id for p in people]


def test_members_answer_the_total_only_when_asked(
    world: World, client: httpx.Client
) -> None:
    team = world.site.add_group("team", (world.ada,))
    body = client.get(
        _members(team.id), params={"shouldReturnTotalSize": "true", "start": "0"}
    ).json()
    assert (body["start"], body["size"], body["totalSize"]) == (0, 1, 1)
    assert "next" not in body["_links"]


@pytest.mark.parametrize("limit", ["0", "201", "many"])
def test_a_limit_out_of_range_is_refused(
    world: World, client: httpx.Client, limit: str
) -> None:
    team = world.site.add_group("team")
    assert_v1_error(client.get(_members(team.id), params={"limit": limit}), 400)


def test_a_member_added_or_removed_on_the_site_shows_at_once(
    world: World, client: httpx.Client
) -> None:
    grace = world.site.add_user("Grace Hopper")
    team = world.site.add_group("team", (world.ada,))
    world.site.add_to_group(team, grace)
    world.site.remove_from_group(team, world.ada)
    body = client.get(_members(team.id)).json()
    assert [u["accountId"] for u in body["results"]] == [grace.account_id]


@pytest.mark.parametrize(
    ("scopes", "status"),
    [
        (frozenset({"read:group:confluence", "read:user:confluence"}), 200),
        (frozenset({"read:confluence-groups"}), 200),
        (frozenset({"read:group:confluence"}), 401),
        (frozenset({"read:page:confluence"}), 401),
    ],
)
def test_reading_members_needs_the_group_scopes(
    world: World, scopes: frozenset[str], status: int
) -> None:
    team = world.site.add_group("team", (world.ada,))
    bearer = world.site.add_bearer_token(world.ada, scopes=scopes)
    with httpx.Client(
        base_url=world.running.gateway_url,
        headers={"Authorization": f"Bearer {bearer.token}"},
    ) as gateway:
        assert gateway.get(_members(team.id)).status_code == status
