"""Footer comments: a page's top-level comments, replies, and posting either.

`POST /pages/{id}/footer-comments` is Signoff's form; `POST /footer-comments` with a
`pageId` (or only a `parentCommentId`, for a reply) is Confluence Cloud's. The same
handlers also answer under `/comments`, the paths atlassian-python-api's Confluence
v2 client uses. Any member of the page's space may comment; the system's review
comments (submission, decisions) have no `authorId`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy.orm import Session

from signoff.access import access_page
from signoff.actions.comments import do_post_comment
from signoff.api.v1.schemas import ObjectId
from signoff.api.wiki.calls import WikiCall, wiki_call
from signoff.api.wiki.responses import (
    READ_ERRORS,
    WRITE_ERRORS,
    ConfluenceComment,
    ConfluenceCommentList,
    documented,
)
from signoff.api.wiki.schemas import ConfluenceCommentCreate, Limit, wants_body
from signoff.api.wiki.shapes import PREFIX, comment_json, listing, single
from signoff.auth.scopes import Scope
from signoff.db.models import Page, User
from signoff.domain.errors import BadInput
from signoff.queries.comments import access_comment, list_comments
from signoff.queries.keyset import Window

router = APIRouter(tags=["page store"])
Reader = Annotated[WikiCall, Depends(wiki_call(Scope.read_page))]
Writer = Annotated[WikiCall, Depends(wiki_call(Scope.write_page))]
BodyFormat = Annotated[str | None, Query(alias="body-format")]
LOCATION = PREFIX + "/footer-comments/{id}"
CREATED = documented(
    ConfluenceComment, "The new comment; `Location` names it.", WRITE_ERRORS, status=201
)


@router.get(
    "/pages/{page_id}/footer-comments",
    summary="A page's top-level footer comments",
    responses=documented(ConfluenceCommentList, "One page of comments.", READ_ERRORS),
)
def get_page_comments(
    request: Request,
    call: Reader,
    page_id: ObjectId,
    body_format: BodyFormat = None,
    sort: str = "created-date",
    cursor: str | None = None,
    limit: Limit = 25,
) -> Response:
    def work(session: Session, actor: User) -> dict[str, Any]:
        page = access_page(session, actor, page_id)
        comments, following = list_comments(
            session,
            page,
            Window(sort, cursor, limit),
            with_body=wants_body(body_format),
        )
        return listing(request, [comment_json(c) for c in comments], following)

    return call.read(work)


@router.post(
    "/pages/{page_id}/footer-comments",
    status_code=201,
    summary="Comment on a page, or reply with parentCommentId",
    responses=CREATED,
)
def post_page_comment(
    request: Request, page_id: ObjectId, body: ConfluenceCommentCreate, call: Writer
) -> Response:
    if body.page_id is not None and body.page_id != page_id:
        raise BadInput("pageId does not match the page in the path.", field="pageId")
    return _post(request, call, page_id, body)


def post_footer_comment(
    request: Request, body: ConfluenceCommentCreate, call: Writer
) -> Response:
    """Confluence's `POST /footer-comments`: `pageId`, or `parentCommentId` alone."""
    if body.page_id is None and body.parent_comment_id is None:
        raise BadInput("Give pageId, or parentCommentId for a reply.", field="pageId")
    return _post(request, call, body.page_id, body)


def _post(
    request: Request, call: WikiCall, page_id: int | None, body: ConfluenceCommentCreate
) -> Response:
    def work(session: Session, actor: User) -> dict[str, Any]:
        page = _commented_page(session, actor, page_id, body.parent_comment_id)
        comment = do_post_comment(
            session,
            page,
            body=body.body,
            parent_id=body.parent_comment_id,
            **call.by(actor),
        )
        view = access_comment(session, actor, comment.id, with_body=True)
        return single(request, comment_json(view))

    return call.create(work, location=LOCATION)


def _commented_page(
    session: Session, actor: User, page_id: int | None, parent_id: int | None
) -> Page:
    if page_id is None:
        assert parent_id is not None
        page_id = access_comment(session, actor, parent_id).page_id
    return access_page(session, actor, page_id)


def get_footer_comment(
    request: Request, call: Reader, comment_id: ObjectId, body_format: BodyFormat = None
) -> Response:
    return call.read(
        lambda session, actor: single(
            request,
            comment_json(
                access_comment(
                    session, actor, comment_id, with_body=wants_body(body_format)
                )
            ),
        )
    )


def get_comment_children(
    request: Request,
    call: Reader,
    comment_id: ObjectId,
    body_format: BodyFormat = None,
    sort: str = "created-date",
    cursor: str | None = None,
    limit: Limit = 25,
) -> Response:
    def work(session: Session, actor: User) -> dict[str, Any]:
        parent = access_comment(session, actor, comment_id)
        page = access_page(session, actor, parent.page_id)
        replies, following = list_comments(
            session,
            page,
            Window(sort, cursor, limit),
            parent_id=parent.id,
            with_body=wants_body(body_format),
        )
        return listing(request, [comment_json(c) for c in replies], following)

    return call.read(work)


# Confluence's paths first; `/comments` is atlassian-python-api's spelling of them.
for _base, _documented in (("/footer-comments", True), ("/comments", False)):
    router.add_api_route(
        _base,
        post_footer_comment,
        methods=["POST"],
        status_code=201,
        summary="Comment on a page (pageId) or reply (parentCommentId)",
        responses=CREATED,
        include_in_schema=_documented,
    )
    router.add_api_route(
        _base + "/{comment_id}",
        get_footer_comment,
        methods=["GET"],
        summary="One footer comment",
        responses=documented(ConfluenceComment, "The comment.", READ_ERRORS),
        include_in_schema=_documented,
    )
    router.add_api_route(
        _base + "/{comment_id}/children",
        get_comment_children,
        methods=["GET"],
        summary="Replies to a footer comment",
        responses=documented(
            ConfluenceCommentList, "One page of replies.", READ_ERRORS
        ),
        include_in_schema=_documented,
    )
