"""The byline's claim buttons: `POST /spaces/{key}/pages/{id}/claim` ("Claim review")
and `.../release-claim` ("Release claim").

Each calls its action (`actions.claims`) with the site's claim duration and goes
back to the page; a refusal (someone else claimed it first, say) is shown on it.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from signoff.actions.acting import Acting
from signoff.actions.claims import do_claim_review, do_release_claim
from signoff.db.models import Page, User
from signoff.domain.states import Origin
from signoff.ids import PageId
from signoff.web import context
from signoff.web.field_labels import for_people
from signoff.web.refusals import FORM_REFUSALS
from signoff.web.require_session import signed_in_form
from signoff.web.routes.pages import PAGE, PageAct, act_on_page, page_url, show_page

router = APIRouter(include_in_schema=False)


def claim_act(hours: float) -> PageAct:
    def act(session: Session, page: Page, user: User, now: datetime) -> object:
        by = Acting(user, Origin.ui, None, now)
        return do_claim_review(session, page, hours=hours, by=by)

    return act


def release_act(session: Session, page: Page, user: User, now: datetime) -> object:
    do_release_claim(session, page, by=Acting(user, Origin.ui, None, now))
    return None


async def _act(request: Request, key: str, page_id: int, act: PageAct) -> Response:
    posted = await signed_in_form(request)
    if isinstance(posted, Response):
        return posted
    current, _form = posted
    try:
        await run_in_threadpool(
            act_on_page,
            context.database(request),
            current.user_id,
            key,
            page_id,
            act,
            context.now(request),
        )
    except FORM_REFUSALS as refused:
        shown = for_people(refused)
        return await show_page(
            request, current, key, page_id, error=shown.sentence, status=shown.status
        )
    return RedirectResponse(page_url(key, page_id), status_code=303)


@router.post(PAGE + "/claim")
async def claim_review(request: Request, key: str, page_id: PageId) -> Response:
    hours = context.settings(request).claim_hours
    return await _act(request, key, page_id, claim_act(hours))


@router.post(PAGE + "/release-claim")
async def release_claim(request: Request, key: str, page_id: PageId) -> Response:
    return await _act(request, key, page_id, release_act)
