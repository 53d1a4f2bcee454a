"""The approval queue: `GET /queue`, tabs with counts, filters and cursor pages, and
`POST /queue/decide`, which approves or rejects the selected items in one act.

The handlers parse, call `list_queue` and `queue_counts` (or
`do_decide_queue_items`), and render; which requests a person sees, and may decide,
is the query's and the action's business.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from signoff.actions.acting import Acting
from signoff.actions.page_decisions import PageDecision
from signoff.actions.queue_decisions import (
    MAX_ITEMS,
    Selected,
    check_decide_queue_items,
    do_decide_queue_items,
)
from signoff.actions.unit import unit_of_work
from signoff.db.models import User
from signoff.db.session import Database
from signoff.domain.errors import BadInput
from signoff.domain.states import DecisionKind, Origin
from signoff.ids import MAX_PAGE_ID, stored_number
from signoff.queries.inbox import display_names
from signoff.queries.queue import list_queue, queue_counts
from signoff.queries.queue_filters import (
    list_change_set_choices,
    list_workflow_choices,
    submitter_id,
)
from signoff.queries.spaces import list_spaces_for
from signoff.web import context
from signoff.web.forms import PICKER_FIELDS, PICKER_FORM_BYTES, FormValues, first
from signoff.web.refusals import FORM_REFUSALS, refusal
from signoff.web.require_session import signed_in, signed_in_form
from signoff.web.sessions import CurrentSession
from signoff.web.templating import render

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 25
CONFIRM_LABEL = "I have reviewed the selected pages"
QUEUE_PARAMS = ("tab", "workflow", "changeset", "submitter", "cursor")


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
        decidable = (
            check_decide_queue_items(session, [i.page_id for i in items], actor=user)
            if tab.status == "pending"
            else set()
        )
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
            "decidable": decidable,
            "csrf_token": current.csrf_token,
            "confirm_label": CONFIRM_LABEL,
            "max_items": MAX_ITEMS,
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
    params = {name: request.query_params.get(name, "") for name in QUEUE_PARAMS}
    page, status = await run_in_threadpool(queue_page, request, current, params)
    return render(request, "queue.html", page, status=status)


def selected_items(form: FormValues) -> list[Selected]:
    """The ticked items, each sent as `item=PAGE=VERSION` (what the queue showed)."""
    selected = []
    for value in form.get("item", []):
        page, _, version = value.partition("=")
        page_id, number = stored_number(page, MAX_PAGE_ID), stored_number(version)
        if page_id is None or number is None:
            raise BadInput("The selected pages and versions are not valid.")
        selected.append(Selected(page_id, number))
    return selected


def bulk_decision(form: FormValues) -> tuple[DecisionKind, list[Selected]]:
    """The button pressed and the selection, once the approver confirmed it: one
    click never decides many pages by accident."""
    raw = first(form, "decision")
    if raw not in ("approve", "reject"):
        raise BadInput("Choose Approve selected or Reject selected.", field="decision")
    selected = selected_items(form)
    if first(form, "confirm") != "yes":
        raise BadInput(f"Tick '{CONFIRM_LABEL}' to decide them.", field="confirm")
    return DecisionKind(raw), selected


def decide_selected(
    db: Database, current: CurrentSession, form: FormValues, now: datetime
) -> list[PageDecision]:
    kind, selected = bulk_decision(form)
    with unit_of_work(db, origin=Origin.ui) as session:
        user = session.get_one(User, current.user_id)
        return do_decide_queue_items(
            session,
            selected,
            kind,
            comment=first(form, "comment"),
            by=Acting(user, Origin.ui, None, now),
        )


def outcome_sentence(kind: str, results: list[PageDecision]) -> str:
    decided = sum(result.success for result in results)
    verb = "Rejected" if kind == "reject" else "Approved"
    return f"{verb} {decided} of {len(results)} selected page(s)."


@router.post("/queue/decide")
async def decide_from_queue(request: Request) -> Response:
    posted = await signed_in_form(
        request, limit=PICKER_FORM_BYTES, max_fields=PICKER_FIELDS
    )
    if isinstance(posted, Response):
        return posted
    current, form = posted
    shown: dict[str, Any] = {}
    try:
        results = await run_in_threadpool(
            decide_selected,
            context.database(request),
            current,
            form,
            context.now(request),
        )
    except FORM_REFUSALS as refused:
        answer = refusal(refused)
        shown = {"decide_error": answer.sentence, "comment": first(form, "comment")}
        decide_status = answer.status
    else:
        decide_status = 200
        shown = {
            "decided": results,
            "decided_message": outcome_sentence(first(form, "decision"), results),
        }
    params = {name: first(form, name) for name in QUEUE_PARAMS}
    page, status = await run_in_threadpool(queue_page, request, current, params)
    return render(
        request, "queue.html", {**page, **shown}, status=max(status, decide_status)
    )
