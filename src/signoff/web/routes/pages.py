"""Pages in the UI: the page view with its byline actions.

`GET /spaces/{key}/pages/{id}` shows the page (`id` as clients name it: a page from
Confluence by its Confluence page id, `queries.page_refs`); the byline's forms POST to
`.../submit`, `.../approve`, `.../reject`, `.../withdraw` and `.../override` (the
space admin's `Override review` form; the ad-hoc form's
`.../request-approval` is `web.routes.adhoc`'s; the editor, `.../edit`, is
`web.routes.page_editor`'s). Handlers parse, call one action or query, and render;
a refusal of a byline button (`FORM_REFUSALS`) is shown on the page, any other goes
to the error page.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from fastapi import APIRouter
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from signoff.access import access_space_by_key
from signoff.actions.acting import Acting
from signoff.actions.approvals import (
    do_cancel_request,
    do_record_decision,
    do_submit_page,
)
from signoff.actions.overrides import do_override_review
from signoff.actions.unit import unit_of_work
from signoff.db.models import Page, User
from signoff.db.session import Database
from signoff.domain.errors import (
    BadInput,
    NotFound,
)
from signoff.domain.states import DecisionKind, Origin
from signoff.ids import PageId, form_id, stored_number
from signoff.queries.page_refs import (
    access_page_by_public_id,
    is_confluence_page,
)
from signoff.queries.page_screen import PageScreen, page_screen
from signoff.web import context
from signoff.web.adhoc_form import AskFields
from signoff.web.back_to import change_set_return
from signoff.web.byline import Buttons, byline_buttons
from signoff.web.comment_text import ShownComment, shown_comments
from signoff.web.field_labels import OVERRIDE_FORM, REJECT_FORM, for_people
from signoff.web.forms import FormValues, first
from signoff.web.refusals import FORM_REFUSALS
from signoff.web.require_session import signed_in, signed_in_form
from signoff.web.sessions import CurrentSession
from signoff.web.templating import render

router = APIRouter(include_in_schema=False)
PAGE = "/spaces/{key}/pages/{page_id}"
UI = Origin.ui


def page_url(key: str, page_id: int | str) -> str:
    """A page's address; `page_id` as clients name the page (`queries.page_refs`)."""
    return f"/spaces/{key}/pages/{page_id}"


VIEWS = ("changes", "side", "source", "page")


def chosen_view(request: Request, comparing: bool) -> str:
    """How the reader asked to see the changes (`?view=`): the changes marked in
    the page unless they chose another view, the whole page when nothing is
    compared."""
    asked = request.query_params.get("view")
    if not comparing:
        return "page"
    return asked if asked in VIEWS else "changes"


def load_screen(
    db: Database, user_id: int, key: str, page_id: int, now: datetime | None = None
) -> tuple[PageScreen, Buttons, list[ShownComment]]:
    with db.read() as session:
        user = session.get(User, user_id)
        page = page_in(session, user, key, page_id)
        assert user is not None
        return (
            page_screen(session, page),
            byline_buttons(session, page, user, now=now),
            shown_comments(session, page.id),
        )


def page_in(session: Session, user: User | None, key: str, page_id: int) -> Page:
    """The page `page_id` names (its Confluence page id for a page from Confluence)
    in the space `key`, if the user may read it."""
    space = access_space_by_key(session, user, key)
    page = access_page_by_public_id(session, user, page_id)
    if page.space_id != space.id:
        raise NotFound(f"Page {page_id} not found.")
    return page


async def show_page(
    request: Request,
    current: CurrentSession,
    key: str,
    page_id: int,
    *,
    error: str | None = None,
    status: int = 200,
    ask: AskFields | None = None,
) -> Response:
    """The page view; `ask` is the ad-hoc form as sent, shown again (open) when it
    was refused, else the form is prefilled from the pending ask, if any."""
    screen, buttons, comments = await run_in_threadpool(
        load_screen,
        context.database(request),
        current.user_id,
        key,
        page_id,
        context.now(request),
    )
    pending = buttons.ask.pending if buttons.ask else None
    return render(
        request,
        "page.html",
        {
            "current": current,
            "screen": screen,
            "view": chosen_view(request, screen.comparison is not None),
            "view_url": page_url(key, screen.public_id),
            "buttons": buttons,
            "comments": comments,
            "error": error,
            "ask_fields": ask or AskFields.from_pending(pending),
            "ask_open": ask is not None,
        },
        status=status,
    )


@router.get(PAGE)
async def view_page(request: Request, key: str, page_id: PageId) -> Response:
    current = await signed_in(request)
    if isinstance(current, Response):
        return current
    return await show_page(request, current, key, page_id)


PageAct = Callable[[Session, Page, User, datetime], object]


def act_on_page(
    db: Database, user_id: int, key: str, page_id: int, act: PageAct, now: datetime
) -> None:
    with unit_of_work(db, origin=UI) as session:
        user = session.get(User, user_id)
        page = page_in(session, user, key, page_id)
        assert user is not None
        act(session, page, user, now)


def refresh_page(request: Request, user_id: int, key: str, page_id: int) -> None:
    """A page kept in Confluence, read from there before it is submitted; a refusal
    is left to the submission, which shows it."""
    try:
        with context.database(request).read() as session:
            page = page_in(session, session.get(User, user_id), key, page_id)
            kept_elsewhere = is_confluence_page(page)
            internal = page.id
    except FORM_REFUSALS:
        return  # the submission refuses it again, and shows why
    if kept_elsewhere:
        context.refresh_pages(request, [internal])


def _version(form: FormValues) -> int:
    version = stored_number(first(form, "version"))
    if version is None:
        raise BadInput("The form did not say which version you decided on.")
    return version


def submit_act(form: FormValues) -> PageAct:
    raw = first(form, "workflow_id")
    workflow_id = form_id(raw, "Workflow") if raw else None

    def act(session: Session, page: Page, user: User, now: datetime) -> object:
        return do_submit_page(
            session,
            page,
            workflow_id=workflow_id,
            by=Acting(user, UI, None, now),
        )

    return act


def decide_act(kind: DecisionKind) -> Callable[[FormValues], PageAct]:
    def parse(form: FormValues) -> PageAct:
        version, comment = _version(form), first(form, "comment")

        def act(session: Session, page: Page, user: User, now: datetime) -> object:
            return do_record_decision(
                session,
                page,
                kind,
                version=version,
                comment=comment,
                by=Acting(user, UI, None, now),
            )

        return act

    return parse


def withdraw_act(form: FormValues) -> PageAct:
    def act(session: Session, page: Page, user: User, now: datetime) -> object:
        return do_cancel_request(session, page, by=Acting(user, UI, None, now))

    return act


def override_act(form: FormValues) -> PageAct:
    version, reason = _version(form), first(form, "reason")
    raw = first(form, "decision")
    if raw not in (DecisionKind.approve, DecisionKind.reject):
        raise BadInput("Choose whether to approve or reject.", field="decision")
    decision = DecisionKind(raw)

    def act(session: Session, page: Page, user: User, now: datetime) -> object:
        return do_override_review(
            session,
            page,
            decision,
            version=version,
            reason=reason,
            by=Acting(user, UI, None, now),
        )

    return act


ACTS: dict[str, Callable[[FormValues], PageAct]] = {
    "submit": submit_act,
    "approve": decide_act(DecisionKind.approve),
    "reject": decide_act(DecisionKind.reject),
    "withdraw": withdraw_act,
    "override": override_act,
}
FORM_LABELS = {"reject": REJECT_FORM, "override": OVERRIDE_FORM}


async def page_action(
    request: Request, key: str, page_id: PageId, verb: str
) -> Response:
    parse = ACTS.get(verb)
    if parse is None:
        raise NotFound("No such action.")
    posted = await signed_in_form(request)
    if isinstance(posted, Response):
        return posted
    current, form = posted
    if verb == "submit":
        await run_in_threadpool(refresh_page, request, current.user_id, key, page_id)
    try:
        await run_in_threadpool(
            act_on_page,
            context.database(request),
            current.user_id,
            key,
            page_id,
            parse(form),
            context.now(request),
        )
    except FORM_REFUSALS as refused:
        shown = for_people(refused, FORM_LABELS.get(verb))
        return await show_page(
            request, current, key, page_id, error=shown.sentence, status=shown.status
        )
    back = change_set_return(first(form, "next"))
    return RedirectResponse(back or page_url(key, page_id), status_code=303)


# Last in this router; routers with other POSTs under a page (comments, ad-hoc,
# the editor) are included before it (`web.routes.web_routers`).
router.add_api_route(PAGE + "/{verb}", page_action, methods=["POST"])
