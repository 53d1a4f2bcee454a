"""The home page and spaces: `GET /`, `GET /spaces`, `GET /spaces/{key}`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from signoff.access import access_space_by_key, access_workflow, space_role
from signoff.actions.acting import Acting
from signoff.actions.approvals import do_reset_approval
from signoff.actions.unit import unit_of_work
from signoff.actions.workflows import do_assign_workflow
from signoff.db.models import User
from signoff.db.session import Database
from signoff.domain.errors import NotFound
from signoff.domain.states import Origin, Role
from signoff.ids import PageId, form_id
from signoff.queries.keyset import MAX_LIMIT, Window
from signoff.queries.page_refs import get_page_by_public_id
from signoff.queries.page_screen import TreeRow, active_workflows, space_tree
from signoff.queries.store import SpaceView, get_space_view, list_spaces
from signoff.web import context
from signoff.web.forms import first
from signoff.web.require_session import signed_in, signed_in_form
from signoff.web.routes.space_settings import ADHOC_CHOICES
from signoff.web.templating import render

router = APIRouter(include_in_schema=False)
HOME = "/spaces"


@router.get("/")
async def home() -> Response:
    return RedirectResponse(HOME, status_code=303)


@router.get(HOME)
async def spaces(request: Request) -> Response:
    current = await signed_in(request)
    if isinstance(current, Response):
        return current
    rows, site_admin = await run_in_threadpool(
        my_spaces, context.database(request), current.user_id
    )
    return render(
        request,
        "spaces.html",
        {"current": current, "spaces": rows, "site_admin": site_admin},
    )


def my_spaces(db: Database, user_id: int) -> tuple[list[SpaceView], bool]:
    """The person's spaces, and whether they administer the whole site."""
    with db.read() as session:
        user = session.get(User, user_id)
        assert user is not None
        rows, _ = list_spaces(session, user, Window(order="key", limit=MAX_LIMIT))
        return rows, user.is_site_admin


@dataclass(frozen=True)
class SpaceScreen:
    space: SpaceView
    rows: list[TreeRow]
    can_edit: bool
    is_admin: bool
    workflows: list[tuple[int, str]]
    """Active workflows a space admin may assign from a row; empty for others."""
    adhoc_approvals: str = "unassigned"
    """Where editors may ask for ad-hoc approvals (`domain.adhoc.AdhocMode`)."""


@router.get(HOME + "/{key}")
async def space(request: Request, key: str) -> Response:
    current = await signed_in(request)
    if isinstance(current, Response):
        return current
    screen = await run_in_threadpool(
        space_screen, context.database(request), current.user_id, key
    )
    return render(
        request,
        "space.html",
        {"current": current, "screen": screen, "adhoc_choices": ADHOC_CHOICES},
    )


def space_screen(db: Database, user_id: int, key: str) -> SpaceScreen:
    with db.read() as session:
        user = session.get(User, user_id)
        found = access_space_by_key(session, user, key)
        role = space_role(session, user, found.id)
        editor = role is not None and role.includes(Role.editor)
        admin = role is not None and role.includes(Role.admin)
        return SpaceScreen(
            get_space_view(session, found),
            space_tree(session, found),
            editor,
            admin,
            active_workflows(session, found) if admin else [],
            found.adhoc_approvals,
        )


@router.post(HOME + "/{key}/pages/{page_id}/assign-workflow")
async def assign_workflow(request: Request, key: str, page_id: PageId) -> Response:
    posted = await signed_in_form(request)
    if isinstance(posted, Response):
        return posted
    current, form = posted
    await run_in_threadpool(
        assign,
        context.database(request),
        current.user_id,
        key,
        page_id,
        first(form, "workflow_id"),
        context.now(request),
    )
    return RedirectResponse(f"{HOME}/{key}", status_code=303)


def assign(
    db: Database, user_id: int, key: str, page_id: int, chosen: str, now: datetime
) -> None:
    """Give the page `page_id` (as clients name it) the workflow `chosen` in the
    form; a page that is not there answers 404 before the form is read, as an
    address naming nothing does everywhere."""
    with unit_of_work(db, origin=Origin.ui) as session:
        user = session.get(User, user_id)
        found = access_space_by_key(session, user, key)
        page = get_page_by_public_id(session, page_id)
        if page is None or page.space_id != found.id:
            raise NotFound(f"Page {page_id} not found.")
        workflow_id = form_id(chosen, "Workflow")
        workflow = access_workflow(session, user, workflow_id)
        if workflow.space_id != found.id:
            raise NotFound(f"Workflow {workflow_id} not found.")
        assert user is not None
        do_assign_workflow(
            session,
            workflow,
            page_ids=[page_id],
            by=Acting(user, Origin.ui, None, now),
        )


@router.post(HOME + "/{key}/pages/{page_id}/reset-approval")
async def reset_approval(request: Request, key: str, page_id: PageId) -> Response:
    posted = await signed_in_form(request)
    if isinstance(posted, Response):
        return posted
    current, _ = posted
    await run_in_threadpool(
        reset,
        context.database(request),
        current.user_id,
        key,
        page_id,
        context.now(request),
    )
    return RedirectResponse(f"{HOME}/{key}", status_code=303)


def reset(db: Database, user_id: int, key: str, page_id: int, now: datetime) -> None:
    with unit_of_work(db, origin=Origin.ui) as session:
        user = session.get(User, user_id)
        found = access_space_by_key(session, user, key)
        page = get_page_by_public_id(session, page_id)
        if page is None or page.space_id != found.id:
            raise NotFound(f"Page {page_id} not found.")
        assert user is not None
        do_reset_approval(session, page, by=Acting(user, Origin.ui, None, now))
