"""Workflow definitions and their assignment to pages, managed by space admins.

Updating a workflow bumps its revision; pending reviews with no decisions yet adopt
the new definition (as the reference product does), reviews with decisions keep the
steps they started with. Deactivating a workflow clears its assignments, so no page
resolves to a workflow that no longer runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from enum import Enum
from typing import Any, Final, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from signoff.access import require_role
from signoff.actions.acting import Acting
from signoff.actions.audit import record_event
from signoff.actions.reviews import adopt_definition, has_decisions
from signoff.actions.validate import clean_text
from signoff.db.models import (
    ApprovalRequest,
    Group,
    Page,
    Space,
    User,
    Workflow,
    WorkflowStep,
)
from signoff.domain.errors import BadInput, InvalidState
from signoff.domain.rereviews import MAX_DAYS, MIN_DAYS
from signoff.domain.states import RequestStatus, Role, Rule, StaleOn, WorkflowKind
from signoff.domain.workflows import (
    MAX_NAME,
    StepDefinition,
    check_workflow_definition,
)
from signoff.queries.page_refs import get_pages_by_public_id
from signoff.queries.readers import space_readers


class _Keep(Enum):
    KEEP = "keep"


KEEP: Final = _Keep.KEEP
"""For `do_update_workflow(valid_for_days=..., rereview_days=...)`: keep it (`None`
clears it)."""


def _check_people(
    session: Session, space: Space, steps: Sequence[StepDefinition]
) -> None:
    """Every named approver exists and may read the space (a member, or a site
    administrator): the review asks them to read its pages, and its email quotes
    page titles and comments."""
    for index, step in enumerate(steps):
        where = f"steps[{index}].approvers"
        readers = space_readers(session, space.id, step.approver_ids)
        for user_id in step.approver_ids:
            user = session.get(User, user_id)
            if user is None:
                raise BadInput(f"{where}: no user {user_id}.", field=where)
            if user_id not in readers:
                raise BadInput(
                    f"{where}: {user.display_name} ({user.account_id}) is not a "
                    f"member of space {space.key}; add them to the space first.",
                    field=where,
                )
        for group_id in step.group_ids:
            if session.get(Group, group_id) is None:
                raise BadInput(
                    f"steps[{index}].groups: no group {group_id}.",
                    field=f"steps[{index}].groups",
                )


def _definition_of(workflow: Workflow) -> list[StepDefinition]:
    """The stored steps as a definition: an update that leaves them alone must still
    leave a valid workflow, though rows stored under older rules may not be one."""
    return [
        StepDefinition(
            name=step.name,
            approver_ids=tuple(step.approver_ids),
            group_ids=tuple(step.group_ids),
            rule=Rule(step.rule),
            quorum=step.quorum,
            min_rejections=step.min_rejections,
            due_days=step.due_days,
        )
        for step in workflow.steps
    ]


def _named(steps: Sequence[StepDefinition]) -> list[StepDefinition]:
    """The steps, their names cleaned and checked as every single-line field is."""
    return [
        replace(
            step,
            name=clean_text(
                step.name, field=f"steps[{index}].name", max_length=MAX_NAME
            ),
        )
        for index, step in enumerate(steps)
    ]


def _stored_steps(steps: Sequence[StepDefinition]) -> list[WorkflowStep]:
    return [
        WorkflowStep(
            position=index,
            name=step.name.strip(),
            rule=step.rule,
            quorum=step.quorum,
            min_rejections=step.min_rejections,
            due_days=step.due_days,
            approver_ids=list(dict.fromkeys(step.approver_ids)),
            group_ids=list(dict.fromkeys(step.group_ids)),
        )
        for index, step in enumerate(steps)
    ]


def _check_valid_for(valid_for_days: int | None) -> None:
    if valid_for_days is not None and valid_for_days < 1:
        raise BadInput("validForDays must be at least 1.", field="validForDays")


def _check_rereview(rereview_days: int | None) -> None:
    """A period from a day to ten years (`domain.rereviews`); None: never."""
    if rereview_days is not None and not MIN_DAYS <= rereview_days <= MAX_DAYS:
        raise BadInput(
            f"rereviewDays must be from {MIN_DAYS} to {MAX_DAYS}.",
            field="rereviewDays",
        )


def do_create_workflow(
    session: Session,
    space: Space,
    *,
    name: str,
    steps: Sequence[StepDefinition],
    expire_on_edit: bool = True,
    stale_on: StaleOn = StaleOn.content,
    allow_self_approval: bool = False,
    valid_for_days: int | None = None,
    rereview_days: int | None = None,
    notify_requests: bool = True,
    notify_status: bool = True,
    allow_override: bool = True,
    by: Acting[User],
) -> Workflow:
    require_role(session, by.actor, space.id, Role.admin, action="manage workflows")
    steps = _named(steps)
    check_workflow_definition(name, steps)
    _check_valid_for(valid_for_days)
    _check_rereview(rereview_days)
    _check_people(session, space, steps)
    name = clean_text(name, field="name", max_length=200)
    taken = session.scalar(
        select(Workflow.id).where(
            Workflow.space_id == space.id,
            Workflow.name == name,
            Workflow.kind == WorkflowKind.defined,
        )
    )
    if taken is not None:
        raise BadInput(f"A workflow named {name!r} already exists here.", field="name")
    workflow = Workflow(
        space_id=space.id,
        name=name,
        is_active=True,
        expire_on_edit=expire_on_edit,
        stale_on=StaleOn(stale_on),
        allow_self_approval=allow_self_approval,
        valid_for_days=valid_for_days,
        rereview_days=rereview_days,
        notify_requests=notify_requests,
        notify_status=notify_status,
        allow_override=allow_override,
        revision=1,
        created_at=by.now,
        created_by=by.actor.id,
        updated_at=by.now,
        steps=_stored_steps(steps),
    )
    session.add(workflow)
    session.flush()
    record_event(
        session,
        "workflow.created",
        f"{by.actor.display_name} created workflow '{name}' with {len(steps)} step(s).",
        by=by,
        space_id=space.id,
        details={"workflowId": workflow.id, "name": name, "steps": len(steps)},
    )
    return workflow


def do_update_workflow(
    session: Session,
    workflow: Workflow,
    *,
    name: str | None = None,
    steps: Sequence[StepDefinition] | None = None,
    expire_on_edit: bool | None = None,
    stale_on: StaleOn | None = None,
    allow_self_approval: bool | None = None,
    valid_for_days: int | _Keep | None = KEEP,
    rereview_days: int | _Keep | None = KEEP,
    notify_requests: bool | None = None,
    notify_status: bool | None = None,
    allow_override: bool | None = None,
    by: Acting[User],
) -> Workflow:
    """Change what is given; `None` keeps a field, except `valid_for_days=None`
    and `rereview_days=None`, which remove the expiry and the periodic re-review
    (`KEEP` keeps them)."""
    require_role(
        session, by.actor, workflow.space_id, Role.admin, action="manage workflows"
    )
    if not workflow.is_active:
        raise InvalidState(f"Workflow '{workflow.name}' is deactivated.")
    new_name = (
        clean_text(name, field="name", max_length=200)
        if name is not None
        else workflow.name
    )
    new_steps = _named(steps) if steps is not None else None
    # The steps as they will be: an update that keeps stored steps the rules now
    # refuse (from before a rule existed, or naming someone since removed from the
    # space) is refused until they are fixed.
    definition = new_steps if new_steps is not None else _definition_of(workflow)
    check_workflow_definition(new_name, definition)
    space = session.get(Space, workflow.space_id)
    assert space is not None
    _check_people(session, space, definition)
    if valid_for_days is not KEEP:
        _check_valid_for(valid_for_days)
    if rereview_days is not KEEP:
        _check_rereview(rereview_days)
    changed: list[str] = []
    if new_name != workflow.name:
        workflow.name, changed = new_name, [*changed, "name"]
    if new_steps is not None:
        workflow.steps.clear()
        session.flush()
        workflow.steps.extend(_stored_steps(new_steps))
        changed.append("steps")
    for field, value in (
        ("expire_on_edit", expire_on_edit),
        ("stale_on", stale_on),
        ("allow_self_approval", allow_self_approval),
        ("notify_requests", notify_requests),
        ("notify_status", notify_status),
        ("allow_override", allow_override),
    ):
        if value is not None and getattr(workflow, field) != value:
            setattr(workflow, field, value)
            changed.append(field)
    if valid_for_days is not KEEP and workflow.valid_for_days != valid_for_days:
        workflow.valid_for_days = valid_for_days
        changed.append("valid_for_days")
    if rereview_days is not KEEP and workflow.rereview_days != rereview_days:
        workflow.rereview_days = rereview_days
        changed.append("rereview_days")
    if not changed:
        return workflow
    workflow.revision += 1
    workflow.updated_at = by.now
    session.flush()
    adopted = _adopt_in_pending(session, workflow)
    record_event(
        session,
        "workflow.updated",
        f"{by.actor.display_name} updated workflow '{workflow.name}'.",
        by=by,
        space_id=workflow.space_id,
        details={
            "workflowId": workflow.id,
            "changed": changed,
            "revision": workflow.revision,
            "adoptedRequestIds": adopted,
        },
    )
    return workflow


def _adopt_in_pending(session: Session, workflow: Workflow) -> list[int]:
    pending = session.scalars(
        select(ApprovalRequest).where(
            ApprovalRequest.workflow_id == workflow.id,
            ApprovalRequest.status == RequestStatus.pending,
        )
    ).all()
    adopted = []
    for request in pending:
        if not has_decisions(session, request):
            adopt_definition(session, request, workflow)
            adopted.append(request.id)
    session.flush()
    return adopted


def do_deactivate_workflow(
    session: Session,
    workflow: Workflow,
    *,
    by: Acting[User],
) -> Workflow:
    require_role(
        session, by.actor, workflow.space_id, Role.admin, action="manage workflows"
    )
    if not workflow.is_active:
        raise InvalidState(f"Workflow '{workflow.name}' is already deactivated.")
    workflow.is_active = False
    workflow.updated_at = by.now
    result = session.execute(
        update(Page).where(Page.workflow_id == workflow.id).values(workflow_id=None)
    )
    cleared = cast("CursorResult[Any]", result).rowcount
    space = session.get(Space, workflow.space_id)
    was_default = space is not None and space.default_workflow_id == workflow.id
    if space is not None and was_default:
        space.default_workflow_id = None
    session.flush()
    record_event(
        session,
        "workflow.deactivated",
        f"{by.actor.display_name} deactivated workflow '{workflow.name}'.",
        by=by,
        space_id=workflow.space_id,
        details={
            "workflowId": workflow.id,
            "clearedPageAssignments": cleared,
            "wasSpaceDefault": was_default,
        },
    )
    return workflow


def do_assign_workflow(
    session: Session,
    workflow: Workflow,
    *,
    page_ids: Sequence[int] = (),
    space_default: bool = False,
    by: Acting[User],
) -> Workflow:
    """Assign to pages explicitly and/or make it the space default. `page_ids` name
    pages as clients do (`queries.page_refs`): a Confluence page by its page id."""
    require_role(
        session, by.actor, workflow.space_id, Role.admin, action="assign workflows"
    )
    if not workflow.is_active:
        raise InvalidState(f"Workflow '{workflow.name}' is deactivated.")
    if not page_ids and not space_default:
        raise BadInput("Give pageIds or spaceDefault: true.", field="pageIds")
    named = get_pages_by_public_id(session, page_ids)
    pages = []
    for index, public_id in enumerate(dict.fromkeys(page_ids)):
        page = named.get(public_id)
        if page is None or page.space_id != workflow.space_id:
            raise BadInput(
                f"pageIds[{index}]: page {public_id} is not in this workflow's space.",
                field=f"pageIds[{index}]",
            )
        pages.append(page)
    for page in pages:
        page.workflow_id = workflow.id
    if space_default:
        space = session.get(Space, workflow.space_id)
        assert space is not None
        space.default_workflow_id = workflow.id
    session.flush()
    record_event(
        session,
        "workflow.assigned",
        f"{by.actor.display_name} assigned workflow '{workflow.name}' to "
        + (f"{len(pages)} page(s)" if pages else "")
        + (" and " if pages and space_default else "")
        + ("the space as default" if space_default else "")
        + ".",
        by=by,
        space_id=workflow.space_id,
        details={
            "workflowId": workflow.id,
            "pageIds": [p.id for p in pages],
            "spaceDefault": space_default,
        },
    )
    return workflow
