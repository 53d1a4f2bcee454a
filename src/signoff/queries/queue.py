"""The approval queue: requests a person may see, newest first, cursor-paginated.

A page of the queue is one SQL statement that walks `approval_requests` by id from
the cursor and stops after `limit + 1` rows; "assigned to me" walks the person's own
`review_assignments` the same way. The tab counts read counters that triggers keep
(`space_request_counts`, `assignment_counts`), so none of this grows with the number
of pending requests.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVarTuple

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session, aliased

from signoff.db.models import (
    ApprovalRequest,
    AssignmentCount,
    Page,
    PageVersion,
    RequestStep,
    ReviewAssignment,
    SpaceMember,
    SpaceRequestCount,
    User,
    Workflow,
)
from signoff.domain.errors import BadInput
from signoff.domain.states import RequestStatus, StaleOn
from signoff.queries.page_approvals import id_or_none, utc_iso

MAX_LIMIT = 200
STALE = "stale"
QUEUE_STATUSES = (*(status.value for status in RequestStatus), STALE)
_CURSOR_PREFIX = "q1:"

Ts = TypeVarTuple("Ts")

_current = aliased(RequestStep, name="current_step")
_current_version = aliased(PageVersion, name="current_version")


@dataclass(frozen=True)
class QueueItem:
    request_id: int
    page_id: int
    title: str
    space_id: int
    version: int
    status: RequestStatus
    workflow_id: int
    workflow_name: str
    current_step: str | None
    submitted_by: str
    created_at: datetime
    change_set_id: int | None
    due_at: datetime | None = None
    """When the current step is due, if it has a due period."""

    def is_overdue(self, now: datetime) -> bool:
        return (
            self.status is RequestStatus.pending
            and self.due_at is not None
            and self.due_at <= now
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "requestId": str(self.request_id),
            "pageId": str(self.page_id),
            "title": self.title,
            "spaceId": str(self.space_id),
            "version": self.version,
            "status": self.status.value,
            "workflowId": str(self.workflow_id),
            "workflowName": self.workflow_name,
            "currentStep": self.current_step,
            "submittedBy": self.submitted_by,
            "createdAt": utc_iso(self.created_at),
            "changeSetId": id_or_none(self.change_set_id),
            "dueAt": utc_iso(self.due_at) if self.due_at else None,
        }


def encode_cursor(request_id: int) -> str:
    raw = f"{_CURSOR_PREFIX}{request_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """The request id a cursor stands for; `BadInput` for any cursor not ours."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raw = ""
    digits = raw.removeprefix(_CURSOR_PREFIX)
    if digits.isascii() and digits.isdigit() and encode_cursor(int(digits)) == cursor:
        return int(digits)
    raise BadInput("cursor is not one this server gave out.", field="cursor")


def list_queue(
    session: Session,
    user: User,
    *,
    space_id: int | None = None,
    status: str | None = "pending",
    assigned_to_me: bool = False,
    workflow_id: int | None = None,
    change_set_id: int | None = None,
    submitter_id: int | None = None,
    overdue_at: datetime | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> tuple[list[QueueItem], str | None]:
    """One page of the queue and the cursor of the next (None on the last page).

    `status=None` lists every status; `"stale"` lists standing approvals the page has
    moved away from. Only spaces the user belongs to are shown (all for site admins).
    `overdue_at` keeps only reviews whose current step was due by then.
    """
    if isinstance(limit, bool) or not 1 <= limit <= MAX_LIMIT:
        raise BadInput(f"limit must be 1 to {MAX_LIMIT}.", field="limit")
    query = select(
        ApprovalRequest.id,
        ApprovalRequest.page_id,
        Page.title,
        ApprovalRequest.space_id,
        ApprovalRequest.page_version,
        ApprovalRequest.status,
        ApprovalRequest.workflow_id,
        Workflow.name,
        _current.name,
        User.account_id,
        ApprovalRequest.created_at,
        ApprovalRequest.change_set_id,
        _current.due_at,
    ).select_from(ApprovalRequest)
    query = _filtered(query, user, space_id=space_id, status=status)
    query = (
        query.join(Workflow, Workflow.id == ApprovalRequest.workflow_id)
        .join(User, User.id == ApprovalRequest.submitted_by)
        .where(*_equal(workflow_id, change_set_id, submitter_id))
    )
    order = ApprovalRequest.id
    if assigned_to_me:
        query = query.join(
            ReviewAssignment,
            and_(
                ReviewAssignment.request_id == ApprovalRequest.id,
                ReviewAssignment.step_id == _current.id,
                ReviewAssignment.user_id == user.id,
            ),
        )
        if space_id is not None:
            query = query.where(ReviewAssignment.space_id == space_id)
        order = ReviewAssignment.request_id  # walk the person's rows, newest first
    if overdue_at is not None:
        query = query.where(
            ApprovalRequest.status == RequestStatus.pending.value,
            _current.due_at <= overdue_at,
        )
    if cursor:
        query = query.where(order < decode_cursor(cursor))
    rows = session.execute(query.order_by(order.desc()).limit(limit + 1)).all()
    items = [_item(row) for row in rows[:limit]]
    more = len(rows) > limit
    return items, (encode_cursor(items[-1].request_id) if more else None)


def queue_counts(
    session: Session, user: User, space_id: int | None = None
) -> dict[str, int]:
    """Counts for the queue's tabs: `waiting_for_me`, `pending`, `approved`,
    `rejected`, `stale` and `expired`, in three statements.

    All but `stale` read the counters, one row per space (and status, or person);
    `stale` reads the pages edited since their approval.
    """
    by_status = dict(
        session.execute(
            select(SpaceRequestCount.status, func.sum(SpaceRequestCount.requests))
            .where(*_counted_spaces(SpaceRequestCount.space_id, user, space_id))
            .group_by(SpaceRequestCount.status)
        ).all()
    )
    waiting = session.scalar(
        select(func.sum(AssignmentCount.waiting)).where(
            AssignmentCount.user_id == user.id,
            *_counted_spaces(AssignmentCount.space_id, user, space_id),
        )
    )
    # Driven from the pages, with visibility on `Page.space_id`: given a request-side
    # space filter, SQLite would walk every approved review by its status index
    # instead of the moved pages in `ix_pages_moved_since_approval`.
    stale = (
        select(func.count())
        .select_from(Page)
        .join(ApprovalRequest, ApprovalRequest.id == Page.approved_request_id)
        .where(*_counted_spaces(Page.space_id, user, space_id), *_stale())
    )
    return {
        "waiting_for_me": waiting or 0,
        "pending": by_status.get(RequestStatus.pending.value, 0),
        "approved": by_status.get(RequestStatus.approved.value, 0),
        "rejected": by_status.get(RequestStatus.rejected.value, 0),
        "stale": session.scalar(stale) or 0,
        "expired": by_status.get(RequestStatus.expired.value, 0),
    }


def _counted_spaces(
    column: InstrumentedAttribute[int], user: User, space_id: int | None
) -> list[ColumnElement[bool]]:
    """The spaces a count covers: the one asked for, among those the user may see."""
    conditions: list[ColumnElement[bool]] = []
    if not user.is_site_admin:
        mine = select(SpaceMember.space_id).where(SpaceMember.user_id == user.id)
        conditions.append(column.in_(mine))
    if space_id is not None:
        conditions.append(column == space_id)
    return conditions


def _filtered(
    query: Select[*Ts],
    user: User,
    *,
    space_id: int | None,
    status: str | None,
) -> Select[*Ts]:
    """Visibility, space and status filters, with the page and current step joined."""
    if status is not None and status not in QUEUE_STATUSES:
        raise BadInput(
            f"status must be one of {', '.join(QUEUE_STATUSES)}.", field="status"
        )
    if not user.is_site_admin:
        mine = select(SpaceMember.space_id).where(SpaceMember.user_id == user.id)
        query = query.where(ApprovalRequest.space_id.in_(mine))
    if space_id is not None:
        query = query.where(ApprovalRequest.space_id == space_id)
    query = query.join(Page, Page.id == ApprovalRequest.page_id).outerjoin(
        _current,
        and_(
            _current.request_id == ApprovalRequest.id,
            _current.position == ApprovalRequest.current_step,
        ),
    )
    if status == STALE:
        return query.where(*_stale())
    if status is not None:
        query = query.where(ApprovalRequest.status == status)
    return query


def _stale() -> tuple[ColumnElement[bool], ...]:
    """The page's standing approval, which its current version is not covered by.

    The same rule as `domain.versions.is_stale`, written in SQL. Its page term is the
    predicate of `ix_pages_moved_since_approval` word for word (`approved_version` is
    the approved request's `page_version`), so the planner can read the pages that
    moved since their approval from that index, not every approved review.
    """
    return (
        ApprovalRequest.status == RequestStatus.approved.value,
        Page.approved_request_id == ApprovalRequest.id,
        Page.current_version > Page.approved_version,
        select(_current_version.id)
        .where(
            _current_version.page_id == Page.id,
            _current_version.number == Page.current_version,
            or_(
                ApprovalRequest.stale_on == StaleOn.version.value,
                _current_version.content_hash != ApprovalRequest.content_hash,
            ),
        )
        .exists(),
    )


def _equal(
    workflow_id: int | None, change_set_id: int | None, submitter_id: int | None
) -> list[ColumnElement[bool]]:
    wanted = (
        (ApprovalRequest.workflow_id, workflow_id),
        (ApprovalRequest.change_set_id, change_set_id),
        (ApprovalRequest.submitted_by, submitter_id),
    )
    return [column == value for column, value in wanted if value is not None]


def _item(row: Any) -> QueueItem:
    return QueueItem(
        request_id=row[0],
        page_id=row[1],
        title=row[2],
        space_id=row[3],
        version=row[4],
        status=RequestStatus(row[5]),
        workflow_id=row[6],
        workflow_name=row[7],
        current_step=row[8],
        submitted_by=row[9],
        created_at=row[10],
        change_set_id=row[11],
        due_at=row[12],
    )
