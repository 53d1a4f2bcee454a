"""The page editor: `GET|POST /spaces/{key}/pages/{id}/edit` saves a new version,
`GET|POST /spaces/{key}/new` creates a page, `POST /editor/preview` renders a body.

The body is typed in Markdown or storage format (`web.editor_format`); what is
saved, and what the preview shows, is the sanitised storage format. A refused or
previewed form is shown again exactly as typed, so nothing is lost.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from signoff.access import access_space_by_key, space_role
from signoff.actions.acting import Acting
from signoff.actions.pages import do_create_page, do_edit_page
from signoff.actions.unit import unit_of_work
from signoff.db.models import User
from signoff.db.session import Database
from signoff.domain.errors import BadInput, NotAllowed, SignoffError, VersionConflict
from signoff.domain.states import Origin, Role
from signoff.ids import PageId, stored_number
from signoff.queries.page_refs import public_page_id
from signoff.web import context
from signoff.web.editor_format import (
    BodyFormat,
    may_switch_to_markdown,
    posted_format,
    preview_html,
    storage_body,
)
from signoff.web.field_labels import PAGE_EDITOR, for_people
from signoff.web.forms import FormValues, first
from signoff.web.refusals import FORM_REFUSALS
from signoff.web.require_session import signed_in, signed_in_form
from signoff.web.routes.pages import PAGE, load_screen, page_in, page_url
from signoff.web.sessions import CurrentSession
from signoff.web.templating import render

router = APIRouter(include_in_schema=False)
UI = Origin.ui
PREVIEW = "/editor/preview"
CONFLICT = (
    "Someone saved a newer version while you were editing. Your text is below; "
    "open the page again to see the latest version before saving."
)


@router.get(PAGE + "/edit")
async def edit_form(request: Request, key: str, page_id: PageId) -> Response:
    current = await signed_in(request)
    if isinstance(current, Response):
        return current
    screen, buttons, _comments = await run_in_threadpool(
        load_screen, context.database(request), current.user_id, key, page_id
    )
    if not buttons.edit:
        raise NotAllowed("You need the editor role to edit.")
    values = {
        "title": screen.title,
        "body": screen.body,
        "version": screen.version,
        "format": BodyFormat.storage,
    }
    return _editor(request, current, screen.space_key, page_id, values)


def _editor(
    request: Request,
    current: CurrentSession,
    key: str,
    page_id: int | None,
    values: dict[str, Any],
    *,
    error: str | None = None,
    preview: str | None = None,
    status: int = 200,
) -> Response:
    """The form; Markdown is offered for a new page, an empty one, or a body
    already typed in Markdown (storage format is never converted back)."""
    markdown_allowed = (
        page_id is None
        or values["format"] is BodyFormat.markdown
        or may_switch_to_markdown(values["body"] or "")
    )
    return render(
        request,
        "page_edit.html",
        {
            "current": current,
            "key": key,
            "page_id": page_id,
            "values": values,
            "markdown_allowed": markdown_allowed,
            "cancel_url": page_url(key, page_id) if page_id else f"/spaces/{key}",
            "preview_url": PREVIEW,
            "preview": preview,
            "error": error,
        },
        status=status,
    )


def _page_values(form: FormValues) -> dict[str, Any]:
    """The editor's fields as sent, so a refused form is shown again as it was."""
    return {
        "title": first(form, "title"),
        "body": first(form, "body"),
        "message": first(form, "message"),
        "version": first(form, "version"),
        "format": BodyFormat.storage,
    }


def _started_from(values: dict[str, Any]) -> int | None:
    """The version the edit started from; None when the form sent none (the edit
    is then not checked against newer versions)."""
    raw = str(values["version"] or "")
    version = stored_number(raw)
    if raw and version is None:
        raise BadInput("The form did not say which version you edited.")
    return version


def save_edit(
    db: Database,
    user_id: int,
    key: str,
    page_id: int,
    values: dict[str, Any],
    now: datetime,
) -> None:
    with unit_of_work(db, origin=UI) as session:
        user = session.get(User, user_id)
        page = page_in(session, user, key, page_id)
        assert user is not None
        do_edit_page(
            session,
            page,
            title=values["title"],
            body=storage_body(values["body"], values["format"]),
            expected_version=_started_from(values),
            message=values["message"],
            by=Acting(user, UI, None, now),
        )


def create_page(
    db: Database, user_id: int, key: str, values: dict[str, Any], now: datetime
) -> str:
    with unit_of_work(db, origin=UI) as session:
        user = session.get(User, user_id)
        space = access_space_by_key(session, user, key)
        assert user is not None
        page = do_create_page(
            session,
            space,
            title=values["title"],
            body=storage_body(values["body"], values["format"]),
            message=values["message"],
            by=Acting(user, UI, None, now),
        )
        return public_page_id(page)


async def _posted(
    request: Request, key: str, page_id: int | None
) -> tuple[CurrentSession, dict[str, Any]] | Response:
    """The signed-in person and the fields as sent; a Preview press or a bad
    format answers here with the form again."""
    posted = await signed_in_form(request)
    if isinstance(posted, Response):
        return posted
    current, form = posted
    values = _page_values(form)
    try:
        values["format"] = posted_format(form)
    except FORM_REFUSALS as refused:
        return _refused_editor(request, current, key, page_id, values, refused)
    if first(form, "preview"):
        shown = preview_html(values["body"], values["format"])
        return _editor(request, current, key, page_id, values, preview=shown)
    return current, values


@router.post(PAGE + "/edit")
async def edit(request: Request, key: str, page_id: PageId) -> Response:
    posted = await _posted(request, key, page_id)
    if isinstance(posted, Response):
        return posted
    current, values = posted
    try:
        await run_in_threadpool(
            save_edit,
            context.database(request),
            current.user_id,
            key,
            page_id,
            values,
            context.now(request),
        )
    except FORM_REFUSALS as refused:
        return _refused_editor(request, current, key, page_id, values, refused)
    return RedirectResponse(page_url(key, page_id), status_code=303)


def _refused_editor(
    request: Request,
    current: CurrentSession,
    key: str,
    page_id: int | None,
    values: dict[str, Any],
    refused: SignoffError,
) -> Response:
    """The editor again with the text as sent, so nothing typed is lost; a version
    conflict says what to do about it."""
    shown = for_people(refused, PAGE_EDITOR)
    error = CONFLICT if isinstance(refused, VersionConflict) else shown.sentence
    return _editor(
        request, current, key, page_id, values, error=error, status=shown.status
    )


@router.get("/spaces/{key}/new")
async def new_page_form(request: Request, key: str) -> Response:
    current = await signed_in(request)
    if isinstance(current, Response):
        return current
    allowed = await run_in_threadpool(
        may_create, context.database(request), current.user_id, key
    )
    if not allowed:
        raise NotAllowed("You need the editor role to add pages.")
    values = {
        "title": "",
        "body": "",
        "message": "",
        "version": None,
        "format": BodyFormat.markdown,
    }
    return _editor(request, current, key, None, values)


def may_create(db: Database, user_id: int, key: str) -> bool:
    with db.read() as session:
        user = session.get(User, user_id)
        space = access_space_by_key(session, user, key)
        role = space_role(session, user, space.id)
        return role is not None and role.includes(Role.editor)


@router.post("/spaces/{key}/new")
async def new_page(request: Request, key: str) -> Response:
    posted = await _posted(request, key, None)
    if isinstance(posted, Response):
        return posted
    current, values = posted
    try:
        page_id = await run_in_threadpool(
            create_page,
            context.database(request),
            current.user_id,
            key,
            values,
            context.now(request),
        )
    except FORM_REFUSALS as refused:
        return _refused_editor(request, current, key, None, values, refused)
    return RedirectResponse(page_url(key, page_id), status_code=303)


@router.post(PREVIEW)
async def preview(request: Request) -> Response:
    """The sanitised HTML of the posted body in its format, for the editor's live
    preview; the same size limit and CSRF check as the editor's own form."""
    posted = await signed_in_form(request)
    if isinstance(posted, Response):
        return posted
    _current, form = posted
    html = preview_html(first(form, "body"), posted_format(form))
    return HTMLResponse(html, headers={"cache-control": "no-store"})
