"""atlassian-python-api's Confluence Cloud v2 client, unchanged, against a real server.

The app is served by uvicorn on a loopback port; the client is configured as a
pipeline would configure it for Confluence Cloud, with the site URL ending in `/wiki`
and a token, and every call goes through its own request building and pagination.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

import atlassian
import pytest
from requests import HTTPError

from live_server import live_server

from .support import AppClient, Team
from .wiki import account, decide, govern, submit


@pytest.fixture
def site(api: AppClient) -> Iterator[str]:
    with live_server(api.app, lifespan=False) as url:
        yield url


def _client(site: str, token: str) -> Any:
    with warnings.catch_warnings():
        # The client warns, on construction, that its v1 methods are deprecated.
        warnings.simplefilter("ignore", DeprecationWarning)
        return atlassian.ConfluenceV2(url=f"{site}/wiki", token=token)


def test_the_client_reads_spaces_and_walks_pages_with_its_own_pagination(
    site: str, team: Team
) -> None:
    client = _client(site, team.tokens["carol"])
    space = client.get_space_by_key("DOCS")
    assert space["id"] == str(team.space_id)
    assert client.get_space(space["id"])["key"] == "DOCS"
    pages = client.get_pages(space_id=space["id"], limit=2)
    assert [p["id"] for p in pages] == [str(pid) for pid in team.pages]
    found = client.get_page_by_title("DOCS", "Page 3")["results"]
    assert [p["title"] for p in found] == ["Page 3"]
    assert found[0]["body"]["storage"]["value"] == "<p>v1</p>"
    assert client.get_page_id("DOCS", "Page 5") == str(team.pages[5])


def test_the_client_creates_updates_and_reads_history(site: str, team: Team) -> None:
    client = _client(site, team.tokens["bob"])
    created = client.create_page(
        space_id=str(team.space_id),
        title="From the client",
        body="<p>one <script>x()</script></p>",
    )
    page_id = created["id"]
    assert created["body"]["storage"]["value"] == "<p>one </p>"
    updated = client.update_page(page_id, body="<p>two</p>", version=1)
    assert (updated["title"], updated["version"]["number"]) == ("From the client", 2)
    renamed = client.update_page(page_id, title="Renamed")  # reads the version itself
    assert renamed["version"]["number"] == 3
    with pytest.raises(HTTPError) as refused:
        client.update_page(page_id, title="Stale", version=1)
    assert refused.value.response.status_code == 409
    (error,) = refused.value.response.json()["errors"]
    assert error["detail"].endswith("Current version is: 3")
    read = client.get_page_by_id(page_id, body_format="storage")
    assert (read["title"], read["body"]["storage"]["value"]) == (
        "Renamed",
        "<p>two</p>",
    )
    assert client.get_page_by_id(page_id, get_body=False)["body"] == {}
    history = client.get_all_page_versions(page_id, limit=1)
    assert [v["number"] for v in history] == [3, 2, 1]
    assert client.get_page_version(page_id, 2)["nextVersion"] == 3


def test_the_client_comments_replies_and_reads_the_approval_property(
    site: str, api: AppClient, team: Team
) -> None:
    page_id = str(team.pages[0])
    govern(team, ["carol"], page_index=0)
    submit(api, team, team.pages[0])
    carol = _client(site, team.tokens["carol"])
    comment = carol.create_page_footer_comment(page_id, "<p>Looking now</p>")
    reply = _client(site, team.tokens["dave"]).create_comment_reply(
        comment["id"], "<p>Thanks</p>"
    )
    assert reply["parentCommentId"] == comment["id"]
    roots = carol.get_page_footer_comments(page_id, body_format="storage")
    assert [c["id"] for c in roots][1:] == [comment["id"]]
    assert roots[0]["version"]["authorId"] is None  # the system opened the review
    children = carol.get_comment_children(comment["id"])
    assert [c["id"] for c in children] == [reply["id"]]
    assert carol.get_comment_by_id(reply["id"])["pageId"] == page_id

    decide(api, team, "carol", team.pages[0])
    (prop,) = carol.get_page_properties(page_id)
    assert prop["key"] == "signoff-approval"
    assert prop["value"]["approved"] == [account(team, "carol")]
    by_key = carol.get_page_property_by_key(page_id, "signoff-approval")
    assert by_key == prop
