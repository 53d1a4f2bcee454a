"""The approval queue: `GET /queue`, tabs with counts, filters and cursor pages.

The handler parses the query string, calls `list_queue` and `queue_counts`, and
renders; which requests a person sees is the query's business.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from signoff.db.models import User
from signoff.domain.errors import BadInput
from signoff.queries.inbox import display_names
from signoff.queries.queue import list_queue, queue_counts
from signoff.queries.queue_filters import (
    list_change_set_choices,
    list_workflow_choices,
    submitter_id,
)
from signoff.queries.spaces import list_spaces_for
from signoff.web import context
from signoff.web.refusals import FORM_REFUSALS, refusal
from signoff.web.require_session import signed_in
from signoff.web.sessions import CurrentSession
from signoff.web.templating import render

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 25


@dataclass(frozen=True)
class Tab:
    key: str
    label: str
    count_key: str
    status: str
    assigned_to_me: bool = False


TABS = (
    Tab("waiting", "Waiting for me", "waiting_for_me", "pending", True),
    Tab("pending", "All pending", "pending", "pending"),
    Tab("approved", "Approved", "approved", "approved"),
    Tab("rejected", "Rejected", "rejected", "rejected"),
    Tab("stale", "Stale", "stale", "stale"),
    Tab("expired", "Expired", "expired", "expired"),
)
TAB_BY_KEY = {tab.key: tab for tab in TABS}


def optional_id(value: str, label: str) -> int | None:
    if not value:
        return None
    if not value.isascii() or not value.isdigit() or len(value) > 18:
        raise BadInput(f"Choose a {label} from the list.")
    return int(value)


def queue_page(
    request: Request, current: CurrentSession, params: dict[str, str]
) -> tuple[dict[str, Any], int]:
    """The queue and its status; a filter or cursor it refuses is shown on it."""
    tab = TAB_BY_KEY.get(params.get("tab", ""), TABS[0])
    with context.database(request).read() as session:
        user = session.get(User, current.user_id)
        assert user is not None
        spaces = list_spaces_for(session, user)
        space_ids = [space.id for space in spaces]
        counts = queue_counts(session, user)
        error, status = None, 200
        now = context.now(request)
        items: list[Any] = []
        overdue: list[Any] = []
        next_cursor = None
        submitter_name = params.get("submitter", "").strip()
        try:
            workflow_id = optional_id(params.get("workflow", ""), "workflow")
            change_set_id = optional_id(params.get("changeset", ""), "change set")
            submitter = (
                submitter_id(session, submitter_name) if submitter_name else None
            )
            if tab.status == "pending" and not params.get("cursor"):
                # Overdue reviews come first, above the newest-first list.
                overdue, _ = list_queue(
                    session,
                    user,
                    status=tab.status,
                    assigned_to_me=tab.assigned_to_me,
                    workflow_id=workflow_id,
                    change_set_id=change_set_id,
                    submitter_id=submitter,
                    overdue_at=now,
                    limit=PAGE_SIZE,
                    claims_at=now,
                )
            items, next_cursor = list_queue(
                session,
                user,
                status=tab.status,
                assigned_to_me=tab.assigned_to_me,
                workflow_id=workflow_id,
                change_set_id=change_set_id,
                submitter_id=submitter,
                cursor=params.get("cursor") or None,
                limit=PAGE_SIZE,
                claims_at=now,
            )
        except FORM_REFUSALS as refused:
            shown = refusal(refused)
            error, status = shown.sentence, shown.status
        names = display_names(session, {i.submitted_by for i in [*items, *overdue]})
        filters = {
            "workflow": params.get("workflow", ""),
            "changeset": params.get("changeset", ""),
            "submitter": submitter_name,
        }
        kept = {name: value for name, value in filters.items() if value}
        return {
            "current": current,
            "tabs": [
                {
                    "key": t.key,
                    "label": t.label,
                    "count": counts[t.count_key],
                    "active": t is tab,
                    "href": "/queue?" + urlencode({**kept, "tab": t.key}),
                }
                for t in TABS
            ],
            "tab": tab,
            "items": items,
            "overdue": overdue,
            "now": now,
            "space_keys": {space.id: space.key for space in spaces},
            "names": names,
            "workflows": list_workflow_choices(session, space_ids),
            "change_sets": list_change_set_choices(session, space_ids),
            "filters": filters,
            "error": error,
            "next_href": (
                "/queue?" + urlencode({**kept, "tab": tab.key, "cursor": next_cursor})
                if next_cursor
                else None
            ),
        }, status


@router.get("/queue")
async def queue(request: Request) -> Response:
    current = await signed_in(request)
    if isinstance(current, Response):
        return current
    params = {
        name: request.query_params.get(name, "")
        for name in ("tab", "workflow", "changeset", "submitter", "cursor")
    }
    page, status = await run_in_threadpool(queue_page, request, current, params)
    return render(request, "queue.html", page, status=status)
