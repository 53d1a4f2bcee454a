"""The `signoff-approval` property of the page store, against product 004's own sample.

For each state a page can stand in, the property read over HTTP from
`/wiki/api/v2/pages/{id}/properties` has product 004's field names, order and JSON
types (`status` an integer, `isComplete` a string, times in epoch milliseconds), with
Signoff's `version`, `statusName` and `isStale` after them.
"""

from __future__ import annotations

from typing import Any

import pytest

from product_004 import SAMPLE, assert_shaped_like_product_004, epoch_ms
from signoff.domain.standing import PageState

from .helpers import NOW
from .test_page_standing import WALKS, World, world  # noqa: F401 (the fixture)

STATES = {
    PageState.pending: (0, "pending", False),
    PageState.approved: (1, "approved", False),
    PageState.rejected: (2, "rejected", False),
    PageState.cancelled: (3, "cancelled", False),
    PageState.superseded: (4, "superseded", False),
    PageState.expired: (5, "expired", False),
    PageState.stale: (1, "approved", True),
}


def _value(walked: World) -> dict[str, Any]:
    path = f"/wiki/api/v2/pages/{walked.page_id}/properties"
    (found,) = walked.json("GET", path)["results"]
    value: dict[str, Any] = found["value"]
    return value


@pytest.mark.parametrize("state", list(STATES), ids=str)
def test_the_property_has_product_004s_fields_and_types_in_every_state(
    world: World,  # noqa: F811
    state: PageState,
) -> None:
    WALKS[state](world)

    value = _value(world)

    assert_shaped_like_product_004(value)
    status, name, stale = STATES[state]
    assert (value["status"], value["statusName"], value["isStale"]) == (
        status,
        name,
        stale,
    )
    assert value["createdAt"] == value["completedAt"] == epoch_ms(NOW)
    assert value["version"] == 1


def test_a_pending_review_reads_as_product_004s_sample_does(
    world: World,  # noqa: F811
) -> None:
    WALKS[PageState.pending](world)

    value = _value(world)

    ours = {"pending", "createdBy", "latestVersionBy", "createdAt", "completedAt"}
    same = {k: v for k, v in value.items() if k in SAMPLE and k not in ours}
    assert same == {k: v for k, v in SAMPLE.items() if k not in ours}
    assert len(value["pending"]) == len(SAMPLE["pending"]) == 1
    # like the sample, an open review's completedAt is its createdAt
    assert value["completedAt"] == value["createdAt"]
    assert SAMPLE["completedAt"] == SAMPLE["createdAt"]
