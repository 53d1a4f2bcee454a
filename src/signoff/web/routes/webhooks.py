"""Webhooks of a space in the browser, for its admins: add (the secret shown once),
pause and resume, rotate the secret, remove, and read each one's delivery log.

The same actions as `/api/v1/webhooks`, recorded with origin `ui`. The admin check
comes first, so a refused person sees the error page (and the refusal is audited
once); the add form shows its own refusals (`FORM_REFUSALS`) with the fields as sent.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from signoff.actions.acting import Acting
from signoff.actions.unit import unit_of_work
from signoff.actions.webhooks import (
    do_create_webhook,
    do_delete_webhook,
    do_rotate_webhook_secret,
    do_update_webhook,
)
from signoff.db.models import Space, WebhookSubscription
from signoff.domain.errors import NotFound
from signoff.domain.events import ALL_EVENTS, WEBHOOK_EVENTS
from signoff.domain.states import Origin
from signoff.ids import Id
from signoff.outbound.secrets import webhook_secret
from signoff.queries.webhooks import delivery_log, list_webhooks
from signoff.web import context
from signoff.web.forms import FormValues, first
from signoff.web.refusals import FORM_REFUSALS, refusal
from signoff.web.require_session import signed_in, signed_in_form
from signoff.web.sessions import CurrentSession
from signoff.web.space_admin import admin_space, check_admin, signed_in_user
from signoff.web.templating import render

router = APIRouter(include_in_schema=False)

BASE = "/spaces/{key}/webhooks"
MANAGE = "manage webhooks"
LOG_PAGE = 50
NOTICES = {
    "paused": "Webhook paused: no deliveries until it is resumed.",
    "resumed": "Webhook resumed.",
    "removed": "Webhook removed.",
}


def _hook_of(session: Session, space: Space, webhook_id: int) -> WebhookSubscription:
    hook = session.get(WebhookSubscription, webhook_id)
    if hook is None or hook.space_id != space.id:
        raise NotFound("That webhook does not exist, or you cannot see it.")
    return hook


def _page(
    request: Request,
    current: CurrentSession,
    key: str,
    *,
    notice: str = "",
    error: str | None = None,
    values: dict[str, Any] | None = None,
    secret: dict[str, str] | None = None,
) -> dict[str, Any]:
    space_id = check_admin(request, current, key, action=MANAGE)
    with context.database(request).read() as session:
        space = session.get(Space, space_id)
        assert space is not None
        return {
            "current": current,
            "space": space,
            "hooks": list_webhooks(session, space.id),
            "events": WEBHOOK_EVENTS,
            "notice": notice,
            "error": error,
            "values": values or {"url": "", "events": [ALL_EVENTS]},
            "secret": secret,
        }


@router.get(BASE)
async def webhooks(request: Request, key: str) -> Response:
    current = await signed_in(request)
    if isinstance(current, Response):
        return current
    notice = NOTICES.get(request.query_params.get("done", ""), "")
    page = await run_in_threadpool(_page, request, current, key, notice=notice)
    return render(request, "webhooks.html", page)


def _add(
    request: Request, current: CurrentSession, key: str, form: FormValues
) -> tuple[dict[str, Any], int]:
    check_admin(request, current, key, action=MANAGE)
    url, events = first(form, "url"), form.get("event", [])
    values: dict[str, Any] = {"url": url, "events": events}
    try:
        with unit_of_work(context.database(request), origin=Origin.ui) as session:
            user = signed_in_user(session, current)
            space = admin_space(session, user, key, action=MANAGE)
            hook = do_create_webhook(
                session,
                space,
                url=url,
                events=events,
                allow=context.settings(request).webhook_allow_list,
                by=Acting(user, Origin.ui, None, context.now(request)),
            )
            secret = webhook_secret(request.app.state.secret_key, hook.id, hook.salt)
            shown = {"url": hook.url, "secret": secret}
    except FORM_REFUSALS as refused:
        told = refusal(refused)
        page = _page(request, current, key, error=told.sentence, values=values)
        return page, told.status
    return _page(request, current, key, notice="Webhook added.", secret=shown), 200


@router.post(BASE)
async def add_webhook(request: Request, key: str) -> Response:
    posted = await signed_in_form(request)
    if isinstance(posted, Response):
        return posted
    current, form = posted
    page, status = await run_in_threadpool(_add, request, current, key, form)
    # The secret is on this page only: never cached, never shown again.
    return render(
        request,
        "webhooks.html",
        page,
        status=status,
        headers={"Cache-Control": "no-store"},
    )


def _change(
    request: Request, current: CurrentSession, key: str, webhook_id: int, what: str
) -> dict[str, str] | None:
    """Pause, resume, rotate or remove; the new secret when rotated."""
    with unit_of_work(context.database(request), origin=Origin.ui) as session:
        user = signed_in_user(session, current)
        space = admin_space(session, user, key, action=MANAGE)
        hook = _hook_of(session, space, webhook_id)
        by = Acting(user, Origin.ui, None, context.now(request))
        if what == "remove":
            do_delete_webhook(session, hook, by=by)
            return None
        if what == "rotate":
            do_rotate_webhook_secret(session, hook, by=by)
            secret = webhook_secret(request.app.state.secret_key, hook.id, hook.salt)
            return {"url": hook.url, "secret": secret}
        allow = context.settings(request).webhook_allow_list
        do_update_webhook(session, hook, active=what == "resume", allow=allow, by=by)
        return None


async def _post_change(
    request: Request, key: str, webhook_id: int, what: str
) -> Response:
    posted = await signed_in_form(request)
    if isinstance(posted, Response):
        return posted
    current, _ = posted
    shown = await run_in_threadpool(_change, request, current, key, webhook_id, what)
    if shown is None:
        done = {"pause": "paused", "resume": "resumed", "remove": "removed"}[what]
        return RedirectResponse(f"/spaces/{key}/webhooks?done={done}", 303)
    page = await run_in_threadpool(
        lambda: _page(request, current, key, notice="New secret made.", secret=shown)
    )
    return render(request, "webhooks.html", page, headers={"Cache-Control": "no-store"})


@router.post(BASE + "/{webhook_id}/pause")
async def pause_webhook(request: Request, key: str, webhook_id: Id) -> Response:
    return await _post_change(request, key, webhook_id, "pause")


@router.post(BASE + "/{webhook_id}/resume")
async def resume_webhook(request: Request, key: str, webhook_id: Id) -> Response:
    return await _post_change(request, key, webhook_id, "resume")


@router.post(BASE + "/{webhook_id}/rotate")
async def rotate_webhook(request: Request, key: str, webhook_id: Id) -> Response:
    return await _post_change(request, key, webhook_id, "rotate")


@router.post(BASE + "/{webhook_id}/remove")
async def remove_webhook(request: Request, key: str, webhook_id: Id) -> Response:
    return await _post_change(request, key, webhook_id, "remove")


def _log_page(
    request: Request, current: CurrentSession, key: str, webhook_id: int
) -> dict[str, Any]:
    space_id = check_admin(request, current, key, action=MANAGE)
    with context.database(request).read() as session:
        space = session.get(Space, space_id)
        assert space is not None
        hook = _hook_of(session, space, webhook_id)
        cursor = request.query_params.get("cursor") or None
        rows, next_cursor = delivery_log(
            session, hook.id, cursor=cursor, limit=LOG_PAGE
        )
        return {
            "current": current,
            "space": space,
            "hook": hook,
            "rows": rows,
            "next_href": (
                f"/spaces/{space.key}/webhooks/{hook.id}?cursor={next_cursor}"
                if next_cursor
                else None
            ),
        }


@router.get(BASE + "/{webhook_id}")
async def webhook_log(request: Request, key: str, webhook_id: Id) -> Response:
    current = await signed_in(request)
    if isinstance(current, Response):
        return current
    page = await run_in_threadpool(_log_page, request, current, key, webhook_id)
    return render(request, "webhook_log.html", page)
