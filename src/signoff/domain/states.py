"""The vocabulary of states and choices, as `StrEnum`s stored as lower-case text."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """A member's role in a space; higher roles include the rights of lower ones."""

    viewer = "viewer"
    editor = "editor"
    admin = "admin"

    @property
    def rank(self) -> int:
        return _ROLE_RANK[self]

    def includes(self, other: Role) -> bool:
        return self.rank >= other.rank


_ROLE_RANK = {Role.viewer: 1, Role.editor: 2, Role.admin: 3}


class Origin(StrEnum):
    """Where an action came from; audit texts show API actions as "(via API)"."""

    ui = "ui"
    api = "api"
    cli = "cli"
    system = "system"  # time-driven changes: an approval expiring, reminders


class Rule(StrEnum):
    all = "all"
    any = "any"
    quorum = "quorum"


class StaleOn(StrEnum):
    """`content`: only a change of normalised content counts; `version`: any save."""

    content = "content"
    version = "version"


class WorkflowKind(StrEnum):
    """Who wrote a workflow: a space admin, or an ad-hoc request for itself alone."""

    defined = "defined"
    adhoc = "adhoc"


class RequestStatus(StrEnum):
    pending = "pending"
    approved = "approved"
    rejected = "rejected"
    cancelled = "cancelled"
    superseded = "superseded"
    expired = "expired"

    @property
    def is_open(self) -> bool:
        return self is RequestStatus.pending


class StepStatus(StrEnum):
    """`waiting`: not reached yet; `skipped`: not reached because the request ended."""

    waiting = "waiting"
    active = "active"
    approved = "approved"
    rejected = "rejected"
    skipped = "skipped"


class DecisionKind(StrEnum):
    approve = "approve"
    reject = "reject"


class ChangeSetStatus(StrEnum):
    open = "open"
    archived = "archived"


class RollupState(StrEnum):
    open = "open"
    in_review = "in_review"
    partially_approved = "partially_approved"
    all_approved = "all_approved"
    has_rejections = "has_rejections"
    stale = "stale"


class ApprovalStatus(StrEnum):
    """A page's approval status as clients read it (`none` when never submitted)."""

    none = "none"
    pending = "pending"
    approved = "approved"
    rejected = "rejected"
    cancelled = "cancelled"
    superseded = "superseded"
    expired = "expired"
