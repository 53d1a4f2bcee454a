"""The three calls of product 003's REST API: read a record, ask, decide.

Pages are named as clients name them (`queries.page_refs`). Unlike `/api/v1`, a
page the caller may not read is refused as such (401), as that product does; a
page that is not there is 404 (`problems`).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from signoff.access import space_role
from signoff.actions.adhoc import do_ask_approval
from signoff.actions.approvals import do_record_decision
from signoff.api.approvalmacro.problems import PREFIX
from signoff.api.approvalmacro.schemas import (
    ApprovalAction,
    ApprovalPut,
    RecordOut,
    RecordRef,
)
from signoff.api.v1.calls import ApiCall, api_call
from signoff.auth.scopes import Scope
from signoff.db.models import Page, User
from signoff.domain.adhoc import AdhocAsk
from signoff.domain.errors import (
    BadInput,
    Denial,
    InvalidState,
    NotAllowed,
    NotFound,
)
from signoff.domain.states import DecisionKind
from signoff.queries.approval_records import approval_record, version_request
from signoff.queries.page_refs import get_page_by_public_id, is_confluence_page

router = APIRouter(prefix=PREFIX, tags=["approval records"])

Reader = Annotated[ApiCall, Depends(api_call(Scope.read_approval))]
Asker = Annotated[ApiCall, Depends(api_call(Scope.write_approval))]
Decider = Annotated[ApiCall, Depends(api_call(Scope.decide_approval))]

NO_REASON = "No reason given."
"""The comment of a rejection made without one: Signoff keeps a reason for each."""

_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "Invalid JSON, or a version that is not the current one"},
    401: {"description": "No token, or no right on the page's space"},
    404: {"description": "No such page, page version or approval record"},
    429: {"description": "Too many requests"},
}


def _page(session: Session, actor: User, page_id: int, *, action: str) -> Page:
    page = get_page_by_public_id(session, page_id)
    if page is None:
        raise NotFound(f"No page exists with id {page_id}.")
    if space_role(session, actor, page.space_id) is None:
        raise NotAllowed(
            f"You have no permission on the space of page {page_id}.",
            denial=Denial(
                action=action,
                reason="no role in the space",
                actor_id=actor.id,
                space_id=page.space_id,
                page_id=page.id,
            ),
        )
    return page


def _member(session: Session, account_id: str) -> int:
    """A member named by accountId; an unknown one is a bad request, not a page
    missing."""
    user = session.scalar(select(User).where(User.account_id == account_id))
    if user is None:
        raise BadInput(f"members: no user with accountId {account_id!r}.")
    return user.id


def _record(session: Session, page: Page, page_id: int, version: int) -> RecordOut:
    if version > page.current_version:
        raise NotFound(f"Page {page_id} has no version {version}.")
    request = version_request(session, page, version)
    if request is None:
        raise NotFound(
            f"No approval record exists for version {version} of page {page_id}."
        )
    return RecordOut.of_record(approval_record(session, page, request))


@router.post(
    "/approval",
    summary="The approval record of a page version",
    response_model=RecordOut,
    responses=_ERRORS,
)
def post_approval(body: RecordRef, call: Reader) -> Response:
    def work(session: Session, actor: User) -> RecordOut:
        page = _page(session, actor, body.page_id, action="read approval records")
        return _record(session, page, body.page_id, body.version)

    return call.read(work)


@router.put(
    "/approval/page",
    summary="Create or update the approval of the page's current version",
    response_model=RecordOut,
    responses=_ERRORS,
)
def put_approval_page(body: ApprovalPut, call: Asker, request: Request) -> Response:
    def kept_elsewhere(session: Session, actor: User) -> list[int]:
        page = get_page_by_public_id(session, body.page_id)
        return [page.id] if page is not None and is_confluence_page(page) else []

    call.refresh_first(request, kept_elsewhere)

    def work(session: Session, actor: User) -> RecordOut:
        page = _page(session, actor, body.page_id, action="ask for approvals")
        ask = AdhocAsk(
            members=tuple(_member(session, account) for account in body.members),
            quorum=body.quorum_size,
            title=body.title,
            expires_on=body.expiry_date,
            notify_requests=body.request_notifications_enabled,
            notify_status=body.status_notifications_enabled,
        )
        do_ask_approval(session, page, ask, **call.by(actor))
        return _record(session, page, body.page_id, page.current_version)

    return call.write(work)


@router.post(
    "/approval/action",
    summary="Approve or reject a page version (the current one)",
    response_model=RecordOut,
    responses=_ERRORS,
)
def post_approval_action(body: ApprovalAction, call: Decider) -> Response:
    def work(session: Session, actor: User) -> RecordOut:
        page = _page(session, actor, body.page_id, action="decide on approvals")
        _record(session, page, body.page_id, body.version)
        if body.version != page.current_version:
            raise InvalidState(
                f"Version {body.version} of page {body.page_id} is not its current "
                f"version ({page.current_version}); only the current version can be "
                "approved or rejected."
            )
        kind = (
            DecisionKind.approve if body.action == "approved" else DecisionKind.reject
        )
        comment = body.comment
        if kind is DecisionKind.reject and not (comment or "").strip():
            comment = NO_REASON
        do_record_decision(
            session,
            page,
            kind,
            version=body.version,
            comment=comment,
            **call.by(actor),
        )
        return _record(session, page, body.page_id, body.version)

    return call.write(work)
