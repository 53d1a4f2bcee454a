"""The Groups page: site administrators list, create, rename, fill, empty and delete
groups; nobody else sees it; space admins see groups read-only in the workflow form."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from factories import by, make_group
from oauth.support import Browser
from signoff.actions.sessions import do_sign_in
from signoff.db.models import AuditEvent, Group, GroupMember, User
from signoff.web.sessions import SESSION_COOKIE
from web.conftest import World, csrf


def site_admin(world: World) -> Browser:
    with world.db.write() as session:
        user = session.get_one(User, world.ids["viewer"])
        user.is_site_admin = True
        secret = do_sign_in(session, user, **by(None, now=world.clock())).secret
    browser = world.site.browser()
    browser.client.cookies.set(SESSION_COOKIE, secret)
    return browser


def legal(world: World, *roles: str) -> None:
    with world.db.write() as session:
        people = [session.get_one(User, world.ids[role]) for role in roles]
        make_group(session, "legal", people)


def member_names(world: World, name: str) -> list[str]:
    with world.db.read() as session:
        return sorted(
            session.scalars(
                select(User.username)
                .join(GroupMember, GroupMember.user_id == User.id)
                .join(Group, Group.id == GroupMember.group_id)
                .where(Group.name == name)
            )
        )


def test_site_administration_links_the_groups_page(world: World) -> None:
    assert 'href="/admin/groups"' in site_admin(world).get("/spaces").text


def test_a_site_admin_creates_renames_fills_empties_and_deletes_a_group(
    world: World,
) -> None:
    admin = site_admin(world)
    token = csrf(admin.get("/admin/groups").text)
    steps = [
        ("/admin/groups", {"name": "legal"}),
        ("/admin/groups/members/add", {"name": "legal", "username": "editor"}),
        ("/admin/groups/members/add", {"name": "legal", "username": "approver"}),
        ("/admin/groups/rename", {"name": "legal", "new_name": "counsel"}),
        ("/admin/groups/members/remove", {"name": "counsel", "username": "editor"}),
    ]
    for path, data in steps:
        response = admin.post(path, data={"csrf_token": token, **data})
        assert response.status_code == 303, (path, response.text)
    page = admin.get("/admin/groups")
    assert 'aria-label="Group counsel"' in page.text
    assert member_names(world, "counsel") == ["approver"]
    deleted = admin.post(
        "/admin/groups/delete", data={"csrf_token": token, "name": "counsel"}
    )
    assert deleted.status_code == 303
    assert "No groups yet." in admin.get("/admin/groups").text
    with world.db.read() as session:
        origins = set(
            session.scalars(
                select(AuditEvent.origin).where(AuditEvent.action.like("group.%"))
            )
        )
    assert origins == {"ui"}


@pytest.mark.parametrize(
    ("path", "data", "status", "said"),
    [
        ("/admin/groups", {"name": "legal"}, 409, "already exists"),
        ("/admin/groups", {"name": "Bad Name"}, 400, "name"),
        ("/admin/groups/members/add", {"name": "legal", "username": "editor"}, 409,
         "already in group legal"),
        ("/admin/groups/members/add", {"name": "legal", "username": "nobody"}, 404,
         "No user named"),
        ("/admin/groups/members/remove", {"name": "legal", "username": "viewer"},
         409, "not in group legal"),
        ("/admin/groups/delete", {"name": "missing"}, 404, "no group named"),
    ],
)  # fmt: skip
def test_a_refused_change_is_shown_on_the_page(
    world: World, path: str, data: dict[str, str], status: int, said: str
) -> None:
    legal(world, "editor")
    admin = site_admin(world)
    token = csrf(admin.get("/admin/groups").text)
    response = admin.post(path, data={"csrf_token": token, **data})
    assert response.status_code == status
    assert 'role="alert"' in response.text and said in response.text
    assert member_names(world, "legal") == ["editor"]


def test_only_site_admins_see_or_change_groups(world: World) -> None:
    legal(world, "editor")
    for role in ("admin", "editor", "viewer"):
        browser = world.browser(role)
        assert browser.get("/admin/groups").status_code == 403, role
        assert "/admin/groups" not in browser.get("/spaces").text
        token = csrf(browser.get("/spaces").text)
        added = browser.post(
            "/admin/groups/members/add",
            data={"csrf_token": token, "name": "legal", "username": role},
        )
        assert added.status_code == 403, role
    forged = site_admin(world).post(
        "/admin/groups/delete", data={"name": "legal"}
    )  # no CSRF token
    assert forged.status_code == 403
    assert member_names(world, "legal") == ["editor"]
    assert world.site.browser().get("/admin/groups").status_code == 303


def test_a_space_admin_sees_the_groups_and_members_in_the_workflow_form(
    world: World,
) -> None:
    legal(world, "editor", "approver")
    page = world.browser("admin").get("/spaces/DOCS/workflows/new")
    assert page.status_code == 200
    assert 'aria-label="Groups and their members"' in page.text
    assert "Approver (approver), Editor (editor)" in page.text
    assert "/admin/groups/members" not in page.text
