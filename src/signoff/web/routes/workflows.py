"""Workflows of a space in the browser, for its admins: list, define, edit, assign,
make the default, deactivate.

Each handler checks the admin role first, inside a unit of work, so a member below
admin is refused with 403 on the error page and the refusal is audited once; a person
outside the space gets 404. The forms show their own refusals (`FORM_REFUSALS`) with
the fields as sent. The writes are the same actions the REST API calls, recorded with
origin `ui`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from signoff.actions.acting import Acting
from signoff.actions.unit import unit_of_work
from signoff.actions.workflows import (
    do_assign_workflow,
    do_create_workflow,
    do_deactivate_workflow,
    do_update_workflow,
)
from signoff.db.models import Space, User, Workflow
from signoff.domain.errors import BadInput, InvalidState, NotFound
from signoff.domain.states import Origin, WorkflowKind
from signoff.ids import Id
from signoff.queries.groups import list_groups
from signoff.queries.workflows import (
    approver_choices,
    count_pages_by_workflow,
    group_choices,
    list_pages_with_workflows,
    list_space_workflows,
)
from signoff.web import context
from signoff.web.forms import PICKER_FIELDS, PICKER_FORM_BYTES, FormValues, first
from signoff.web.refusals import FORM_REFUSALS, refusal
from signoff.web.require_session import signed_in, signed_in_form
from signoff.web.sessions import CurrentSession
from signoff.web.space_admin import admin_space, check_admin, signed_in_user
from signoff.web.templating import render
from signoff.web.workflow_form import (
    RULE_LABELS,
    STALE_ON_LABELS,
    WorkflowFields,
    readable,
)

router = APIRouter(include_in_schema=False)

BASE = "/spaces/{key}/workflows"
MANAGE = "manage workflows"
NOT_FOUND = "That workflow does not exist, or you cannot see it."


def _user(session: Session, current: CurrentSession) -> User:
    return signed_in_user(session, current)


def _admin_space(session: Session, user: User, key: str) -> Space:
    return admin_space(session, user, key, action=MANAGE)


def _workflow_of(session: Session, space: Space, workflow_id: int) -> Workflow:
    workflow = session.get(Workflow, workflow_id)
    if (
        workflow is None
        or workflow.space_id != space.id
        or workflow.kind != WorkflowKind.defined
    ):
        raise NotFound(NOT_FOUND)
    return workflow


def _check_admin(request: Request, current: CurrentSession, key: str) -> int:
    return check_admin(request, current, key, action=MANAGE)


# -- list ------------------------------------------------------------------------


@dataclass(frozen=True)
class StepLine:
    name: str
    rule: str
    people: list[str]
    min_rejections: int
    due_days: int | None


@dataclass(frozen=True)
class WorkflowRow:
    id: int
    name: str
    active: bool
    default: bool
    revision: int
    steps: list[StepLine]
    pages: int
    options: list[str]


def _rule_text(rule: str, quorum: int | None) -> str:
    return f"Quorum of {quorum}" if rule == "quorum" else RULE_LABELS[rule]


def _rows(session: Session, space: Space) -> list[WorkflowRow]:
    workflows = list_space_workflows(session, space.id)
    people = dict(approver_choices(session, space.id, _named(workflows)))
    groups = dict(group_choices(session))
    pages = count_pages_by_workflow(session, space.id)
    return [
        WorkflowRow(
            id=w.id,
            name=w.name,
            active=w.is_active,
            default=space.default_workflow_id == w.id,
            revision=w.revision,
            steps=[
                StepLine(
                    name=step.name,
                    rule=_rule_text(step.rule, step.quorum),
                    people=[people.get(u, f"user {u}") for u in step.approver_ids]
                    + [f"group {groups.get(g, g)}" for g in step.group_ids],
                    min_rejections=step.min_rejections,
                    due_days=step.due_days,
                )
                for step in w.steps
            ],
            pages=pages.get(w.id, 0),
            options=_options(w),
        )
        for w in workflows
    ]


def _named(workflows: Any) -> set[int]:
    return {u for w in workflows for step in w.steps for u in step.approver_ids}


def _options(workflow: Workflow) -> list[str]:
    options = [
        "Stale on any new version"
        if workflow.stale_on == "version"
        else "Stale on a change of content",
        "Edits during review supersede it"
        if workflow.expire_on_edit
        else "Edits during review keep it",
    ]
    if workflow.allow_self_approval:
        options.append("Submitters may approve their own pages")
    if workflow.valid_for_days:
        options.append(f"Approvals valid for {workflow.valid_for_days} days")
    if workflow.rereview_days:
        options.append(f"Re-review every {workflow.rereview_days} days")
    if not workflow.allow_override:
        options.append("Overrides not allowed")
    return options


def _list_page(
    request: Request, current: CurrentSession, key: str, notice: str
) -> dict[str, Any]:
    space_id = _check_admin(request, current, key)
    with context.database(request).read() as session:
        space = session.get(Space, space_id)
        assert space is not None
        return {
            "current": current,
            "space": space,
            "rows": _rows(session, space),
            "notice": notice,
        }


@router.get(BASE)
async def workflows(request: Request, key: str) -> Response:
    current = await signed_in(request)
    if isinstance(current, Response):
        return current
    notice = NOTICES.get(request.query_params.get("done", ""), "")
    page = await run_in_threadpool(_list_page, request, current, key, notice)
    return render(request, "workflows.html", page)


NOTICES = {
    "created": "Workflow created.",
    "saved": "Workflow saved.",
    "deactivated": "Workflow deactivated; its pages no longer use it.",
    "default": "This is now the space's default workflow.",
    "assigned": "Workflow assigned.",
}


# -- define and edit -------------------------------------------------------------


def _form_page(
    session: Session,
    current: CurrentSession,
    space: Space,
    fields: WorkflowFields,
    *,
    workflow: Workflow | None = None,
    error: str | None = None,
) -> dict[str, Any]:
    named = {u for step in fields.steps for u in step.approver_ids}
    return {
        "current": current,
        "space": space,
        "workflow": workflow,
        "fields": fields,
        "people": approver_choices(session, space.id, named),
        "groups": group_choices(session),
        "group_members": list_groups(session),
        "rules": RULE_LABELS,
        "stale_on": STALE_ON_LABELS,
        "error": error,
        "action": (
            f"/spaces/{space.key}/workflows/{workflow.id}/edit"
            if workflow
            else f"/spaces/{space.key}/workflows/new"
        ),
    }


def _show_form(
    request: Request, current: CurrentSession, key: str, workflow_id: int | None
) -> dict[str, Any]:
    space_id = _check_admin(request, current, key)
    with context.database(request).read() as session:
        space = session.get(Space, space_id)
        assert space is not None
        if workflow_id is None:
            return _form_page(session, current, space, WorkflowFields())
        workflow = _workflow_of(session, space, workflow_id)
        if not workflow.is_active:
            raise InvalidState(f"Workflow '{workflow.name}' is deactivated.")
        fields = WorkflowFields.from_workflow(workflow)
        return _form_page(session, current, space, fields, workflow=workflow)


@router.get(BASE + "/new")
async def new_workflow_form(request: Request, key: str) -> Response:
    return await _get_form(request, key, None)


@router.get(BASE + "/{workflow_id}/edit")
async def edit_workflow_form(request: Request, key: str, workflow_id: Id) -> Response:
    return await _get_form(request, key, workflow_id)


async def _get_form(request: Request, key: str, workflow_id: int | None) -> Response:
    current = await signed_in(request)
    if isinstance(current, Response):
        return current
    page = await run_in_threadpool(_show_form, request, current, key, workflow_id)
    return render(request, "workflow_form.html", page)


def _save(
    request: Request,
    current: CurrentSession,
    key: str,
    workflow_id: int | None,
    form: FormValues,
) -> tuple[str | None, dict[str, Any], int]:
    """Where to go after saving, or the form to show again and its status."""
    db = context.database(request)
    fields = WorkflowFields.from_form(form)
    _check_admin(request, current, key)
    if first(form, "intent") == "add-step":
        return None, _again(request, current, key, workflow_id, fields), 200
    try:
        with unit_of_work(db, origin=Origin.ui) as session:
            user = _user(session, current)
            space = _admin_space(session, user, key)
            options: dict[str, Any] = {
                "steps": fields.definition(),
                "expire_on_edit": fields.expire_on_edit,
                "stale_on": fields.stale_on_value(),
                "allow_self_approval": fields.allow_self_approval,
                "valid_for_days": fields.valid_for(),
                "rereview_days": fields.rereview_every(),
                "notify_requests": fields.notify_requests,
                "notify_status": fields.notify_status,
                "allow_override": fields.allow_override,
                "by": Acting(user, Origin.ui, None, context.now(request)),
            }
            if workflow_id is None:
                do_create_workflow(session, space, name=fields.name, **options)
                done = "created"
            else:
                workflow = _workflow_of(session, space, workflow_id)
                do_update_workflow(session, workflow, name=fields.name, **options)
                done = "saved"
            return f"/spaces/{space.key}/workflows?done={done}", {}, 303
    except FORM_REFUSALS as refused:
        shown = refusal(refused)
        message = readable(refused) if isinstance(refused, BadInput) else None
        page = _again(
            request,
            current,
            key,
            workflow_id,
            fields.compact(),
            error=message or shown.sentence,
        )
        return None, page, shown.status


def _again(
    request: Request,
    current: CurrentSession,
    key: str,
    workflow_id: int | None,
    fields: WorkflowFields,
    *,
    error: str | None = None,
) -> dict[str, Any]:
    """The form as posted (plus a blank step when one was asked for)."""
    if error is None:
        fields.with_blank_step()
    with context.database(request).read() as session:
        user = _user(session, current)
        space = _admin_space(session, user, key)
        workflow = _workflow_of(session, space, workflow_id) if workflow_id else None
        return _form_page(
            session, current, space, fields, workflow=workflow, error=error
        )


@router.post(BASE + "/new")
async def create_workflow(request: Request, key: str) -> Response:
    return await _post_form(request, key, None)


@router.post(BASE + "/{workflow_id}/edit")
async def update_workflow(request: Request, key: str, workflow_id: Id) -> Response:
    return await _post_form(request, key, workflow_id)


async def _post_form(request: Request, key: str, workflow_id: int | None) -> Response:
    posted = await signed_in_form(
        request, limit=PICKER_FORM_BYTES, max_fields=PICKER_FIELDS
    )
    if isinstance(posted, Response):
        return posted
    current, form = posted
    target, page, status = await run_in_threadpool(
        _save, request, current, key, workflow_id, form
    )
    if target is not None:
        return RedirectResponse(target, status_code=303)
    return render(request, "workflow_form.html", page, status=status)


# -- deactivate, default, assign -------------------------------------------------


def _deactivate(
    request: Request, current: CurrentSession, key: str, workflow_id: int
) -> None:
    with unit_of_work(context.database(request), origin=Origin.ui) as session:
        user = _user(session, current)
        space = _admin_space(session, user, key)
        do_deactivate_workflow(
            session,
            _workflow_of(session, space, workflow_id),
            by=Acting(user, Origin.ui, None, context.now(request)),
        )


def _assign(
    request: Request,
    current: CurrentSession,
    key: str,
    workflow_id: int,
    *,
    page_ids: list[int],
    space_default: bool,
) -> None:
    with unit_of_work(context.database(request), origin=Origin.ui) as session:
        user = _user(session, current)
        space = _admin_space(session, user, key)
        do_assign_workflow(
            session,
            _workflow_of(session, space, workflow_id),
            page_ids=page_ids,
            space_default=space_default,
            by=Acting(user, Origin.ui, None, context.now(request)),
        )


@router.post(BASE + "/{workflow_id}/deactivate")
async def deactivate_workflow(request: Request, key: str, workflow_id: Id) -> Response:
    posted = await signed_in_form(request)
    if isinstance(posted, Response):
        return posted
    current, _ = posted
    await run_in_threadpool(_deactivate, request, current, key, workflow_id)
    return RedirectResponse(f"/spaces/{key}/workflows?done=deactivated", 303)


@router.post(BASE + "/{workflow_id}/default")
async def make_default(request: Request, key: str, workflow_id: Id) -> Response:
    posted = await signed_in_form(request)
    if isinstance(posted, Response):
        return posted
    current, _ = posted
    await run_in_threadpool(
        lambda: _assign(
            request, current, key, workflow_id, page_ids=[], space_default=True
        )
    )
    return RedirectResponse(f"/spaces/{key}/workflows?done=default", 303)


def _pages_page(
    request: Request,
    current: CurrentSession,
    key: str,
    workflow_id: int,
    error: str | None = None,
) -> dict[str, Any]:
    space_id = _check_admin(request, current, key)
    with context.database(request).read() as session:
        space = session.get(Space, space_id)
        assert space is not None
        workflow = _workflow_of(session, space, workflow_id)
        if not workflow.is_active:
            raise InvalidState(f"Workflow '{workflow.name}' is deactivated.")
        return {
            "current": current,
            "space": space,
            "workflow": workflow,
            "pages": list_pages_with_workflows(session, space.id),
            "error": error,
        }


@router.get(BASE + "/{workflow_id}/pages")
async def assign_pages_form(request: Request, key: str, workflow_id: Id) -> Response:
    current = await signed_in(request)
    if isinstance(current, Response):
        return current
    page = await run_in_threadpool(_pages_page, request, current, key, workflow_id)
    return render(request, "workflow_pages.html", page)


def _page_ids(values: list[str]) -> list[int]:
    ids = []
    for value in values:
        if not value.isascii() or not value.isdigit() or len(value) > 18:
            raise BadInput("Choose pages from the list.")
        ids.append(int(value))
    return ids


@router.post(BASE + "/{workflow_id}/pages")
async def assign_pages(request: Request, key: str, workflow_id: Id) -> Response:
    posted = await signed_in_form(
        request, limit=PICKER_FORM_BYTES, max_fields=PICKER_FIELDS
    )
    if isinstance(posted, Response):
        return posted
    current, form = posted
    await run_in_threadpool(_check_admin, request, current, key)
    try:
        page_ids = _page_ids(form.get("page", []))
        space_default = bool(first(form, "space_default"))
        if not page_ids and not space_default:
            raise BadInput("Tick at least one page, or make it the space default.")
        await run_in_threadpool(
            lambda: _assign(
                request,
                current,
                key,
                workflow_id,
                page_ids=page_ids,
                space_default=space_default,
            )
        )
    except FORM_REFUSALS as refused:
        shown = refusal(refused)
        page = await run_in_threadpool(
            _pages_page, request, current, key, workflow_id, shown.sentence
        )
        return render(request, "workflow_pages.html", page, status=shown.status)
    return RedirectResponse(f"/spaces/{key}/workflows?done=assigned", 303)
