"""The `signoff-approval` property's value as JSON: one rendering for every copy.

The page store's content API serves it and the Confluence writer puts it on
Confluence pages; both call `approval_value_json`, so the two can never disagree on
a field's name or type. The only difference is who the people are: Signoff account
ids in the page store, the mapped Atlassian account ids on a Confluence page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from signoff.queries.approval_property import ApprovalValue

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
        "status": value.status.value,
        "isStale": value.is_stale,
        "isComplete": value.is_complete,
        "createdAt": _time(value.created_at),
        "createdBy": person(value.created_by),
        "completedAt": None
        if value.completed_at is None
        else _time(value.completed_at),
        "latestVersionBy": person(value.latest_version_by),
        "minimumApprovers": value.minimum_approvers,
        "minimumRejections": value.minimum_rejections,
        "version": value.version,
    }


def _time(moment: datetime) -> str:
    """Confluence's `YYYY-MM-DDTHH:mm:ss.sssZ`."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"
