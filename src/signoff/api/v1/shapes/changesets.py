"""Change sets as `/api/v1/changeSets*` answer them: the list (page ids only), the
detail (each page's approval facts), and the verdicts of submit, preflight and
decide."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from signoff.api.v1.responses import (
    ChangeSetDecided,
    ChangeSetDetail,
    ChangeSetList,
    ChangeSetOne,
    ChangeSetPreflight,
    ChangeSetSubmitted,
    ChangeSetSummary,
    DecideResult,
    PreflightResult,
    PreflightSummary,
    SubmitResult,
)

if TYPE_CHECKING:
    from signoff.actions.changesets import PageResult
    from signoff.actions.page_decisions import PageDecision
    from signoff.queries import changesets


def change_set_summary(view: changesets.ChangeSetView) -> ChangeSetSummary:
    return ChangeSetSummary.of(view)


def change_set_list(views: Sequence[changesets.ChangeSetView]) -> ChangeSetList:
    return ChangeSetList(
        success=True, change_sets=[change_set_summary(view) for view in views]
    )


def change_set_detail_out(view: changesets.ChangeSetDetail) -> ChangeSetDetail:
    return ChangeSetDetail.of(view)


def change_set_one(view: changesets.ChangeSetDetail) -> ChangeSetOne:
    return ChangeSetOne(success=True, change_set=change_set_detail_out(view))


def change_set_submitted(results: Sequence[PageResult]) -> ChangeSetSubmitted:
    """Each page's outcome; `workflowId`, `requestId` and `reason` where they apply."""
    submitted = sum(result.success for result in results)
    return ChangeSetSubmitted(
        success=True,
        submitted_count=submitted,
        skipped_count=len(results) - submitted,
        results=[SubmitResult.of(result) for result in results],
    )


def change_set_preflight(results: Sequence[PageResult]) -> ChangeSetPreflight:
    """Each page's verdict (`canSubmit`), and how many could go."""
    submittable = sum(result.success for result in results)
    return ChangeSetPreflight(
        success=True,
        summary=PreflightSummary(
            total=len(results),
            submittable=submittable,
            blocked=len(results) - submittable,
        ),
        results=[
            PreflightResult(
                public_id=result.public_id,
                can_submit=result.success,
                workflow_id=result.workflow_id,
                reason=result.reason,
            )
            for result in results
        ],
    )


def change_set_decided(results: Sequence[PageDecision]) -> ChangeSetDecided:
    """Each page's outcome of a whole-set decision; `version` or `reason`."""
    decided = sum(result.success for result in results)
    return ChangeSetDecided(
        success=True,
        decided_count=decided,
        skipped_count=len(results) - decided,
        results=[DecideResult.of(result) for result in results],
    )
