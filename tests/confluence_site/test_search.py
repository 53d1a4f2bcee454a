"""CQL search for polling: the subset a poller uses, its paging, its lagging index."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from confluence_site.conformance import assert_shape, assert_v1_error
from confluence_site.support import World


def _search(client: httpx.Client, cql: str, **params: str | int) -> Any:
    answer = client.get("/rest/api/search", params={"cql": cql, **params})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert_shape("v1SearchPage", body)
    return body


def test_cql_finds_pages_modified_since_a_time_in_order(
    world: World, client: httpx.Client
) -> None:
    world.site.clock.advance(minutes=30)
    newer = world.site.add_page(world.space, "Newer")
    world.site.clock.advance(minutes=5)
    world.site.edit_page(world.page, body="<p>edited</p>")
    body = _search(
        client,
        'type=page AND space="DOCS" AND lastmodified >= "2025-07-15 10:30" '
        "ORDER BY lastmodified ASC",
        expand="content.version",
    )
    found = [
        (r["content"]["id"], r["content"]["version"]["number"]) for r in body["results"]
    ]
    assert found == [(newer.id, 1), (world.page.id, 2)]
    assert body["totalSize"] == 2


def test_cql_dates_are_read_in_the_callers_time_zone(
    world: World, client: httpx.Client
) -> None:
    world.site.users[world.ada.account_id].time_zone = "Europe/Berlin"  # UTC+2 in July
    later = world.site.clock.advance(minutes=90)  # 11:30 UTC is 13:30 in Berlin
    world.site.edit_page(world.page, body="<p>x</p>")
    assert later.hour == 11
    since_13 = _search(client, 'lastmodified >= "2025-07-15 13:00"')
    since_14 = _search(client, 'lastmodified >= "2025/07/15 14:00"')
    assert [r["content"]["id"] for r in since_13["results"]] == [world.page.id]
    assert since_14["results"] == []


def test_cql_pages_follow_next_links_without_the_wiki_prefix(
    world: World, client: httpx.Client
) -> None:
    world.site.add_pages(world.space, 4)
    body = _search(client, "type = page AND space IN (DOCS) ORDER BY created", limit=2)
    seen: list[str] = []
    while True:
        seen += [r["content"]["id"] for r in body["results"]]
        assert body["_links"]["base"] == world.running.site_url
        if "next" not in body["_links"]:
            break
        assert body["_links"]["next"].startswith("/rest/api/search?")
        body = client.get(world.running.site_url + body["_links"]["next"]).json()
    assert len(seen) == len(set(seen)) == 6


def test_cql_finds_pages_by_id(world: World, client: httpx.Client) -> None:
    other = world.site.add_page(world.space, "Other")
    body = _search(client, f"id in ({world.page.id}, {other.id}) AND type = page")
    assert {r["content"]["id"] for r in body["results"]} == {world.page.id, other.id}


@pytest.mark.parametrize(
    "cql",
    [
        "type = ",
        "type = page OR space = DOCS",
        "lastmodified >= now('-1d')",
        'lastmodified >= "yesterday"',
        "creator = x",
        'space = "DOCS" ORDER lastmodified',
        "(type = page",
    ],
)
def test_unparseable_cql_is_a_bad_request(client: httpx.Client, cql: str) -> None:
    answer = client.get("/rest/api/search", params={"cql": cql})
    body = assert_v1_error(answer, 400)
    assert "Could not parse cql" in body["message"]


def test_a_lagging_index_shows_an_edit_only_after_its_delay(
    world: World, client: httpx.Client
) -> None:
    world.site.set_listing_lag(120)
    world.site.clock.advance(minutes=10)
    world.site.edit_page(world.page, body="<p>edited</p>")
    listing = f"/api/v2/spaces/{world.space.id}/pages?sort=-modified-date"

    def newest() -> tuple[str, int]:
        first = client.get(listing).json()["results"][0]
        return first["id"], first["version"]["number"]

    by_search = 'lastmodified >= "2025-07-15 10:05"'
    assert newest() == (world.page.id, 1)  # still shown as it was
    assert _search(client, by_search)["results"] == []
    assert client.get(f"/api/v2/pages/{world.page.id}").json()["version"]["number"] == 2
    world.site.clock.advance(timedelta(seconds=120).total_seconds())
    assert newest() == (world.page.id, 2)
    assert len(_search(client, by_search)["results"]) == 1
