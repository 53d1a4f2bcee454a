"""Why a page cannot be submitted: one list of reasons shared by preflight and submit.

Preflight and the refusals of submit read the same facts through `submit_blocker`, so
they always agree. Reasons are checked in a fixed order, most fundamental first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum


class Blocker(StrEnum):
    page_missing = "page_missing"
    no_permission = "no_permission"
    change_set_archived = "change_set_archived"
    workflow_fixed = "workflow_fixed"
    no_workflow = "no_workflow"
    ambiguous_workflow = "ambiguous_workflow"
    already_pending = "already_pending"
    already_approved = "already_approved"
    no_eligible_approver = "no_eligible_approver"


BLOCKER_TEXT: Mapping[Blocker, str] = {
    Blocker.page_missing: "Page not found",
    Blocker.no_permission: "You do not have permission to submit this page",
    Blocker.change_set_archived: "Change set is archived",
    Blocker.workflow_fixed: "Another workflow cannot be chosen for this page",
    Blocker.no_workflow: "No workflow assigned",
    Blocker.ambiguous_workflow: (
        "Several workflows are active in this space and none is assigned to the page"
    ),
    Blocker.already_pending: "An approval is already pending",
    Blocker.already_approved: "Already approved at this version",
    Blocker.no_eligible_approver: "No eligible approver",
}


@dataclass(frozen=True)
class SubmitFacts:
    """What submit needs to know about one page, gathered by the caller."""

    page_exists: bool
    may_submit: bool = False
    change_set_archived: bool = False
    workflow_id: int | None = None
    workflow_ambiguous: bool = False
    fixed_workflow: str | None = None
    """The name of the page's own workflow, when the submitter named another."""
    has_pending: bool = False
    approved_current: bool = False
    impassable_steps: Sequence[str] = ()


@dataclass(frozen=True)
class Verdict:
    blocker: Blocker | None
    reason: str | None

    @property
    def can_submit(self) -> bool:
        return self.blocker is None


def submit_blocker(facts: SubmitFacts) -> Verdict:
    blocker = _first_blocker(facts)
    if blocker is None:
        return Verdict(None, None)
    text = BLOCKER_TEXT[blocker]
    if blocker is Blocker.no_eligible_approver:
        text = f"{text} for step '{facts.impassable_steps[0]}'"
    if blocker is Blocker.workflow_fixed:
        text = f"{text}: its workflow is '{facts.fixed_workflow}'"
    return Verdict(blocker, text)


def _first_blocker(facts: SubmitFacts) -> Blocker | None:
    checks = (
        (not facts.page_exists, Blocker.page_missing),
        (not facts.may_submit, Blocker.no_permission),
        (facts.change_set_archived, Blocker.change_set_archived),
        (facts.fixed_workflow is not None, Blocker.workflow_fixed),
        (facts.workflow_ambiguous, Blocker.ambiguous_workflow),
        (facts.workflow_id is None, Blocker.no_workflow),
        (facts.has_pending, Blocker.already_pending),
        (facts.approved_current, Blocker.already_approved),
        (bool(facts.impassable_steps), Blocker.no_eligible_approver),
    )
    return next((blocker for failed, blocker in checks if failed), None)
