"""A page's standing: the one rule every surface reads its approval status from."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from signoff.domain.standing import (
    PageState,
    Review,
    Standing,
    StandingApproval,
    change_set_standing,
    page_standing,
    state_of,
)
from signoff.domain.states import ApprovalStatus, RequestStatus, StaleOn
from signoff.domain.versions import VersionRef

V1 = VersionRef(1, "hash-one")
V2 = VersionRef(2, "hash-two")
V3_AS_V1 = VersionRef(3, "hash-one")
APPROVED_V1 = StandingApproval(V1, StaleOn.content)
JOINED = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
BEFORE, AFTER = JOINED - timedelta(minutes=5), JOINED + timedelta(minutes=5)


def test_a_page_never_submitted_stands_as_none() -> None:
    assert page_standing(None, None, V1) == Standing(ApprovalStatus.none)
    assert page_standing(None, None, V1).state is PageState.none


@pytest.mark.parametrize("status", list(RequestStatus))
def test_without_a_standing_approval_the_latest_review_decides(
    status: RequestStatus,
) -> None:
    standing = page_standing(status, None, V2)
    assert standing.approval_status.value == status.value
    assert (standing.is_stale, standing.approved_at_version) == (False, None)


def test_an_approval_at_the_current_version_is_approved_and_current() -> None:
    standing = page_standing(RequestStatus.approved, APPROVED_V1, V1)
    assert standing == Standing(ApprovalStatus.approved, False, 1, 0)
    assert standing.approved_current and standing.covers_current
    assert standing.state is PageState.approved


def test_an_edit_after_approval_makes_the_page_stale() -> None:
    standing = page_standing(RequestStatus.approved, APPROVED_V1, V2)
    assert standing == Standing(ApprovalStatus.approved, True, 1, 1)
    assert standing.state is PageState.stale
    assert not standing.approved_current and not standing.covers_current


def test_under_stale_on_version_a_save_of_the_same_content_is_stale() -> None:
    by_version = StandingApproval(V1, StaleOn.version)
    assert page_standing(RequestStatus.approved, by_version, V3_AS_V1).is_stale


@pytest.mark.parametrize(
    "latest",
    [RequestStatus.cancelled, RequestStatus.superseded, RequestStatus.rejected],
)
def test_an_approval_covering_the_current_content_outranks_a_later_closed_review(
    latest: RequestStatus,
) -> None:
    """Approve v1, edit, submit v2, close that review, go back to v1's content."""
    standing = page_standing(latest, APPROVED_V1, V3_AS_V1)
    assert standing == Standing(ApprovalStatus.approved, False, 1, 2)
    assert standing.state is PageState.approved and standing.covers_current


def test_a_pending_review_stays_pending_over_a_covering_approval() -> None:
    standing = page_standing(RequestStatus.pending, APPROVED_V1, V3_AS_V1)
    assert standing.approval_status is ApprovalStatus.pending
    assert standing.covers_current and not standing.approved_current


@pytest.mark.parametrize(
    ("latest", "state"),
    [
        (RequestStatus.pending, PageState.pending),
        (RequestStatus.cancelled, PageState.cancelled),
        (RequestStatus.rejected, PageState.rejected),
    ],
)
def test_a_later_review_over_a_stale_approval_shows_its_own_status(
    latest: RequestStatus, state: PageState
) -> None:
    standing = page_standing(latest, APPROVED_V1, V2)
    assert standing.state is state
    assert (standing.is_stale, standing.approved_at_version) == (True, 1)


@pytest.mark.parametrize(
    ("status", "stale", "state"),
    [
        (ApprovalStatus.none, False, PageState.none),
        (ApprovalStatus.pending, True, PageState.pending),
        (ApprovalStatus.approved, False, PageState.approved),
        (ApprovalStatus.approved, True, PageState.stale),
        (ApprovalStatus.rejected, False, PageState.rejected),
        (ApprovalStatus.cancelled, False, PageState.cancelled),
        (ApprovalStatus.superseded, False, PageState.superseded),
        (ApprovalStatus.expired, False, PageState.expired),
        (RequestStatus.approved, True, PageState.stale),
    ],
)
def test_only_an_approval_the_page_moved_away_from_reads_stale(
    status: ApprovalStatus, stale: bool, state: PageState
) -> None:
    assert state_of(status, is_stale=stale) is state


def test_a_change_set_ignores_a_rejection_from_before_the_page_joined() -> None:
    old = Review(RequestStatus.rejected, BEFORE)
    assert change_set_standing(JOINED, old, None, V1).state is PageState.none
    new = Review(RequestStatus.rejected, AFTER)
    assert change_set_standing(JOINED, new, None, V1).state is PageState.rejected


def test_a_change_set_counts_an_older_approval_that_still_covers_the_page() -> None:
    old = Review(RequestStatus.approved, BEFORE)
    approval = StandingApproval(V1, StaleOn.content, BEFORE)
    standing = change_set_standing(JOINED, old, approval, V3_AS_V1)
    assert standing.state is PageState.approved


def test_a_change_set_ignores_an_older_approval_the_page_moved_away_from() -> None:
    old = Review(RequestStatus.approved, BEFORE)
    approval = StandingApproval(V1, StaleOn.content, BEFORE)
    standing = change_set_standing(JOINED, old, approval, V2)
    assert standing == Standing(ApprovalStatus.none)


def test_a_change_set_counts_a_pending_review_whenever_it_began() -> None:
    pending = Review(RequestStatus.pending, BEFORE)
    assert change_set_standing(JOINED, pending, None, V1).state is PageState.pending


def test_a_change_set_counts_what_happened_since_the_page_joined() -> None:
    approval = StandingApproval(V1, StaleOn.content, AFTER)
    latest = Review(RequestStatus.approved, AFTER)
    standing = change_set_standing(JOINED, latest, approval, V2)
    assert standing.state is PageState.stale
