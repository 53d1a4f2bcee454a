"""The Groups page with a connected Confluence site: a site admin makes a group
follow a Confluence group and unfollow it; while it follows, the page says where its
members come from, when they were synced and who was left out, and offers no way to
change them by hand."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from confluence.app_site import connect_app, map_account
from confluence_site import RunningSite, run_site
from factories import make_group
from oauth.support import Browser
from signoff.db.models import AuditEvent, ConfluenceGroupFollow
from web.conftest import World, csrf

from .test_groups_page import member_names, site_admin


@dataclass
class Scene:
    world: World
    running: RunningSite
    admin: Browser
    unmapped: str

    def post(self, path: str, **data: str) -> object:
        token = csrf(self.admin.get("/admin/groups").text)
        return self.admin.post(path, data={"csrf_token": token, **data})

    def follow(self, confluence_group: str = "legal") -> object:
        return self.post(
            "/admin/groups/follow",
            name="counsel",
            site="acme",
            confluence_group=confluence_group,
        )


@pytest.fixture
def scene(world: World) -> Iterator[Scene]:
    """The stand-in connected as `acme`; its group `legal` holds the editor and the
    approver (mapped) and one account mapped to nobody; `counsel` is empty."""
    with run_site() as running:
        site_id = connect_app(world.site.app, running)
        editor, approver, stranger = (
            running.site.add_user(n) for n in ("Editor", "Approver", "Stranger")
        )
        running.site.add_group("legal", (editor, approver, stranger))
        map_account(world.db, site_id, editor.account_id, "editor")
        map_account(world.db, site_id, approver.account_id, "approver")
        with world.db.write() as s:
            make_group(s, "counsel", [])
        yield Scene(world, running, site_admin(world), stranger.account_id)


def test_a_site_admin_makes_a_group_follow_a_confluence_group_from_the_page(
    scene: Scene,
) -> None:
    page = scene.admin.get("/admin/groups").text
    assert 'action="/admin/groups/follow"' in page
    assert '<option value="acme">acme</option>' in page

    response = scene.follow()

    assert response.status_code == 303, response.text
    assert member_names(scene.world, "counsel") == ["approver", "editor"]
    with scene.world.db.read() as s:
        event = s.scalars(
            select(AuditEvent).where(AuditEvent.action == "group.followed")
        ).one()
    assert event.origin == "ui"


def test_a_following_group_says_where_its_members_come_from_and_hides_the_controls(
    scene: Scene,
) -> None:
    scene.follow()

    page = scene.admin.get("/admin/groups?done=followed").text

    assert "The group now follows a Confluence group" in page
    assert (
        "Membership comes from Confluence group <strong>legal</strong> on site "
        "<strong>acme</strong>"
    ) in page
    synced = scene.world.clock().strftime("%Y-%m-%d %H:%M UTC")
    assert "Last synced <time" in page and synced in page
    assert f"<code>{scene.unmapped}</code>" in page
    assert 'action="/admin/groups/members/add"' not in page
    assert 'action="/admin/groups/members/remove"' not in page
    assert 'action="/admin/groups/follow"' not in page
    assert 'action="/admin/groups/unfollow"' in page


def test_the_last_sync_error_is_shown_on_the_group(scene: Scene) -> None:
    scene.follow()
    with scene.world.db.write() as s:
        follow = s.scalars(select(ConfluenceGroupFollow)).one()
        follow.last_error = "Confluence group legal no longer exists (404)"

    page = scene.admin.get("/admin/groups").text

    assert "Last sync failed: Confluence group legal no longer exists (404)" in page


def test_unfollowing_from_the_page_keeps_the_members_and_brings_back_the_controls(
    scene: Scene,
) -> None:
    scene.follow()

    response = scene.post("/admin/groups/unfollow", name="counsel")

    assert response.status_code == 303, response.text
    page = scene.admin.get("/admin/groups").text
    assert "Membership comes from Confluence" not in page
    assert 'action="/admin/groups/members/add"' in page
    assert member_names(scene.world, "counsel") == ["approver", "editor"]


def test_following_an_unknown_confluence_group_is_shown_on_the_page(
    scene: Scene,
) -> None:
    response = scene.follow("lawyers")

    assert response.status_code == 404
    assert 'role="alert"' in response.text
    assert "Confluence group &#39;lawyers&#39; was not found on site acme" in (
        response.text
    )
    assert member_names(scene.world, "counsel") == []


def test_a_member_added_by_hand_to_a_following_group_is_refused_on_the_page(
    scene: Scene,
) -> None:
    scene.follow()

    response = scene.post(
        "/admin/groups/members/add", name="counsel", username="viewer"
    )

    assert response.status_code == 409
    assert "group counsel follows Confluence group legal on site acme" in response.text
    assert member_names(scene.world, "counsel") == ["approver", "editor"]


def test_someone_who_is_not_a_site_admin_cannot_follow(scene: Scene) -> None:
    browser = scene.world.browser("admin")
    token = csrf(browser.get("/spaces").text)
    scene.running.site.log.clear()

    response = browser.post(
        "/admin/groups/follow",
        data={
            "csrf_token": token,
            "name": "counsel",
            "site": "acme",
            "confluence_group": "legal",
        },
    )

    assert response.status_code == 403
    assert scene.running.site.log.count() == 0
    with scene.world.db.read() as s:
        assert s.scalars(select(ConfluenceGroupFollow)).all() == []
