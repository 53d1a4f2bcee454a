"""The audit trail page: one space's events, filters, cursor pages, export, chain check.

Only the space's admins see it. A member below admin is refused with 403 through
`require_role` inside a unit of work, so the refusal is audited; a person outside the
space gets 404, as everywhere else. An export is a posted form with the session's
CSRF token, recorded before a byte is sent: a GET never writes, so a link or an
`<img>` in a page body cannot make an admin export the trail.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from signoff.access import access_space_by_key, require_role
from signoff.actions.acting import Acting
from signoff.actions.audit_export import do_record_export
from signoff.actions.unit import unit_of_work
from signoff.db.models import AuditEvent, Space, User
from signoff.domain.errors import BadInput
from signoff.domain.states import Origin, Role
from signoff.queries.audit import (
    AuditFilter,
    AuditWriter,
    export_csv,
    export_jsonl,
    iter_audit_events,
    verify_audit_chains,
)
from signoff.queries.audit_view import (
    AuditViewFilter,
    list_space_audit_events,
    page_titles,
)
from signoff.queries.page_refs import get_page_by_public_id, public_page_ids
from signoff.queries.spaces import list_spaces_for
from signoff.web import context
from signoff.web.forms import first
from signoff.web.refusals import FORM_REFUSALS, refusal
from signoff.web.require_session import signed_in, signed_in_form
from signoff.web.sessions import CurrentSession
from signoff.web.templating import render

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50
FILTERS = ("page", "changeSet", "actor", "action", "origin", "from", "to")
ORIGINS = tuple(origin.value for origin in Origin)
VIEW_ACTION = "view the audit trail"
EXPORTS: dict[str, tuple[str, AuditWriter]] = {
    "csv": ("text/csv; charset=utf-8", export_csv),
    "jsonl": ("application/x-ndjson; charset=utf-8", export_jsonl),
}
PIECE_CHARS = 64 * 1024


def _user(session: Session, current: CurrentSession) -> User:
    user = session.get(User, current.user_id)
    assert user is not None
    return user


def _admin_space(session: Session, user: User, key: str) -> Space:
    space = access_space_by_key(session, user, key)
    require_role(session, user, space.id, Role.admin, action=VIEW_ACTION)
    return space


def _optional_id(value: str, label: str) -> int | None:
    if not value:
        return None
    if not value.isascii() or not value.isdigit() or len(value) > 18:
        raise BadInput(f"{label} must be a number.")
    return int(value)


def _moment(value: str, label: str, *, end: bool) -> datetime | None:
    """A UTC date (`2026-11-23`, whole day) or date-time; `to` dates are inclusive."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as error:
        raise BadInput(f"{label} must be a date like 2026-11-23.") from error
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
    if end and len(value) == 10:
        moment += timedelta(days=1)
    return moment.astimezone(UTC)


def _where(space_id: int, params: dict[str, str]) -> AuditViewFilter:
    origin = params["origin"]
    if origin and origin not in ORIGINS:
        raise BadInput(f"Origin must be one of {', '.join(ORIGINS)}.")
    return AuditViewFilter(
        space_id=space_id,
        page_id=_optional_id(params["page"], "Page"),
        change_set_id=_optional_id(params["changeSet"], "Change set"),
        actor=params["actor"].strip() or None,
        action=params["action"].strip() or None,
        origin=origin or None,
        after=_moment(params["from"], "From", end=False),
        before=_moment(params["to"], "To", end=True),
    )


def _own_page(session: Session, where: AuditViewFilter) -> AuditViewFilter:
    """The filter with its page, given as clients name it (a Confluence page by its
    page id), by the page's own id; an id that names no page matches no event (no
    page has id 0)."""
    if where.page_id is None:
        return where
    page = get_page_by_public_id(session, where.page_id)
    return replace(where, page_id=page.id if page is not None else 0)


def _chooser(request: Request, current: CurrentSession) -> dict[str, Any]:
    with context.database(request).read() as session:
        user = _user(session, current)
        spaces = [s for s in list_spaces_for(session, user) if s.role is Role.admin]
    return {"current": current, "space": None, "admin_spaces": spaces}


def _audit_page(
    request: Request, current: CurrentSession, key: str, params: dict[str, str]
) -> tuple[dict[str, Any], int]:
    """The trail and its status; a filter or cursor it refuses is shown on it."""
    db = context.database(request)
    # The check runs in a unit of work so a refusal is audited; the reading (and the
    # chain walk, which grows with the history) runs in a read transaction, so it
    # never holds SQLite's write lock.
    with unit_of_work(db, origin=Origin.ui) as session:
        space_id = _admin_space(session, _user(session, current), key).id
    with db.read() as session:
        space = session.get(Space, space_id)
        assert space is not None
        error, status = None, 200
        events: list[AuditEvent] = []
        next_cursor = None
        try:
            events, next_cursor = list_space_audit_events(
                session,
                _own_page(session, _where(space.id, params)),
                cursor=params.get("cursor") or None,
                limit=PAGE_SIZE,
            )
        except FORM_REFUSALS as refused:
            shown = refusal(refused)
            error, status = shown.sentence, shown.status
        named = {e.page_id for e in events if e.page_id}
        titles, public = page_titles(session, named), public_page_ids(session, named)
        report = verify_audit_chains(session, space_key=space.key)[0]
        kept = {name: params[name] for name in FILTERS if params[name]}
        rows = [
            {
                "at": event.at.astimezone(UTC),
                "actor": event.actor_name,
                "action": event.action,
                "text": event.text,
                "page_id": public.get(event.page_id) if event.page_id else None,
                "page_title": titles.get(event.page_id) if event.page_id else None,
                "version": event.page_version,
                "origin": event.origin,
            }
            for event in events
        ]
        return {
            "current": current,
            "space": {"key": space.key, "name": space.name},
            "filters": {name: params[name] for name in FILTERS},
            "origins": ORIGINS,
            "events": rows,
            "error": error,
            "chain": {
                "events": report.events,
                "broken": report.broken,
            },
            "next_href": (
                "/audit?"
                + urlencode({"space": space.key, **kept, "cursor": next_cursor})
                if next_cursor
                else None
            ),
        }, status


@router.get("/audit")
async def audit(request: Request) -> Response:
    current = await signed_in(request)
    if isinstance(current, Response):
        return current
    key = request.query_params.get("space", "")
    if not key:
        chooser = await run_in_threadpool(_chooser, request, current)
        if len(chooser["admin_spaces"]) != 1:
            return render(request, "audit.html", chooser)
        # Nothing to choose: the only space the person administers opens at once.
        key = chooser["admin_spaces"][0].key
    params = {name: request.query_params.get(name, "") for name in (*FILTERS, "cursor")}
    page, status = await run_in_threadpool(_audit_page, request, current, key, params)
    return render(request, "audit.html", page, status=status)


def _record(request: Request, current: CurrentSession, key: str, fmt: str) -> int:
    with unit_of_work(context.database(request), origin=Origin.ui) as session:
        user = _user(session, current)
        space = access_space_by_key(session, user, key)
        do_record_export(
            session,
            space,
            export_format=fmt,
            by=Acting(user, Origin.ui, None, context.now(request)),
        )
        return space.id


def _stream(request: Request, space_id: int, fmt: str) -> Iterator[str]:
    writer = EXPORTS[fmt][1]
    with context.database(request).read() as session:
        buffered: list[str] = []
        size = 0
        for piece in writer(iter_audit_events(session, AuditFilter(space_id=space_id))):
            buffered.append(piece)
            size += len(piece)
            if size >= PIECE_CHARS:
                yield "".join(buffered)
                buffered, size = [], 0
        if buffered:
            yield "".join(buffered)


@router.post("/audit/export")
async def export_trail(request: Request) -> Response:
    """The Export buttons: form fields `space`, `format` (`csv`, `jsonl`)."""
    posted = await signed_in_form(request)
    if isinstance(posted, Response):
        return posted
    current, form = posted
    key, fmt = first(form, "space"), first(form, "format")
    if not key:
        raise BadInput("Choose a space to export.")
    space_id = await run_in_threadpool(_record, request, current, key, fmt)
    safe_key = "".join(c for c in key if c.isascii() and (c.isalnum() or c in "-_"))
    return StreamingResponse(
        _stream(request, space_id, fmt),
        media_type=EXPORTS[fmt][0],
        headers={
            "Content-Disposition": (
                f'attachment; filename="signoff-audit-{safe_key}.{fmt}"'
            ),
            "Cache-Control": "no-store",
        },
    )
