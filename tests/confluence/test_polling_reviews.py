"""An edit made in Confluence counts as an edit: the next pass supersedes a pending
review, makes an approval stale, or keeps it when only whitespace changed."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import select

from confluence.governed import Governed
from factories import by, make_user, make_workflow, step
from signoff.actions.approvals import do_record_decision, do_submit_page
from signoff.actions.spaces import do_add_member
from signoff.db.models import ApprovalRequest, AuditEvent, Page, Space, User
from signoff.domain.states import DecisionKind, Origin, Role, StaleOn

BODY = "<p>Step one.</p>\n\n<p>Step two.</p>"


@dataclass
class Team:
    bob: User
    carl: User


def _team(g: Governed, stale_on: StaleOn = StaleOn.content) -> Team:
    with g.db.write() as s:
        space = s.get(Space, g.space_id)
        assert space is not None
        ann, bob, carl = (make_user(s, n) for n in ("ann", "bob", "carl"))
        for user, role in ((ann, Role.admin), (bob, Role.editor), (carl, Role.viewer)):
            do_add_member(s, space, user, role, **by(None, Origin.cli))
        make_workflow(
            s, space, ann, [step(carl)], space_default=True, stale_on=stale_on
        )
        ada = make_user(s, "ada")
        s.expunge_all()
    g.map(g.author.account_id, ada)
    return Team(bob, carl)


def _submit(g: Governed, external_id: str, who: User) -> int:
    with g.db.write() as s:
        page = s.scalar(select(Page).where(Page.external_id == external_id))
        assert page is not None
        return do_submit_page(s, page, **by(who)).id


def _approve(g: Governed, external_id: str, who: User) -> None:
    with g.db.write() as s:
        page = s.scalar(select(Page).where(Page.external_id == external_id))
        assert page is not None
        do_record_decision(
            s,
            page,
            DecisionKind.approve,
            version=page.current_version,
            comment=None,
            **by(who),
        )


def _request(g: Governed, request_id: int) -> ApprovalRequest:
    with g.db.read() as s:
        found = s.get(ApprovalRequest, request_id)
        assert found is not None
        s.expunge(found)
        return found


def test_an_edit_in_confluence_during_review_supersedes_it_at_the_next_pass(
    gov: Governed,
) -> None:
    team = _team(gov)
    page = gov.site.add_page(gov.remote_space, "Policy", BODY, author=gov.author)
    gov.sync()
    request_id = _submit(gov, page.id, team.bob)
    gov.site.clock.advance(minutes=5)
    gov.site.edit_page(page, body="<p>Step one, changed.</p>", author=gov.author)

    report = gov.sync()

    assert report.recorded.superseded == 1
    assert _request(gov, request_id).status == "superseded"
    with gov.db.read() as s:
        event = s.scalar(
            select(AuditEvent).where(AuditEvent.action == "approval.superseded")
        )
        assert event is not None and event.origin == "system"


def test_an_edit_after_approval_makes_it_stale_and_whitespace_alone_does_not(
    gov: Governed,
) -> None:
    team = _team(gov)
    page = gov.site.add_page(gov.remote_space, "Policy", BODY, author=gov.author)
    gov.sync()
    request_id = _submit(gov, page.id, team.bob)
    _approve(gov, page.id, team.carl)
    gov.site.clock.advance(minutes=5)
    gov.site.edit_page(page, body="<p>Step one.</p><p>Step two.</p>", author=gov.author)

    quiet = gov.sync()

    assert (quiet.recorded.versions, quiet.recorded.staled) == (1, 0)
    assert _request(gov, request_id).stale_at is None
    gov.site.clock.advance(minutes=5)
    gov.site.edit_page(
        page, body="<p>Step one.</p><p>Step three.</p>", author=gov.author
    )

    loud = gov.sync()

    assert (loud.recorded.versions, loud.recorded.staled) == (1, 1)
    assert _request(gov, request_id).stale_at is not None
    assert gov.page(page.id).current_version == 3


def test_any_new_version_makes_an_approval_stale_under_stale_on_version(
    gov: Governed,
) -> None:
    team = _team(gov, StaleOn.version)
    page = gov.site.add_page(gov.remote_space, "Policy", BODY, author=gov.author)
    gov.sync()
    request_id = _submit(gov, page.id, team.bob)
    _approve(gov, page.id, team.carl)
    gov.site.clock.advance(minutes=5)
    gov.site.edit_page(page, body="<p>Step one.</p><p>Step two.</p>", author=gov.author)

    assert gov.sync().recorded.staled == 1
    assert _request(gov, request_id).stale_at is not None


@pytest.mark.parametrize("how", ["trash", "delete", "move", "hide"])
def test_a_page_gone_from_the_space_ends_its_pending_review_with_the_reason(
    gov: Governed, how: str
) -> None:
    team = _team(gov)
    page = gov.site.add_page(gov.remote_space, "Policy", BODY, author=gov.author)
    gov.sync()
    request_id = _submit(gov, page.id, team.bob)
    other = gov.site.add_space("ELSE", "Elsewhere")
    if how == "trash":
        gov.site.trash_page(page)
    elif how == "delete":
        gov.site.delete_page(page)
    elif how == "move":
        gov.site.move_page(page, space=other)
    else:
        bot = next(t for t in gov.site.api_tokens)
        gov.site.restrict_page(page, hidden_from=bot)

    report = gov.sync()

    assert report.recorded.ended == 1
    assert _request(gov, request_id).status == "cancelled"
    with gov.db.read() as s:
        event = s.scalar(
            select(AuditEvent).where(AuditEvent.action == "approval.cancelled")
        )
        assert event is not None
        reason = event.details["reason"]
    expected = {
        "trash": "trashed in Confluence",
        "delete": "deleted in Confluence",
        "move": "moved out of Confluence space DOCS",
        "hide": "deleted in Confluence, or no longer visible to Signoff",
    }[how]
    assert reason == expected
    assert gov.page(page.id).status != "current"
