"""Pages and their versions: list, create, read, update (version + 1), history.

Writes go through `do_create_page` and `do_edit_page`, so bodies are sanitised and
every edit supersedes or stales reviews as the rules say. A `PUT` names the version
it creates (current + 1, as Confluence requires); any other number is a 409. The
store keeps pages where they are: a `PUT` that moves a page to another space or
parent is refused (400).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy.orm import Session

from signoff.access import access_page, access_space
from signoff.actions.pages import do_create_page, do_edit_page
from signoff.api.v1.schemas import ObjectId
from signoff.api.wiki.calls import WikiCall, wiki_call
from signoff.api.wiki.responses import (
    READ_ERRORS,
    WRITE_ERRORS,
    ConfluencePage,
    ConfluencePageList,
    ConfluencePageVersionList,
    ConfluenceVersionDetail,
    documented,
)
from signoff.api.wiki.schemas import (
    ConfluencePageCreate,
    ConfluencePageUpdate,
    Limit,
    ListParam,
    id_values,
    split_values,
    text_values,
    wants_body,
)
from signoff.api.wiki.shapes import (
    listing,
    page_json,
    page_version_json,
    single,
    version_detail_json,
)
from signoff.auth.scopes import Scope
from signoff.db.models import Page, User
from signoff.domain.errors import BadInput
from signoff.ids import MAX_ID
from signoff.queries.keyset import Window
from signoff.queries.store import (
    DEFAULT_PAGE_STATUSES,
    PageFilter,
    get_page_view,
    list_pages,
    list_versions,
)

router = APIRouter(tags=["page store"])
Reader = Annotated[WikiCall, Depends(wiki_call(Scope.read_page))]
Writer = Annotated[WikiCall, Depends(wiki_call(Scope.write_page))]
BodyFormat = Annotated[str | None, Query(alias="body-format")]


@router.get(
    "/pages",
    summary="Pages the caller may see, cursor-paginated",
    responses=documented(ConfluencePageList, "One page of pages.", READ_ERRORS),
)
def get_pages(
    request: Request,
    call: Reader,
    page_id: Annotated[list[str] | None, Query(alias="id")] = None,
    space_id: Annotated[list[str] | None, Query(alias="space-id")] = None,
    title: ListParam = None,
    status: ListParam = None,
    body_format: BodyFormat = None,
    sort: str = "id",
    cursor: str | None = None,
    limit: Limit = 25,
) -> Response:
    def work(session: Session, actor: User) -> dict[str, Any]:
        kept = PageFilter(
            space_ids=id_values(space_id, field="space-id"),
            page_ids=id_values(page_id, field="id"),
            titles=text_values(title, field="title"),
            statuses=split_values(status, field="status") or DEFAULT_PAGE_STATUSES,
        )
        pages, following = list_pages(
            session,
            actor,
            Window(sort, cursor, limit),
            kept,
            with_body=wants_body(body_format),
        )
        return listing(request, [page_json(p) for p in pages], following)

    return call.read(work)


@router.post(
    "/pages",
    summary="Create a page (body in storage format)",
    responses=documented(ConfluencePage, "The new page, with its body.", WRITE_ERRORS),
)
def post_page(request: Request, body: ConfluencePageCreate, call: Writer) -> Response:
    def work(session: Session, actor: User) -> dict[str, Any]:
        space = access_space(session, actor, body.space_id)
        page = do_create_page(
            session,
            space,
            title=body.title,
            body=body.body,
            parent_id=body.parent_id,
            **call.by(actor),
        )
        return _page(request, session, page, with_body=True)

    return call.write(work)


def _page(
    request: Request,
    session: Session,
    page: Page,
    *,
    with_body: bool,
    number: int | None = None,
) -> dict[str, Any]:
    view = get_page_view(session, page, number=number, with_body=with_body)
    return single(request, page_json(view))


@router.get(
    "/pages/{page_id}",
    summary="A page; ?body-format=storage adds its body",
    responses=documented(ConfluencePage, "The page.", READ_ERRORS),
)
def get_page(
    request: Request,
    call: Reader,
    page_id: ObjectId,
    body_format: BodyFormat = None,
    version: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> Response:
    return call.read(
        lambda session, actor: _page(
            request,
            session,
            access_page(session, actor, page_id),
            with_body=wants_body(body_format),
            number=version,
        )
    )


@router.put(
    "/pages/{page_id}",
    summary="Update a page: version.number = current + 1",
    responses=documented(ConfluencePage, "The page at its new version.", WRITE_ERRORS),
)
def put_page(
    request: Request, page_id: ObjectId, body: ConfluencePageUpdate, call: Writer
) -> Response:
    def work(session: Session, actor: User) -> dict[str, Any]:
        page = access_page(session, actor, page_id)
        _check_stays(page, body)
        do_edit_page(
            session,
            page,
            title=body.title,
            body=body.body,
            expected_version=body.version.number - 1,
            message=body.version.message or "",
            **call.by(actor),
        )
        return _page(request, session, page, with_body=True)

    return call.write(work)


def _check_stays(page: Page, body: ConfluencePageUpdate) -> None:
    """The body may repeat the page's id, space and parent, but not change them."""
    for field, given, current in (
        ("id", body.id, page.id),
        ("spaceId", body.space_id, page.space_id),
        ("parentId", body.parent_id, page.parent_id),
    ):
        if given is not None and given != current:
            raise BadInput(
                f"{field} {given} does not match the page; pages cannot be moved here.",
                field=field,
            )


@router.get(
    "/pages/{page_id}/versions",
    summary="A page's versions, newest first",
    responses=documented(
        ConfluencePageVersionList, "One page of versions.", READ_ERRORS
    ),
)
def get_page_versions(
    request: Request,
    call: Reader,
    page_id: ObjectId,
    body_format: BodyFormat = None,
    sort: str = "-modified-date",
    cursor: str | None = None,
    limit: Limit = 25,
) -> Response:
    def work(session: Session, actor: User) -> dict[str, Any]:
        page = access_page(session, actor, page_id)
        versions, following = list_versions(
            session,
            page,
            Window(sort, cursor, limit),
            with_body=wants_body(body_format),
        )
        results = [page_version_json(page.id, v) for v in versions]
        return listing(request, results, following)

    return call.read(work)


@router.get(
    "/pages/{page_id}/versions/{number}",
    summary="One version's details",
    responses=documented(ConfluenceVersionDetail, "The version.", READ_ERRORS),
)
def get_page_version(call: Reader, page_id: ObjectId, number: ObjectId) -> Response:
    def work(session: Session, actor: User) -> dict[str, Any]:
        page = access_page(session, actor, page_id)
        view = get_page_view(session, page, number=number)
        return version_detail_json(view.version, page.current_version)

    return call.read(work)
