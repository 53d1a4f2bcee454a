"""Labels: written through v1 (v2 has no label writes), read through v2."""

from __future__ import annotations

import httpx

from confluence_site.conformance import (
    assert_conforms,
    assert_shape,
    assert_v1_error,
)
from confluence_site.support import World


def test_labels_added_through_v1_list_through_v2(
    world: World, client: httpx.Client
) -> None:
    added = client.post(
        f"/rest/api/content/{world.page.id}/label",
        json=[
            {"prefix": "global", "name": "approved"},
            {"prefix": "global", "name": "Q3"},
        ],
    )
    assert added.status_code == 200
    assert_shape("v1LabelArray", added.json())
    answer = client.get(f"/api/v2/pages/{world.page.id}/labels?sort=name")
    body = assert_conforms("GET /pages/{id}/labels", answer)
    assert [label["name"] for label in body["results"]] == ["approved", "q3"]


def test_a_single_label_object_is_accepted_too(
    world: World, client: httpx.Client
) -> None:
    added = client.post(
        f"/rest/api/content/{world.page.id}/label",
        json={"prefix": "global", "name": "draft"},
    )
    assert [label["name"] for label in added.json()["results"]] == ["draft"]


def test_a_label_is_removed_by_query_or_by_path(
    world: World, client: httpx.Client
) -> None:
    for name in ("one", "two"):
        world.site.add_label(world.page, name)
    by_query = client.delete(f"/rest/api/content/{world.page.id}/label?name=one")
    by_path = client.delete(f"/rest/api/content/{world.page.id}/label/two")
    assert (by_query.status_code, by_path.status_code) == (204, 204)
    assert world.site.page(world.page.id).labels == []


def test_a_label_with_a_space_is_refused(world: World, client: httpx.Client) -> None:
    answer = client.post(
        f"/rest/api/content/{world.page.id}/label",
        json=[{"prefix": "global", "name": "two words"}],
    )
    assert_v1_error(answer, 400)


def test_removing_a_label_the_page_lacks_is_not_found(
    world: World, client: httpx.Client
) -> None:
    answer = client.delete(f"/rest/api/content/{world.page.id}/label/absent")
    assert_v1_error(answer, 404)


def test_labels_of_a_hidden_page_are_not_found(
    world: World, client: httpx.Client
) -> None:
    world.site.restrict_page(world.page, hidden_from=world.ada)
    answer = client.post(
        f"/rest/api/content/{world.page.id}/label",
        json=[{"prefix": "global", "name": "x"}],
    )
    assert_v1_error(answer, 404)
