"""The notifications outbox for site administrators: what is waiting, failing or
dead, and a way to put dead letters back in line (the same action as
`signoff outbox retry`, recorded with origin `ui`)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from signoff.actions.acting import Acting
from signoff.actions.outbox import ALL_DEAD, do_retry_dead
from signoff.actions.unit import unit_of_work
from signoff.actions.users import require_site_admin
from signoff.domain.states import Origin
from signoff.notify.outbox_rows import OutboxStatus, list_messages
from signoff.web import context
from signoff.web.forms import PICKER_FIELDS, PICKER_FORM_BYTES
from signoff.web.require_session import signed_in, signed_in_form
from signoff.web.sessions import CurrentSession
from signoff.web.space_admin import signed_in_user
from signoff.web.templating import render

router = APIRouter(include_in_schema=False)

PATH = "/admin/outbox"
VIEW = "view the notifications outbox"
SHOWN = 100


def _check(request: Request, current: CurrentSession, action: str) -> None:
    with unit_of_work(context.database(request), origin=Origin.ui) as session:
        require_site_admin(signed_in_user(session, current), action)


def _page(request: Request, current: CurrentSession, status: str) -> dict[str, Any]:
    _check(request, current, VIEW)
    chosen = OutboxStatus(status) if status in OutboxStatus.__members__ else None
    chosen = chosen or OutboxStatus.dead
    rows = list_messages(context.database(request), chosen, SHOWN)
    return {
        "current": current,
        "status": chosen.value,
        "statuses": [s.value for s in OutboxStatus],
        "rows": rows,
        "requeued": request.query_params.get("requeued", ""),
    }


@router.get(PATH)
async def outbox(request: Request) -> Response:
    current = await signed_in(request)
    if isinstance(current, Response):
        return current
    status = request.query_params.get("status", "dead")
    page = await run_in_threadpool(_page, request, current, status)
    return render(request, "outbox.html", page)


def _retry(request: Request, current: CurrentSession, ids: list[str]) -> int:
    with unit_of_work(context.database(request), origin=Origin.ui) as session:
        return do_retry_dead(
            session,
            ids or ALL_DEAD,
            by=Acting(
                signed_in_user(session, current), Origin.ui, None, context.now(request)
            ),
        )


@router.post(PATH + "/retry")
async def retry(request: Request) -> Response:
    posted = await signed_in_form(
        request, limit=PICKER_FORM_BYTES, max_fields=PICKER_FIELDS
    )
    if isinstance(posted, Response):
        return posted
    current, form = posted
    count = await run_in_threadpool(_retry, request, current, form.get("message", []))
    return RedirectResponse(f"{PATH}?status=dead&requeued={count}", status_code=303)
