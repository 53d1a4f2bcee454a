"""Page history: the version list, one version's details, and minor edits."""

from __future__ import annotations

import httpx

from confluence_site.conformance import assert_conforms, assert_v2_error
from confluence_site.support import World


def test_versions_list_newest_first_with_their_bodies(
    world: World, client: httpx.Client
) -> None:
    world.site.edit_page(world.page, body="<p>two</p>", message="second")
    answer = client.get(f"/api/v2/pages/{world.page.id}/versions?body-format=storage")
    body = assert_conforms("GET /pages/{id}/versions", answer)
    assert [v["number"] for v in body["results"]] == [2, 1]
    assert body["results"][0]["message"] == "second"
    assert body["results"][0]["page"]["body"]["storage"]["value"] == "<p>two</p>"


def test_versions_list_oldest_first_when_asked(
    world: World, client: httpx.Client
) -> None:
    world.site.edit_page(world.page, body="<p>two</p>")
    answer = client.get(f"/api/v2/pages/{world.page.id}/versions?sort=modified-date")
    assert [v["number"] for v in answer.json()["results"]] == [1, 2]


def test_version_details_name_the_versions_either_side(
    world: World, client: httpx.Client
) -> None:
    for n in (2, 3):
        world.site.edit_page(world.page, body=f"<p>{n}</p>", author=world.ada)
    answer = client.get(f"/api/v2/pages/{world.page.id}/versions/2")
    body = assert_conforms("GET /pages/{page-id}/versions/{version-number}", answer)
    assert (body["prevVersion"], body["nextVersion"]) == (1, 3)
    assert body["collaborators"] == [world.ada.account_id]
    assert "body" not in body
    first = client.get(f"/api/v2/pages/{world.page.id}/versions/1").json()
    assert "prevVersion" not in first


def test_a_missing_version_is_not_found(world: World, client: httpx.Client) -> None:
    answer = client.get(f"/api/v2/pages/{world.page.id}/versions/9")
    assert_conforms("GET /pages/{page-id}/versions/{version-number}", answer)
    assert_v2_error(answer, 404)


def test_a_minor_edit_still_bumps_the_version_number(
    world: World, client: httpx.Client
) -> None:
    world.site.edit_page(world.page, body="<p>typo</p>", minor=True)
    body = client.get(f"/api/v2/pages/{world.page.id}").json()
    assert (body["version"]["number"], body["version"]["minorEdit"]) == (2, True)
