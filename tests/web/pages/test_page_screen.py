"""The page view's pure parts: the badge's words and the body diff."""

from __future__ import annotations

import pytest

from signoff.domain.standing import state_of
from signoff.domain.states import ApprovalStatus
from signoff.queries.page_compare import body_diff
from signoff.web.labels import state_label


@pytest.mark.parametrize(
    ("status", "stale", "text"),
    [
        (ApprovalStatus.none, False, "Draft"),
        (ApprovalStatus.cancelled, False, "Draft"),
        (ApprovalStatus.pending, False, "In review"),
        (ApprovalStatus.approved, False, "Approved"),
        (ApprovalStatus.approved, True, "Stale"),
        (ApprovalStatus.rejected, False, "Rejected"),
        (ApprovalStatus.superseded, False, "Superseded"),
        (ApprovalStatus.expired, False, "Expired"),
    ],
)
def test_the_badge_reads_as_the_contract_says(
    status: ApprovalStatus, stale: bool, text: str
) -> None:
    assert state_label(state_of(status, is_stale=stale)) == text


def test_the_diff_ignores_respellings_and_shows_changed_blocks() -> None:
    lines = body_diff("<p>One</p>\r\n<p>Two</p>", "<p>One</p><p>Three</p>")
    assert [(line.kind, line.text) for line in lines] == [
        ("same", "<p>One</p>"),
        ("removed", "<p>Two</p>"),
        ("added", "<p>Three</p>"),
    ]
