"""The `signoff-approval` value's rendering, without a database.

Product 004's types are fixed here at the edges: every status a property can carry
has its integer code, a page never submitted (`none`) has none, and times are epoch
milliseconds whatever zone the moment was given in.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest

from signoff.domain.states import ApprovalStatus
from signoff.notify.approval_value import approval_value_json, status_code
from signoff.notify.confluence_writes import labels_for
from signoff.queries.approval_property import ApprovalValue

SUBMITTED = datetime(2025, 7, 15, 10, 33, 14, 677000, tzinfo=UTC)
VALUE = ApprovalValue(
    pending=["ann"],
    approved=[],
    rejected=[],
    commented=[],
    status=ApprovalStatus.pending,
    is_stale=False,
    is_complete=False,
    created_at=SUBMITTED,
    created_by="bea",
    completed_at=None,
    latest_version_by="bea",
    minimum_approvers=1,
    minimum_rejections=1,
    version=3,
)


def test_every_status_a_property_carries_has_product_004s_code() -> None:
    codes = {s.value: status_code(s) for s in ApprovalStatus if s.value != "none"}
    assert codes == {
        "pending": 0,
        "approved": 1,
        "rejected": 2,
        "cancelled": 3,
        "superseded": 4,
        "expired": 5,
    }


def test_a_status_of_none_is_refused_since_no_property_carries_it() -> None:
    with pytest.raises(ValueError, match="'none' has no property code"):
        approval_value_json(replace(VALUE, status=ApprovalStatus.none))


def test_an_open_review_says_its_start_as_its_completion_like_product_004() -> None:
    value = approval_value_json(VALUE)
    assert value["createdAt"] == value["completedAt"] == 1752575594677
    assert (value["status"], value["isComplete"]) == (0, "false")


def test_times_are_epoch_milliseconds_whatever_their_zone() -> None:
    paris = SUBMITTED.astimezone(timezone(timedelta(hours=2)))
    done = replace(
        VALUE,
        status=ApprovalStatus.approved,
        is_complete=True,
        created_at=paris,
        completed_at=paris + timedelta(seconds=1, milliseconds=5),
    )
    value = approval_value_json(done)
    assert (value["createdAt"], value["completedAt"]) == (1752575594677, 1752575595682)
    assert (value["status"], value["statusName"], value["isComplete"]) == (
        1,
        "approved",
        "true",
    )


@pytest.mark.parametrize(
    ("status", "stale", "labels"),
    [
        (ApprovalStatus.pending, False, {"signoff-in-review"}),
        (ApprovalStatus.approved, False, {"signoff-approved"}),
        (ApprovalStatus.approved, True, {"signoff-stale"}),
        (ApprovalStatus.rejected, False, set()),
        (ApprovalStatus.expired, False, set()),
    ],
)
def test_labels_read_the_rendered_status_codes(
    status: ApprovalStatus, stale: bool, labels: set[str]
) -> None:
    value = replace(VALUE, status=status, is_stale=stale)
    assert labels_for(approval_value_json(value)) == labels
