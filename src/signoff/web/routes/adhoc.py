"""The page view's ad-hoc form: `POST /spaces/{key}/pages/{id}/request-approval`.

One form asks named people to approve the page's current version, or changes the
ask pending there (`actions.adhoc.do_ask_approval` decides which). A page kept in
Confluence is read from there first, as the Submit button does. A refusal is shown
on the page with the form as sent, led by the label of the field it is about.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from signoff.actions.acting import Acting
from signoff.actions.adhoc import do_ask_approval
from signoff.db.models import Page, User
from signoff.domain.adhoc import AdhocAsk
from signoff.domain.states import Origin
from signoff.ids import PageId
from signoff.web import context
from signoff.web.adhoc_form import AskFields
from signoff.web.field_labels import for_people
from signoff.web.forms import PICKER_FIELDS, PICKER_FORM_BYTES
from signoff.web.refusals import FORM_REFUSALS
from signoff.web.require_session import signed_in_form
from signoff.web.routes.pages import (
    PAGE,
    PageAct,
    act_on_page,
    page_url,
    refresh_page,
    show_page,
)

router = APIRouter(include_in_schema=False)


def ask_act(ask: AdhocAsk) -> PageAct:
    def act(session: Session, page: Page, user: User, now: datetime) -> object:
        return do_ask_approval(
            session, page, ask, by=Acting(user, Origin.ui, None, now)
        )

    return act


@router.post(PAGE + "/request-approval")
async def request_approval(request: Request, key: str, page_id: PageId) -> Response:
    posted = await signed_in_form(
        request, limit=PICKER_FORM_BYTES, max_fields=PICKER_FIELDS
    )
    if isinstance(posted, Response):
        return posted
    current, form = posted
    fields: AskFields | None = None
    try:
        fields = AskFields.from_form(form)
        ask = fields.ask()
        await run_in_threadpool(refresh_page, request, current.user_id, key, page_id)
        await run_in_threadpool(
            act_on_page,
            context.database(request),
            current.user_id,
            key,
            page_id,
            ask_act(ask),
            context.now(request),
        )
    except FORM_REFUSALS as refused:
        shown = for_people(refused)
        return await show_page(
            request,
            current,
            key,
            page_id,
            error=shown.sentence,
            status=shown.status,
            ask=fields,
        )
    return RedirectResponse(page_url(key, page_id), status_code=303)
