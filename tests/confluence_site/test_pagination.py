"""Cursor pagination: `_links.next` and `Link` as Confluence writes them, under both
base forms, and a walk through ten thousand pages of one space."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from confluence_site import ConfluenceSite, RunningSite, run_site
from confluence_site.conformance import assert_conforms
from confluence_site.support import World

MANY = 10_000


def test_next_links_start_with_wiki_on_both_base_forms(
    world: World, client: httpx.Client, gateway: httpx.Client
) -> None:
    world.site.add_pages(world.space, 3)
    for caller in (client, gateway):
        answer = caller.get(
            "/api/v2/pages", params={"limit": 2, "space-id": world.space.id}
        )
        body = assert_conforms("GET /pages", answer)
        assert body["_links"]["next"].startswith("/wiki/api/v2/pages?")
        assert f"space-id={world.space.id}" in body["_links"]["next"]
        assert body["_links"]["base"] == world.running.site_url


def test_the_link_header_matches_the_next_link(
    world: World, client: httpx.Client
) -> None:
    world.site.add_pages(world.space, 3)
    answer = client.get("/api/v2/pages?limit=2")
    links = answer.json()["_links"]
    assert answer.headers["link"] == (
        f'<{links["next"]}>; rel="next", <{links["base"]}>; rel="base"'
    )


def test_the_last_page_has_no_next_link_and_no_link_header(
    world: World, client: httpx.Client
) -> None:
    answer = client.get("/api/v2/pages?limit=250")
    assert "next" not in answer.json()["_links"]
    assert "link" not in answer.headers


def test_a_cursor_from_another_sort_is_a_bad_request(
    world: World, client: httpx.Client
) -> None:
    world.site.add_pages(world.space, 3)
    nxt = client.get("/api/v2/pages?limit=1&sort=title").json()["_links"]["next"]
    cursor = httpx.URL(nxt).params["cursor"]
    answer = client.get("/api/v2/pages", params={"cursor": cursor, "sort": "id"})
    assert answer.status_code == 400


@pytest.fixture(scope="module")
def crowded() -> Iterator[tuple[RunningSite, dict[str, str]]]:
    """One space of ten thousand pages (and its home page), edited over an hour."""
    site = ConfluenceSite()
    reader = site.add_user("Reader")
    token = site.add_api_token(reader)
    space = site.add_space("BIG")
    pages = site.add_pages(space, MANY)
    for page in pages[::7]:
        site.clock.advance(seconds=1)
        site.edit_page(page, body="<p>edited</p>")
    bearer = site.add_bearer_token(reader)
    with run_site(site) as running:
        yield (
            running,
            {
                "space": space.id,
                "basic": f"{token.email}:{token.token}",
                "bearer": bearer.token,
            },
        )


def _walk(caller: httpx.Client, first: str) -> Iterator[dict[str, Any]]:
    """Follows `_links.next` by its query alone, under the base the caller uses.

    Every tenth answer (and the last) is validated in full: the schema check costs
    more than the answer, and the other tests validate every operation anyway.
    """
    url = first
    for count in itertools.count():
        answer = caller.get(url)
        assert answer.status_code == 200
        body = answer.json()
        if count % 10 == 0 or "next" not in body["_links"]:
            assert_conforms("GET /spaces/{id}/pages", answer)
        yield from body["results"]
        nxt = body["_links"].get("next")
        if nxt is None:
            return
        assert nxt.startswith("/wiki/api/v2/spaces/")
        url = first.split("?")[0] + "?" + nxt.split("?", 1)[1]


def test_walking_ten_thousand_pages_by_modified_date_sees_each_once_in_order(
    crowded: tuple[RunningSite, dict[str, str]],
) -> None:
    running, facts = crowded
    email, token = facts["basic"].split(":", 1)
    with httpx.Client(base_url=running.site_url, auth=(email, token)) as caller:
        first = f"/api/v2/spaces/{facts['space']}/pages?sort=-modified-date&limit=250"
        seen = list(_walk(caller, first))
    stamps = [p["version"]["createdAt"] for p in seen]
    assert len({p["id"] for p in seen}) == len(seen) == MANY + 1
    assert stamps == sorted(stamps, reverse=True)
    assert seen[0]["version"]["number"] == 2


def test_walking_ten_thousand_pages_through_the_gateway_by_id(
    crowded: tuple[RunningSite, dict[str, str]],
) -> None:
    running, facts = crowded
    headers = {"Authorization": f"Bearer {facts['bearer']}"}
    with httpx.Client(base_url=running.gateway_url, headers=headers) as caller:
        first = f"/api/v2/spaces/{facts['space']}/pages?limit=250"
        ids = [int(p["id"]) for p in _walk(caller, first)]
    assert ids == sorted(ids)
    assert len(set(ids)) == MANY + 1
