"""Comments through the real actions: who may comment, and the review thread."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from audit_helpers import actions_since, last_event_id
from factories import (
    by,
    edit,
    make_change_set,
    make_page,
    make_space,
    make_user,
    make_workflow,
    step,
)
from signoff.actions.approvals import do_record_decision, do_submit_page
from signoff.actions.comments import do_post_comment
from signoff.actions.spaces import do_remove_member
from signoff.actions.unit import unit_of_work
from signoff.db.models import Comment, Page, Space, User
from signoff.db.session import Database
from signoff.domain.errors import BadInput, NotAllowed
from signoff.domain.states import DecisionKind, Origin, Role
from signoff.queries.inbox import inbox, unread_mentions


@pytest.fixture
def ids(db: Database) -> dict[str, int]:
    """alice admin, bob editor, carol viewer, erin outside the space."""
    with db.write() as s:
        alice, bob = make_user(s, "alice"), make_user(s, "bob")
        carol, erin = make_user(s, "carol"), make_user(s, "erin")
        space = make_space(
            s, admin=alice, members={bob: Role.editor, carol: Role.viewer}
        )
        page = make_page(s, space, bob)
        return {
            "alice": alice.id,
            "bob": bob.id,
            "carol": carol.id,
            "erin": erin.id,
            "space": space.id,
            "page": page.id,
        }


def _comments(db: Database) -> list[Comment]:
    with db.read() as s:
        return list(s.scalars(select(Comment).order_by(Comment.id)))


def test_a_viewer_comments_and_the_comment_is_audited(
    db: Database, ids: dict[str, int]
) -> None:
    with db.write() as s:
        carol, page = s.get(User, ids["carol"]), s.get(Page, ids["page"])
        mark = last_event_id(s)
        comment = do_post_comment(
            s,
            page,
            body="<p>Hi <img src=x onerror=alert(1)></p>",
            parent_id=None,
            **by(carol, Origin.api),
        )
        assert comment.body == '<p>Hi <img src="x"></p>'
        assert (comment.page_version, comment.request_id) == (1, None)
        assert actions_since(s, mark) == ["comment.created"]


def test_someone_outside_the_space_cannot_comment_and_leaves_no_comment(
    db: Database, ids: dict[str, int]
) -> None:
    with pytest.raises(NotAllowed), unit_of_work(db, origin=Origin.ui) as s:
        erin, page = s.get(User, ids["erin"]), s.get(Page, ids["page"])
        do_post_comment(s, page, body="<p>x</p>", parent_id=None, **by(erin))
    assert _comments(db) == []


def test_a_reply_must_answer_a_comment_on_the_same_page(
    db: Database, ids: dict[str, int]
) -> None:
    with db.write() as s:
        bob, space = s.get(User, ids["bob"]), s.get(Space, ids["space"])
        other = make_page(s, space, bob, title="Other")
        elsewhere = do_post_comment(
            s, other, body="<p>x</p>", parent_id=None, **by(bob)
        )
        with pytest.raises(BadInput, match="parentCommentId"):
            do_post_comment(
                s,
                s.get(Page, ids["page"]),
                body="<p>y</p>",
                parent_id=elsewhere.id,
                **by(bob),
            )


def test_submission_comment_links_only_web_urls(
    db: Database, ids: dict[str, int]
) -> None:
    with db.write() as s:
        alice, bob = s.get(User, ids["alice"]), s.get(User, ids["bob"])
        carol, page = s.get(User, ids["carol"]), s.get(Page, ids["page"])
        make_workflow(s, page.space, alice, [step(carol)], pages=[page])
        change_set = make_change_set(s, page.space, bob, [page])
        change_set.reference_url = "javascript:alert(1)"  # past validation, somehow
        do_submit_page(s, page, change_set=change_set, **by(bob))
    (root,) = _comments(db)
    assert root.author_id is None
    assert "javascript" not in root.body
    assert "<a " not in root.body
    assert "Change set: <strong>Release</strong>" in root.body


def test_a_rolled_back_decision_leaves_no_reply(
    db: Database, ids: dict[str, int]
) -> None:
    with db.write() as s:
        alice, bob = s.get(User, ids["alice"]), s.get(User, ids["bob"])
        carol, page = s.get(User, ids["carol"]), s.get(Page, ids["page"])
        make_workflow(s, page.space, alice, [step(carol)], pages=[page])
        do_submit_page(s, page, **by(bob))
    with pytest.raises(RuntimeError), db.write() as s:
        carol, page = s.get(User, ids["carol"]), s.get(Page, ids["page"])
        do_record_decision(
            s, page, DecisionKind.approve, version=1, comment=None, **by(carol)
        )
        raise RuntimeError("the request failed after the action")
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Comment)) == 1


def test_an_edit_that_makes_the_approval_stale_says_so_in_the_thread(
    db: Database, ids: dict[str, int]
) -> None:
    with db.write() as s:
        alice, bob = s.get(User, ids["alice"]), s.get(User, ids["bob"])
        carol, page = s.get(User, ids["carol"]), s.get(Page, ids["page"])
        make_workflow(s, page.space, alice, [step(carol)], pages=[page])
        do_submit_page(s, page, **by(bob))
        do_record_decision(
            s, page, DecisionKind.approve, version=1, comment=None, **by(carol)
        )
        edit(s, page, bob, "<p>A new rule</p>")
        carol_account = carol.account_id
    root, _reply, notice = _comments(db)
    assert (notice.parent_id, notice.author_id) == (root.id, None)
    assert "Version 2 changed the approved content" in notice.body
    assert "approval of version 1 is stale" in notice.body
    assert f'ri:account-id="{carol_account}"' in notice.body


def test_an_edit_during_review_says_the_review_is_superseded(
    db: Database, ids: dict[str, int]
) -> None:
    with db.write() as s:
        alice, bob = s.get(User, ids["alice"]), s.get(User, ids["bob"])
        carol, page = s.get(User, ids["carol"]), s.get(Page, ids["page"])
        make_workflow(s, page.space, alice, [step(carol)], pages=[page])
        do_submit_page(s, page, **by(bob))
        edit(s, page, bob, "<p>Changed while in review</p>")
    root, notice = _comments(db)
    assert notice.parent_id == root.id
    assert "review of version 1 is superseded" in notice.body
    assert "ri:account-id" not in notice.body  # nobody had decided yet


def test_a_member_removed_from_the_space_no_longer_sees_its_mentions(
    db: Database, ids: dict[str, int]
) -> None:
    with db.write() as s:
        alice, bob, carol = (s.get(User, ids[n]) for n in ("alice", "bob", "carol"))
        page = s.get(Page, ids["page"])
        make_workflow(s, page.space, alice, [step(carol)], pages=[page])
        do_submit_page(s, page, **by(bob))  # the review's thread mentions carol
    with db.read() as s:
        assert unread_mentions(s, ids["carol"]) == 1
        assert len(inbox(s, ids["carol"])) == 1
    with db.write() as s:
        space = s.get(Space, ids["space"])
        do_remove_member(
            s, space, s.get(User, ids["carol"]), **by(s.get(User, ids["alice"]))
        )
    with db.read() as s:
        assert unread_mentions(s, ids["carol"]) == 0
        assert inbox(s, ids["carol"]) == []
