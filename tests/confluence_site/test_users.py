"""People: v1 lookups by account id, v1 and v2 bulk, and the email privacy setting."""

from __future__ import annotations

import httpx
import pytest

from confluence_site.conformance import (
    assert_conforms,
    assert_shape,
    assert_v1_error,
    assert_v2_error,
)
from confluence_site.support import World


@pytest.mark.parametrize("hex_id", [False, True], ids=["prefixed-uuid", "24-hex"])
def test_a_user_is_found_by_account_id_in_either_real_format(
    world: World, client: httpx.Client, hex_id: bool
) -> None:
    grace = world.site.add_user("Grace Hopper", hex_id=hex_id)
    answer = client.get("/rest/api/user", params={"accountId": grace.account_id})
    assert answer.status_code == 200
    body = answer.json()
    assert_shape("v1User", body)
    assert (body["accountId"], body["displayName"], body["email"]) == (
        grace.account_id,
        "Grace Hopper",
        "grace.hopper@example.com",
    )


def test_an_unknown_account_id_is_a_v1_not_found(client: httpx.Client) -> None:
    answer = client.get("/rest/api/user", params={"accountId": "557058:nobody"})
    assert_v1_error(answer, 404)


def test_a_hidden_email_answers_as_empty(world: World, client: httpx.Client) -> None:
    shy = world.site.add_user("Shy Person", email_visible=False)
    v1 = client.get("/rest/api/user", params={"accountId": shy.account_id}).json()
    v2 = client.post("/api/v2/users-bulk", json={"accountIds": [shy.account_id]}).json()
    assert v1["email"] == v2["results"][0]["email"] == ""


def test_v1_bulk_takes_repeated_and_comma_separated_ids(
    world: World, client: httpx.Client
) -> None:
    people = [world.site.add_user(f"Person {n}") for n in range(3)]
    ids = [p.account_id for p in people]
    query = f"accountId={ids[0]}&accountId={ids[1]},{ids[2]}&accountId=557058:nobody"
    answer = client.get(f"/rest/api/user/bulk?{query}")
    body = answer.json()
    assert_shape("v1BulkUserLookupArray", body)
    assert [u["accountId"] for u in body["results"]] == ids


def test_v1_bulk_answers_at_most_one_hundred(
    world: World, client: httpx.Client
) -> None:
    ids = [world.site.add_user(f"Person {n}").account_id for n in range(101)]
    answer = client.get("/rest/api/user/bulk", params={"accountId": ",".join(ids)})
    assert answer.json()["size"] == 100


def test_v2_bulk_silently_omits_unknown_ids(world: World, client: httpx.Client) -> None:
    answer = client.post(
        "/api/v2/users-bulk",
        json={"accountIds": ["557058:nobody", world.ada.account_id]},
    )
    body = assert_conforms("POST /users-bulk", answer)
    assert [u["accountId"] for u in body["results"]] == [world.ada.account_id]


@pytest.mark.parametrize("ids", [[], ["x"] * 251, "557058:abc"])
def test_v2_bulk_refuses_an_empty_oversized_or_unlisted_request(
    client: httpx.Client, ids: object
) -> None:
    answer = client.post("/api/v2/users-bulk", json={"accountIds": ids})
    assert_conforms("POST /users-bulk", answer)
    assert_v2_error(answer, 400)
