"""Comments on a page, and the inbox of mentions.

Any member of a space may comment on its pages (the same action as the page store's
comments API, origin `ui`); `@username` mentions a member, who finds it in their
inbox. The inbox shows only a person's own mentions, on pages they can still see.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from signoff.actions.acting import Acting
from signoff.actions.comments import do_mark_mentions_read, do_post_comment
from signoff.actions.unit import unit_of_work
from signoff.db.models import User
from signoff.db.session import Database
from signoff.domain.errors import BadInput
from signoff.domain.states import Origin
from signoff.ids import PageId
from signoff.queries.inbox import inbox, unread_mentions
from signoff.web import context
from signoff.web.comment_text import comment_markup
from signoff.web.field_labels import COMMENT_BOX, for_people
from signoff.web.forms import first
from signoff.web.refusals import FORM_REFUSALS
from signoff.web.require_session import signed_in, signed_in_form
from signoff.web.routes.pages import PAGE, page_in, page_url, show_page
from signoff.web.sessions import CurrentSession
from signoff.web.space_admin import signed_in_user
from signoff.web.templating import render

router = APIRouter(include_in_schema=False)

MAX_TEXT = 20_000


def post_comment(
    db: Database, user_id: int, key: str, page_id: int, text: str, now: datetime
) -> int:
    if not text.strip():
        raise BadInput("Write a comment first.", field="comment")
    if len(text) > MAX_TEXT:
        raise BadInput(f"A comment has at most {MAX_TEXT} characters.")
    with unit_of_work(db, origin=Origin.ui) as session:
        user = session.get(User, user_id)
        page = page_in(session, user, key, page_id)
        assert user is not None
        comment = do_post_comment(
            session,
            page,
            body=comment_markup(session, page.space_id, text),
            parent_id=None,
            by=Acting(user, Origin.ui, None, now),
        )
        return comment.id


@router.post(PAGE + "/comments")
async def comment(request: Request, key: str, page_id: PageId) -> Response:
    posted = await signed_in_form(request)
    if isinstance(posted, Response):
        return posted
    current, form = posted
    try:
        comment_id = await run_in_threadpool(
            post_comment,
            context.database(request),
            current.user_id,
            key,
            page_id,
            first(form, "comment"),
            context.now(request),
        )
    except FORM_REFUSALS as refused:
        shown = for_people(refused, COMMENT_BOX)
        return await show_page(
            request, current, key, page_id, error=shown.sentence, status=shown.status
        )
    target = f"{page_url(key, page_id)}#comment-{comment_id}"
    return RedirectResponse(target, status_code=303)


def _inbox_page(request: Request, current: CurrentSession) -> dict[str, object]:
    with context.database(request).read() as session:
        return {
            "current": current,
            "items": inbox(session, current.user_id),
            "unread": unread_mentions(session, current.user_id),
        }


@router.get("/inbox")
async def show_inbox(request: Request) -> Response:
    current = await signed_in(request)
    if isinstance(current, Response):
        return current
    page = await run_in_threadpool(_inbox_page, request, current)
    return render(request, "inbox.html", page)


def _mark_read(request: Request, current: CurrentSession, ids: list[str]) -> int:
    wanted = None
    if ids:
        if not all(i.isascii() and i.isdigit() and len(i) <= 18 for i in ids):
            raise BadInput("Choose mentions from the list.")
        wanted = [int(i) for i in ids]
    with unit_of_work(context.database(request), origin=Origin.ui) as session:
        user = signed_in_user(session, current)
        return do_mark_mentions_read(
            session,
            user,
            mention_ids=wanted,
            by=Acting(user, Origin.ui, None, context.now(request)),
        )


@router.post("/inbox/read")
async def mark_read(request: Request) -> Response:
    posted = await signed_in_form(request)
    if isinstance(posted, Response):
        return posted
    current, form = posted
    await run_in_threadpool(_mark_read, request, current, form.get("mention", []))
    return RedirectResponse("/inbox", status_code=303)
