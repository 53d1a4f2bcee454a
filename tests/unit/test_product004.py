"""Reading product 004's approval property strictly (`domain.product004`)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from signoff.domain.product004 import MalformedProperty, read_product004
from signoff.domain.states import RequestStatus

SAMPLE = Path(__file__).parents[1] / "data" / "compat" / "product-004-property.json"


def _sample() -> dict[str, Any]:
    value = json.loads(SAMPLE.read_text())["results"][0]["value"]
    assert isinstance(value, dict)
    return value


def test_product_004s_own_sample_reads_as_a_pending_approval() -> None:
    found = read_product004(_sample())

    assert (found.status, found.raw_status) == (RequestStatus.pending, 0)
    assert found.pending == ("<account-id>",)
    assert found.created_at == datetime(2025, 7, 15, 10, 33, 14, tzinfo=UTC)
    assert (found.minimum_approvers, found.minimum_rejections) == (1, 1)


@pytest.mark.parametrize(
    ("changes", "fault"),
    [
        ({"status": "0"}, "status is the string '0', not a whole number"),
        ({"status": True}, "status is the boolean true, not a whole number"),
        ({"status": 6}, "status 6 is not one of 0-5"),
        ({"isComplete": False}, "isComplete is the boolean false"),
        ({"isComplete": "true"}, "status 0 with isComplete 'true'"),
        ({"approved": ["a", 7]}, "approved is not a list of account ids"),
        ({"createdBy": ""}, "createdBy is the string '', not an account id"),
        ({"createdAt": -1}, "createdAt is the number -1, not a whole number"),
        ({"minimumApprovers": 1.5}, "minimumApprovers is the number 1.5"),
    ],
)
def test_a_wrong_type_or_value_is_named(changes: dict[str, Any], fault: str) -> None:
    with pytest.raises(MalformedProperty, match=re.escape(fault)):
        read_product004({**_sample(), **changes})


@pytest.mark.parametrize(
    ("value", "kind"),
    [("approved", "the string 'approved'"), ([1], "a list"), (None, "null")],
)
def test_a_value_that_is_not_an_object_is_malformed(value: object, kind: str) -> None:
    with pytest.raises(MalformedProperty, match=re.escape(f"{kind}, not an object")):
        read_product004(value)


@pytest.mark.parametrize(
    ("changes", "settled"),
    [
        ({}, RequestStatus.pending),
        ({"approved": ["a"], "pending": ["b"]}, RequestStatus.approved),
        (
            {"approved": ["a"], "pending": ["b"], "minimumApprovers": 2},
            RequestStatus.pending,
        ),
        (
            {"approved": ["a", "b"], "pending": [], "minimumApprovers": 0},
            RequestStatus.approved,
        ),
        (
            {"approved": ["a"], "pending": ["b"], "minimumApprovers": 0},
            RequestStatus.pending,
        ),
        ({"rejected": ["a"], "pending": ["b"]}, RequestStatus.rejected),
        (
            {"rejected": ["a"], "pending": ["b"], "minimumRejections": 2},
            RequestStatus.pending,
        ),
        (
            {"approved": ["a"], "rejected": ["a"], "pending": ["b"]},
            RequestStatus.rejected,
        ),
    ],
)
def test_a_pending_approval_its_decisions_already_settle_is_recorded_settled(
    changes: dict[str, Any], settled: RequestStatus
) -> None:
    found = read_product004({**_sample(), **changes})

    assert (found.status, found.settled_status) == (RequestStatus.pending, settled)


def test_a_closed_approval_keeps_its_own_status() -> None:
    value = {**_sample(), "status": 3, "approved": ["a"], "pending": []}

    assert read_product004(value).settled_status is RequestStatus.cancelled
