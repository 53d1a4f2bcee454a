"""Change sets in the browser: list, create, edit, detail, preflight, submit, archive.

Handlers parse the form, call one action or query from `actions/changesets.py` or
`queries/changesets.py` with `Origin.ui`, and render. A refusal the form shows
(`FORM_REFUSALS`: not allowed, wrong state, bad input) re-renders the page with its
sentence; a set or space the person cannot see goes to the error page (404).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from signoff.access import access_change_set, access_space_by_key, space_role
from signoff.actions.acting import Acting
from signoff.actions.changesets import (
    PageResult,
    check_submit_change_set,
    do_archive_change_set,
    do_create_change_set,
    do_submit_change_set,
    do_update_change_set,
)
from signoff.actions.unit import unit_of_work
from signoff.db.models import ChangeSet, Space, User
from signoff.domain.errors import BadInput, InvalidState
from signoff.domain.states import ChangeSetStatus, Origin, Role
from signoff.ids import Id
from signoff.queries.changeset_review import review_notes
from signoff.queries.changesets import (
    change_set_detail,
    change_set_page_ids,
    list_change_sets,
)
from signoff.queries.page_refs import public_page_ids
from signoff.queries.spaces import list_spaces_for
from signoff.queries.store import list_page_choices
from signoff.web import context
from signoff.web.field_labels import for_people
from signoff.web.forms import PICKER_FIELDS, PICKER_FORM_BYTES, FormValues, first
from signoff.web.refusals import FORM_REFUSALS
from signoff.web.require_session import signed_in, signed_in_form
from signoff.web.sessions import CurrentSession
from signoff.web.templating import render

router = APIRouter(include_in_schema=False)


def _user(session: Session, current: CurrentSession) -> User:
    user = session.get(User, current.user_id)
    assert user is not None
    return user


def _is_editor(session: Session, user: User, space_id: int) -> bool:
    role = space_role(session, user, space_id)
    return role is not None and role.includes(Role.editor)


def _globals(current: CurrentSession) -> dict[str, Any]:
    return {
        "current": current,
        "csrf_token": current.csrf_token,
    }


# -- list ------------------------------------------------------------------------


def _list_page(
    request: Request, current: CurrentSession, space_key: str
) -> dict[str, Any]:
    with context.database(request).read() as session:
        user = _user(session, current)
        spaces = list_spaces_for(session, user)
        shown = [s for s in spaces if not space_key or s.key == space_key]
        sections = [
            {
                "space": space,
                "can_edit": space.role.includes(Role.editor),
                "sets": list_change_sets(session, space.id),
            }
            for space in shown
        ]
        return {
            **_globals(current),
            "spaces": spaces,
            "space_key": space_key,
            "sections": sections,
        }


@router.get("/changesets")
async def changesets(request: Request) -> Response:
    current = await signed_in(request)
    if isinstance(current, Response):
        return current
    space_key = request.query_params.get("space", "")
    page = await run_in_threadpool(_list_page, request, current, space_key)
    return render(request, "changesets.html", page)


# -- create and edit -------------------------------------------------------------


def _form_values(form: FormValues) -> dict[str, Any]:
    return {
        "title": first(form, "title"),
        "summary": first(form, "summary"),
        "reference_url": first(form, "reference_url"),
        "page_ids": form.get("page", []),
    }


def _page_ids(values: list[str]) -> list[int]:
    ids = []
    for value in values:
        if not value.isascii() or not value.isdigit() or len(value) > 18:
            raise BadInput("Choose pages from the list.")
        ids.append(int(value))
    return ids


def _editor_context(
    session: Session,
    current: CurrentSession,
    space: Space,
    values: dict[str, Any],
    *,
    change_set: ChangeSet | None = None,
    error: str | None = None,
) -> dict[str, Any]:
    return {
        **_globals(current),
        "space": space,
        "change_set": change_set,
        "pages": list_page_choices(session, space.id),
        "values": values,
        "selected": {str(v) for v in values["page_ids"]},
        "error": error,
        "action": (
            f"/changesets/{change_set.id}/edit"
            if change_set
            else f"/changesets/new?space={space.key}"
        ),
    }


def _new_form(
    request: Request, current: CurrentSession, space_key: str
) -> tuple[str, dict[str, Any], int]:
    with context.database(request).read() as session:
        user = _user(session, current)
        spaces = [
            s for s in list_spaces_for(session, user) if s.role.includes(Role.editor)
        ]
        if not space_key and len(spaces) == 1:
            space_key = spaces[0].key
        if not space_key:
            return (
                "changeset_space.html",
                {**_globals(current), "spaces": spaces},
                200,
            )
        space = access_space_by_key(session, user, space_key)
        values = {"title": "", "summary": "", "reference_url": "", "page_ids": []}
        page = _editor_context(session, current, space, values)
        if not _is_editor(session, user, space.id):
            page["error"] = (
                "You need the editor role in this space to create change sets."
            )
            page["read_only"] = True
            return "changeset_form.html", page, 403
        return "changeset_form.html", page, 200


@router.get("/changesets/new")
async def new_changeset_form(request: Request) -> Response:
    current = await signed_in(request)
    if isinstance(current, Response):
        return current
    name, page, status = await run_in_threadpool(
        _new_form, request, current, request.query_params.get("space", "")
    )
    return render(request, name, page, status=status)


def _create(
    request: Request, current: CurrentSession, space_key: str, form: FormValues
) -> tuple[int | None, dict[str, Any], int]:
    """The new set's id, or the form to show again with the refusal."""
    db = context.database(request)
    values = _form_values(form)
    try:
        with unit_of_work(db, origin=Origin.ui) as session:
            user = _user(session, current)
            space = access_space_by_key(session, user, space_key)
            change_set = do_create_change_set(
                session,
                space,
                title=values["title"],
                summary=values["summary"],
                reference_url=values["reference_url"] or None,
                page_ids=_page_ids(values["page_ids"]),
                by=Acting(user, Origin.ui, None, context.now(request)),
            )
            return change_set.id, {}, 303
    except FORM_REFUSALS as refused:
        shown = for_people(refused)
        with db.read() as session:
            user = _user(session, current)
            space = access_space_by_key(session, user, space_key)
            page = _editor_context(
                session, current, space, values, error=shown.sentence
            )
        return None, page, shown.status


@router.post("/changesets/new")
async def create_changeset(request: Request) -> Response:
    posted = await signed_in_form(
        request, limit=PICKER_FORM_BYTES, max_fields=PICKER_FIELDS
    )
    if isinstance(posted, Response):
        return posted
    current, form = posted
    space_key = request.query_params.get("space", "") or first(form, "space")
    new_id, page, status = await run_in_threadpool(
        _create, request, current, space_key, form
    )
    if new_id is not None:
        return RedirectResponse(f"/changesets/{new_id}", status_code=303)
    return render(request, "changeset_form.html", page, status=status)


def _edit_form(
    request: Request, current: CurrentSession, change_set_id: int
) -> tuple[dict[str, Any], int]:
    with context.database(request).read() as session:
        user = _user(session, current)
        change_set = access_change_set(session, user, change_set_id)
        space = session.get(Space, change_set.space_id)
        assert space is not None
        own_ids = [ref.page_id for ref in change_set.page_refs]
        public = public_page_ids(session, own_ids)
        values = {
            "title": change_set.title,
            "summary": change_set.summary,
            "reference_url": change_set.reference_url or "",
            "page_ids": [public[own] for own in own_ids],
        }
        page = _editor_context(session, current, space, values, change_set=change_set)
        if change_set.status == ChangeSetStatus.archived:
            page["error"] = "This change set is archived and read-only."
            page["read_only"] = True
            return page, 409
        if not _is_editor(session, user, space.id):
            page["error"] = (
                "You need the editor role in this space to edit change sets."
            )
            page["read_only"] = True
            return page, 403
        return page, 200


@router.get("/changesets/{change_set_id}/edit")
async def edit_changeset_form(request: Request, change_set_id: Id) -> Response:
    current = await signed_in(request)
    if isinstance(current, Response):
        return current
    page, status = await run_in_threadpool(_edit_form, request, current, change_set_id)
    return render(request, "changeset_form.html", page, status=status)


def _update(
    request: Request, current: CurrentSession, change_set_id: int, form: FormValues
) -> tuple[bool, dict[str, Any], int]:
    """Whether the set was saved, or the form to show again with the refusal."""
    db = context.database(request)
    values = _form_values(form)
    try:
        with unit_of_work(db, origin=Origin.ui) as session:
            user = _user(session, current)
            change_set = access_change_set(session, user, change_set_id)
            do_update_change_set(
                session,
                change_set,
                title=values["title"],
                summary=values["summary"],
                reference_url=values["reference_url"] or None,
                page_ids=_page_ids(values["page_ids"]),
                by=Acting(user, Origin.ui, None, context.now(request)),
            )
            return True, {}, 303
    except FORM_REFUSALS as refused:
        shown = for_people(refused)
        with db.read() as session:
            user = _user(session, current)
            change_set = access_change_set(session, user, change_set_id)
            space = session.get(Space, change_set.space_id)
            assert space is not None
            page = _editor_context(
                session,
                current,
                space,
                values,
                change_set=change_set,
                error=shown.sentence,
            )
        return False, page, shown.status


@router.post("/changesets/{change_set_id}/edit")
async def update_changeset(request: Request, change_set_id: Id) -> Response:
    posted = await signed_in_form(
        request, limit=PICKER_FORM_BYTES, max_fields=PICKER_FIELDS
    )
    if isinstance(posted, Response):
        return posted
    current, form = posted
    done, page, status = await run_in_threadpool(
        _update, request, current, change_set_id, form
    )
    if done:
        return RedirectResponse(f"/changesets/{change_set_id}", status_code=303)
    return render(request, "changeset_form.html", page, status=status)


# -- detail and its actions ------------------------------------------------------


def _detail_page(
    session: Session,
    current: CurrentSession,
    change_set: ChangeSet,
    *,
    results: list[PageResult] | None = None,
    results_title: str = "",
    message: str | None = None,
    error: str | None = None,
) -> dict[str, Any]:
    user = _user(session, current)
    space = session.get(Space, change_set.space_id)
    assert space is not None
    detail = change_set_detail(session, change_set)
    titles = {ref.page_id: ref.title for ref in detail.page_refs}
    creator = (
        session.get(User, change_set.created_by) if change_set.created_by else None
    )
    return {
        **_globals(current),
        "space": space,
        "detail": detail,
        "notes": review_notes(session, change_set.id),
        "creator": creator.display_name if creator else None,
        "archived": detail.status == ChangeSetStatus.archived,
        "can_edit": _is_editor(session, user, space.id),
        "results": [
            {
                "page_id": r.page_id,
                "title": titles.get(r.page_id, f"Page {r.page_id}"),
                "success": r.success,
                "reason": r.reason,
            }
            for r in results or []
        ],
        "results_title": results_title,
        "message": message,
        "error": error,
    }


def _show(
    request: Request, current: CurrentSession, change_set_id: int
) -> dict[str, Any]:
    with context.database(request).read() as session:
        change_set = access_change_set(session, _user(session, current), change_set_id)
        return _detail_page(session, current, change_set)


@router.get("/changesets/{change_set_id}")
async def changeset(request: Request, change_set_id: Id) -> Response:
    current = await signed_in(request)
    if isinstance(current, Response):
        return current
    page = await run_in_threadpool(_show, request, current, change_set_id)
    return render(request, "changeset.html", page)


def _preflight(
    session: Session, change_set: ChangeSet, user: User
) -> tuple[list[PageResult], str, str]:
    if change_set.status == ChangeSetStatus.archived:
        raise InvalidState(
            f"Change set '{change_set.title}' is archived and read-only."
        )
    results = check_submit_change_set(session, change_set, actor=user)
    ready = sum(r.success for r in results)
    return results, "Preflight", f"{ready} of {len(results)} page(s) can be submitted."


def _submit(
    session: Session, change_set: ChangeSet, user: User, request: Request
) -> tuple[list[PageResult], str, str]:
    results = do_submit_change_set(
        session,
        change_set,
        by=Acting(user, Origin.ui, None, context.now(request)),
    )
    sent = sum(r.success for r in results)
    return results, "Submission", f"{sent} of {len(results)} page(s) sent for approval."


def _archive(
    session: Session, change_set: ChangeSet, user: User, request: Request
) -> tuple[list[PageResult], str, str]:
    do_archive_change_set(
        session,
        change_set,
        by=Acting(user, Origin.ui, None, context.now(request)),
    )
    return [], "", "The change set is archived; it is now read-only."


def _act(
    request: Request, current: CurrentSession, change_set_id: int, operation: str
) -> tuple[dict[str, Any], int]:
    """The detail with the results, or with the refusal."""
    db = context.database(request)
    if operation == "submit":
        _refresh_pages(request, current, change_set_id)
    try:
        with unit_of_work(db, origin=Origin.ui) as session:
            user = _user(session, current)
            change_set = access_change_set(session, user, change_set_id)
            if operation == "preflight":
                results, title, message = _preflight(session, change_set, user)
            elif operation == "submit":
                results, title, message = _submit(session, change_set, user, request)
            else:
                results, title, message = _archive(session, change_set, user, request)
            session.flush()
            page = _detail_page(
                session,
                current,
                change_set,
                results=results,
                results_title=title,
                message=message,
            )
            return page, 200
    except FORM_REFUSALS as refused:
        shown = for_people(refused)
        with db.read() as session:
            change_set = access_change_set(
                session, _user(session, current), change_set_id
            )
            page = _detail_page(session, current, change_set, error=shown.sentence)
        return page, shown.status


def _refresh_pages(
    request: Request, current: CurrentSession, change_set_id: int
) -> None:
    """The set's pages kept in Confluence, read from there before submitting; a
    refusal is left to the submission, which shows it."""
    try:
        with context.database(request).read() as session:
            change_set = access_change_set(
                session, _user(session, current), change_set_id
            )
            page_ids = change_set_page_ids(session, change_set.id)
    except FORM_REFUSALS:
        return  # the submission refuses it again, and shows why
    context.refresh_pages(request, page_ids)


def _action_route(operation: str) -> Callable[..., Any]:
    async def handler(request: Request, change_set_id: Id) -> Response:
        posted = await signed_in_form(request)
        if isinstance(posted, Response):
            return posted
        current, _form = posted
        page, status = await run_in_threadpool(
            _act, request, current, change_set_id, operation
        )
        return render(request, "changeset.html", page, status=status)

    handler.__name__ = f"{operation}_changeset"
    return handler


for _operation in ("preflight", "submit", "archive"):
    router.add_api_route(
        f"/changesets/{{change_set_id}}/{_operation}",
        _action_route(_operation),
        methods=["POST"],
        response_model=None,
    )
