"""Content properties: the connector's approval state lives in one, so every refusal
Confluence gives beyond its document is here (409s, 413, bad keys)."""

from __future__ import annotations

import httpx
import pytest

from confluence_site.conformance import assert_conforms, assert_v2_error
from confluence_site.support import World

KEY = "signoff-approval"


def _create(
    client: httpx.Client, world: World, key: str, value: object
) -> httpx.Response:
    return client.post(
        f"/api/v2/pages/{world.page.id}/properties", json={"key": key, "value": value}
    )


def _put(
    client: httpx.Client, world: World, prop_id: str, number: int, value: object
) -> httpx.Response:
    return client.put(
        f"/api/v2/pages/{world.page.id}/properties/{prop_id}",
        json={
            "key": KEY,
            "value": value,
            "version": {"number": number, "message": "m"},
        },
    )


def test_a_property_is_created_with_200_and_found_by_its_exact_key(
    world: World, client: httpx.Client
) -> None:
    created = _create(client, world, KEY, {"state": "pending"})
    body = assert_conforms("POST /pages/{page-id}/properties", created)
    assert created.status_code == 200
    assert (body["key"], body["value"], body["version"]["number"]) == (
        KEY,
        {"state": "pending"},
        1,
    )
    listed = client.get(f"/api/v2/pages/{world.page.id}/properties?key={KEY}")
    found = assert_conforms("GET /pages/{page-id}/properties", listed)
    assert [p["id"] for p in found["results"]] == [body["id"]]
    one = client.get(f"/api/v2/pages/{world.page.id}/properties/{body['id']}")
    assert assert_conforms("GET /pages/{page-id}/properties/{property-id}", one) == body


def test_the_key_filter_is_exact_and_case_sensitive(
    world: World, client: httpx.Client
) -> None:
    _create(client, world, KEY, 1)
    for other in (KEY.upper(), KEY[:-1]):
        listed = client.get(f"/api/v2/pages/{world.page.id}/properties?key={other}")
        assert listed.json()["results"] == []


def test_a_property_post_of_an_existing_key_is_a_conflict(
    world: World, client: httpx.Client
) -> None:
    _create(client, world, KEY, 1)
    body = assert_v2_error(_create(client, world, KEY, 2), 409)
    assert body["errors"][0]["code"] == "CONFLICT"


def test_a_property_put_must_name_the_next_version(
    world: World, client: httpx.Client
) -> None:
    prop_id = _create(client, world, KEY, 1).json()["id"]
    for stale in (1, 3):
        body = assert_v2_error(_put(client, world, prop_id, stale, 2), 409)
        assert body["errors"][0]["title"].endswith("Current version is: 1")
    answer = _put(client, world, prop_id, 2, {"state": "approved"})
    body = assert_conforms("PUT /pages/{page-id}/properties/{property-id}", answer)
    assert (body["version"]["number"], body["value"]) == (2, {"state": "approved"})


def test_a_concurrent_writer_makes_the_next_put_conflict(
    world: World, client: httpx.Client
) -> None:
    prop_id = _create(client, world, KEY, 1).json()["id"]
    world.site.set_property(world.page, KEY, {"by": "someone else"})
    assert_v2_error(_put(client, world, prop_id, 2, {"by": "us"}), 409)
    assert _put(client, world, prop_id, 3, {"by": "us"}).status_code == 200


def test_a_put_without_a_version_number_is_a_bad_request(
    world: World, client: httpx.Client
) -> None:
    prop_id = _create(client, world, KEY, 1).json()["id"]
    answer = client.put(
        f"/api/v2/pages/{world.page.id}/properties/{prop_id}",
        json={"key": KEY, "value": 2},
    )
    assert_v2_error(answer, 400)


def test_a_property_value_over_32kb_is_too_large(
    world: World, client: httpx.Client
) -> None:
    answer = _create(client, world, KEY, "x" * (32 * 1024))
    body = assert_v2_error(answer, 413)
    assert body["errors"][0]["code"] == "REQUEST_ENTITY_TOO_LARGE"
    assert _create(client, world, KEY, "x" * (32 * 1024 - 2)).status_code == 200


@pytest.mark.parametrize("key", ["", "k" * 256], ids=["empty", "256-chars"])
def test_an_empty_or_overlong_key_is_a_bad_request(
    world: World, client: httpx.Client, key: str
) -> None:
    answer = _create(client, world, key, 1)
    assert_conforms("POST /pages/{page-id}/properties", answer)
    assert_v2_error(answer, 400)


def test_a_deleted_property_is_gone(world: World, client: httpx.Client) -> None:
    prop_id = _create(client, world, KEY, 1).json()["id"]
    path = f"/api/v2/pages/{world.page.id}/properties/{prop_id}"
    answer = client.delete(path)
    assert_conforms("DELETE /pages/{page-id}/properties/{property-id}", answer)
    assert answer.status_code == 204
    assert_v2_error(client.get(path), 404)
    assert _create(client, world, KEY, 2).status_code == 200


def test_a_property_named_under_another_page_is_not_found(
    world: World, client: httpx.Client
) -> None:
    prop_id = _create(client, world, KEY, 1).json()["id"]
    other = world.site.add_page(world.space, "Other")
    assert_v2_error(client.get(f"/api/v2/pages/{other.id}/properties/{prop_id}"), 404)


def test_properties_of_a_hidden_page_are_not_found(
    world: World, client: httpx.Client
) -> None:
    world.site.set_property(world.page, KEY, 1)
    world.site.restrict_page(world.page, hidden_from=world.ada)
    assert_v2_error(client.get(f"/api/v2/pages/{world.page.id}/properties"), 404)
    assert_v2_error(_create(client, world, "another", 1), 404)
