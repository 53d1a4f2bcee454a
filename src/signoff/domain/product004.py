"""Product 004's approval content property, read strictly for an import.

Product 004 keeps one approval per page in the property `njyzjq_capable_approval`;
`read_product004` accepts exactly its field names and types and says, in one
sentence, what is wrong with anything else, so a malformed page imports nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from signoff.domain.states import RequestStatus

PRODUCT004_KEY = "njyzjq_capable_approval"

STATUSES: dict[int, RequestStatus] = {
    0: RequestStatus.pending,
    1: RequestStatus.approved,
    2: RequestStatus.rejected,
    3: RequestStatus.cancelled,
    4: RequestStatus.superseded,
    5: RequestStatus.expired,
}
"""Product 004's integer `status`, as the review status Signoff records."""

_ACCOUNT_LISTS = ("pending", "approved", "rejected", "commented")
_ACCOUNTS = ("createdBy", "latestVersionBy")
_COUNTS = ("minimumApprovers", "minimumRejections")
_TIMES = ("createdAt", "completedAt")


class MalformedProperty(ValueError):
    """The property is not product 004's shape; the message says what is wrong."""


@dataclass(frozen=True)
class Product004Approval:
    """One page's approval as product 004 recorded it; times are UTC."""

    status: RequestStatus
    raw_status: int
    pending: tuple[str, ...]
    approved: tuple[str, ...]
    rejected: tuple[str, ...]
    created_by: str
    created_at: datetime
    completed_at: datetime
    minimum_approvers: int
    minimum_rejections: int

    @property
    def accounts(self) -> tuple[str, ...]:
        """Every account that must be a Signoff user to record this approval (the
        `commented` list records nothing and is not among them)."""
        named = (self.created_by, *self.pending, *self.approved, *self.rejected)
        return tuple(dict.fromkeys(named))

    @property
    def settled_status(self) -> RequestStatus:
        """The status Signoff records: product 004's own, except for a pending
        approval whose decisions already settle it by its own numbers.

        Product 004 shows such a page approved (or rejected) although its stored
        status still says pending; left open in Signoff, the review would wait for
        a decision that changes nothing. Rejections outrank approvals, as in a
        Signoff step: `minimumRejections` (at least 1) of them reject it; else
        `minimumApprovers` approvals (every seat when it is 0) approve it.
        """
        if self.status is not RequestStatus.pending:
            return self.status
        if len(self.rejected) >= max(1, self.minimum_rejections):
            return RequestStatus.rejected
        seats = dict.fromkeys((*self.pending, *self.approved, *self.rejected))
        approvals = [a for a in self.approved if a not in self.rejected]
        needed = self.minimum_approvers or len(seats)
        if approvals and len(approvals) >= needed:
            return RequestStatus.approved
        return RequestStatus.pending


def read_product004(value: Any) -> Product004Approval:
    """The approval `value` holds, or `MalformedProperty` naming the first fault.

    Strict on purpose: a value that only resembles product 004's (a status given
    as text, `isComplete` as a boolean) may come from another writer, and
    importing a guess would put words in approvers' mouths.
    """
    if not isinstance(value, dict):
        raise MalformedProperty(f"the value is {_kind(value)}, not an object")
    for name in (
        *_ACCOUNT_LISTS,
        "status",
        "isComplete",
        "createdAt",
        *_ACCOUNTS,
        *_COUNTS,
    ):
        if name not in value:
            raise MalformedProperty(f"the field {name!r} is missing")
    lists = {name: _accounts(value, name) for name in _ACCOUNT_LISTS}
    status = _integer(value, "status")
    if status not in STATUSES:
        raise MalformedProperty(f"status {status} is not one of 0-5")
    complete = value["isComplete"]
    if complete not in ("true", "false"):
        raise MalformedProperty(
            f"isComplete is {_kind(complete)}, not the string 'true' or 'false'"
        )
    if (status == 0) != (complete == "false") and status in (0, 1, 2):
        raise MalformedProperty(f"status {status} with isComplete {complete!r}")
    created_at = _time(value, "createdAt")
    return Product004Approval(
        status=STATUSES[status],
        raw_status=status,
        pending=lists["pending"],
        approved=lists["approved"],
        rejected=lists["rejected"],
        created_by=_account(value, "createdBy"),
        created_at=created_at,
        completed_at=(
            _time(value, "completedAt") if "completedAt" in value else created_at
        ),
        minimum_approvers=_integer(value, "minimumApprovers"),
        minimum_rejections=_integer(value, "minimumRejections"),
    )


def _kind(value: Any) -> str:
    if isinstance(value, str):
        return f"the string {value!r}"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if value is None:
        return "null"
    if isinstance(value, int | float):
        return f"the number {value!r}"
    if isinstance(value, list):
        return "a list"
    return "an object" if isinstance(value, dict) else "another value"


def _integer(value: dict[str, Any], name: str) -> int:
    found = value.get(name)
    if isinstance(found, bool) or not isinstance(found, int) or found < 0:
        raise MalformedProperty(f"{name} is {_kind(found)}, not a whole number")
    return found


def _account(value: dict[str, Any], name: str) -> str:
    found = value.get(name)
    if not isinstance(found, str) or not found.strip():
        raise MalformedProperty(f"{name} is {_kind(found)}, not an account id")
    return found


def _accounts(value: dict[str, Any], name: str) -> tuple[str, ...]:
    found = value.get(name)
    if not isinstance(found, list) or not all(
        isinstance(item, str) and item.strip() for item in found
    ):
        raise MalformedProperty(f"{name} is not a list of account ids")
    return tuple(dict.fromkeys(found))


def _time(value: dict[str, Any], name: str) -> datetime:
    """Epoch milliseconds as a UTC time."""
    milliseconds = _integer(value, name)
    try:
        return datetime.fromtimestamp(milliseconds / 1000, tz=UTC)
    except (OverflowError, OSError, ValueError):
        raise MalformedProperty(f"{name} {milliseconds} is not a time") from None


IMPORT_MARK = f"import:{PRODUCT004_KEY}"
"""The `client_id` of every review and decision an import records: what marks them
as imported rather than made in Signoff."""
