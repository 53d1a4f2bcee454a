"""The approval queue: one cursor page of requests, with the counts of its tabs.

Filters naming an object (space, workflow, change set, submitter) load it first, so
an unknown or invisible one is a 404 rather than an empty page.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from sqlalchemy.orm import Session

from signoff.access import (
    access_account,
    access_change_set,
    access_space,
    access_workflow,
)
from signoff.api.v1.calls import ApiCall, api_call
from signoff.api.v1.responses import READ_ERRORS, QueuePage, documented
from signoff.api.v1.schemas import QueueQuery
from signoff.api.v1.shapes.queue import queue_page
from signoff.auth.scopes import Scope
from signoff.db.models import User
from signoff.queries.queue import list_queue, queue_counts

router = APIRouter(tags=["queue"])

Reader = Annotated[ApiCall, Depends(api_call(Scope.read_approval))]


def _submitter_id(session: Session, actor: User, query: QueueQuery) -> int | None:
    """Check every object the filters name; the submitter's id when one is named."""
    if query.space_id is not None:
        access_space(session, actor, query.space_id)
    if query.workflow_id is not None:
        access_workflow(session, actor, query.workflow_id)
    if query.change_set_id is not None:
        access_change_set(session, actor, query.change_set_id)
    if query.submitted_by is None:
        return None
    return access_account(session, query.submitted_by, field="submittedBy").id


@router.get(
    "/queue",
    summary="The approval queue, newest first, cursor-paginated",
    responses=documented(QueuePage, "One page of the queue.", READ_ERRORS),
)
def get_queue(call: Reader, query: Annotated[QueueQuery, Query()]) -> Response:
    def work(session: Session, actor: User) -> QueuePage:
        submitter_id = _submitter_id(session, actor, query)
        items, next_cursor = list_queue(
            session,
            actor,
            space_id=query.space_id,
            status=None if query.status == "all" else query.status,
            assigned_to_me=query.assigned_to == "me",
            workflow_id=query.workflow_id,
            change_set_id=query.change_set_id,
            submitter_id=submitter_id,
            cursor=query.cursor,
            limit=query.limit,
            claims_at=call.now,
        )
        return queue_page(
            items, next_cursor, queue_counts(session, actor, query.space_id)
        )

    return call.read(work)
