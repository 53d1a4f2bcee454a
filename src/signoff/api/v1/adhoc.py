"""Ad-hoc approvals: ask named people to approve a page, and where a space allows it.

`POST /pages/request-approval` makes the request, or changes the pending ad-hoc
request of the page's current version (`actions.adhoc.do_ask_approval`);
`POST /spaces/settings` says where editors may ask.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy.orm import Session

from signoff.access import access_account, access_space
from signoff.actions.adhoc import do_ask_approval, do_set_adhoc_mode
from signoff.api.v1.calls import ApiCall, api_call
from signoff.api.v1.responses import (
    WRITE_ERRORS,
    ApprovalAsked,
    RequestOut,
    SpaceOne,
    documented,
)
from signoff.api.v1.schemas import ApprovalAsk, SpaceSettingsIn
from signoff.api.v1.shapes.spaces import space_one
from signoff.auth.scopes import Scope
from signoff.db.models import User
from signoff.domain.adhoc import AdhocAsk
from signoff.queries.page_refs import access_page_by_public_id, is_confluence_page
from signoff.queries.spaces import space_view
from signoff.queries.status import page_status

router = APIRouter(tags=["pages"])

Submitter = Annotated[ApiCall, Depends(api_call(Scope.write_approval))]
Manager = Annotated[ApiCall, Depends(api_call(Scope.manage_space))]


def adhoc_ask(session: Session, body: ApprovalAsk) -> AdhocAsk:
    """The ask a body makes, its members found by accountId."""
    return AdhocAsk(
        members=tuple(
            access_account(session, account, field="members").id
            for account in body.members
        ),
        quorum=body.quorum,
        title=body.title,
        expires_on=body.expiry_date,
        notify_requests=body.notify_requests,
        notify_status=body.notify_status,
    )


@router.post(
    "/pages/request-approval",
    summary="Ask named people to approve the page's current version (ad hoc)",
    responses=documented(
        ApprovalAsked, "The review, made now or changed.", WRITE_ERRORS
    ),
)
def post_request_approval(
    body: ApprovalAsk, call: Submitter, request: Request
) -> Response:
    def kept_elsewhere(session: Session, actor: User) -> list[int]:
        page = access_page_by_public_id(session, actor, body.page_id)
        return [page.id] if is_confluence_page(page) else []

    call.refresh_first(request, kept_elsewhere)

    def work(session: Session, actor: User) -> ApprovalAsked:
        page = access_page_by_public_id(session, actor, body.page_id)
        ask = adhoc_ask(session, body)
        _, created = do_ask_approval(session, page, ask, **call.by(actor))
        view = page_status(session, page)
        assert view.request is not None
        return ApprovalAsked(
            success=True, request=RequestOut.of(view.request), created=created
        )

    return call.write(work)


@router.post(
    "/spaces/settings",
    summary="Change a space's settings (space admins): where ad-hoc approvals go",
    responses=documented(SpaceOne, "The space as it now stands.", WRITE_ERRORS),
)
def post_space_settings(body: SpaceSettingsIn, call: Manager) -> Response:
    def work(session: Session, actor: User) -> SpaceOne:
        space = access_space(session, actor, body.space_id)
        do_set_adhoc_mode(session, space, body.adhoc_approvals, **call.by(actor))
        view = space_view(session, actor, space)
        assert view is not None
        return space_one(view)

    return call.write(work)
