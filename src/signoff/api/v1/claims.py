"""Claiming a page's pending review and releasing the claim: `POST /pages/claim` and
`POST /pages/release-claim`, each answered with the page's status.

A claim says "I'm reviewing this" to the step's other seat holders; the status and
the queue show it as `claim` until it expires, is released or stops applying.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy.orm import Session

from signoff.actions.claims import do_claim_review, do_release_claim
from signoff.api.v1.calls import ApiCall, api_call
from signoff.api.v1.responses import WRITE_ERRORS, PageStatus, documented
from signoff.api.v1.schemas import PageRefIn
from signoff.api.v1.shapes.pages import page_status_out
from signoff.auth.scopes import Scope
from signoff.config import Settings
from signoff.db.models import Page, User
from signoff.queries.claims import live_claim
from signoff.queries.page_refs import access_page_by_public_id
from signoff.queries.page_sources import page_source_link
from signoff.queries.status import page_status

router = APIRouter(tags=["pages"])

Decider = Annotated[ApiCall, Depends(api_call(Scope.decide_approval))]


def _answer(session: Session, page_id: int, now: datetime) -> PageStatus:
    """The page's status read after the commit, its live claim included."""
    page = session.get_one(Page, page_id)
    return page_status_out(
        page_status(session, page),
        page_source_link(session, page),
        live_claim(session, page, now),
    )


@router.post(
    "/pages/claim",
    summary="Claim the pending review: tell the other approvers you are on it",
    responses=documented(
        PageStatus, "The page's approval with the claim.", WRITE_ERRORS
    ),
)
def post_page_claim(body: PageRefIn, call: Decider, request: Request) -> Response:
    settings: Settings = request.app.state.settings
    hours = settings.claim_hours

    def work(session: Session, actor: User) -> int:
        page = access_page_by_public_id(session, actor, body.page_id)
        do_claim_review(session, page, hours=hours, **call.by(actor))
        return page.id

    return call.write_then_read(work, lambda s, _, done: _answer(s, done, call.now))


@router.post(
    "/pages/release-claim",
    summary="Release your claim on the pending review",
    responses=documented(PageStatus, "The page's approval without it.", WRITE_ERRORS),
)
def post_page_release_claim(body: PageRefIn, call: Decider) -> Response:
    def work(session: Session, actor: User) -> int:
        page = access_page_by_public_id(session, actor, body.page_id)
        do_release_claim(session, page, **call.by(actor))
        return page.id

    return call.write_then_read(work, lambda s, _, done: _answer(s, done, call.now))
