"""Single-page approval: submit, preflight, status, approve, reject, cancel, override.

Each names its page as clients do (`PageId`); `queries.page_refs` finds it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy.orm import Session

from signoff.actions.approvals import (
    check_submit_page,
    do_cancel_request,
    do_record_decision,
    do_submit_page,
)
from signoff.actions.overrides import do_override_review
from signoff.api.v1.calls import ApiCall, api_call
from signoff.api.v1.responses import (
    READ_ERRORS,
    WRITE_ERRORS,
    PagePreflight,
    PageStatus,
    PageSubmitted,
    documented,
)
from signoff.api.v1.schemas import DecisionIn, OverrideIn, PageRef, RejectionIn
from signoff.api.v1.shapes.pages import page_preflight, page_status_out, page_submitted
from signoff.auth.scopes import Scope
from signoff.db.models import Page, User
from signoff.domain.errors import NotFound
from signoff.domain.states import DecisionKind
from signoff.ids import PageId
from signoff.queries.claims import live_claim
from signoff.queries.page_refs import access_page_by_public_id, is_confluence_page
from signoff.queries.page_sources import page_source_link
from signoff.queries.status import page_status

router = APIRouter(tags=["pages"])

Submitter = Annotated[ApiCall, Depends(api_call(Scope.write_approval))]
Reader = Annotated[ApiCall, Depends(api_call(Scope.read_approval))]
Decider = Annotated[ApiCall, Depends(api_call(Scope.decide_approval))]


def _kept_elsewhere(session: Session, actor: User, page_id: int) -> list[int]:
    """The page to read from where it is kept before submitting it: none for
    Signoff's own pages, which then cost no more than the lookup."""
    page = access_page_by_public_id(session, actor, page_id)
    return [page.id] if is_confluence_page(page) else []


def _page(session: Session, page_id: int) -> Page:
    """The page an action just changed, read again after its commit."""
    return session.get_one(Page, page_id)


def _status(session: Session, page: Page, now: datetime | None = None) -> PageStatus:
    """The page's status; with `now`, the live claim on its review at that time."""
    claim = live_claim(session, page, now) if now is not None else None
    return page_status_out(
        page_status(session, page), page_source_link(session, page), claim
    )


@router.post(
    "/pages/submit",
    summary="Submit a page for approval (strict)",
    responses=documented(PageSubmitted, "The new review.", WRITE_ERRORS),
)
def post_page_submit(body: PageRef, call: Submitter, request: Request) -> Response:
    call.refresh_first(
        request, lambda s, actor: _kept_elsewhere(s, actor, body.page_id)
    )

    def work(session: Session, actor: User) -> int:
        page = access_page_by_public_id(session, actor, body.page_id)
        do_submit_page(session, page, workflow_id=body.workflow_id, **call.by(actor))
        return page.id

    return call.write_then_read(
        work, lambda s, _, page_id: page_submitted(page_status(s, _page(s, page_id)))
    )


@router.post(
    "/pages/preflight",
    summary="Whether a page could be submitted now; writes nothing",
    responses=documented(
        PagePreflight,
        "The verdict, with the reason when it is no.",
        (400, 401, 403, 413, 429),
    ),
)
def post_page_preflight(body: PageRef, call: Reader) -> Response:
    def work(session: Session, actor: User) -> PagePreflight:
        page = _visible_or_none(session, actor, body.page_id)
        verdict, plan = check_submit_page(
            session, page, actor=actor, workflow_id=body.workflow_id
        )
        return page_preflight(verdict, plan.workflow)

    return call.read(work)


def _visible_or_none(session: Session, actor: User, page_id: int) -> Page | None:
    try:
        return access_page_by_public_id(session, actor, page_id)
    except NotFound:
        return None


@router.get(
    "/pages/status",
    summary="A page's approval: review, steps, staleness",
    responses=documented(PageStatus, "The page's approval.", READ_ERRORS),
)
def get_page_status(
    call: Reader, page_id: Annotated[PageId, Query(alias="pageId")]
) -> Response:
    return call.read(
        lambda s, actor: _status(
            s, access_page_by_public_id(s, actor, page_id), call.now
        )
    )


def _decide(
    call: ApiCall, page_id: int, kind: DecisionKind, version: int, comment: str | None
) -> Response:
    def work(session: Session, actor: User) -> int:
        page = access_page_by_public_id(session, actor, page_id)
        do_record_decision(
            session, page, kind, version=version, comment=comment, **call.by(actor)
        )
        return page.id

    return call.write_then_read(
        work, lambda s, _, done: _status(s, _page(s, done), call.now)
    )


@router.post(
    "/pages/approve",
    summary="Approve the current step at a version",
    responses=documented(PageStatus, "The page's approval after it.", WRITE_ERRORS),
)
def post_page_approve(body: DecisionIn, call: Decider) -> Response:
    return _decide(call, body.page_id, DecisionKind.approve, body.version, body.comment)


@router.post(
    "/pages/reject",
    summary="Reject the current step (comment required)",
    responses=documented(PageStatus, "The page's approval after it.", WRITE_ERRORS),
)
def post_page_reject(body: RejectionIn, call: Decider) -> Response:
    return _decide(call, body.page_id, DecisionKind.reject, body.version, body.comment)


@router.post(
    "/pages/override",
    summary="A space admin forces the pending review's outcome (reason required)",
    responses=documented(PageStatus, "The page's approval after it.", WRITE_ERRORS),
)
def post_page_override(body: OverrideIn, call: Decider) -> Response:
    def work(session: Session, actor: User) -> int:
        page = access_page_by_public_id(session, actor, body.page_id)
        do_override_review(
            session,
            page,
            body.decision,
            version=body.version,
            reason=body.reason,
            **call.by(actor),
        )
        return page.id

    return call.write_then_read(work, lambda s, _, done: _status(s, _page(s, done)))


@router.post(
    "/pages/cancel",
    summary="Withdraw the pending review",
    responses=documented(PageStatus, "The page's approval after it.", WRITE_ERRORS),
)
def post_page_cancel(body: PageRef, call: Submitter) -> Response:
    def work(session: Session, actor: User) -> int:
        page = access_page_by_public_id(session, actor, body.page_id)
        do_cancel_request(session, page, **call.by(actor))
        return page.id

    return call.write_then_read(work, lambda s, _, done: _status(s, _page(s, done)))
