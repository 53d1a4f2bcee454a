"""Footer comments: 201 with a Location, replies by parentCommentId, mentions."""

from __future__ import annotations

import httpx
import pytest

from confluence_site.conformance import assert_conforms, assert_v2_error
from confluence_site.support import World


def _mention(account_id: str) -> str:
    return f'<ac:link><ri:user ri:account-id="{account_id}" /></ac:link>'


def _post(client: httpx.Client, **fields: object) -> httpx.Response:
    return client.post("/api/v2/footer-comments", json=fields)


def _storage(value: str) -> dict[str, str]:
    return {"representation": "storage", "value": value}


def test_a_footer_comment_is_created_with_201_and_a_location(
    world: World, client: httpx.Client
) -> None:
    answer = _post(client, pageId=world.page.id, body=_storage("<p>Please review.</p>"))
    body = assert_conforms("POST /footer-comments", answer)
    assert answer.status_code == 201
    assert answer.headers["location"] == (
        f"{world.running.site_url}/api/v2/footer-comments/{body['id']}"
    )
    assert (body["pageId"], body["version"]["authorId"]) == (
        world.page.id,
        world.ada.account_id,
    )


def test_the_location_of_a_new_comment_answers_with_that_comment(
    world: World, client: httpx.Client
) -> None:
    created = _post(client, pageId=world.page.id, body=_storage("<p>Looks good.</p>"))
    answer = client.get(created.headers["location"] + "?body-format=storage")
    body = assert_conforms("GET /footer-comments/{comment-id}", answer)
    assert body["body"]["storage"]["value"] == "<p>Looks good.</p>"


def test_mentions_in_a_comment_are_recorded_for_assertions(
    world: World, client: httpx.Client
) -> None:
    grace = world.site.add_user("Grace Hopper", hex_id=True)
    value = f"<p>Approval requested from {_mention(grace.account_id)}.</p>"
    _post(client, pageId=world.page.id, body=_storage(value))
    assert world.site.mentions_on(world.page) == [grace.account_id]


def test_a_reply_lists_under_its_parent_not_among_the_page_roots(
    world: World, client: httpx.Client
) -> None:
    root = _post(client, pageId=world.page.id, body=_storage("<p>Submitted.</p>"))
    root_id = root.json()["id"]
    reply = _post(client, parentCommentId=root_id, body=_storage("<p>Approved.</p>"))
    assert reply.status_code == 201
    assert reply.json()["parentCommentId"] == root_id
    roots = client.get(f"/api/v2/pages/{world.page.id}/footer-comments")
    listed = assert_conforms("GET /pages/{id}/footer-comments", roots)
    assert [c["id"] for c in listed["results"]] == [root_id]
    children = client.get(
        f"/api/v2/footer-comments/{root_id}/children?body-format=storage"
    )
    replies = assert_conforms("GET /footer-comments/{id}/children", children)
    assert [c["body"]["storage"]["value"] for c in replies["results"]] == [
        "<p>Approved.</p>"
    ]


def test_a_nested_body_is_accepted_as_well_as_a_flat_one(
    world: World, client: httpx.Client
) -> None:
    nested = {"storage": _storage("<p>Nested.</p>")}
    assert _post(client, pageId=world.page.id, body=nested).status_code == 201


def test_a_comment_on_a_page_the_caller_cannot_see_is_not_found(
    world: World, client: httpx.Client
) -> None:
    world.site.restrict_page(world.page, hidden_from=world.ada)
    answer = _post(client, pageId=world.page.id, body=_storage("<p>Hi.</p>"))
    assert_conforms("POST /footer-comments", answer)
    assert_v2_error(answer, 404)
    assert world.site.comments_on(world.page) == []


@pytest.mark.parametrize(
    "fields",
    [
        {"body": {"representation": "storage", "value": "<p>No page.</p>"}},
        {"pageId": "PAGE", "body": {"representation": "storage", "value": "<p>oops"}},
        {"pageId": "PAGE", "body": {"representation": "storage", "value": "  "}},
        {"pageId": "PAGE"},
    ],
    ids=["no-container", "malformed-storage", "empty-body", "no-body"],
)
def test_an_unusable_comment_is_a_bad_request(
    world: World, client: httpx.Client, fields: dict[str, object]
) -> None:
    if fields.get("pageId") == "PAGE":
        fields = {**fields, "pageId": world.page.id}
    answer = _post(client, **fields)
    assert_conforms("POST /footer-comments", answer)
    assert_v2_error(answer, 400)


def test_a_reply_to_a_missing_comment_is_not_found(client: httpx.Client) -> None:
    answer = _post(client, parentCommentId="42", body=_storage("<p>?</p>"))
    assert_v2_error(answer, 404)
