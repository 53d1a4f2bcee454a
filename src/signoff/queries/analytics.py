"""Approval analytics of a space: totals, trend, per-workflow counts, timing and
the busiest approvers.

The database counts (GROUP BY a UTC calendar day) and Python only folds days into
ISO weeks and fills empty periods, so memory grows with the range asked for, never
with the number of requests. A request counts as submitted when created in the range
and as approved, rejected, cancelled or superseded when completed in it.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Float, case, cast, extract, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from signoff.db.models import ApprovalRequest, Decision, User, Workflow
from signoff.domain.errors import BadInput
from signoff.domain.states import DecisionKind, RequestStatus
from signoff.queries.page_approvals import utc_iso

INTERVALS = ("day", "week")
MAX_PERIODS = 1000
BUSIEST_LIMIT = 10
_TOO_LONG = (
    "The range spans more than {} {}s; use a longer interval or a shorter range."
)


@dataclass(frozen=True)
class Totals:
    submitted: int
    approved: int
    rejected: int
    cancelled: int
    superseded: int
    pending: int

    def to_json(self) -> dict[str, Any]:
        return {
            "submitted": self.submitted,
            "approved": self.approved,
            "rejected": self.rejected,
            "cancelled": self.cancelled,
            "superseded": self.superseded,
            "pending": self.pending,
        }


@dataclass(frozen=True)
class TrendPoint:
    """One day or ISO week (starting Monday), named by its first date."""

    period: date
    submitted: int
    approved: int
    rejected: int

    def to_json(self) -> dict[str, Any]:
        return {
            "period": self.period.isoformat(),
            "submitted": self.submitted,
            "approved": self.approved,
            "rejected": self.rejected,
        }


@dataclass(frozen=True)
class WorkflowCounts:
    workflow_id: int
    name: str
    submitted: int
    approved: int
    rejected: int
    pending: int

    def to_json(self) -> dict[str, Any]:
        return {
            "workflowId": str(self.workflow_id),
            "name": self.name,
            "submitted": self.submitted,
            "approved": self.approved,
            "rejected": self.rejected,
            "pending": self.pending,
        }


@dataclass(frozen=True)
class Timing:
    """Hours from submission to approval, over requests approved in the range."""

    median_hours_to_approve: float | None
    p90_hours_to_approve: float | None

    def to_json(self) -> dict[str, Any]:
        return {
            "medianHoursToApprove": self.median_hours_to_approve,
            "p90HoursToApprove": self.p90_hours_to_approve,
        }


@dataclass(frozen=True)
class ApproverCounts:
    """Decisions one person recorded in the range, on the space's requests."""

    user_id: int
    name: str
    decisions: int
    approvals: int
    rejections: int

    def to_json(self) -> dict[str, Any]:
        return {
            "userId": str(self.user_id),
            "name": self.name,
            "decisions": self.decisions,
            "approvals": self.approvals,
            "rejections": self.rejections,
        }


@dataclass(frozen=True)
class Analytics:
    """`status_breakdown` counts requests submitted in the range by current status;
    `totals.pending` is its pending count."""

    space_id: int
    start: datetime | None
    end: datetime | None
    interval: str
    totals: Totals
    status_breakdown: dict[str, int]
    trend: tuple[TrendPoint, ...]
    by_workflow: tuple[WorkflowCounts, ...]
    timing: Timing

    def to_json(self) -> dict[str, Any]:
        return {
            "spaceId": str(self.space_id),
            "from": utc_iso(self.start) if self.start else None,
            "to": utc_iso(self.end) if self.end else None,
            "interval": self.interval,
            "totals": self.totals.to_json(),
            "statusBreakdown": dict(self.status_breakdown),
            "trend": [point.to_json() for point in self.trend],
            "byWorkflow": [counts.to_json() for counts in self.by_workflow],
            "timing": self.timing.to_json(),
        }


def analytics(
    session: Session,
    space_id: int,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    interval: str = "day",
) -> Analytics:
    """The space's analytics over `[start, end)` (either end open when None)."""
    _check_range(start, end, interval)
    window = _Window(session, start, end)
    submitted = _per_day(session, window, space_id, ApprovalRequest.created_at)
    completed = _per_day(session, window, space_id, ApprovalRequest.completed_at)
    breakdown = {status.value: 0 for status in RequestStatus}
    breakdown.update(_breakdown(session, window, space_id))
    closed = Counter[str]()
    for (_, status), count in completed.items():
        closed[status] += count
    totals = Totals(
        submitted=sum(submitted.values()),
        approved=closed[RequestStatus.approved.value],
        rejected=closed[RequestStatus.rejected.value],
        cancelled=closed[RequestStatus.cancelled.value],
        superseded=closed[RequestStatus.superseded.value],
        pending=breakdown[RequestStatus.pending.value],
    )
    return Analytics(
        space_id=space_id,
        start=start,
        end=end,
        interval=interval,
        totals=totals,
        status_breakdown=breakdown,
        trend=_trend(submitted, completed, start, end, interval),
        by_workflow=_by_workflow(session, window, space_id),
        timing=_timing(session, window, space_id, totals.approved),
    )


def _check_range(start: datetime | None, end: datetime | None, interval: str) -> None:
    if interval not in INTERVALS:
        raise BadInput("interval must be day or week.", field="interval")
    for name, moment in (("from", start), ("to", end)):
        if moment is not None and moment.tzinfo is None:
            raise BadInput(f"{name} needs a time zone.", field=name)
    if start is not None and end is not None:
        if start > end:
            raise BadInput("from must not be after to.", field="from")
        periods = (end - start) / timedelta(days=1 if interval == "day" else 7)
        if periods > MAX_PERIODS:
            raise BadInput(_TOO_LONG.format(MAX_PERIODS, interval), field="from")


class _Window:
    """The range filter and the dialect's way of naming a UTC day."""

    def __init__(
        self, session: Session, start: datetime | None, end: datetime | None
    ) -> None:
        self.start, self.end = start, end
        self.dialect = session.get_bind().dialect.name

    def within(self, column: InstrumentedAttribute[Any]) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = [column.is_not(None)]
        if self.start is not None:
            conditions.append(column >= self.start)
        if self.end is not None:
            conditions.append(column < self.end)
        return conditions

    def day(self, column: InstrumentedAttribute[Any]) -> ColumnElement[Any]:
        if self.dialect == "postgresql":
            return func.date(func.timezone("UTC", column))
        return func.date(column)  # SQLite stores UTC text: its date() is the UTC day

    def hours_between(
        self, first: InstrumentedAttribute[Any], then: InstrumentedAttribute[Any]
    ) -> ColumnElement[Any]:
        if self.dialect == "postgresql":
            return extract("epoch", then - first) / 3600.0
        return (func.julianday(then) - func.julianday(first)) * 24.0


def _as_date(value: date | str) -> date:
    """SQLite's date() gives text, PostgreSQL's a date."""
    return date.fromisoformat(value) if isinstance(value, str) else value


def _per_day(
    session: Session,
    window: _Window,
    space_id: int,
    column: InstrumentedAttribute[Any],
) -> Counter[tuple[date, str]]:
    """Requests per (UTC day of `column`, status) within the range."""
    day = window.day(column).label("day")
    rows = session.execute(
        select(day, ApprovalRequest.status, func.count())
        .where(ApprovalRequest.space_id == space_id, *window.within(column))
        .group_by(day, ApprovalRequest.status)
    )
    return Counter({(_as_date(d), status): count for d, status, count in rows})


def _breakdown(session: Session, window: _Window, space_id: int) -> dict[str, int]:
    rows = session.execute(
        select(ApprovalRequest.status, func.count())
        .where(
            ApprovalRequest.space_id == space_id,
            *window.within(ApprovalRequest.created_at),
        )
        .group_by(ApprovalRequest.status)
    )
    return dict(rows.all())


def _period(day: date, interval: str) -> date:
    return day if interval == "day" else day - timedelta(days=day.weekday())


def _trend(
    submitted: Counter[tuple[date, str]],
    completed: Counter[tuple[date, str]],
    start: datetime | None,
    end: datetime | None,
    interval: str,
) -> tuple[TrendPoint, ...]:
    """Every period from the first to the last, empty ones included."""
    counts: dict[date, Counter[str]] = {}
    for (day, _), count in submitted.items():
        counts.setdefault(_period(day, interval), Counter())["submitted"] += count
    for (day, status), count in completed.items():
        if status in (RequestStatus.approved.value, RequestStatus.rejected.value):
            counts.setdefault(_period(day, interval), Counter())[status] += count
    first = _period(start.astimezone(UTC).date(), interval) if start else None
    last = _last_period(end, interval)
    first = first or min(counts, default=None)
    last = last or max(counts, default=None)
    if first is None or last is None:
        return ()
    step = timedelta(days=1 if interval == "day" else 7)
    if (last - first) / step >= MAX_PERIODS:
        raise BadInput(_TOO_LONG.format(MAX_PERIODS, interval), field="from")
    points, period = [], first
    while period <= last:
        seen = counts.get(period, Counter())
        points.append(
            TrendPoint(period, seen["submitted"], seen["approved"], seen["rejected"])
        )
        period += step
    return tuple(points)


def _last_period(end: datetime | None, interval: str) -> date | None:
    """The period holding the range's last instant (`end` itself is excluded)."""
    if end is None:
        return None
    return _period((end.astimezone(UTC) - timedelta(microseconds=1)).date(), interval)


def _by_workflow(
    session: Session, window: _Window, space_id: int
) -> tuple[WorkflowCounts, ...]:
    counts: dict[tuple[int, str], Counter[str]] = {}
    for column, label in (
        (ApprovalRequest.created_at, "submitted"),
        (ApprovalRequest.completed_at, "completed"),
    ):
        rows = session.execute(
            select(Workflow.id, Workflow.name, ApprovalRequest.status, func.count())
            .join(Workflow, Workflow.id == ApprovalRequest.workflow_id)
            .where(ApprovalRequest.space_id == space_id, *window.within(column))
            .group_by(Workflow.id, Workflow.name, ApprovalRequest.status)
        )
        for workflow_id, name, status, count in rows:
            seen = counts.setdefault((workflow_id, name), Counter())
            if label == "submitted":
                seen["submitted"] += count
                seen["pending"] += count if status == RequestStatus.pending.value else 0
            else:
                seen[status] += count
    return tuple(
        WorkflowCounts(
            workflow_id=workflow_id,
            name=name,
            submitted=seen["submitted"],
            approved=seen[RequestStatus.approved.value],
            rejected=seen[RequestStatus.rejected.value],
            pending=seen["pending"],
        )
        for (workflow_id, name), seen in sorted(
            counts.items(), key=lambda item: (item[0][1].casefold(), item[0][0])
        )
    )


def _timing(session: Session, window: _Window, space_id: int, approved: int) -> Timing:
    """Median and 90th percentile (linear interpolation) without loading all rows:
    each percentile reads the two order statistics around it."""
    if approved == 0:
        return Timing(None, None)
    hours = cast(
        window.hours_between(ApprovalRequest.created_at, ApprovalRequest.completed_at),
        Float,
    ).label("hours")
    durations = (
        select(hours)
        .where(
            ApprovalRequest.space_id == space_id,
            ApprovalRequest.status == RequestStatus.approved.value,
            *window.within(ApprovalRequest.completed_at),
        )
        .order_by(hours, ApprovalRequest.id)
    )

    def percentile(fraction: float) -> float | None:
        position = fraction * (approved - 1)
        low = math.floor(position)
        values = [float(v) for v in session.scalars(durations.offset(low).limit(2))]
        if not values:  # a concurrent change between the count and this read
            return None
        upper = values[1] if len(values) > 1 else values[0]
        value = values[0] + (upper - values[0]) * (position - low)
        return round(value, 2)

    return Timing(percentile(0.5), percentile(0.9))


def busiest_approvers(
    session: Session,
    space_id: int,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    limit: int = BUSIEST_LIMIT,
) -> tuple[ApproverCounts, ...]:
    """The people who recorded the most decisions in `[start, end)`, most first.

    One statement: the database counts and ranks, so only `limit` rows come back
    however long the history. Ties go by name, then id, so the order is stable.
    """
    window = _Window(session, start, end)
    decisions = func.count(Decision.id)
    rows = session.execute(
        select(
            User.id,
            User.display_name,
            decisions,
            _count_of(DecisionKind.approve),
            _count_of(DecisionKind.reject),
        )
        .join(Decision, Decision.approver_id == User.id)
        .join(ApprovalRequest, ApprovalRequest.id == Decision.request_id)
        .where(
            ApprovalRequest.space_id == space_id, *window.within(Decision.created_at)
        )
        .group_by(User.id, User.display_name)
        .order_by(decisions.desc(), func.lower(User.display_name), User.id)
        .limit(limit)
    )
    return tuple(
        ApproverCounts(user_id, name, int(total), int(approvals), int(rejections))
        for user_id, name, total, approvals, rejections in rows
    )


def _count_of(kind: DecisionKind) -> ColumnElement[int]:
    return func.sum(case((Decision.kind == kind.value, 1), else_=0))
