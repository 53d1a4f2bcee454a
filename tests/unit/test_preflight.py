"""Submit blockers: each reason on its own, and which one wins when several apply."""

from __future__ import annotations

from dataclasses import replace
from itertools import combinations
from typing import Any

import pytest

from signoff.domain.preflight import (
    BLOCKER_TEXT,
    Blocker,
    SubmitFacts,
    Verdict,
    submit_blocker,
)

CLEAR = SubmitFacts(page_exists=True, may_submit=True, workflow_id=7)

# The facts that raise each blocker on an otherwise clear page.
CAUSES: dict[Blocker, dict[str, Any]] = {
    Blocker.page_missing: {"page_exists": False},
    Blocker.no_permission: {"may_submit": False},
    Blocker.change_set_archived: {"change_set_archived": True},
    Blocker.workflow_fixed: {"fixed_workflow": "Legal review"},
    Blocker.ambiguous_workflow: {"workflow_ambiguous": True, "workflow_id": None},
    Blocker.no_workflow: {"workflow_id": None},
    Blocker.already_pending: {"has_pending": True},
    Blocker.already_approved: {"approved_current": True},
    Blocker.no_eligible_approver: {"impassable_steps": ("Legal",)},
}

# Most fundamental first: a caller who may not see or submit the page learns nothing
# about its workflow or reviews.
PRECEDENCE = [
    Blocker.page_missing,
    Blocker.no_permission,
    Blocker.change_set_archived,
    Blocker.workflow_fixed,
    Blocker.ambiguous_workflow,
    Blocker.no_workflow,
    Blocker.already_pending,
    Blocker.already_approved,
    Blocker.no_eligible_approver,
]


def facts_with(*blockers: Blocker) -> SubmitFacts:
    changes: dict[str, Any] = {}
    for blocker in blockers:
        changes.update(CAUSES[blocker])
    return replace(CLEAR, **changes)


def test_precedence_table_lists_every_blocker_once() -> None:
    assert sorted(PRECEDENCE) == sorted(Blocker)
    assert CAUSES.keys() == set(Blocker)


def test_clear_page_can_be_submitted() -> None:
    assert submit_blocker(CLEAR) == Verdict(None, None)
    assert submit_blocker(CLEAR).can_submit


@pytest.mark.parametrize(
    ("blocker", "reason"),
    [
        pytest.param(Blocker.page_missing, "Page not found", id="page-missing"),
        pytest.param(
            Blocker.no_permission,
            "You do not have permission to submit this page",
            id="no-permission",
        ),
        pytest.param(
            Blocker.change_set_archived,
            "Change set is archived",
            id="change-set-archived",
        ),
        pytest.param(
            Blocker.workflow_fixed,
            "Another workflow cannot be chosen for this page:"
            " its workflow is 'Legal review'",
            id="workflow-fixed",
        ),
        pytest.param(
            Blocker.ambiguous_workflow,
            "Several workflows are active in this space"
            " and none is assigned to the page",
            id="ambiguous-workflow",
        ),
        pytest.param(Blocker.no_workflow, "No workflow assigned", id="no-workflow"),
        pytest.param(
            Blocker.already_pending,
            "An approval is already pending",
            id="already-pending",
        ),
        pytest.param(
            Blocker.already_approved,
            "Already approved at this version",
            id="already-approved",
        ),
        pytest.param(
            Blocker.no_eligible_approver,
            "No eligible approver for step 'Legal'",
            id="no-eligible-approver",
        ),
    ],
)
def test_each_blocker_alone_refuses_submit_with_its_reason(
    blocker: Blocker, reason: str
) -> None:
    verdict = submit_blocker(facts_with(blocker))
    assert verdict == Verdict(blocker, reason)
    assert not verdict.can_submit


@pytest.mark.parametrize(
    ("first", "later"),
    [
        pytest.param(first, later, id=f"{first.value}-beats-{later.value}")
        for first, later in combinations(PRECEDENCE, 2)
    ],
)
def test_more_fundamental_blocker_wins_when_two_apply(
    first: Blocker, later: Blocker
) -> None:
    assert submit_blocker(facts_with(first, later)).blocker is first


@pytest.mark.parametrize(
    "start",
    [pytest.param(index, id=f"from-{b.value}") for index, b in enumerate(PRECEDENCE)],
)
def test_first_blocker_in_order_wins_when_every_later_one_applies(start: int) -> None:
    facts = facts_with(*PRECEDENCE[start:])
    assert submit_blocker(facts).blocker is PRECEDENCE[start]


def test_missing_page_is_reported_before_anything_else_is_looked_at() -> None:
    assert (
        submit_blocker(SubmitFacts(page_exists=False)).blocker is Blocker.page_missing
    )


def test_page_that_exists_is_not_submittable_without_the_right_by_default() -> None:
    assert (
        submit_blocker(SubmitFacts(page_exists=True)).blocker is Blocker.no_permission
    )


def test_no_eligible_approver_names_the_first_impassable_step() -> None:
    facts = replace(CLEAR, impassable_steps=("Legal review", "Final sign-off"))
    assert (
        submit_blocker(facts).reason == "No eligible approver for step 'Legal review'"
    )


def test_no_eligible_approver_text_starts_with_the_shared_sentence() -> None:
    reason = submit_blocker(facts_with(Blocker.no_eligible_approver)).reason
    assert reason is not None
    assert reason.startswith(BLOCKER_TEXT[Blocker.no_eligible_approver])


def test_a_refused_workflow_choice_names_the_page_workflow() -> None:
    reason = submit_blocker(replace(CLEAR, fixed_workflow="Legal and owner")).reason
    assert reason is not None
    assert reason.startswith(BLOCKER_TEXT[Blocker.workflow_fixed])
    assert reason.endswith("its workflow is 'Legal and owner'")
