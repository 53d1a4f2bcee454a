"""Comments on the page view with @mentions, and the inbox where mentions land."""

from __future__ import annotations

import re
from html import unescape

import pytest
from sqlalchemy import func, select

from corpora import XSS_VECTORS_FILE
from signoff.db.models import Comment, Mention
from web.conftest import SUBMITTED, World, csrf

XSS = XSS_VECTORS_FILE


def page_path(world: World, index: int) -> str:
    return f"/spaces/DOCS/pages/{world.page_ids[index]}"


def comment(world: World, role: str, index: int, text: str) -> object:
    browser = world.browser(role)
    token = csrf(browser.get("/spaces").text)
    return browser.post(
        page_path(world, index) + "/comments",
        data={"csrf_token": token, "comment": text},
    )


def unread(world: World, role: str) -> int:
    with world.db.read() as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(Mention)
                .where(Mention.user_id == world.ids[role], Mention.read_at.is_(None))
            )
            or 0
        )


def test_approvers_find_review_requests_in_their_inbox(world: World) -> None:
    # Each submission's thread mentions the approver, and so does the notice that
    # an approval they gave went stale; their own decision replies do not put
    # anything in their own inbox.
    assert unread(world, "approver") == SUBMITTED + 1
    page = world.browser("approver").get("/inbox")
    assert page.status_code == 200
    assert f"{SUBMITTED + 1} unread mentions." in page.text
    assert page_path(world, 3) in page.text
    assert "requested approval of version 1" in unescape(page.text)


def test_a_comment_mentions_a_member_who_reads_it_in_the_inbox(world: World) -> None:
    before = unread(world, "viewer")
    response = comment(world, "editor", 27, "Could you check the table?\n@viewer")
    assert response.status_code == 303  # type: ignore[attr-defined]
    assert response.headers["location"].startswith(page_path(world, 27) + "#comment-")  # type: ignore[attr-defined]
    shown = world.browser("approver").get(page_path(world, 27)).text
    assert '<span class="mention">@Viewer</span>' in shown
    assert "Could you check the table?" in shown
    assert unread(world, "viewer") == before + 1
    inbox = unescape(world.browser("viewer").get("/inbox").text)
    assert "Editor on" in inbox and "Could you check the table? @Viewer" in inbox

    viewer = world.browser("viewer")
    marked = viewer.post(
        "/inbox/read", data={"csrf_token": csrf(viewer.get("/inbox").text)}
    )
    assert marked.status_code == 303
    assert unread(world, "viewer") == 0
    assert unread(world, "approver") == SUBMITTED + 1  # nobody else's inbox changed


def test_unknown_names_and_people_outside_the_space_are_not_mentioned(
    world: World,
) -> None:
    comment(world, "editor", 27, "Ask @outsider or @nobody-here, or mail a@b.com")
    with world.db.read() as session:
        body = session.scalars(select(Comment.body).order_by(Comment.id.desc())).first()
    assert body is not None and "ri:account-id" not in body
    assert "@outsider" in body and "a@b.com" in body
    assert unread(world, "outsider") == 0


def test_the_author_is_not_told_about_their_own_mention(world: World) -> None:
    before = unread(world, "editor")
    comment(world, "editor", 27, "Note to self, @editor")
    assert unread(world, "editor") == before


def test_hostile_comments_are_shown_as_text(world: World) -> None:
    vectors = [v for v in XSS.read_text().splitlines() if v.strip()][:40]
    for vector in vectors:
        assert comment(world, "viewer", 28, vector).status_code == 303  # type: ignore[attr-defined]
    shown = world.browser("admin").get(page_path(world, 28)).text
    body = shown[
        shown.index('id="comments-heading"') : shown.index('id="history-heading"')
    ]
    assert "<script" not in body.lower()
    assert "&lt;script&gt;" in body  # shown as the text that was typed
    assert not re.search(r"<[a-z]+[^>]*\son[a-z]+\s*=", body, re.I)


@pytest.mark.parametrize("text", ["", "   \n  "])
def test_an_empty_comment_is_refused(world: World, text: str) -> None:
    response = comment(world, "editor", 27, text)
    assert response.status_code == 400  # type: ignore[attr-defined]
    assert "Write a comment first." in response.text  # type: ignore[attr-defined]


def test_outsiders_strangers_and_forgers_cannot_comment(world: World) -> None:
    with world.db.read() as session:
        before = session.scalar(select(func.count()).select_from(Comment))
    assert comment(world, "outsider", 27, "hello").status_code == 404  # type: ignore[attr-defined]
    forged = world.browser("editor").post(
        page_path(world, 27) + "/comments", data={"comment": "hello"}
    )
    assert forged.status_code == 403
    stranger = world.site.browser().get("/inbox")
    assert stranger.status_code == 303
    with world.db.read() as session:
        assert session.scalar(select(func.count()).select_from(Comment)) == before
