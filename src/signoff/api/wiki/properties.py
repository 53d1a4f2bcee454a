"""Content properties: the page's `signoff-approval` property, read-only.

The property is derived from the page's latest review each time it is read (see
`queries.approval_property` for what each field means); a page never submitted has
none. Its id is the page's id, and `GET /pages/{id}/properties/{property-id}` also
accepts the key, as atlassian-python-api's `get_page_property_by_key` sends it.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy.orm import Session

from signoff.access import access_page
from signoff.api.v1.schemas import ObjectId
from signoff.api.wiki.calls import WikiCall, wiki_call
from signoff.api.wiki.responses import (
    READ_ERRORS,
    ConfluenceProperty,
    ConfluencePropertyList,
    documented,
)
from signoff.api.wiki.schemas import Limit, ListParam
from signoff.api.wiki.shapes import listing, property_json
from signoff.auth.scopes import Scope
from signoff.db.models import User
from signoff.domain.errors import BadInput, NotFound
from signoff.queries.approval_property import APPROVAL_PROPERTY_KEY, approval_property

router = APIRouter(tags=["page store"])
Reader = Annotated[WikiCall, Depends(wiki_call(Scope.read_page))]
SORTS = ("key", "-key")


@router.get(
    "/pages/{page_id}/properties",
    summary="A page's content properties",
    responses=documented(ConfluencePropertyList, "The page's properties.", READ_ERRORS),
)
def get_page_properties(
    request: Request,
    call: Reader,
    page_id: ObjectId,
    key: ListParam = None,
    sort: str = "key",
    cursor: str | None = None,
    limit: Limit = 25,
) -> Response:
    """`key` matches exactly (case-sensitive); one property fits in any `limit`, so
    this list never gives out a cursor."""

    def work(session: Session, actor: User) -> dict[str, Any]:
        if sort not in SORTS:
            raise BadInput(f"sort must be one of {', '.join(SORTS)}.", field="sort")
        if cursor is not None:
            raise BadInput("cursor is not one this server gave out.", field="cursor")
        page = access_page(session, actor, page_id)
        found = approval_property(session, page)
        keys = key or []
        wanted = not keys or APPROVAL_PROPERTY_KEY in keys
        results = [property_json(found)] if found is not None and wanted else []
        return listing(request, results, None)

    return call.read(work)


@router.get(
    "/pages/{page_id}/properties/{property_id}",
    summary="One content property, by id (or by key)",
    responses=documented(ConfluenceProperty, "The property.", READ_ERRORS),
)
def get_page_property(call: Reader, page_id: ObjectId, property_id: str) -> Response:
    def work(session: Session, actor: User) -> dict[str, Any]:
        page = access_page(session, actor, page_id)
        found = approval_property(session, page)
        if found is None or property_id not in (str(page.id), APPROVAL_PROPERTY_KEY):
            raise NotFound(f"Property {property_id} not found on page {page_id}.")
        return property_json(found)

    return call.read(work)
