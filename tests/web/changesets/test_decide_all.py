""" "Approve all" and "Reject all" on the change-set review page, through the real app
on both databases: every page the approver may decide is decided in one act, at the
version the page showed, and each page's outcome is shown back on the review page.

The world is the review page's own (`web.changesets.conftest.build`): three pages
in review at version 2 with the approver on the only seat, and a draft.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import unescape
from pathlib import Path

import pytest
from sqlalchemy import select

from audit_helpers import actions_since, last_event_id
from factories import edit
from signoff.db.models import AuditEvent, Page, User
from web.changesets.conftest import Review, open_review
from web.conftest import csrf

SEEN = re.compile(r'name="seen" value="([0-9]+=[0-9]+)"')


@pytest.fixture
def review(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Review]:
    """The review world on SQLite and on PostgreSQL."""
    yield from open_review(backend, request, tmp_path)


def loaded(review: Review, role: str = "approver") -> tuple[str, list[str]]:
    """The review page as `role` sees it: its CSRF token and the versions it shows."""
    html = review.browser(role).get(review.url).text
    return csrf(html), SEEN.findall(html)


def post_decide(review: Review, token: str, seen: list[str], **data: str) -> str:
    response = review.browser("approver").post(
        f"/changesets/{review.change_set_id}/decide",
        data={"csrf_token": token, "seen": seen, **data},
    )
    return f"{response.status_code} {response.text}"


def results(html: str) -> list[str]:
    return [
        unescape(re.sub(r"<[^>]+>", "", item)).strip()
        for item in re.findall(r'data-testid="decide-result">(.*?)</li>', html)
    ]


def test_approve_all_decides_every_page_the_approver_may_and_shows_each_outcome(
    review: Review,
) -> None:
    token, seen = loaded(review)
    assert len(seen) == 3
    with review.db.read() as s:
        before = last_event_id(s)
    answer = post_decide(review, token, seen, decision="approve")
    assert answer.startswith("200 "), answer
    assert "Approved 3 of 4 page(s) in this change set." in answer
    assert results(answer) == [
        "Decided Install guide at version 2",
        "Decided Upgrade notes at version 2",
        "Decided FAQ at version 2",
        "Skipped Glossary — No approval is pending for page 'Glossary'.",
    ]
    assert ">Approve all</button>" not in answer  # nothing left to decide
    with review.db.read() as s:
        actions = [a for a in actions_since(s, before) if a.endswith("decided")]
        act = s.scalars(
            select(AuditEvent).where(AuditEvent.action == "changeset.decided")
        ).one()
    assert actions == ["approval.decided"] * 3 + ["changeset.decided"]
    assert act.origin == "ui"
    assert act.change_set_id == review.change_set_id


def test_the_buttons_are_offered_only_to_a_seat_holder(review: Review) -> None:
    approver = review.browser("approver").get(review.url).text
    assert ">Approve all</button>" in approver
    assert ">Reject all</button>" in approver
    for role in ("viewer", "editor", "admin"):
        html = review.browser(role).get(review.url).text
        assert "Approve all" not in html, role
        assert "Reject all" not in html, role


def test_reject_all_with_a_comment_rejects_every_page(review: Review) -> None:
    token, seen = loaded(review)
    answer = post_decide(
        review, token, seen, decision="reject", comment="Wait for the 3.1 notes."
    )
    assert "Rejected 3 of 4 page(s) in this change set." in answer
    assert results(answer)[:3] == [
        "Decided Install guide at version 2",
        "Decided Upgrade notes at version 2",
        "Decided FAQ at version 2",
    ]
    status = review.browser("viewer").get(review.url).text
    assert status.count('data-testid="section-status">Rejected<') == 3


def test_reject_all_without_a_comment_is_refused_on_the_review_page(
    review: Review,
) -> None:
    token, seen = loaded(review)
    with review.db.read() as s:
        before = last_event_id(s)
    answer = post_decide(review, token, seen, decision="reject", comment="")
    assert answer.startswith("400 "), answer
    assert "A rejection needs a comment saying why." in answer
    assert ">Approve all</button>" in answer  # still the review page, still offered
    with review.db.read() as s:
        assert actions_since(s, before) == []


def test_a_page_edited_after_the_approver_loaded_the_review_is_skipped_with_why(
    review: Review,
) -> None:
    token, seen = loaded(review)
    with review.db.write() as s:
        page = s.get_one(Page, review.page_ids["FAQ"])
        editor = s.scalars(select(User).where(User.username == "editor")).one()
        edit(s, page, editor, "<p>Where are the logs? Ask the admin.</p>", minutes=5)
    answer = post_decide(review, token, seen, decision="approve")
    assert "Approved 2 of 4 page(s) in this change set." in answer
    assert (
        "Skipped FAQ — 'FAQ' was edited after version 2 was submitted; that review "
        "was superseded (the page is now at version 3)."
    ) in results(answer)


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"decision": "maybe"}, "Choose Approve all or Reject all."),
        (
            {"decision": "approve", "seen": "FAQ=two"},
            "The page versions sent with the form are not valid.",
        ),
    ],
)
def test_a_form_that_names_no_decision_or_bad_versions_is_refused(
    review: Review, data: dict[str, str], error: str
) -> None:
    token, seen = loaded(review)
    response = review.browser("approver").post(
        f"/changesets/{review.change_set_id}/decide",
        data={"csrf_token": token, "seen": seen, **data},
    )
    assert response.status_code == 400, response.text
    assert error in response.text


def test_someone_who_cannot_read_the_space_is_told_there_is_no_such_set(
    review: Review,
) -> None:
    browser = review.browser("outsider")
    token = csrf(browser.get("/changesets").text)
    response = browser.post(
        f"/changesets/{review.change_set_id}/decide",
        data={"csrf_token": token, "decision": "approve"},
    )
    assert response.status_code == 404, response.text
