"""An author who maps to no Signoff user still may not approve their own change:
only people known to be someone else decide, until the account is mapped."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from confluence.governed import Governed
from factories import by, make_user, make_workflow, step
from signoff.actions.approvals import do_record_decision, do_submit_page
from signoff.actions.spaces import do_add_member
from signoff.db.models import ApprovalRequest, Page, ReviewAssignment, Space, User
from signoff.domain.errors import NotAllowed
from signoff.domain.states import DecisionKind, Origin, Role, Rule


def _setup(g: Governed, *, allow_self: bool = False) -> tuple[User, User, User, str]:
    """bob submits; carl (mapped to nobody) and dave (mapped to his own account)
    may approve, any one of them; the page was written by Ada, mapped to nobody."""
    with g.db.write() as s:
        space = s.get(Space, g.space_id)
        assert space is not None
        ann, bob, carl, dave = (make_user(s, n) for n in ("ann", "bob", "carl", "dave"))
        do_add_member(s, space, ann, Role.admin, **by(None, Origin.cli))
        do_add_member(s, space, bob, Role.editor, **by(None, Origin.cli))
        for approver in (carl, dave):
            do_add_member(s, space, approver, Role.viewer, **by(None, Origin.cli))
        make_workflow(
            s,
            space,
            ann,
            [step(carl, dave, rule=Rule.any)],
            space_default=True,
            allow_self_approval=allow_self,
        )
        s.expunge_all()
    g.map(g.site.add_user("Dave Remote").account_id, dave)
    page = g.site.add_page(g.remote_space, "Policy", "<p>a</p>", author=g.author)
    g.sync()
    with g.db.write() as s:
        row = s.scalar(select(Page).where(Page.external_id == page.id))
        assert row is not None
        do_submit_page(s, row, **by(bob))
    return bob, carl, dave, page.id


def _waiting_for(g: Governed) -> set[int]:
    with g.db.read() as s:
        return set(s.scalars(select(ReviewAssignment.user_id)))


def _approve(g: Governed, external_id: str, who: User) -> ApprovalRequest:
    with g.db.write() as s:
        page = s.scalar(select(Page).where(Page.external_id == external_id))
        assert page is not None
        return do_record_decision(
            s,
            page,
            DecisionKind.approve,
            version=page.current_version,
            comment=None,
            **by(who),
        )


def test_an_approver_without_a_mapped_account_may_not_approve_an_unknown_authors_change(
    gov: Governed,
) -> None:
    _, carl, dave, page_id = _setup(gov)

    assert _waiting_for(gov) == {dave.id}
    with pytest.raises(NotAllowed):
        _approve(gov, page_id, carl)
    assert _approve(gov, page_id, dave).status == "approved"


def test_once_the_author_is_mapped_that_user_is_the_one_excluded(
    gov: Governed,
) -> None:
    _, carl, dave, page_id = _setup(gov)

    gov.map(gov.author.account_id, dave)

    assert _waiting_for(gov) == {carl.id}
    with pytest.raises(NotAllowed):
        _approve(gov, page_id, dave)
    assert _approve(gov, page_id, carl).status == "approved"


def test_self_approval_lets_anyone_decide_whoever_wrote_it(gov: Governed) -> None:
    _, carl, _, page_id = _setup(gov, allow_self=True)

    assert _approve(gov, page_id, carl).status == "approved"
