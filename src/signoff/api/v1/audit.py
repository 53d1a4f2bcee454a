"""The audit trail for space admins: cursor listing, and streamed CSV or JSON Lines.

Both are GETs and write nothing: an export is checked before its first byte, then
read in keyset batches in a read transaction of its own, so its memory stays flat
however long the trail. (The web UI's export is a posted form, and recorded.)
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session

from signoff.access import access_change_set, access_space
from signoff.api.v1.calls import ApiCall, Download, api_call
from signoff.api.v1.responses import READ_ERRORS, AuditPage, documented, error_responses
from signoff.api.v1.schemas import AuditQuery, ExportQuery
from signoff.api.v1.shapes.audit import audit_page
from signoff.auth.scopes import Scope
from signoff.db.models import User
from signoff.domain.errors import BadInput
from signoff.domain.states import Role
from signoff.queries.audit import (
    AuditFilter,
    AuditWriter,
    export_csv,
    export_jsonl,
    iter_audit_events,
    list_audit_events,
    shown_page_ids,
)
from signoff.queries.page_refs import access_page_by_public_id

router = APIRouter(tags=["audit"])

Auditor = Annotated[ApiCall, Depends(api_call(Scope.read_audit))]
READ_TRAIL = "read the audit trail"
EXPORT = "export the audit trail"
PIECE_CHARS = 65_536
FORMATS: dict[str, tuple[str, AuditWriter]] = {
    "csv": ("text/csv; charset=utf-8", export_csv),
    "jsonl": ("application/x-ndjson", export_jsonl),
}


def _trail(session: Session, actor: User, query: AuditQuery) -> AuditFilter:
    """The filter of a caller who is admin of the space the named objects share; the
    page is named as clients name it, and filtered on by its own id."""
    space_id = query.space_id
    page = (
        access_page_by_public_id(session, actor, query.page_id)
        if query.page_id is not None
        else None
    )
    change_set = (
        access_change_set(session, actor, query.change_set_id)
        if query.change_set_id is not None
        else None
    )
    named = (
        ("pageId", query.page_id, page),
        ("changeSetId", query.change_set_id, change_set),
    )
    for field, ident, found in named:
        if found is None:
            continue
        if space_id is not None and found.space_id != space_id:
            raise BadInput(f"{field} {ident} is not in space {space_id}.", field=field)
        space_id = found.space_id
    if space_id is None:
        raise BadInput("Give spaceId, pageId or changeSetId.", field="spaceId")
    access_space(session, actor, space_id, Role.admin, action=READ_TRAIL)
    return AuditFilter(space_id, page.id if page else None, query.change_set_id)


@router.get(
    "/audit",
    summary="Audit events of a space, page or change set, newest first",
    responses=documented(AuditPage, "One page of events.", READ_ERRORS),
)
def get_audit(call: Auditor, query: Annotated[AuditQuery, Query()]) -> Response:
    def work(session: Session, actor: User) -> AuditPage:
        where = _trail(session, actor, query)
        events, next_cursor = list_audit_events(
            session, where, cursor=query.cursor, limit=query.limit
        )
        shown = shown_page_ids(session, (event.page_id for event in events))
        return audit_page(events, next_cursor, shown)

    return call.read(work)


def _pieces(chunks: Iterator[str]) -> Iterator[str]:
    """Whole lines joined into pieces of about 64 KiB: one hop to the event loop per
    piece rather than per event."""
    held: list[str] = []
    size = 0
    for chunk in chunks:
        held.append(chunk)
        size += len(chunk)
        if size >= PIECE_CHARS:
            yield "".join(held)
            held, size = [], 0
    if held:
        yield "".join(held)


EXPORT_DOCS = {
    200: {
        "description": "The space's events, oldest first, as an attachment.",
        "content": {
            "text/csv": {
                "schema": {"type": "string"},
                "example": "id,at,spaceId,pageId,pageVersion,requestId,changeSetId,"
                "actorId,actorName,action,origin,clientId,text,details,hash\r\n",
            },
            "application/x-ndjson": {
                "schema": {"type": "string"},
                "example": '{"action": "space.created", "id": 1, ...}\n',
            },
        },
    },
    **error_responses(READ_ERRORS),
}


@router.get(
    "/audit/export",
    summary="Stream a space's audit trail as CSV or JSON Lines",
    response_class=StreamingResponse,
    responses=EXPORT_DOCS,
)
def get_audit_export(
    call: Auditor, query: Annotated[ExportQuery, Query()]
) -> StreamingResponse:
    media_type, writer = FORMATS[query.export_format]

    def work(session: Session, actor: User) -> Download:
        space = access_space(session, actor, query.space_id, Role.admin, action=EXPORT)
        where = AuditFilter(space_id=space.id)
        return Download(
            f"signoff-audit-{space.key}.{query.export_format}",
            lambda reader: _pieces(writer(iter_audit_events(reader, where))),
        )

    return call.stream(work, media_type=media_type)
