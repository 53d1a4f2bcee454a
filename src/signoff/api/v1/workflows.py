"""Workflow definitions: list, create, update, deactivate, assign.

Clients name approvers by `accountId` and groups by name; `_definition` turns them
into the ids the actions take, refusing unknown ones with a 400 naming the field.
Changes need a space admin, checked before any name is looked up.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from sqlalchemy.orm import Session

from signoff.access import access_space, access_workflow, require_role
from signoff.actions.workflows import (
    KEEP,
    do_assign_workflow,
    do_create_workflow,
    do_deactivate_workflow,
    do_update_workflow,
)
from signoff.api.v1.calls import ApiCall, api_call
from signoff.api.v1.responses import (
    READ_ERRORS,
    WRITE_ERRORS,
    WorkflowList,
    WorkflowOne,
    documented,
)
from signoff.api.v1.schemas import (
    ObjectId,
    StepIn,
    WorkflowAssign,
    WorkflowCreate,
    WorkflowRef,
    WorkflowUpdate,
)
from signoff.api.v1.shapes.workflows import workflow_list, workflow_one
from signoff.auth.scopes import Scope
from signoff.db.models import User, Workflow
from signoff.domain.errors import BadInput
from signoff.domain.states import Role
from signoff.domain.workflows import StepDefinition
from signoff.queries.workflows import (
    group_ids_by_name,
    list_workflows,
    user_ids_by_account,
    workflow_view,
)

router = APIRouter(tags=["workflows"])

Reader = Annotated[ApiCall, Depends(api_call(Scope.read_approval))]
Manager = Annotated[ApiCall, Depends(api_call(Scope.manage_space))]
MANAGE = "manage workflows"


def _rendered(session: Session, workflow: Workflow) -> WorkflowOne:
    return workflow_one(workflow_view(session, workflow))


def _managed(session: Session, actor: User, workflow_id: int) -> Workflow:
    workflow = access_workflow(session, actor, workflow_id)
    require_role(session, actor, workflow.space_id, Role.admin, action=MANAGE)
    return workflow


def _definition(session: Session, steps: Sequence[StepIn]) -> list[StepDefinition]:
    """The steps with account ids and group names resolved, unknown ones refused."""
    users = user_ids_by_account(session, (a for s in steps for a in s.approvers))
    groups = group_ids_by_name(session, (g for s in steps for g in s.groups))
    for index, step in enumerate(steps):
        for field, names, known, what in (
            ("approvers", step.approvers, users, "user with accountId"),
            ("groups", step.groups, groups, "group named"),
        ):
            unknown = [name for name in names if name not in known]
            if unknown:
                where = f"steps[{index}].{field}"
                raise BadInput(f"{where}: no {what} {unknown[0]!r}.", field=where)
    return [
        StepDefinition(
            name=step.name,
            approver_ids=tuple(users[a] for a in step.approvers),
            group_ids=tuple(groups[g] for g in step.groups),
            rule=step.rule,
            quorum=step.quorum,
            min_rejections=step.min_rejections,
            due_days=step.due_days,
        )
        for step in steps
    ]


@router.get(
    "/workflows",
    summary="The workflows of a space, active or not",
    responses=documented(WorkflowList, "Every workflow, oldest first.", READ_ERRORS),
)
def get_workflows(
    call: Reader, space_id: Annotated[ObjectId, Query(alias="spaceId")]
) -> Response:
    def work(session: Session, actor: User) -> WorkflowList:
        space = access_space(session, actor, space_id)
        return workflow_list(list_workflows(session, space.id))

    return call.read(work)


@router.post(
    "/workflows",
    summary="Create a workflow",
    responses=documented(WorkflowOne, "The new workflow.", WRITE_ERRORS),
)
def post_workflow(body: WorkflowCreate, call: Manager) -> Response:
    def work(session: Session, actor: User) -> WorkflowOne:
        space = access_space(session, actor, body.space_id, Role.admin, action=MANAGE)
        workflow = do_create_workflow(
            session,
            space,
            name=body.name,
            steps=_definition(session, body.steps),
            expire_on_edit=body.expire_on_edit,
            stale_on=body.stale_on,
            allow_self_approval=body.allow_self_approval,
            valid_for_days=body.valid_for_days,
            notify_requests=body.notify_requests,
            notify_status=body.notify_status,
            allow_override=body.allow_override,
            rereview_days=body.rereview_days,
            **call.by(actor),
        )
        return _rendered(session, workflow)

    return call.write(work)


@router.post(
    "/workflows/update",
    summary="Change a workflow; pending reviews without decisions adopt it",
    responses=documented(WorkflowOne, "The workflow, revision bumped.", WRITE_ERRORS),
)
def post_workflow_update(body: WorkflowUpdate, call: Manager) -> Response:
    def work(session: Session, actor: User) -> WorkflowOne:
        workflow = _managed(session, actor, body.workflow_id)
        do_update_workflow(
            session,
            workflow,
            name=body.name,
            steps=_definition(session, body.steps) if body.steps is not None else None,
            expire_on_edit=body.expire_on_edit,
            stale_on=body.stale_on,
            allow_self_approval=body.allow_self_approval,
            # An explicit `"validForDays": null` removes the expiry; absent keeps it.
            valid_for_days=(
                body.valid_for_days
                if "valid_for_days" in body.model_fields_set
                else KEEP
            ),
            notify_requests=body.notify_requests,
            notify_status=body.notify_status,
            allow_override=body.allow_override,
            rereview_days=(
                body.rereview_days if "rereview_days" in body.model_fields_set else KEEP
            ),
            **call.by(actor),
        )
        return _rendered(session, workflow)

    return call.write(work)


@router.post(
    "/workflows/deactivate",
    summary="Deactivate a workflow and clear its assignments",
    responses=documented(WorkflowOne, "The workflow, no longer active.", WRITE_ERRORS),
)
def post_workflow_deactivate(body: WorkflowRef, call: Manager) -> Response:
    def work(session: Session, actor: User) -> WorkflowOne:
        workflow = _managed(session, actor, body.workflow_id)
        do_deactivate_workflow(session, workflow, **call.by(actor))
        return _rendered(session, workflow)

    return call.write(work)


@router.post(
    "/workflows/assign",
    summary="Assign a workflow to pages and/or make it the space default",
    responses=documented(WorkflowOne, "The workflow as assigned.", WRITE_ERRORS),
)
def post_workflow_assign(body: WorkflowAssign, call: Manager) -> Response:
    def work(session: Session, actor: User) -> WorkflowOne:
        workflow = _managed(session, actor, body.workflow_id)
        do_assign_workflow(
            session,
            workflow,
            page_ids=body.page_ids,
            space_default=body.space_default,
            **call.by(actor),
        )
        return _rendered(session, workflow)

    return call.write(work)
