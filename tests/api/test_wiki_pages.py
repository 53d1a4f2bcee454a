"""The page store's spaces, pages and versions over HTTP, in Confluence's shapes."""

from __future__ import annotations

import base64
import re
from html.parser import HTMLParser
from typing import Any

import pytest

from corpora import XSS_VECTORS_FILE
from factories import by, make_user
from signoff.actions.site import do_set_api_enabled
from signoff.db.models import Page
from signoff.domain.states import Origin
from signoff.storage_format.sanitise import sanitise_body

from .support import AppClient, Team
from .wiki import TIME, WIKI, account, error_of, ok

HOSTILE_ELEMENTS = {"script", "iframe", "object", "embed", "svg", "style", "math"}
SCRIPT_URL = re.compile(r"^\s*(javascript|vbscript|data):", re.IGNORECASE)


class _Tags(HTMLParser):
    """Every element and attribute as a browser's parser would see them."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, {name: value or "" for name, value in attrs}))


def _hostile(body: str) -> list[str]:
    parser = _Tags()
    parser.feed(body)
    problems = []
    for tag, attrs in parser.found:
        if tag in HOSTILE_ELEMENTS:
            problems.append(tag)
        for name, value in attrs.items():
            if name.startswith("on") or name == "style":
                problems.append(f"{tag}[{name}]")
            if name in ("href", "src") and SCRIPT_URL.match(value):
                problems.append(f"{tag}[{name}={value}]")
    return problems


XSS = XSS_VECTORS_FILE
PAGE_KEYS = {
    "id",
    "status",
    "title",
    "spaceId",
    "parentId",
    "parentType",
    "position",
    "authorId",
    "ownerId",
    "lastOwnerId",
    "createdAt",
    "version",
    "body",
    "_links",
}


def _create(
    api: AppClient, team: Team, title: str, body: dict[str, Any], who: str = "bob"
) -> Any:
    return api.post(
        f"{WIKI}/pages",
        token=team.tokens[who],
        json={"spaceId": str(team.space_id), "title": title, "body": body},
    )


def _put(api: AppClient, team: Team, page_id: str, body: dict[str, Any]) -> Any:
    return api.request(
        "PUT", f"{WIKI}/pages/{page_id}", token=team.tokens["bob"], json=body
    )


def _walk(api: AppClient, team: Team, path: str, **params: Any) -> list[list[Any]]:
    """Follow `_links.next` to the end; each page of results, in order."""
    pages, seen = [], set()
    response = api.get(path, token=team.tokens["carol"], params=params)
    while True:
        body = ok(response)
        pages.append(body["results"])
        following = body["_links"].get("next")
        if following is None:
            assert "next" not in response.headers.get("link", "")
            return pages
        assert following.startswith(path + "?")
        assert f'<{following}>; rel="next"' in response.headers["link"]
        assert following not in seen
        seen.add(following)
        response = api.get(following, token=team.tokens["carol"])


def test_spaces_list_the_callers_spaces_in_confluence_shape(
    api: AppClient, team: Team
) -> None:
    body = ok(api.get(f"{WIKI}/spaces", token=team.tokens["carol"]))
    (space,) = body["results"]
    assert space["id"] == str(team.space_id)
    assert (space["key"], space["name"]) == ("DOCS", "DOCS space")
    assert (space["type"], space["status"]) == ("global", "current")
    assert TIME.match(space["createdAt"])
    assert space["_links"] == {"webui": "/spaces/DOCS"}
    assert body["_links"] == {"base": "http://127.0.0.1:8000"}
    by_key = ok(
        api.get(f"{WIKI}/spaces", token=team.tokens["carol"], params={"keys": "DOCS"})
    )
    assert by_key["results"] == [space]
    assert (
        ok(
            api.get(
                f"{WIKI}/spaces", token=team.tokens["carol"], params={"keys": "NOPE"}
            )
        )["results"]
        == []
    )
    single = ok(api.get(f"{WIKI}/spaces/{team.space_id}", token=team.tokens["carol"]))
    assert single["_links"] == {
        "webui": "/spaces/DOCS",
        "base": "http://127.0.0.1:8000",
    }


def test_space_pages_walk_every_page_exactly_once_through_next_links(
    api: AppClient, team: Team
) -> None:
    pages = _walk(api, team, f"{WIKI}/spaces/{team.space_id}/pages", limit=3)
    assert [len(results) for results in pages] == [3, 3, 1]
    ids = [page["id"] for results in pages for page in results]
    assert ids == [str(pid) for pid in team.pages]
    first = pages[0][0]
    assert set(first) == PAGE_KEYS
    assert first["body"] == {}
    assert first["spaceId"] == str(team.space_id)
    assert first["authorId"] == account(team, "bob")
    assert first["version"]["number"] == 1
    assert TIME.match(first["createdAt"]) and TIME.match(first["version"]["createdAt"])
    assert first["_links"] == {"webui": f"/spaces/DOCS/pages/{team.pages[0]}"}


def test_pagination_keeps_the_filters_and_order_across_pages(
    api: AppClient, team: Team
) -> None:
    pages = _walk(
        api,
        team,
        f"{WIKI}/spaces/{team.space_id}/pages",
        limit=2,
        sort="-title",
        status="current",
    )
    titles = [page["title"] for results in pages for page in results]
    assert titles == [f"Page {n}" for n in range(6, -1, -1)]
    versions = _walk(api, team, f"{WIKI}/pages/{team.pages[0]}/versions", limit=1)
    assert [len(results) for results in versions] == [1]


def test_list_filters_accept_comma_separated_and_repeated_values(
    api: AppClient, team: Team
) -> None:
    path = f"{WIKI}/spaces/{team.space_id}/pages"
    carol = team.tokens["carol"]
    for status in ("current,archived", ["archived", "current"]):
        body = ok(api.get(path, token=carol, params={"status": status}))
        assert len(body["results"]) == 7
    assert (
        ok(api.get(path, token=carol, params={"status": "archived"}))["results"] == []
    )
    titles = ok(api.get(path, token=carol, params={"title": ["Page 1", "Page 3"]}))
    assert [p["title"] for p in titles["results"]] == ["Page 1", "Page 3"]
    ids = f"{team.pages[0]},{team.pages[2]}"
    listed = ok(api.get(f"{WIKI}/pages", token=carol, params={"id": ids}))
    assert [p["id"] for p in listed["results"]] == [
        str(team.pages[0]),
        str(team.pages[2]),
    ]
    repeated = ok(
        api.get(
            f"{WIKI}/pages",
            token=carol,
            params={"space-id": [str(team.space_id), "999"], "title": "Page 4"},
        )
    )
    assert [p["title"] for p in repeated["results"]] == ["Page 4"]
    refused = api.get(path, token=carol, params={"status": "current,bogus"})
    assert "bogus" in error_of(refused, 400, "INVALID_REQUEST_PARAMETER")


def test_a_title_with_a_comma_is_one_title(api: AppClient, team: Team) -> None:
    ok(
        _create(
            api, team, "Terms, conditions", {"representation": "storage", "value": ""}
        )
    )
    body = ok(
        api.get(
            f"{WIKI}/pages",
            token=team.tokens["carol"],
            params={"title": "Terms, conditions"},
        )
    )
    assert [p["title"] for p in body["results"]] == ["Terms, conditions"]


@pytest.mark.parametrize(
    "body",
    [
        {"representation": "storage", "value": "<p>Flat <b>form</b></p>"},
        {"storage": {"value": "<p>Flat <b>form</b></p>", "representation": "storage"}},
        {"storage": {"value": "<p>Flat <b>form</b></p>"}},
    ],
    ids=["flat", "nested", "nested-without-representation"],
)
def test_create_page_accepts_both_body_forms(
    api: AppClient, team: Team, body: dict[str, Any]
) -> None:
    created = ok(_create(api, team, "Runbook", body))
    assert set(created) == PAGE_KEYS
    assert created["title"] == "Runbook"
    assert created["version"]["number"] == 1
    assert created["body"] == {
        "storage": {"representation": "storage", "value": "<p>Flat <b>form</b></p>"}
    }
    assert created["_links"]["base"] == "http://127.0.0.1:8000"
    read = ok(
        api.get(
            f"{WIKI}/pages/{created['id']}",
            token=team.tokens["carol"],
            params={"body-format": "storage"},
        )
    )
    assert read == created


def test_create_page_under_a_parent_names_it(api: AppClient, team: Team) -> None:
    created = ok(
        api.post(
            f"{WIKI}/pages",
            token=team.tokens["bob"],
            json={
                "spaceId": team.space_id,
                "title": "Child",
                "parentId": str(team.pages[0]),
                "status": "current",
                "body": {"representation": "storage", "value": "<p>c</p>"},
            },
        )
    )
    assert (created["parentId"], created["parentType"]) == (str(team.pages[0]), "page")
    roots = ok(
        api.get(
            f"{WIKI}/spaces/{team.space_id}/pages",
            token=team.tokens["bob"],
            params={"depth": "root", "limit": 250},
        )
    )
    assert created["id"] not in [p["id"] for p in roots["results"]]


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"representation": "wiki", "value": "h1. x"}, "storage"),
        ({"atlas_doc_format": {"value": "{}"}}, "storage"),
        ({"storage": {"value": 5}}, "text"),
    ],
)
def test_create_page_refuses_other_representations(
    api: AppClient, team: Team, body: dict[str, Any], words: str
) -> None:
    detail = error_of(_create(api, team, "X", body), 400, "INVALID_REQUEST_PARAMETER")
    assert detail.startswith("body") and words in detail


def test_create_page_refuses_a_draft(api: AppClient, team: Team) -> None:
    response = api.post(
        f"{WIKI}/pages",
        token=team.tokens["bob"],
        json={"spaceId": str(team.space_id), "title": "D", "status": "draft"},
    )
    assert "current" in error_of(response, 400, "INVALID_REQUEST_PARAMETER")


def test_get_page_omits_the_body_unless_storage_is_asked_for(
    api: AppClient, team: Team
) -> None:
    path = f"{WIKI}/pages/{team.pages[0]}"
    carol = team.tokens["carol"]
    plain = ok(api.get(path, token=carol))
    assert plain["body"] == {}
    assert ok(api.get(path, token=carol, params={"body-format": "none"})) == plain
    stored = ok(api.get(path, token=carol, params={"body-format": "storage"}))
    assert stored["body"]["storage"]["value"] == "<p>v1</p>"
    assert {k: v for k, v in stored.items() if k != "body"} == {
        k: v for k, v in plain.items() if k != "body"
    }
    refused = api.get(path, token=carol, params={"body-format": "atlas_doc_format"})
    error_of(refused, 400, "INVALID_REQUEST_PARAMETER")


def test_put_with_the_next_version_number_saves_a_version(
    api: AppClient, team: Team
) -> None:
    updated = ok(
        _put(
            api,
            team,
            str(team.pages[0]),
            {
                "id": str(team.pages[0]),
                "status": "current",
                "title": "Renamed",
                "body": {
                    "storage": {"value": "<p>v2</p>", "representation": "storage"}
                },
                "version": {"number": 2, "message": "second"},
            },
        )
    )
    assert updated["title"] == "Renamed"
    assert updated["version"]["number"] == 2
    assert updated["version"]["message"] == "second"
    assert updated["body"]["storage"]["value"] == "<p>v2</p>"
    versions = ok(
        api.get(
            f"{WIKI}/pages/{team.pages[0]}/versions",
            token=team.tokens["carol"],
            params={"body-format": "storage"},
        )
    )
    assert [v["number"] for v in versions["results"]] == [2, 1]
    newest, oldest = versions["results"]
    assert set(newest) == {
        "createdAt",
        "message",
        "number",
        "minorEdit",
        "authorId",
        "page",
    }
    assert newest["page"] == {
        "id": str(team.pages[0]),
        "title": "Renamed",
        "body": {"storage": {"representation": "storage", "value": "<p>v2</p>"}},
    }
    assert oldest["page"]["title"] == "Page 0"
    old = ok(
        api.get(
            f"{WIKI}/pages/{team.pages[0]}",
            token=team.tokens["carol"],
            params={"version": 1, "body-format": "storage"},
        )
    )
    assert (old["title"], old["body"]["storage"]["value"]) == ("Page 0", "<p>v1</p>")
    detail = ok(
        api.get(f"{WIKI}/pages/{team.pages[0]}/versions/1", token=team.tokens["carol"])
    )
    assert (detail["number"], detail["prevVersion"], detail["nextVersion"]) == (
        1,
        None,
        2,
    )
    assert detail["collaborators"] == [account(team, "bob")]


@pytest.mark.parametrize("number", [1, 3])
def test_put_with_any_other_version_number_is_a_conflict(
    api: AppClient, team: Team, number: int
) -> None:
    response = _put(
        api,
        team,
        str(team.pages[0]),
        {"title": "Nope", "version": {"number": number}},
    )
    detail = error_of(response, 409, "CONFLICT")
    assert detail == "Version must be incremented on update. Current version is: 1"
    page = ok(api.get(f"{WIKI}/pages/{team.pages[0]}", token=team.tokens["bob"]))
    assert (page["title"], page["version"]["number"]) == ("Page 0", 1)


def test_put_on_a_page_kept_in_another_source_is_a_conflict_naming_it(
    api: AppClient, team: Team
) -> None:
    with team.db.write() as s:
        page = s.get_one(Page, team.pages[0])
        page.source, page.external_id = "confluence", "98304"
    response = _put(
        api,
        team,
        str(team.pages[0]),
        {"title": "Nope", "version": {"number": 2}},
    )
    detail = error_of(response, 409, "CONFLICT")
    assert detail == (
        f"Page {team.pages[0]} is kept in 'confluence', not in Signoff's store: "
        "edit it there, and Signoff records each new version as it sees it."
    )
    page_now = ok(api.get(f"{WIKI}/pages/{team.pages[0]}", token=team.tokens["bob"]))
    assert (page_now["title"], page_now["version"]["number"]) == ("Page 0", 1)


def test_put_that_omits_title_status_and_body_keeps_them(
    api: AppClient, team: Team
) -> None:
    ok(
        _put(
            api,
            team,
            str(team.pages[1]),
            {
                "body": {"representation": "storage", "value": "<p>new</p>"},
                "version": {"number": 2},
            },
        )
    )
    ok(_put(api, team, str(team.pages[1]), {"version": {"number": 3}}))
    page = ok(
        api.get(
            f"{WIKI}/pages/{team.pages[1]}",
            token=team.tokens["bob"],
            params={"body-format": "storage"},
        )
    )
    assert (page["title"], page["status"]) == ("Page 1", "current")
    assert page["version"]["number"] == 3
    assert page["body"]["storage"]["value"] == "<p>new</p>"


def test_put_cannot_move_a_page(api: AppClient, team: Team) -> None:
    response = _put(
        api,
        team,
        str(team.pages[1]),
        {"parentId": str(team.pages[0]), "version": {"number": 2}},
    )
    assert "parentId" in error_of(response, 400, "INVALID_REQUEST_PARAMETER")


def test_viewer_reads_but_cannot_create_or_update_pages(
    api: AppClient, team: Team
) -> None:
    ok(api.get(f"{WIKI}/pages/{team.pages[0]}", token=team.tokens["carol"]))
    created = _create(
        api, team, "Mine", {"representation": "storage", "value": "<p>x</p>"}, "carol"
    )
    assert "editor" in error_of(created, 403, "FORBIDDEN")
    updated = api.request(
        "PUT",
        f"{WIKI}/pages/{team.pages[0]}",
        token=team.tokens["carol"],
        json={"title": "Mine", "version": {"number": 2}},
    )
    assert "editor" in error_of(updated, 403, "FORBIDDEN")


def test_errors_wear_confluence_envelopes(api: AppClient, team: Team) -> None:
    error_of(api.get(f"{WIKI}/spaces"), 401, "UNAUTHORIZED")
    error_of(api.get(f"{WIKI}/spaces", token="sgnp_not-a-token"), 401, "UNAUTHORIZED")
    error_of(
        api.get(f"{WIKI}/pages/999999", token=team.tokens["bob"]), 404, "NOT_FOUND"
    )
    error_of(
        api.get(f"{WIKI}/no-such-thing", token=team.tokens["bob"]), 404, "NOT_FOUND"
    )
    error_of(
        api.get(f"{WIKI}/pages/abc", token=team.tokens["bob"]),
        400,
        "INVALID_REQUEST_PARAMETER",
    )
    error_of(
        api.get(f"{WIKI}/spaces", token=team.tokens["bob"], params={"limit": 251}),
        400,
        "INVALID_REQUEST_PARAMETER",
    )
    error_of(
        api.get(
            f"{WIKI}/spaces", token=team.tokens["bob"], params={"cursor": "forged"}
        ),
        400,
        "INVALID_REQUEST_PARAMETER",
    )
    reader = team.token_for("bob", "read:page")
    refused = _create(api, team, "X", {"representation": "storage", "value": ""})
    ok(refused)  # bob's full token may write
    scoped = api.post(
        f"{WIKI}/pages",
        token=reader,
        json={"spaceId": str(team.space_id), "title": "Y"},
    )
    assert "write:page" in error_of(scoped, 403, "FORBIDDEN")


def test_page_of_a_space_the_caller_is_not_in_is_not_found(
    api: AppClient, team: Team
) -> None:
    outsider = team.token_for("alice", "read:page")
    ok(api.get(f"{WIKI}/pages/{team.pages[0]}", token=outsider))  # site admin
    with team.db.write() as s:
        team.users["erin"] = make_user(s, "erin").id
    erin = team.token_for("erin", "read:page", "write:page")
    error_of(api.get(f"{WIKI}/pages/{team.pages[0]}", token=erin), 404, "NOT_FOUND")
    assert ok(api.get(f"{WIKI}/spaces", token=erin))["results"] == []
    created = api.post(
        f"{WIKI}/pages",
        token=erin,
        json={"spaceId": str(team.space_id), "title": "Z"},
    )
    error_of(created, 404, "NOT_FOUND")


def test_the_store_is_not_behind_the_rest_api_switch(
    api: AppClient, team: Team
) -> None:
    with team.db.write() as s:
        do_set_api_enabled(s, False, **by(None, Origin.cli))
    refused = api.post(
        "/api/v1/pages/preflight",
        token=team.tokens["bob"],
        json={"pageId": str(team.pages[0])},
    )
    assert refused.status_code == 403
    ok(api.get(f"{WIKI}/pages/{team.pages[0]}", token=team.tokens["bob"]))


def test_idempotent_create_replays_the_first_page(api: AppClient, team: Team) -> None:
    send = {"spaceId": str(team.space_id), "title": "Once"}
    headers = {"Idempotency-Key": "create-once"}
    first = ok(
        api.post(f"{WIKI}/pages", token=team.tokens["bob"], json=send, headers=headers)
    )
    again = api.post(
        f"{WIKI}/pages", token=team.tokens["bob"], json=send, headers=headers
    )
    assert ok(again) == first
    assert again.headers["idempotent-replayed"] == "true"


def test_basic_auth_with_a_personal_token_works_as_confluence_scripts_send_it(
    api: AppClient, team: Team
) -> None:
    def basic(user: str, secret: str) -> dict[str, str]:
        pair = base64.b64encode(f"{user}:{secret}".encode()).decode()
        return {"Authorization": f"Basic {pair}"}

    path = f"{WIKI}/pages/{team.pages[0]}"
    ok(api.get(path, headers=basic("bob", team.tokens["bob"])))
    error_of(
        api.get(path, headers=basic("carol", team.tokens["bob"])), 401, "UNAUTHORIZED"
    )
    error_of(api.get(path, headers=basic("bob", "password")), 401, "UNAUTHORIZED")


def test_hostile_bodies_are_stored_sanitised(api: AppClient, team: Team) -> None:
    vectors = [line for line in XSS.read_text(encoding="utf-8").splitlines() if line]
    for number, vector in enumerate(vectors):
        created = ok(
            _create(
                api,
                team,
                f"Vector {number}",
                {"representation": "storage", "value": f"<p>{number}</p>{vector}"},
            )
        )
        stored = ok(
            api.get(
                f"{WIKI}/pages/{created['id']}",
                token=team.tokens["carol"],
                params={"body-format": "storage"},
            )
        )["body"]["storage"]["value"]
        assert stored == sanitise_body(f"<p>{number}</p>{vector}"), vector
        assert _hostile(stored) == [], vector
