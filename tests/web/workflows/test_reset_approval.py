"""A space admin resets a decided page to Draft from the space page; the tree that
shows it costs the same few statements for any number of pages."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event, select
from sqlalchemy.engine import Engine

from factories import by, later, make_page
from signoff.actions.approvals import do_submit_page
from signoff.db.models import ApprovalRequest, Page, Space, User
from signoff.queries.page_screen import space_tree
from web.conftest import World

from .test_workflows_pages import events, post_form, visible


def reset_url(page_id: int) -> str:
    return f"/spaces/DOCS/pages/{page_id}/reset-approval"


def page(world: World, index: int) -> Page:
    with world.db.read() as session:
        found = session.get(Page, world.page_ids[index])
        assert found is not None
        session.expunge(found)
        return found


def row_of(html: str, title: str) -> str:
    """The space page's table row of the page titled `title`."""
    found = re.search(
        rf"<tr>(?:(?!</tr>).)*>{title}</a>(?:(?!</tr>).)*</tr>", html, re.S
    )
    assert found is not None, title
    return found.group(0)


def test_only_admins_see_reset_and_only_on_decided_pages(world: World) -> None:
    admin = world.browser("admin").get("/spaces/DOCS").text
    for title in ("Guide 00", "Guide 01", "Guide 02"):  # approved, rejected, stale
        assert "Reset approval" in row_of(admin, title)
    for title in ("Guide 03", "Guide 27"):  # pending, draft
        assert "Reset approval" not in row_of(admin, title)
    for role in ("editor", "approver", "viewer"):
        assert "Reset approval" not in world.browser(role).get("/spaces/DOCS").text


@pytest.mark.parametrize(
    ("index", "badge"), [(0, "Approved"), (1, "Rejected"), (2, "Stale")]
)
def test_a_reset_returns_the_page_to_draft_and_keeps_the_history(
    world: World, index: int, badge: str
) -> None:
    before = page(world, index)
    assert badge in visible(
        row_of(world.browser("admin").get("/spaces/DOCS").text, f"Guide {index:02d}")
    )
    response = post_form(world, "admin", reset_url(before.id), {})
    assert response.status_code == 303
    after = page(world, index)
    assert (after.latest_request_id, after.approved_request_id) == (None, None)
    tree = world.browser("admin").get("/spaces/DOCS").text
    assert "Draft" in visible(row_of(tree, f"Guide {index:02d}"))
    with world.db.read() as session:
        request = session.get(ApprovalRequest, before.latest_request_id)
        assert request is not None and request.status in ("approved", "rejected")
    audit = events(world, "approval.reset")[-1]
    assert audit.page_id == before.id and audit.origin == "ui"
    assert audit.actor_id == world.ids["admin"]
    assert audit.details["previousStatus"] == request.status
    # The page can go to review again.
    view = world.browser("editor").get(f"/spaces/DOCS/pages/{before.id}")
    assert "Request approval" in view.text


def test_reset_is_refused_for_pending_and_draft_pages(world: World) -> None:
    pending = post_form(world, "admin", reset_url(world.page_ids[3]), {})
    assert pending.status_code == 409
    assert "Withdraw the pending review instead." in visible(pending.text)
    draft = post_form(world, "admin", reset_url(world.page_ids[27]), {})
    assert draft.status_code == 409
    assert "has no approval or rejection to reset" in visible(draft.text)
    assert not events(world, "approval.reset")


@pytest.mark.parametrize("role", ["editor", "approver", "viewer"])
def test_members_below_admin_cannot_reset(world: World, role: str) -> None:
    denied = len(events(world, "auth.denied"))
    response = post_form(world, role, reset_url(world.page_ids[0]), {})
    assert response.status_code == 403
    assert page(world, 0).approved_request_id is not None
    assert len(events(world, "auth.denied")) == denied + 1


def test_outsiders_forgers_and_foreign_pages_get_nothing(world: World) -> None:
    assert (
        post_form(world, "outsider", reset_url(world.page_ids[0]), {}).status_code
        == 404
    )
    forged = world.browser("admin").post(reset_url(world.page_ids[0]), data={})
    assert forged.status_code == 403
    with world.db.read() as session:
        ops = session.scalars(select(Space).where(Space.key == "OPS")).one()
        outsider = session.get(User, world.ids["outsider"])
    with world.db.write() as session:
        ops = session.merge(ops)
        foreign = make_page(session, ops, session.merge(outsider), title="Ops page")
        foreign_id = foreign.id
    assert post_form(world, "admin", reset_url(foreign_id), {}).status_code == 404
    assert page(world, 0).approved_request_id is not None
    assert not events(world, "approval.reset")


@contextmanager
def counting(engine: Engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def tree_statements(world: World) -> tuple[int, int]:
    with world.db.read() as session:
        space = session.scalars(select(Space).where(Space.key == "DOCS")).one()
        with counting(world.db.engine) as statements:
            rows = space_tree(session, space)
        return len(rows), len(statements)


def test_the_space_tree_costs_the_same_for_30_and_90_pages(world: World) -> None:
    rows, small = tree_statements(world)
    assert rows == 30
    with world.db.write() as session:
        space = session.scalars(select(Space).where(Space.key == "DOCS")).one()
        editor = session.get(User, world.ids["editor"])
        assert editor is not None
        parent = session.get(Page, world.page_ids[0])
        for n in range(60):
            child = make_page(session, space, editor, title=f"Child {n:02d}")
            child.parent_id = parent.id if parent else None
            if n % 2:
                do_submit_page(session, child, **by(editor, now=later(4)))
    rows, large = tree_statements(world)
    assert rows == 90
    assert large == small


def test_children_follow_their_parent_one_level_deeper(world: World) -> None:
    with world.db.write() as session:
        space = session.scalars(select(Space).where(Space.key == "DOCS")).one()
        editor = session.get(User, world.ids["editor"])
        assert editor is not None
        child = make_page(session, space, editor, title="A child")
        child.parent_id = world.page_ids[5]
    with world.db.read() as session:
        space = session.scalars(select(Space).where(Space.key == "DOCS")).one()
        rows = space_tree(session, space)
    titles = [(row.title, row.depth) for row in rows]
    at = titles.index(("Guide 05", 0))
    assert titles[at + 1] == ("A child", 1)
    assert len(rows) == 31
    assert [row.title for row in rows if row.depth == 0] == sorted(
        row.title for row in rows if row.depth == 0
    )
