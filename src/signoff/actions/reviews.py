"""The mechanics of a review shared by several actions: building and closing requests.

A request snapshots its workflow's steps and options when it begins, so later edits of
the workflow never rewrite a review that has decisions.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from signoff.actions.assignments import assign_step, clear_request
from signoff.db.models import (
    ApprovalRequest,
    Decision,
    Page,
    PageVersion,
    RequestStep,
    RequestStepSeat,
    Workflow,
)
from signoff.domain.states import RequestStatus, StepStatus


def new_request(
    page: Page,
    workflow: Workflow,
    version: PageVersion,
    *,
    steps: list[RequestStep],
    submitted_by: int,
    origin: str,
    client_id: str | None,
    created_at: datetime,
    change_set_id: int | None = None,
) -> ApprovalRequest:
    """A pending request of `version` under `workflow`, its options snapshotted and
    its first step current; not yet added to the session."""
    return ApprovalRequest(
        page_id=page.id,
        space_id=page.space_id,
        workflow_id=workflow.id,
        workflow_revision=workflow.revision,
        page_version=version.number,
        version_id=version.id,
        content_hash=version.content_hash,
        author_id=version.author_id,
        status=RequestStatus.pending,
        current_step=0,
        expire_on_edit=workflow.expire_on_edit,
        stale_on=workflow.stale_on,
        allow_self_approval=workflow.allow_self_approval,
        allow_override=workflow.allow_override,
        valid_for_days=workflow.valid_for_days,
        rereview_days=workflow.rereview_days,
        submitted_by=submitted_by,
        origin=origin,
        client_id=client_id,
        change_set_id=change_set_id,
        created_at=created_at,
        steps=steps,
    )


def due_after(start: datetime, days: int | None) -> datetime | None:
    """When a step that started at `start` is due, if it has a due period."""
    return None if days is None else start + timedelta(days=days)


def snapshot_steps(
    workflow: Workflow, *, first_active: bool = True
) -> list[RequestStep]:
    steps = []
    for index, definition in enumerate(workflow.steps):
        seats = [
            RequestStepSeat(user_id=uid)
            for uid in dict.fromkeys(definition.approver_ids)
        ]
        seats += [
            RequestStepSeat(group_id=gid) for gid in dict.fromkeys(definition.group_ids)
        ]
        status = (
            StepStatus.active if index == 0 and first_active else StepStatus.waiting
        )
        steps.append(
            RequestStep(
                position=index,
                name=definition.name,
                rule=definition.rule,
                quorum=definition.quorum,
                min_rejections=definition.min_rejections,
                due_days=definition.due_days,
                status=status,
                # Set here rather than left to the column's server default, which
                # the ORM would read back row by row.
                reminders_sent=0,
                seats=seats,
            )
        )
    return steps


def adopt_definition(
    session: Session, request: ApprovalRequest, workflow: Workflow
) -> None:
    """Give a pending request with no decisions the workflow's current definition."""
    clear_request(session, request)
    request.steps.clear()
    session.flush()
    request.steps.extend(snapshot_steps(workflow))
    request.workflow_revision = workflow.revision
    request.expire_on_edit = workflow.expire_on_edit
    request.stale_on = workflow.stale_on
    request.allow_self_approval = workflow.allow_self_approval
    request.allow_override = workflow.allow_override
    request.valid_for_days = workflow.valid_for_days
    request.rereview_days = workflow.rereview_days
    request.current_step = 0
    # The first step has been running since the submission.
    request.steps[0].due_at = due_after(request.created_at, request.steps[0].due_days)
    session.flush()
    assign_step(session, request, request.steps[0])


def has_decisions(session: Session, request: ApprovalRequest) -> bool:
    return (
        session.scalar(
            select(Decision.id).where(Decision.request_id == request.id).limit(1)
        )
        is not None
    )


def close_request(
    session: Session, request: ApprovalRequest, status: RequestStatus, *, now: datetime
) -> None:
    """End a request: steps not yet decided are marked skipped."""
    clear_request(session, request)
    request.status = status
    request.completed_at = now
    request.current_step = None
    for step in request.steps:
        if step.status in (StepStatus.active, StepStatus.waiting):
            step.status = StepStatus.skipped
    session.flush()
