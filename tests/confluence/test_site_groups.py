"""Reading a Confluence group by name and all its members, over HTTP to the
stand-in: exact names out of the picker's partial matches, members past one page,
a vanished group, and a rate limit waited out."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from confluence_site import ConfluenceSite, RunningSite, run_site
from signoff.connectors.confluence.errors import ConfluenceError
from signoff.connectors.confluence.gate import SiteGate
from signoff.connectors.confluence.groups import (
    RemoteGroup,
    group_by_name,
    group_members,
)
from signoff.connectors.confluence.http import ConfluenceHttp, Credentials
from signoff.connectors.confluence.site_url import parse_site_url
from signoff.outbound.allowlist import AllowList


@pytest.fixture
def running() -> Iterator[RunningSite]:
    with run_site(ConfluenceSite()) as served:
        yield served


def _http(running: RunningSite) -> ConfluenceHttp:
    site = running.site
    token = site.add_api_token(site.add_user("Signoff Bot"))
    port = running.root.rsplit(":", 1)[1]
    return ConfluenceHttp(
        parse_site_url(running.site_url),
        Credentials("basic", token.token, token.email),
        gate=SiteGate(backoff_start=0.05),
        allow=AllowList.parse(f"127.0.0.1:{port}"),
    )


def test_a_group_is_found_by_its_exact_name_among_partial_matches(
    running: RunningSite,
) -> None:
    site = running.site
    for n in range(205):
        site.add_group(f"legal-{n:03d}")
    legal = site.add_group("legal")
    http = _http(running)
    assert group_by_name(http, "Legal") == RemoteGroup(legal.id, "legal")
    assert group_by_name(http, "leg") is None


def test_every_member_is_read_past_the_first_page(running: RunningSite) -> None:
    site = running.site
    people = tuple(site.add_user(f"Person {n}") for n in range(201))
    team = site.add_group("team", people)
    http = _http(running)
    members = group_members(http, team.id)
    assert [m.account_id for m in members] == [p.account_id for p in people]
    assert http.calls.by_path == {
        f"GET /rest/api/group/{team.id}/membersByGroupId": 2,
    }


def test_a_group_deleted_in_confluence_is_a_not_found(running: RunningSite) -> None:
    team = running.site.add_group("team")
    running.site.delete_group(team)
    with pytest.raises(ConfluenceError) as raised:
        group_members(_http(running), team.id)
    assert raised.value.status == 404


def test_a_rate_limited_member_read_is_retried_after_the_wait(
    running: RunningSite,
) -> None:
    site = running.site
    team = site.add_group("team", (site.add_user("Grace Hopper"),))
    http = _http(running)
    site.faults.rate_limit(1, retry_after=1)
    assert len(group_members(http, team.id)) == 1
    assert site.log.early_requests() == []
