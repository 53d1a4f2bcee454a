"""The page view's `Override review` form: only a space admin sees it, an override
needs a reason, and the page then shows an `Overridden` badge on its status, on the
review and in its version history."""

from __future__ import annotations

import re

import httpx
import pytest
from sqlalchemy import select

from signoff.db.models import AuditEvent
from web.conftest import Web

from .test_pages import badge, submit

FORM = 'aria-label="Override review"'
REASON = "Legal signed off by phone; the approver is on leave."


def override(web: Web, role: str = "admin", **data: str) -> httpx.Response:
    sent = {"version": "1", "decision": "approve", "reason": REASON, **data}
    response = web.post(role, web.page_url + "/override", **sent)
    assert isinstance(response, httpx.Response)
    return response


def shown(html: str) -> str:
    """The page's text as read, markup and extra space removed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_only_a_space_admin_sees_the_override_form_and_only_while_pending(
    web: Web,
) -> None:
    assert FORM not in web.browsers["admin"].get(web.page_url).text
    submit(web)
    seen = {
        role: FORM in web.browsers[role].get(web.page_url).text
        for role in ("admin", "editor", "viewer", "approver")
    }
    assert seen == {"admin": True, "editor": False, "viewer": False, "approver": False}


def test_an_admin_overrides_a_review_and_the_page_says_so(web: Web) -> None:
    submit(web)

    done = override(web)

    assert done.status_code == 303
    page = web.browsers["viewer"].get(web.page_url).text
    assert badge(page) == "Approved"
    assert 'data-testid="override-badge">Overridden<' in page
    note = re.search(r'data-testid="override-note">(.*?)</p>', page, re.S)
    assert note is not None
    assert "Admin overrode this review" in shown(note.group(1))
    assert REASON in note.group(1)
    history = page.split('id="history-heading"')[1]
    assert 'Version 1</a> <span class="lozenge lozenge-overridden">Overridden' in (
        history
    )
    assert FORM not in web.browsers["admin"].get(web.page_url).text
    with web.db.read() as session:
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "approval.overridden")
        ).one()
    assert event.origin == "ui" and event.details["outcome"] == "approved"


def test_an_admin_overrides_a_review_to_rejected(web: Web) -> None:
    submit(web)

    assert override(web, decision="reject").status_code == 303

    page = web.browsers["editor"].get(web.page_url).text
    assert badge(page) == "Rejected"
    assert 'data-testid="override-badge">Overridden<' in page


def test_an_override_without_a_reason_is_explained_on_the_page(web: Web) -> None:
    submit(web)

    refused = override(web, reason="  ")

    assert refused.status_code == 400
    assert 'role="alert"' in refused.text
    assert "Reason for the override must not be empty." in refused.text
    assert badge(web.browsers["viewer"].get(web.page_url).text) == "In review"


def test_an_override_without_an_outcome_is_refused(web: Web) -> None:
    submit(web)

    refused = override(web, decision="maybe")

    assert refused.status_code == 400
    assert "Choose whether to approve or reject." in refused.text


@pytest.mark.parametrize("role", ["editor", "approver"])
def test_members_below_admin_cannot_override(web: Web, role: str) -> None:
    submit(web)

    refused = override(web, role)

    assert refused.status_code == 403
    assert "Only an admin of this space may override a review." in refused.text
    assert badge(web.browsers["viewer"].get(web.page_url).text) == "In review"


def test_an_override_with_nothing_pending_is_a_conflict(web: Web) -> None:
    refused = override(web)

    assert refused.status_code == 409
    assert "is pending to override" in refused.text
