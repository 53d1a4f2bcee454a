"""A change set's rollup state: one word from its pages' latest reviews, by precedence.

open < has_rejections < stale < all_approved < partially_approved < in_review, checked
in that order (DESIGN.md, "Change set").
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from signoff.domain.rollup import PageApproval, rollup_state
from signoff.domain.states import ApprovalStatus, RollupState

NONE = PageApproval(ApprovalStatus.none)
PENDING = PageApproval(ApprovalStatus.pending)
APPROVED = PageApproval(ApprovalStatus.approved)
STALE = PageApproval(ApprovalStatus.approved, is_stale=True)
REJECTED = PageApproval(ApprovalStatus.rejected)
CANCELLED = PageApproval(ApprovalStatus.cancelled)
SUPERSEDED = PageApproval(ApprovalStatus.superseded)
EXPIRED = PageApproval(ApprovalStatus.expired)


@pytest.mark.parametrize(
    ("pages", "state"),
    [
        # open: nothing submitted
        pytest.param([], RollupState.open, id="empty-change-set-is-open"),
        pytest.param([NONE], RollupState.open, id="one-unsubmitted-page"),
        pytest.param([NONE, NONE, NONE], RollupState.open, id="all-unsubmitted"),
        # has_rejections
        pytest.param([REJECTED], RollupState.has_rejections, id="one-rejected-page"),
        pytest.param(
            [NONE, REJECTED], RollupState.has_rejections, id="rejected-beats-open"
        ),
        pytest.param(
            [REJECTED, STALE], RollupState.has_rejections, id="rejected-beats-stale"
        ),
        pytest.param(
            [APPROVED, REJECTED],
            RollupState.has_rejections,
            id="rejected-beats-approved",
        ),
        pytest.param(
            [PENDING, REJECTED],
            RollupState.has_rejections,
            id="rejected-beats-pending",
        ),
        # stale
        pytest.param([STALE], RollupState.stale, id="one-stale-page"),
        pytest.param(
            [APPROVED, STALE], RollupState.stale, id="stale-beats-all-approved"
        ),
        pytest.param(
            [STALE, APPROVED, PENDING],
            RollupState.stale,
            id="stale-beats-partially-approved",
        ),
        pytest.param([STALE, PENDING], RollupState.stale, id="stale-beats-in-review"),
        pytest.param([STALE, NONE], RollupState.stale, id="stale-beats-unsubmitted"),
        # all_approved
        pytest.param([APPROVED], RollupState.all_approved, id="one-approved-page"),
        pytest.param(
            [APPROVED, APPROVED, APPROVED],
            RollupState.all_approved,
            id="every-page-approved-at-current",
        ),
        # partially_approved
        pytest.param(
            [APPROVED, PENDING],
            RollupState.partially_approved,
            id="approved-and-pending",
        ),
        pytest.param(
            [APPROVED, NONE],
            RollupState.partially_approved,
            id="approved-and-unsubmitted",
        ),
        pytest.param(
            [APPROVED, SUPERSEDED],
            RollupState.partially_approved,
            id="approved-and-superseded",
        ),
        pytest.param(
            [APPROVED, CANCELLED],
            RollupState.partially_approved,
            id="approved-and-closed-without-approval",
        ),
        pytest.param(
            [APPROVED, EXPIRED],
            RollupState.stale,
            id="an-expired-approval-counts-as-stale",
        ),
        # in_review
        pytest.param([PENDING], RollupState.in_review, id="one-pending-page"),
        pytest.param(
            [PENDING, NONE], RollupState.in_review, id="pending-and-unsubmitted"
        ),
        pytest.param([PENDING, PENDING], RollupState.in_review, id="all-pending"),
        pytest.param([SUPERSEDED], RollupState.in_review, id="superseded-page"),
        pytest.param(
            [CANCELLED, NONE], RollupState.in_review, id="cancelled-and-unsubmitted"
        ),
        pytest.param([EXPIRED], RollupState.stale, id="expired-page"),
    ],
)
def test_rollup_state_takes_the_first_state_that_applies(
    pages: Sequence[PageApproval], state: RollupState
) -> None:
    assert rollup_state(pages) is state


@pytest.mark.parametrize(
    ("pages", "state"),
    [
        pytest.param(
            [PageApproval(ApprovalStatus.pending, is_stale=True)],
            RollupState.in_review,
            id="resubmitted-page-in-review",
        ),
        pytest.param(
            [APPROVED, PageApproval(ApprovalStatus.pending, is_stale=True)],
            RollupState.partially_approved,
            id="resubmitted-page-beside-an-approved-one",
        ),
        pytest.param(
            [PageApproval(ApprovalStatus.none, is_stale=True)],
            RollupState.open,
            id="unsubmitted-page",
        ),
        pytest.param(
            [PageApproval(ApprovalStatus.superseded, is_stale=True), PENDING],
            RollupState.in_review,
            id="superseded-page",
        ),
    ],
)
def test_only_an_approved_latest_request_can_make_a_change_set_stale(
    pages: Sequence[PageApproval], state: RollupState
) -> None:
    assert rollup_state(pages) is state


@pytest.mark.parametrize(
    ("page", "approved_current"),
    [
        pytest.param(APPROVED, True, id="approved"),
        pytest.param(STALE, False, id="stale"),
        pytest.param(PENDING, False, id="pending"),
        pytest.param(NONE, False, id="none"),
        pytest.param(REJECTED, False, id="rejected"),
    ],
)
def test_page_counts_as_approved_only_at_its_current_version(
    page: PageApproval, approved_current: bool
) -> None:
    assert page.approved_current is approved_current


def test_rollup_state_accepts_any_sequence() -> None:
    assert rollup_state((APPROVED, PENDING)) is RollupState.partially_approved
