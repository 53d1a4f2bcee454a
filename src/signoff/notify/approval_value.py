"""The `signoff-approval` property's value as JSON: one rendering for every copy.

The page store's content API serves it and the Confluence writer puts it on
Confluence pages; both call `approval_value_json`, so the two can never disagree on
a field's name or type, and both keep reference product 004's names, order and types
(`status` an integer code, `isComplete` a string, times in epoch milliseconds). The
only difference is who the people are: Signoff account ids in the page store, the
mapped Atlassian account ids on a Confluence page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from signoff.domain.states import ApprovalStatus
from signoff.queries.approval_property import ApprovalValue

STATUS_CODES: dict[ApprovalStatus, int] = {
    ApprovalStatus.pending: 0,
    ApprovalStatus.approved: 1,
    ApprovalStatus.rejected: 2,
    ApprovalStatus.cancelled: 3,
    ApprovalStatus.superseded: 4,
    ApprovalStatus.expired: 5,
}
"""Product 004's integer codes; `none` has none, since a page never submitted has
no property to carry it."""
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

AccountOf = Callable[[str], str | None]
"""A person's id as the property names them, from their Signoff account id; None
leaves them out (nobody to name them by)."""


def same_account(account_id: str) -> str | None:
    return account_id


def approval_value_json(
    value: ApprovalValue, *, account: AccountOf = same_account
) -> dict[str, Any]:
    """The value's JSON, people named through `account`."""

    def people(account_ids: Iterable[str]) -> list[str]:
        named = (account(account_id) for account_id in account_ids)
        return [person for person in named if person is not None]

    def person(account_id: str | None) -> str | None:
        return None if account_id is None else account(account_id)

    return {
        "pending": people(value.pending),
        "approved": people(value.approved),
        "rejected": people(value.rejected),
        "commented": people(value.commented),
        "status": status_code(value.status),
        "isComplete": "true" if value.is_complete else "false",
        # An open review has no end yet: like product 004, it says its start.
        "completedAt": _epoch_ms(value.completed_at or value.created_at),
        "createdAt": _epoch_ms(value.created_at),
        "createdBy": person(value.created_by),
        "latestVersionBy": person(value.latest_version_by),
        "minimumApprovers": value.minimum_approvers,
        "minimumRejections": value.minimum_rejections,
        "version": value.version,
        "statusName": value.status.value,
        "isStale": value.is_stale,
    }


def status_code(status: ApprovalStatus) -> int:
    """Product 004's code for a status; `none` is refused, as no property has it."""
    code = STATUS_CODES.get(status)
    if code is None:
        raise ValueError(f"the approval status {status.value!r} has no property code")
    return code


def _epoch_ms(moment: datetime) -> int:
    """Milliseconds since 1970-01-01 UTC, as product 004 writes its times."""
    return (moment.astimezone(UTC) - EPOCH) // timedelta(milliseconds=1)
