""" "Approve selected" and "Reject selected" on the approval queue, through the real app
on both databases: the approver ticks pages, confirms, and each is decided at the
version the queue showed, with each page's outcome shown back on the queue.

The world is the change-set review's (`web.changesets.conftest.build`): three pages
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

QUEUE = "/queue?tab=waiting"
CHECKBOX = re.compile(
    r'name="item" value="([0-9]+=[0-9]+)" aria-label="Select ([^"]+)"'
)
CONFIRMED = {"confirm": "yes"}


@pytest.fixture
def review(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Review]:
    """Three pages waiting for the approver, on SQLite and on PostgreSQL."""
    yield from open_review(backend, request, tmp_path)


def loaded(review: Review, role: str = "approver") -> tuple[str, dict[str, str]]:
    """The queue as `role` sees it: its CSRF token and each offered checkbox's
    value (page=version) by page title."""
    html = review.browser(role).get(QUEUE).text
    return csrf(html), {
        unescape(title): value for value, title in CHECKBOX.findall(html)
    }


def post_decide(
    review: Review, data: dict[str, object], role: str = "approver"
) -> tuple[int, str]:
    response = review.browser(role).post("/queue/decide", data=data)
    return response.status_code, response.text


def results(html: str) -> list[str]:
    return [
        unescape(re.sub(r"<[^>]+>", "", item)).strip()
        for item in re.findall(r'data-testid="decide-result">(.*?)</li>', html)
    ]


def since(review: Review) -> int:
    with review.db.read() as s:
        return last_event_id(s)


def decided_actions(review: Review, before: int) -> list[str]:
    with review.db.read() as s:
        return [a for a in actions_since(s, before) if a.endswith("decided")]


def test_the_queue_offers_a_checkbox_per_page_the_approver_may_decide(
    review: Review,
) -> None:
    _, offered = loaded(review)
    assert sorted(offered) == ["FAQ", "Install guide", "Upgrade notes"]
    assert set(offered.values()) == {f"{review.page_ids[title]}=2" for title in offered}
    html = review.browser("approver").get(QUEUE).text
    assert ">Approve selected</button>" in html
    assert ">Reject selected</button>" in html
    assert "I have reviewed the selected pages" in html


def test_a_viewer_is_offered_no_checkbox_and_no_buttons(review: Review) -> None:
    html = review.browser("viewer").get("/queue?tab=pending").text
    assert 'name="item"' not in html
    assert "Approve selected" not in html


def test_two_pages_approved_in_one_act_are_audited_twice_and_once_for_the_act(
    review: Review,
) -> None:
    token, offered = loaded(review)
    before = since(review)
    status, html = post_decide(
        review,
        {
            "csrf_token": token,
            "item": [offered["Install guide"], offered["Upgrade notes"]],
            "decision": "approve",
            **CONFIRMED,
        },
    )
    assert status == 200, html
    assert "Approved 2 of 2 selected page(s)." in html
    assert results(html) == [
        "Decided Install guide at version 2",
        "Decided Upgrade notes at version 2",
    ]
    assert decided_actions(review, before) == ["approval.decided"] * 2 + [
        "approval.bulk_decided"
    ]
    with review.db.read() as s:
        act = s.scalars(
            select(AuditEvent).where(AuditEvent.action == "approval.bulk_decided")
        ).one()
    assert act.origin == "ui"
    assert act.details["decidedCount"] == 2
    assert act.details["refusedCount"] == 0
    assert sorted(act.details["pageIds"]) == sorted(
        [review.page_ids["Install guide"], review.page_ids["Upgrade notes"]]
    )
    _, left = loaded(review)
    assert list(left) == ["FAQ"]  # the decided pages are no longer waiting


def test_a_page_edited_after_the_queue_was_loaded_is_refused_with_why(
    review: Review,
) -> None:
    token, offered = loaded(review)
    with review.db.write() as s:
        page = s.get_one(Page, review.page_ids["FAQ"])
        editor = s.scalars(select(User).where(User.username == "editor")).one()
        edit(s, page, editor, "<p>Where are the logs? Ask the admin.</p>", minutes=5)
    status, html = post_decide(
        review,
        {
            "csrf_token": token,
            "item": [offered["FAQ"], offered["Install guide"]],
            "decision": "approve",
            **CONFIRMED,
        },
    )
    assert status == 200, html
    assert "Approved 1 of 2 selected page(s)." in html
    assert results(html) == [
        "Refused FAQ — 'FAQ' was edited after version 2 was submitted; that review "
        "was superseded (the page is now at version 3).",
        "Decided Install guide at version 2",
    ]


def test_reject_selected_with_a_comment_rejects_each_page(review: Review) -> None:
    token, offered = loaded(review)
    status, html = post_decide(
        review,
        {
            "csrf_token": token,
            "item": list(offered.values()),
            "decision": "reject",
            "comment": "Wait for the 3.1 notes.",
            **CONFIRMED,
        },
    )
    assert status == 200, html
    assert "Rejected 3 of 3 selected page(s)." in html


def test_a_non_approvers_selection_is_refused_page_by_page_and_nothing_decided(
    review: Review,
) -> None:
    _, offered = loaded(review)
    token = csrf(review.browser("viewer").get("/changesets/new?space=DOCS").text)
    before = since(review)
    status, html = post_decide(
        review,
        {
            "csrf_token": token,
            "item": list(offered.values()),
            "decision": "approve",
            **CONFIRMED,
        },
        role="viewer",
    )
    assert status == 200, html
    assert "Approved 0 of 3 selected page(s)." in html
    assert all(line.startswith("Refused ") for line in results(html))
    assert len(results(html)) == 3
    assert "approval.decided" not in decided_actions(review, before)


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (
            {"decision": "reject", "comment": ""},
            "A rejection needs a comment saying why.",
        ),
        ({"decision": "approve", "confirm": ""}, "Tick &#39;I have reviewed"),
        ({"decision": "maybe"}, "Choose Approve selected or Reject selected."),
        ({"decision": "approve", "item": []}, "Select at least one page to decide."),
        (
            {"decision": "approve", "item": ["FAQ=two"]},
            "The selected pages and versions are not valid.",
        ),
        (
            {"decision": "approve", "item": [f"{n}=1" for n in range(1, 102)]},
            "Select at most 100 pages at a time; 101 were selected.",
        ),
    ],
    ids=[
        "reject-without-comment",
        "missing-confirmation",
        "unknown-decision",
        "no-items",
        "malformed-item",
        "over-the-limit",
    ],
)
def test_bad_input_is_shown_on_the_queue_and_nothing_is_decided(
    review: Review, data: dict[str, object], error: str
) -> None:
    token, offered = loaded(review)
    before = since(review)
    status, html = post_decide(
        review,
        {"csrf_token": token, "item": list(offered.values()), **CONFIRMED, **data},
    )
    assert status == 400, html
    assert error in html
    assert ">Approve selected</button>" in html  # still the queue, still offered
    with review.db.read() as s:
        assert actions_since(s, before) == []


def test_a_form_without_its_csrf_token_is_refused_and_nothing_is_decided(
    review: Review,
) -> None:
    _, offered = loaded(review)
    before = since(review)
    status, _ = post_decide(
        review,
        {"item": list(offered.values()), "decision": "approve", **CONFIRMED},
    )
    assert status == 403
    with review.db.read() as s:
        assert actions_since(s, before) == []


def test_deciding_from_the_queue_needs_a_post(review: Review) -> None:
    response = review.browser("approver").get("/queue/decide")
    assert response.status_code == 405
