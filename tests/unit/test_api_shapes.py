"""`/api/v1`'s response models write the contract's forms from typed values: ids as
strings of digits, times in UTC with `Z` (as the audit trail's `utc_text` writes
them), the domain's enums by value, and some fields only when they apply."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from signoff.api.v1.responses import (
    PagePreflight,
    QueueItem,
    SubmitResult,
    TrendPoint,
    plain,
)
from signoff.domain.audit_chain import utc_text
from signoff.domain.states import RequestStatus
from signoff.queries import queue

TIMES = [
    datetime(2026, 1, 5, 9, 0, tzinfo=UTC),
    datetime(2026, 1, 5, 9, 0, 0, 120000, tzinfo=UTC),
    datetime(2026, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
]


def _item(created_at: datetime, due_at: datetime | None) -> queue.QueueItem:
    return queue.QueueItem(
        request_id=55,
        page_id=101,
        public_id="101",
        title="Install guide",
        space_id=10,
        version=3,
        status=RequestStatus.pending,
        workflow_id=3,
        workflow_name="Standard review",
        current_step="Review",
        submitted_by="8d1e0c3a9b7f6e5d4c3b2a10",
        created_at=created_at,
        change_set_id=None,
        due_at=due_at,
    )


@pytest.mark.parametrize("moment", TIMES, ids=utc_text)
def test_a_time_is_written_as_the_audit_trail_writes_it(moment: datetime) -> None:
    written = plain(QueueItem.of(_item(moment, moment)))
    assert written["createdAt"] == written["dueAt"] == utc_text(moment)
    assert written["createdAt"].endswith("Z")


def test_a_read_model_is_written_under_camel_case_keys_with_ids_as_strings() -> None:
    assert plain(QueueItem.of(_item(TIMES[0], None))) == {
        "requestId": "55",
        "pageId": "101",
        "title": "Install guide",
        "spaceId": "10",
        "version": 3,
        "status": "pending",
        "workflowId": "3",
        "workflowName": "Standard review",
        "currentStep": "Review",
        "submittedBy": "8d1e0c3a9b7f6e5d4c3b2a10",
        "createdAt": "2026-01-05T09:00:00Z",
        "changeSetId": None,
        "dueAt": None,
        "claim": None,
        "rereviewDueAt": None,
    }


def test_a_day_is_written_as_its_date() -> None:
    point = TrendPoint(period=date(2026, 3, 2), submitted=1, approved=0, rejected=0)
    assert plain(point)["period"] == "2026-03-02"


def test_fields_that_do_not_apply_are_left_out() -> None:
    assert plain(SubmitResult(public_id="4", success=False)) == {
        "pageId": "4",
        "success": False,
    }
    refused = PagePreflight(success=True, can_submit=False, reason="No workflow")
    assert plain(refused) == {
        "success": True,
        "canSubmit": False,
        "reason": "No workflow",
    }


def test_a_value_outside_the_domain_is_refused_while_building() -> None:
    with pytest.raises(ValueError, match="status"):
        QueueItem.of({**vars(_item(TIMES[0], None)), "status": "lost"})
