"""The approval queue: requests a person may see, newest first, cursor-paginated.

A page of the queue is one SQL statement that walks `approval_requests` by id from
the cursor and stops after `limit + 1` rows; "assigned to me" walks the person's own
`review_assignments` the same way. The tab counts read counters that triggers keep
(`space_request_counts`, `assignment_counts`) in one more statement, so none of this
grows with the number of pending requests. Both statements are built once for each
shape of call and then run with the values bound.
"""

from __future__ import annotations

import base64
import binascii
import functools
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVarTuple

from sqlalchemy import (
    ColumnElement,
    Integer,
    ScalarSelect,
    Select,
    String,
    and_,
    bindparam,
    func,
    or_,
    select,
)
from sqlalchemy.orm import InstrumentedAttribute, Session

from signoff.db.aliases import shared_alias
from signoff.db.base import UTCDateTime
from signoff.db.models import (
    ApprovalRequest,
    AssignmentCount,
    Page,
    PageVersion,
    RequestStep,
    ReviewAssignment,
    ReviewClaim,
    SpaceMember,
    SpaceRequestCount,
    User,
    Workflow,
)
from signoff.domain.errors import BadInput
from signoff.domain.standing import PageState, page_standing, state_of
from signoff.domain.states import RequestStatus, StaleOn
from signoff.domain.versions import VersionRef
from signoff.ids import stored_number
from signoff.queries.claims import CLAIMANT, ClaimView, live_claim_condition
from signoff.queries.page_approvals import approval_of
from signoff.queries.page_refs import public_id_column

MAX_LIMIT = 200
STALE = "stale"
QUEUE_STATUSES = (*(status.value for status in RequestStatus), STALE)
_CURSOR_PREFIX = "q1:"

Ts = TypeVarTuple("Ts")

_current = shared_alias(RequestStep, "current_step")
_current_version = shared_alias(PageVersion, "current_version")
_standing = shared_alias(ApprovalRequest, "standing_approval")
_page_now = shared_alias(PageVersion, "page_now")


@dataclass(frozen=True)
class QueueItem:
    """One request as the queue lists it; `/api/v1` writes it
    (`api/v1/shapes/queue.py`)."""

    request_id: int
    page_id: int
    public_id: str
    """The page's id as clients name it (`queries.page_refs`)."""
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
    is_stale: bool = False
    """The request is the approval its page stands on, and the page has moved away
    from it (`domain.standing`)."""
    change_summary: str | None = None
    """What the review changes, measured when it opened (None: a first version)."""
    claim: ClaimView | None = None
    """The live claim on the pending review, when the caller asked for claims."""
    rereview_due_at: datetime | None = None
    """When the approval the page stands on is due for periodic re-review (None:
    none is asked); on a pending review past it, that review is the re-review."""

    @property
    def state(self) -> PageState:
        """What the request reads as: its status, `stale` for a stale approval."""
        return state_of(self.status, is_stale=self.is_stale)

    def is_overdue(self, now: datetime) -> bool:
        return (
            self.status is RequestStatus.pending
            and self.due_at is not None
            and self.due_at <= now
        )


def encode_cursor(request_id: int) -> str:
    raw = f"{_CURSOR_PREFIX}{request_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """The request id a cursor stands for; `BadInput` for any cursor not ours."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raw = ""
    request_id = stored_number(raw.removeprefix(_CURSOR_PREFIX))
    if request_id is not None and encode_cursor(request_id) == cursor:
        return request_id
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
    claims_at: datetime | None = None,
) -> tuple[list[QueueItem], str | None]:
    """One page of the queue and the cursor of the next (None on the last page).

    `status=None` lists every status; `"stale"` lists standing approvals the page has
    moved away from. Only spaces the user belongs to are shown (all for site admins).
    `overdue_at` keeps only reviews whose current step was due by then. With
    `claims_at`, each item carries the claim live at that time, read in the same
    statement (`queries.claims`).
    """
    if isinstance(limit, bool) or not 1 <= limit <= MAX_LIMIT:
        raise BadInput(f"limit must be 1 to {MAX_LIMIT}.", field="limit")
    if status is not None and status not in QUEUE_STATUSES:
        raise BadInput(
            f"status must be one of {', '.join(QUEUE_STATUSES)}.", field="status"
        )
    shape = _Shape(
        site_admin=user.is_site_admin,
        one_space=space_id is not None,
        status=status,
        assigned_to_me=assigned_to_me,
        workflow=workflow_id is not None,
        change_set=change_set_id is not None,
        submitter=submitter_id is not None,
        overdue=overdue_at is not None,
        after_cursor=bool(cursor),
        claims=claims_at is not None,
    )
    values = {
        "user_id": user.id,
        "space_id": space_id,
        "status": status,
        "workflow_id": workflow_id,
        "change_set_id": change_set_id,
        "submitter_id": submitter_id,
        "overdue_at": overdue_at,
        "cursor": decode_cursor(cursor) if cursor else None,
        "limit": limit + 1,
        "claims_at": claims_at,
    }
    rows = session.execute(_page_statement(shape), values).all()
    items = [_item(row) for row in rows[:limit]]
    more = len(rows) > limit
    return items, (encode_cursor(items[-1].request_id) if more else None)


def queue_counts(
    session: Session, user: User, space_id: int | None = None
) -> dict[str, int]:
    """Counts for the queue's tabs: `waiting_for_me`, `pending`, `approved`,
    `rejected`, `stale` and `expired`, in one statement.

    All but `stale` read the counters, one row per space (and status, or person);
    `stale` reads the pages edited since their approval.
    """
    statement = _counts_statement(user.is_site_admin, space_id is not None)
    row = session.execute(statement, {"user_id": user.id, "space_id": space_id}).one()
    counts = dict(zip(_COUNTED, (int(value) for value in row), strict=True))
    return {
        "waiting_for_me": counts["waiting_for_me"],
        "pending": counts[RequestStatus.pending.value],
        "approved": counts[RequestStatus.approved.value],
        "rejected": counts[RequestStatus.rejected.value],
        "stale": counts[STALE],
        "expired": counts[RequestStatus.expired.value],
    }


# The queue's statements are built once per shape (which filters are given) and run
# with the values bound, so a call neither builds SQL expressions nor works out their
# cache key again: that was most of a queue call's cost in Python.
_USER = bindparam("user_id", type_=Integer)
_SPACE = bindparam("space_id", type_=Integer)


@dataclass(frozen=True)
class _Shape:
    """Which of `list_queue`'s filters a call gives: one statement each."""

    site_admin: bool
    one_space: bool
    status: str | None
    assigned_to_me: bool
    workflow: bool
    change_set: bool
    submitter: bool
    overdue: bool
    after_cursor: bool
    claims: bool = False


@functools.cache
def _page_statement(shape: _Shape) -> Select[*tuple[Any, ...]]:
    query: Select[*tuple[Any, ...]] = select(
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
        # What the standing rule needs to tell a stale approval (`_item`).
        Page.approved_request_id,
        ApprovalRequest.content_hash,
        ApprovalRequest.stale_on,
        Page.current_version,
        _page_now.content_hash,
        public_id_column(),
        ApprovalRequest.change_summary,
        _rereview_due(),
    ).select_from(ApprovalRequest)
    query = _filtered(query, shape)
    if shape.claims:
        query = _with_claims(query)
    query = query.outerjoin(
        _page_now,
        and_(
            _page_now.page_id == Page.id,
            _page_now.number == Page.current_version,
        ),
    )
    query = query.join(Workflow, Workflow.id == ApprovalRequest.workflow_id).join(
        User, User.id == ApprovalRequest.submitted_by
    )
    wanted = (
        (shape.workflow, ApprovalRequest.workflow_id, "workflow_id"),
        (shape.change_set, ApprovalRequest.change_set_id, "change_set_id"),
        (shape.submitter, ApprovalRequest.submitted_by, "submitter_id"),
    )
    for given, column, name in wanted:
        if given:
            query = query.where(column == bindparam(name, type_=Integer))
    order: InstrumentedAttribute[int] = ApprovalRequest.id
    if shape.assigned_to_me:
        query = query.join(
            ReviewAssignment,
            and_(
                ReviewAssignment.request_id == ApprovalRequest.id,
                ReviewAssignment.step_id == _current.id,
                ReviewAssignment.user_id == _USER,
            ),
        )
        if shape.one_space:
            query = query.where(ReviewAssignment.space_id == _SPACE)
        order = ReviewAssignment.request_id  # walk the person's rows, newest first
    if shape.overdue:
        query = query.where(
            ApprovalRequest.status == RequestStatus.pending.value,
            _current.due_at <= bindparam("overdue_at", type_=UTCDateTime()),
        )
    if shape.after_cursor:
        query = query.where(order < bindparam("cursor", type_=Integer))
    return query.order_by(order.desc()).limit(bindparam("limit", type_=Integer))


# The order of `_counts_statement`'s columns.
_COUNTED = (
    RequestStatus.pending.value,
    RequestStatus.approved.value,
    RequestStatus.rejected.value,
    RequestStatus.expired.value,
    "waiting_for_me",
    STALE,
)


@functools.cache
def _counts_statement(site_admin: bool, one_space: bool) -> Select[*tuple[Any, ...]]:
    by_status = [
        func.coalesce(
            func.sum(SpaceRequestCount.requests).filter(
                SpaceRequestCount.status == status
            ),
            0,
        )
        for status in _COUNTED[:4]
    ]
    waiting = select(func.coalesce(func.sum(AssignmentCount.waiting), 0)).where(
        AssignmentCount.user_id == _USER,
        *_counted_spaces(AssignmentCount.space_id, site_admin, one_space),
    )
    # Driven from the pages, with visibility on `Page.space_id`: given a request-side
    # space filter, SQLite would walk every approved review by its status index
    # instead of the moved pages in `ix_pages_moved_since_approval`.
    stale = (
        select(func.count())
        .select_from(Page)
        .join(ApprovalRequest, ApprovalRequest.id == Page.approved_request_id)
        .where(*_counted_spaces(Page.space_id, site_admin, one_space), *_stale())
    )
    return select(*by_status, waiting.scalar_subquery(), stale.scalar_subquery()).where(
        *_counted_spaces(SpaceRequestCount.space_id, site_admin, one_space)
    )


def _counted_spaces(
    column: InstrumentedAttribute[int], site_admin: bool, one_space: bool
) -> list[ColumnElement[bool]]:
    """The spaces a statement covers: the one asked for, among those the user may
    see (every space, for a site administrator)."""
    conditions: list[ColumnElement[bool]] = []
    if not site_admin:
        mine = select(SpaceMember.space_id).where(SpaceMember.user_id == _USER)
        conditions.append(column.in_(mine))
    if one_space:
        conditions.append(column == _SPACE)
    return conditions


def _filtered(query: Select[*Ts], shape: _Shape) -> Select[*Ts]:
    """Visibility, space and status filters, with the page and current step joined."""
    query = query.where(
        *_counted_spaces(ApprovalRequest.space_id, shape.site_admin, shape.one_space)
    )
    query = query.join(Page, Page.id == ApprovalRequest.page_id).outerjoin(
        _current,
        and_(
            _current.request_id == ApprovalRequest.id,
            _current.position == ApprovalRequest.current_step,
        ),
    )
    if shape.status == STALE:
        return query.where(*_stale())
    if shape.status is not None:
        query = query.where(ApprovalRequest.status == bindparam("status", type_=String))
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


def _rereview_due() -> ScalarSelect[Any]:
    """The re-review date of the approval the row's page stands on: a primary-key
    read per listed row, so the queue's cost still follows the page asked for."""
    return (
        select(_standing.rereview_due_at)
        .where(_standing.id == Page.approved_request_id)
        .scalar_subquery()
    )


def _with_claims(query: Select[*tuple[Any, ...]]) -> Select[*tuple[Any, ...]]:
    """The live claim's holder and expiry as four more columns, by outer joins on the
    current step (a step has one claim row at most, so rows do not multiply)."""
    pending = ApprovalRequest.status == RequestStatus.pending.value
    now = bindparam("claims_at", type_=UTCDateTime())
    return (
        query.add_columns(
            ReviewClaim.user_id,
            CLAIMANT.account_id,
            CLAIMANT.display_name,
            ReviewClaim.expires_at,
        )
        .outerjoin(ReviewClaim, and_(pending, live_claim_condition(_current, now)))
        .outerjoin(CLAIMANT, CLAIMANT.id == ReviewClaim.user_id)
    )


def _item(row: Any) -> QueueItem:
    status = RequestStatus(row[5])
    approved_request_id, content_hash, stale_on, current, current_hash = row[13:18]
    # The row's request is an approval the page stands on, or no approval at all.
    standing = page_standing(
        status,
        approval_of(row[4], content_hash, stale_on, row[10])
        if approved_request_id == row[0]
        else None,
        VersionRef(current, current_hash),
    )
    return QueueItem(
        request_id=row[0],
        page_id=row[1],
        public_id=row[18],
        title=row[2],
        space_id=row[3],
        version=row[4],
        status=status,
        workflow_id=row[6],
        workflow_name=row[7],
        current_step=row[8],
        submitted_by=row[9],
        created_at=row[10],
        change_set_id=row[11],
        due_at=row[12],
        is_stale=standing.is_stale,
        change_summary=row[19],
        rereview_due_at=row[20],
        claim=ClaimView(*row[21:25]) if len(row) > 21 and row[21] is not None else None,
    )
