"""Pages and spaces over HTTP: bodies, history, listings, statuses, restrictions."""

from __future__ import annotations

import httpx
import pytest

from confluence_site.conformance import assert_conforms, assert_v2_error
from confluence_site.support import World


def test_spaces_are_listed_with_string_ids_and_resolved_by_key(
    world: World, client: httpx.Client
) -> None:
    world.site.add_space("OPS", "Operations")
    body = assert_conforms("GET /spaces", client.get("/api/v2/spaces?keys=DOCS"))
    assert [(s["id"], s["key"]) for s in body["results"]] == [(world.space.id, "DOCS")]
    assert body["_links"] == {"base": world.running.site_url}


def test_a_space_by_id_carries_its_base_link(
    world: World, client: httpx.Client
) -> None:
    body = assert_conforms(
        "GET /spaces/{id}", client.get(f"/api/v2/spaces/{world.space.id}")
    )
    assert body["homepageId"] == world.space.homepage_id
    assert body["_links"]["base"] == world.running.site_url


def test_an_unknown_space_is_a_v2_not_found(client: httpx.Client) -> None:
    answer = client.get("/api/v2/spaces/999")
    assert_conforms("GET /spaces/{id}", answer)
    body = assert_v2_error(answer, 404)
    assert body["errors"][0] == {
        "status": 404,
        "code": "NOT_FOUND",
        "title": "Not Found",
        "detail": None,
    }


def test_a_page_answers_with_its_storage_body_and_current_version(
    world: World, client: httpx.Client
) -> None:
    world.site.edit_page(
        world.page, body="<p>Restart both services.</p>", message="both"
    )
    answer = client.get(f"/api/v2/pages/{world.page.id}?body-format=storage")
    body = assert_conforms("GET /pages/{id}", answer)
    assert body["body"]["storage"] == {
        "representation": "storage",
        "value": "<p>Restart both services.</p>",
    }
    assert body["version"]["number"] == 2
    assert body["version"]["message"] == "both"
    assert body["spaceId"] == world.space.id


def test_without_a_body_format_the_body_is_empty(
    world: World, client: httpx.Client
) -> None:
    body = client.get(f"/api/v2/pages/{world.page.id}").json()
    assert body["body"] == {}


def test_a_historical_version_answers_with_its_own_body(
    world: World, client: httpx.Client
) -> None:
    world.site.edit_page(world.page, body="<p>v2</p>", title="Runbook v2")
    answer = client.get(f"/api/v2/pages/{world.page.id}?version=1&body-format=storage")
    body = assert_conforms("GET /pages/{id}", answer)
    assert body["body"]["storage"]["value"] == "<p>Restart the service.</p>"
    assert (body["title"], body["version"]["number"]) == ("Runbook", 1)
    assert_v2_error(client.get(f"/api/v2/pages/{world.page.id}?version=3"), 404)


def test_answers_carry_fields_clients_must_tolerate(
    world: World, client: httpx.Client
) -> None:
    body = client.get(f"/api/v2/pages/{world.page.id}").json()
    assert "ncsStepVersion" in body["version"]
    assert body["_links"]["edituiv2"].endswith(f"/pages/edit-v2/{world.page.id}")


def test_times_are_written_to_the_millisecond_with_a_z(
    world: World, client: httpx.Client
) -> None:
    world.site.clock.advance(seconds=61.5)
    world.site.edit_page(world.page, body="<p>later</p>")
    body = client.get(f"/api/v2/pages/{world.page.id}").json()
    assert body["createdAt"] == "2025-07-15T10:00:00.000Z"
    assert body["version"]["createdAt"] == "2025-07-15T10:01:01.500Z"


def test_page_listings_take_ids_repeated_or_comma_separated(
    world: World, client: httpx.Client
) -> None:
    other = world.site.add_page(world.space, "Other")
    third = world.site.add_page(world.space, "Third")
    repeated = client.get(f"/api/v2/pages?id={other.id}&id={third.id}")
    comma = client.get(f"/api/v2/pages?id={other.id},{third.id}")
    for answer in (repeated, comma):
        body = assert_conforms("GET /pages", answer)
        assert [p["id"] for p in body["results"]] == [other.id, third.id]


def test_an_edit_moves_the_page_to_the_top_of_the_modified_date_listing(
    world: World, client: httpx.Client
) -> None:
    world.site.clock.advance(60)
    later = world.site.add_page(world.space, "Later")
    world.site.clock.advance(60)
    world.site.edit_page(world.page, body="<p>edited</p>")
    answer = client.get(
        f"/api/v2/spaces/{world.space.id}/pages?sort=-modified-date&body-format=storage"
    )
    body = assert_conforms("GET /spaces/{id}/pages", answer)
    ids = [p["id"] for p in body["results"]]
    assert ids == [world.page.id, later.id, world.space.homepage_id]
    assert body["results"][0]["body"]["storage"]["value"] == "<p>edited</p>"


def test_a_trashed_page_answers_404_unless_its_status_is_asked_for(
    world: World, client: httpx.Client
) -> None:
    world.site.trash_page(world.page)
    assert_v2_error(client.get(f"/api/v2/pages/{world.page.id}"), 404)
    asked = client.get(f"/api/v2/pages/{world.page.id}?status=trashed")
    assert assert_conforms("GET /pages/{id}", asked)["status"] == "trashed"
    listed = client.get(f"/api/v2/pages?id={world.page.id}&status=trashed,deleted")
    assert [p["status"] for p in listed.json()["results"]] == ["trashed"]
    assert client.get(f"/api/v2/pages?id={world.page.id}").json()["results"] == []


def test_a_deleted_page_is_found_only_by_the_deleted_status(
    world: World, client: httpx.Client
) -> None:
    world.site.delete_page(world.page)
    assert_v2_error(client.get(f"/api/v2/pages/{world.page.id}?status=trashed"), 404)
    listed = client.get(f"/api/v2/pages?id={world.page.id}&status=deleted").json()
    assert [p["status"] for p in listed["results"]] == ["deleted"]


def test_a_restricted_page_answers_404_to_whoever_it_hides_from(
    world: World, client: httpx.Client
) -> None:
    child = world.site.add_page(world.space, "Child", parent=world.page)
    world.site.restrict_page(world.page, hidden_from=world.token)
    assert_v2_error(client.get(f"/api/v2/pages/{world.page.id}"), 404)
    assert_v2_error(client.get(f"/api/v2/pages/{child.id}"), 404)
    listed = client.get(f"/api/v2/spaces/{world.space.id}/pages").json()
    assert [p["id"] for p in listed["results"]] == [world.space.homepage_id]
    world.site.unrestrict_page(world.page)
    assert client.get(f"/api/v2/pages/{child.id}").status_code == 200


def test_a_moved_page_takes_its_children_to_the_new_space(
    world: World, client: httpx.Client
) -> None:
    child = world.site.add_page(world.space, "Child", parent=world.page)
    ops = world.site.add_space("OPS", "Operations")
    world.site.move_page(world.page, space=ops)
    body = client.get(f"/api/v2/pages/{world.page.id}").json()
    assert (body["spaceId"], body["parentId"]) == (ops.id, ops.homepage_id)
    assert body["version"]["number"] == 1
    listed = client.get(f"/api/v2/pages?space-id={ops.id}").json()["results"]
    assert {world.page.id, child.id} <= {p["id"] for p in listed}
    moved_child = client.get(f"/api/v2/pages/{child.id}").json()
    assert (moved_child["spaceId"], moved_child["parentId"]) == (ops.id, world.page.id)


def test_depth_root_lists_only_the_pages_without_a_parent(
    world: World, client: httpx.Client
) -> None:
    answer = client.get(f"/api/v2/spaces/{world.space.id}/pages?depth=root")
    body = assert_conforms("GET /spaces/{id}/pages", answer)
    assert [(p["id"], p["parentId"]) for p in body["results"]] == [
        (world.space.homepage_id, None)
    ]


def test_title_filters_the_listing_exactly(world: World, client: httpx.Client) -> None:
    world.site.add_page(world.space, "Runbook (old)")
    body = client.get("/api/v2/pages?title=Runbook").json()
    assert [p["id"] for p in body["results"]] == [world.page.id]


def test_an_unknown_space_has_no_page_listing(client: httpx.Client) -> None:
    answer = client.get("/api/v2/spaces/999/pages")
    assert_conforms("GET /spaces/{id}/pages", answer)
    assert_v2_error(answer, 404)


@pytest.mark.parametrize(
    "query",
    [
        "limit=0",
        "limit=251",
        "limit=ten",
        "sort=newest",
        "id=abc",
        "status=gone",
        "cursor=%%%",
        "body-format=wiki",
    ],
)
def test_a_bad_listing_parameter_is_a_v2_bad_request(
    client: httpx.Client, query: str
) -> None:
    answer = client.get(f"/api/v2/pages?{query}")
    assert_conforms("GET /pages", answer)
    body = assert_v2_error(answer, 400)
    assert body["errors"][0]["code"] == "INVALID_REQUEST_PARAMETER"


def test_a_non_numeric_page_id_is_a_bad_request(client: httpx.Client) -> None:
    answer = client.get("/api/v2/pages/abc")
    assert_conforms("GET /pages/{id}", answer)
    assert_v2_error(answer, 400)


def test_a_page_can_include_its_labels_properties_and_versions(
    world: World, client: httpx.Client
) -> None:
    world.site.add_label(world.page, "approved")
    world.site.set_property(world.page, "signoff-approval", {"state": "approved"})
    world.site.edit_page(world.page, body="<p>2</p>")
    query = "include-labels=true&include-properties=true&include-versions=true"
    answer = client.get(f"/api/v2/pages/{world.page.id}?{query}")
    body = assert_conforms("GET /pages/{id}", answer)
    assert [label["name"] for label in body["labels"]["results"]] == ["approved"]
    assert body["properties"]["results"][0]["key"] == "signoff-approval"
    assert [v["number"] for v in body["versions"]["results"]] == [2, 1]
    assert body["versions"]["meta"] == {"hasMore": False}
