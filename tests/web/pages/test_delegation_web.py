"""A delegate decides from the page view: while the approver is away, the person
they named is offered Approve, and the decision reads "Viewer for Approver"."""

from __future__ import annotations

from datetime import timedelta

from factories import AT, by
from signoff.actions.delegations import do_set_delegation
from signoff.db.models import User
from web.conftest import csrf

from .test_claims_web import Claims, claims

__all__ = ["claims"]


def _delegate(claims: Claims, person: str, delegate: str) -> None:
    with claims.db.write() as session:
        away, named = (
            session.query(User).filter_by(username=name).one()
            for name in (person, delegate)
        )
        do_set_delegation(
            session,
            away,
            named,
            starts_at=AT - timedelta(days=1),
            ends_at=AT + timedelta(days=3),
            **by(away),
        )


def test_a_delegate_is_offered_approve_and_is_shown_deciding_for_the_holder(
    claims: Claims,
) -> None:
    assert ">Approve</button>" not in claims.page("viewer")
    _delegate(claims, "approver", "viewer")
    html = claims.page("viewer")
    assert ">Approve</button>" in html
    answer = claims.browsers["viewer"].post(
        f"{claims.page_url}/approve", data={"csrf_token": csrf(html), "version": "1"}
    )
    assert answer.status_code in (200, 303), answer.text
    assert "Viewer for Approver approved version 1" in claims.page("admin")
