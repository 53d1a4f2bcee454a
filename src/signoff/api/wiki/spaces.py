"""Spaces and their pages: `GET /spaces`, `GET /spaces/{id}`, `GET /spaces/{id}/pages`.

A caller sees the spaces they belong to (site administrators see all). Every space
is a current, global space in Confluence's terms, so the `type` and `status` filters
keep all of them or none.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy.orm import Session

from signoff.access import access_space
from signoff.api.v1.schemas import ObjectId
from signoff.api.wiki.calls import WikiCall, wiki_call
from signoff.api.wiki.responses import (
    READ_ERRORS,
    ConfluencePageList,
    ConfluenceSpace,
    ConfluenceSpaceList,
    documented,
)
from signoff.api.wiki.schemas import (
    Limit,
    ListParam,
    id_values,
    split_values,
    text_values,
    wants_body,
)
from signoff.api.wiki.shapes import listing, page_json, single, space_json
from signoff.auth.scopes import Scope
from signoff.db.models import User
from signoff.queries.keyset import Window
from signoff.queries.store import (
    DEFAULT_PAGE_STATUSES,
    PageFilter,
    get_space_view,
    list_pages,
    list_spaces,
)

router = APIRouter(tags=["page store"])
Reader = Annotated[WikiCall, Depends(wiki_call(Scope.read_page))]
BodyFormat = Annotated[str | None, Query(alias="body-format")]


@router.get(
    "/spaces",
    summary="Spaces the caller belongs to, by id",
    responses=documented(ConfluenceSpaceList, "One page of spaces.", READ_ERRORS),
)
def get_spaces(
    request: Request,
    call: Reader,
    ids: ListParam = None,
    keys: ListParam = None,
    space_type: Annotated[list[str] | None, Query(alias="type")] = None,
    status: ListParam = None,
    sort: str = "id",
    cursor: str | None = None,
    limit: Limit = 25,
) -> Response:
    def work(session: Session, actor: User) -> dict[str, Any]:
        window = Window(sort, cursor, limit)
        if not _keeps(space_type, "global") or not _keeps(status, "current"):
            return listing(request, [], None)
        spaces, following = list_spaces(
            session,
            actor,
            window,
            ids=id_values(ids, field="ids"),
            keys=split_values(keys, field="keys"),
        )
        return listing(request, [space_json(s) for s in spaces], following)

    return call.read(work)


def _keeps(wanted: list[str] | None, value: str) -> bool:
    values = split_values(wanted)
    return not values or value in values


@router.get(
    "/spaces/{space_id}",
    summary="One space",
    responses=documented(ConfluenceSpace, "The space.", READ_ERRORS),
)
def get_space(request: Request, call: Reader, space_id: ObjectId) -> Response:
    return call.read(
        lambda session, actor: single(
            request,
            space_json(get_space_view(session, access_space(session, actor, space_id))),
        )
    )


@router.get(
    "/spaces/{space_id}/pages",
    summary="Pages of a space, cursor-paginated",
    responses=documented(ConfluencePageList, "One page of pages.", READ_ERRORS),
)
def get_space_pages(
    request: Request,
    call: Reader,
    space_id: ObjectId,
    title: ListParam = None,
    status: ListParam = None,
    depth: str = "all",
    body_format: BodyFormat = None,
    sort: str = "id",
    cursor: str | None = None,
    limit: Limit = 25,
) -> Response:
    def work(session: Session, actor: User) -> dict[str, Any]:
        space = access_space(session, actor, space_id)
        kept = PageFilter(
            space_ids=[space.id],
            titles=text_values(title, field="title"),
            statuses=split_values(status, field="status") or DEFAULT_PAGE_STATUSES,
            root_only=depth == "root",
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
