"""`/groups/follow` and `/groups/unfollow` against the stand-in Confluence site: a
site admin makes a group follow a Confluence group (its mapped members join at
once), `GET /groups` says what each group follows, and refusals use the envelope."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from confluence.app_site import connect_app, map_account
from confluence_site import ConfluenceSite, RunningSite, run_site
from factories import make_group
from signoff.api.v1.responses import GroupList, GroupOne
from signoff.db.models import AuditEvent, ConfluenceGroupFollow, User

from .helpers import (
    NOW_TEXT,
    account,
    actions_after,
    fix_clock,
    last_event,
    ok,
    only_a_denial,
    refused,
)
from .support import AppClient, Team

FOLLOW = {"name": "counsel", "site": "acme", "confluenceGroup": "legal"}


@dataclass
class Remote:
    running: RunningSite
    unmapped: str

    @property
    def site(self) -> ConfluenceSite:
        return self.running.site


@pytest.fixture
def remote(api: AppClient, team: Team) -> Iterator[Remote]:
    """The stand-in connected as `acme`; its group `legal` holds carol and dave
    (mapped) and one account mapped to nobody; the Signoff group `counsel` is empty."""
    with run_site() as running:
        site_id = connect_app(api.app, running)
        carol, dave, stranger = (
            running.site.add_user(n) for n in ("Carol", "Dave", "Stranger")
        )
        running.site.add_group("legal", (carol, dave, stranger))
        map_account(team.db, site_id, carol.account_id, "carol")
        map_account(team.db, site_id, dave.account_id, "dave")
        with team.db.write() as s:
            make_group(s, "counsel", [])
        fix_clock(api)
        running.site.log.clear()  # the credentials check of `site add`
        yield Remote(running, stranger.account_id)


def _follow(api: AppClient, team: Team, who: str = "alice", **changes: str) -> object:
    return api.post(
        "/api/v1/groups/follow", token=team.tokens[who], json={**FOLLOW, **changes}
    )


def test_site_admin_makes_a_group_follow_a_confluence_group(
    api: AppClient, team: Team, remote: Remote
) -> None:
    before = last_event(team)

    body = ok(GroupOne, _follow(api, team))

    assert body["group"] == {
        "name": "counsel",
        "members": [
            {"accountId": account(team, "carol"), "displayName": "Carol"},
            {"accountId": account(team, "dave"), "displayName": "Dave"},
        ],
        "follows": {
            "site": "acme",
            "confluenceGroup": "legal",
            "syncedAt": NOW_TEXT,
            "error": None,
            "unmappedAccounts": [remote.unmapped],
        },
    }
    assert actions_after(team, before) == [
        "group.followed",
        "group.member_added",
        "group.member_added",
    ]
    with team.db.read() as s:
        event = s.scalars(
            select(AuditEvent).where(AuditEvent.action == "group.followed")
        ).one()
    assert (event.origin, event.text) == (
        "api",
        "Group counsel now follows Confluence group legal on site acme. (via API)",
    )


def test_groups_says_what_each_group_follows(
    api: AppClient, team: Team, remote: Remote
) -> None:
    ok(GroupOne, _follow(api, team))
    with team.db.write() as s:
        make_group(s, "legal", [s.get_one(User, team.users["bob"])])

    body = ok(GroupList, api.get("/api/v1/groups", token=team.tokens["bob"]))

    assert body["groups"] == [
        {
            "name": "counsel",
            "members": [
                {"accountId": account(team, "carol"), "displayName": "Carol"},
                {"accountId": account(team, "dave"), "displayName": "Dave"},
            ],
            "follows": {
                "site": "acme",
                "confluenceGroup": "legal",
                "syncedAt": NOW_TEXT,
                "error": None,
                "unmappedAccounts": [remote.unmapped],
            },
        },
        {
            "name": "legal",
            "members": [{"accountId": account(team, "bob"), "displayName": "Bob"}],
            "follows": None,
        },
    ]


def test_following_on_an_unknown_site_answers_404(
    api: AppClient, team: Team, remote: Remote
) -> None:
    refused(_follow(api, team, site="nope"), 404, "Confluence site 'nope' not found.")
    assert remote.site.log.count() == 0


def test_following_an_unknown_confluence_group_says_so_and_changes_nothing(
    api: AppClient, team: Team, remote: Remote
) -> None:
    before = last_event(team)

    refused(
        _follow(api, team, confluenceGroup="lawyers"),
        404,
        "Confluence group 'lawyers' was not found on site acme, or its "
        "credentials cannot see it.",
    )

    assert actions_after(team, before) == []
    with team.db.read() as s:
        assert s.scalars(select(ConfluenceGroupFollow)).all() == []


def test_a_space_admin_who_is_not_a_site_admin_cannot_follow(
    api: AppClient, team: Team, remote: Remote
) -> None:
    with team.db.write() as s:
        s.get_one(User, team.users["alice"]).is_site_admin = False

    with only_a_denial(team):
        response = _follow(api, team)

    refused(
        response,
        403,
        "Only site administrators can make a group follow a Confluence group.",
    )
    assert remote.site.log.count() == 0  # refused before the site is asked


def test_a_site_admin_unfollows_and_the_members_stay(
    api: AppClient, team: Team, remote: Remote
) -> None:
    ok(GroupOne, _follow(api, team))
    before = last_event(team)

    response = api.post(
        "/api/v1/groups/unfollow", token=team.tokens["alice"], json={"name": "counsel"}
    )

    group = ok(GroupOne, response)["group"]
    assert [m["displayName"] for m in group["members"]] == ["Carol", "Dave"]
    assert group["follows"] is None
    assert actions_after(team, before) == ["group.unfollowed"]
    added = api.post(
        "/api/v1/groups/members/add",
        token=team.tokens["alice"],
        json={"name": "counsel", "accountId": account(team, "bob")},
    )
    assert added.status_code == 200, added.text


def test_a_following_group_refuses_a_member_added_by_hand(
    api: AppClient, team: Team, remote: Remote
) -> None:
    ok(GroupOne, _follow(api, team))
    response = api.post(
        "/api/v1/groups/members/add",
        token=team.tokens["alice"],
        json={"name": "counsel", "accountId": account(team, "bob")},
    )
    refused(
        response,
        409,
        "group counsel follows Confluence group legal on site acme; change "
        "membership there or unfollow",
    )


def test_the_same_idempotency_key_follows_once_and_asks_the_site_once(
    api: AppClient, team: Team, remote: Remote
) -> None:
    headers = {"Idempotency-Key": "follow-once"}
    first = api.post(
        "/api/v1/groups/follow",
        token=team.tokens["alice"],
        json=FOLLOW,
        headers=headers,
    )
    asked = remote.site.log.count()
    again = api.post(
        "/api/v1/groups/follow",
        token=team.tokens["alice"],
        json=FOLLOW,
        headers=headers,
    )

    assert (first.status_code, again.status_code) == (200, 200), again.text
    assert again.json() == first.json()
    assert remote.site.log.count() == asked
    with team.db.read() as s:
        assert len(s.scalars(select(ConfluenceGroupFollow)).all()) == 1


def test_a_failed_follow_leaves_its_idempotency_key_free(
    api: AppClient, team: Team, remote: Remote
) -> None:
    headers = {"Idempotency-Key": "follow-retry"}
    wrong = api.post(
        "/api/v1/groups/follow",
        token=team.tokens["alice"],
        json={**FOLLOW, "confluenceGroup": "lawyers"},
        headers=headers,
    )
    assert wrong.status_code == 404, wrong.text
    remote.site.add_group("lawyers", ())

    retried = api.post(
        "/api/v1/groups/follow",
        token=team.tokens["alice"],
        json={**FOLLOW, "confluenceGroup": "lawyers"},
        headers=headers,
    )

    assert retried.status_code == 200, retried.text


@pytest.mark.parametrize(
    ("path", "payload", "status", "error"),
    [
        ("/api/v1/groups/follow", {"name": "counsel", "site": "acme"}, 400, None),
        ("/api/v1/groups/follow", {**FOLLOW, "confluenceGroup": "  "}, 400,
         "confluenceGroup must name a Confluence group."),
        ("/api/v1/groups/follow", {**FOLLOW, "name": "nope"}, 404,
         "name: no group named 'nope'."),
        ("/api/v1/groups/unfollow", {"name": "counsel"}, 409,
         "Group counsel follows no Confluence group."),
        ("/api/v1/groups/unfollow", {"name": "nope"}, 404,
         "name: no group named 'nope'."),
    ],
)  # fmt: skip
def test_follow_and_unfollow_are_refused_in_the_envelope(
    api: AppClient,
    team: Team,
    remote: Remote,
    path: str,
    payload: dict[str, str],
    status: int,
    error: str | None,
) -> None:
    refused(api.post(path, token=team.tokens["alice"], json=payload), status, error)


def test_following_twice_is_refused_until_unfollowed(
    api: AppClient, team: Team, remote: Remote
) -> None:
    ok(GroupOne, _follow(api, team))
    refused(
        _follow(api, team),
        409,
        "Group counsel already follows Confluence group legal; unfollow it first.",
    )
