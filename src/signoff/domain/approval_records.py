"""Per-version approval records, as product 003's REST API answers them.

A record is one page version's review seen as a list of members, each pending,
approved or rejected, with a quorum (0: everyone). Its numbers follow that
product's rules: `approvalId` stays the same for a member of a version whatever
happens to the review, and times are epoch milliseconds.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from signoff.domain.states import DecisionKind

MEMBER_PENDING, MEMBER_APPROVED, MEMBER_REJECTED = "pending", "approved", "rejected"
MAX_APPROVAL_ID = 2**53 - 1
"""Approval ids stay within what every JSON reader holds exactly."""


@dataclass(frozen=True)
class RecordMember:
    approval_id: int
    account_id: str
    display_name: str
    status: str
    at: datetime


@dataclass(frozen=True)
class ApprovalRecord:
    """One page version's review; `page_id` is the page as clients name it."""

    creator_account: str
    page_id: int
    title: str
    request_notifications: bool
    status_notifications: bool
    expire_on_edit: bool
    quorum_size: int
    members: Sequence[RecordMember]
    version: int
    superseded: bool


def approval_id(page_key: str, version: int, account_id: str) -> int:
    """A member's approval id on one version of one page (`page_key`: the page's
    own id): derived from the three, so it never changes, whichever review of
    that version and whatever order the members come in."""
    digest = hashlib.blake2b(
        f"{page_key}:{version}:{account_id}".encode(), digest_size=8
    ).digest()
    return int.from_bytes(digest, "big") % MAX_APPROVAL_ID + 1


def member_status(decision: DecisionKind | None) -> str:
    if decision is DecisionKind.approve:
        return MEMBER_APPROVED
    if decision is DecisionKind.reject:
        return MEMBER_REJECTED
    return MEMBER_PENDING


def epoch_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)
