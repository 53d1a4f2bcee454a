"""Overriding a review: a space admin forces a pending review's outcome, with a reason.

An override goes around the approvers, so it is kept narrow: only an admin of the
space (site administrators are admins everywhere), only a review still pending, only
where its workflow allows it, and never on content the admin submitted or wrote
unless the workflow allows self-approval (separation of duties holds for an override
as it does for a decision). The caller gathers the facts; the rule is here.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from signoff.domain.states import DecisionKind, RequestStatus, Role

MAX_REASON = 5000
"""As long as a decision's comment may be."""


class OverrideRefusal(StrEnum):
    not_an_admin = "not_an_admin"
    nothing_pending = "nothing_pending"
    forbidden_by_workflow = "forbidden_by_workflow"
    own_submission = "own_submission"


REFUSALS: dict[OverrideRefusal, str] = {
    OverrideRefusal.not_an_admin: (
        "Only an admin of this space may override a review."
    ),
    OverrideRefusal.nothing_pending: "No review is pending, so there is nothing "
    "to override.",
    OverrideRefusal.forbidden_by_workflow: (
        "This review's workflow does not allow overrides: its approvers must decide."
    ),
    OverrideRefusal.own_submission: (
        "You may not override a review of content you submitted or wrote, unless "
        "its workflow allows self-approval."
    ),
}


@dataclass(frozen=True)
class OverrideFacts:
    """What the rule needs to know about one person and one page's latest review.

    `status` is None when the page was never submitted; `excluded` are the people
    who may never decide on the review (`domain.duties.excluded_deciders`), already
    empty when its workflow allows self-approval.
    """

    person: int
    role: Role | None
    status: RequestStatus | None
    allow_override: bool
    excluded: frozenset[int]


def override_refusal(facts: OverrideFacts) -> OverrideRefusal | None:
    """Why `facts.person` may not override the review now; None when they may.

    The role is asked first, so someone who may not override learns nothing of the
    review's state from the refusal.
    """
    if facts.role is None or not facts.role.includes(Role.admin):
        return OverrideRefusal.not_an_admin
    if facts.status is not RequestStatus.pending:
        return OverrideRefusal.nothing_pending
    if not facts.allow_override:
        return OverrideRefusal.forbidden_by_workflow
    if facts.person in facts.excluded:
        return OverrideRefusal.own_submission
    return None


def outcome_of(decision: DecisionKind) -> RequestStatus:
    """The status an override to `decision` closes the review with."""
    if decision is DecisionKind.approve:
        return RequestStatus.approved
    return RequestStatus.rejected
