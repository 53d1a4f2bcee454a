"""Approval analytics of a space: totals, trend, per-workflow counts, timing and
the busiest approvers.

The numbers come from buckets that database triggers keep in the transaction of every
change (`analytics_daily`, `analytics_approval_times`, `analytics_approver_daily` and
the monthly tables beside the last two; see `db/models.py` and the migration
"analytics counters kept by triggers"), so a call reads a few rows per day or month,
workflow, wait bucket or approver in the range and never walks the history. A range's
whole UTC days come from the buckets; the partial days at its ends (a `from` or `to`
that is not a UTC midnight) from the requests and decisions themselves, through
indexes on their timestamps: at most two days' rows. Python folds days into ISO weeks,
fills empty periods and reads percentiles off the histogram.

A request counts as submitted when created in the range and as approved, rejected,
cancelled or superseded (by the status it has now) when completed in it. A review a
space admin overrode (`actions.overrides`) counts there by the outcome it was forced
to, like any other, and once more in `overrides`, read from the overridden requests
alone (a partial index holds only them). `/api/v1` writes the report
(`api/v1/shapes/analytics.py`).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    Subquery,
    case,
    func,
    literal,
    select,
    union_all,
)
from sqlalchemy.orm import InstrumentedAttribute, Session

from signoff.db.models import (
    AnalyticsApprovalTimes,
    AnalyticsApprovalTimesMonthly,
    AnalyticsApproverDaily,
    AnalyticsApproverMonthly,
    AnalyticsDaily,
    ApprovalRequest,
    Decision,
    User,
    Workflow,
)
from signoff.domain.errors import BadInput
from signoff.domain.states import DecisionKind, RequestStatus, WorkflowKind

INTERVALS = ("day", "week")
MAX_PERIODS = 1000
BUSIEST_LIMIT = 10
_TOO_LONG = (
    "The range spans more than {} {}s; use a longer interval or a shorter range."
)
_MS_PER_HOUR = 3_600_000
_STATUSES = tuple(status.value for status in RequestStatus)


@dataclass(frozen=True)
class Totals:
    submitted: int
    approved: int
    rejected: int
    cancelled: int
    superseded: int
    pending: int
    overrides: int = 0
    """Reviews completed in the range by a space admin's override: also counted in
    `approved` or `rejected`, by the outcome forced."""


@dataclass(frozen=True)
class TrendPoint:
    """One day or ISO week (starting Monday), named by its first date."""

    period: date
    submitted: int
    approved: int
    rejected: int


@dataclass(frozen=True)
class WorkflowCounts:
    workflow_id: int
    name: str
    submitted: int
    approved: int
    rejected: int
    pending: int


@dataclass(frozen=True)
class Timing:
    """Hours from submission to approval, over requests approved in the range.

    Whole days read a histogram of the waits: a percentile is the mean wait of the
    bucket holding its order statistic, exact when that bucket's requests waited
    equally long and otherwise within the bucket's width, 1/32 of the wait (one
    second below a minute). Partial days at the ends of the range are exact.
    """

    median_hours_to_approve: float | None
    p90_hours_to_approve: float | None


@dataclass(frozen=True)
class ApproverCounts:
    """Decisions one person recorded in the range, on the space's requests."""

    user_id: int
    name: str
    decisions: int
    approvals: int
    rejections: int


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
    days, flows = _counts(session, window, space_id)
    everything = sum(flows.values(), Counter[str]())
    breakdown = {status: everything[f"submitted_{status}"] for status in _STATUSES}
    totals = Totals(
        submitted=everything["submitted"],
        approved=everything["completed_approved"],
        rejected=everything["completed_rejected"],
        cancelled=everything["completed_cancelled"],
        superseded=everything["completed_superseded"],
        pending=breakdown[RequestStatus.pending.value],
        overrides=_overrides(session, space_id, start, end),
    )
    return Analytics(
        space_id=space_id,
        start=start,
        end=end,
        interval=interval,
        totals=totals,
        status_breakdown=breakdown,
        trend=_trend(days, start, end, interval),
        by_workflow=_by_workflow(flows),
        timing=_timing(session, window, space_id),
    )


def _overrides(
    session: Session, space_id: int, start: datetime | None, end: datetime | None
) -> int:
    """Requests of the space overridden (completed) in `[start, end)`: one count
    through `ix_approval_requests_space_overridden`, which holds only those."""
    counted = select(func.count()).where(
        ApprovalRequest.space_id == space_id,
        ApprovalRequest.overridden_by.is_not(None),
        *_Window.within(ApprovalRequest.completed_at, (start, end)),
    )
    return int(session.scalar(counted) or 0)


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


Edge = tuple[datetime | None, datetime | None]
Days = tuple[date | None, date | None]


class _Window:
    """The range split for reading: its whole UTC days (`first_day` to `end_day`)
    from the daily buckets, and its partial days at either end (`edges`, each
    `[from, to)`) from the rows. The tables with many rows a day also have monthly
    buckets: their whole months (`months`) are read there and the whole days around
    them (`month_edges`) from the daily ones."""

    def __init__(
        self, session: Session, start: datetime | None, end: datetime | None
    ) -> None:
        self.dialect = session.get_bind().dialect.name
        self.whole_days, self.first_day, self.end_day, self.edges = _split(start, end)
        self.months: Days | None = None
        self.month_edges: tuple[Days, ...] = ()
        if self.whole_days:
            self.months, self.month_edges = _split_months(self.first_day, self.end_day)

    def days(self, column: InstrumentedAttribute[date]) -> list[ColumnElement[bool]]:
        """The range's whole days, for a daily bucket table's `day`."""
        return _between(column, (self.first_day, self.end_day))

    @staticmethod
    def within(
        column: InstrumentedAttribute[Any], edge: Edge
    ) -> list[ColumnElement[bool]]:
        """One partial day, for a row's timestamp."""
        return [column.is_not(None), *_between(column, edge)]

    def day(self, column: InstrumentedAttribute[Any]) -> ColumnElement[Any]:
        if self.dialect == "postgresql":
            return func.date(func.timezone("UTC", column))
        return func.date(column)  # SQLite stores UTC text: its date() is the UTC day


def _between(
    column: InstrumentedAttribute[Any], bounds: Days | Edge
) -> list[ColumnElement[bool]]:
    """`[low, high)`, either end open when None."""
    low, high = bounds
    conditions: list[ColumnElement[bool]] = []
    if low is not None:
        conditions.append(column >= low)
    if high is not None:
        conditions.append(column < high)
    return conditions


def _split(
    start: datetime | None, end: datetime | None
) -> tuple[bool, date | None, date | None, tuple[Edge, ...]]:
    """Whether the range holds a whole UTC day; its first whole day and the day after
    its last (None for an open end); and its partial days. Without a whole day (a
    range inside one day, or across one midnight) the range is one edge."""
    whole: tuple[Edge, ...] = ((start, end),) if start != end else ()
    try:
        first = _first_whole_day(start) if start is not None else None
    except OverflowError:  # starts within the last day there is
        return False, None, None, whole
    stop = end.astimezone(UTC).date() if end is not None else None
    if first is not None and stop is not None and first >= stop:
        return False, None, None, whole
    edges: list[Edge] = []
    if start is not None and first is not None and start < _midnight(first):
        edges.append((start, _midnight(first)))
    if end is not None and stop is not None and _midnight(stop) < end:
        edges.append((_midnight(stop), end))
    return True, first, stop, tuple(edges)


def _first_whole_day(start: datetime) -> date:
    day = start.astimezone(UTC).date()
    return day if start == _midnight(day) else day + timedelta(days=1)


def _split_months(
    first: date | None, stop: date | None
) -> tuple[Days | None, tuple[Days, ...]]:
    """The whole UTC months within the days `[first, stop)` (None when there is
    none) and the days left around them."""
    try:
        low = first if first is None or first.day == 1 else _next_month(first)
    except OverflowError:  # days within the last month there is
        return None, ((first, stop),)
    high = stop if stop is None or stop.day == 1 else stop.replace(day=1)
    if low is not None and high is not None and low >= high:
        return None, ((first, stop),)
    around: list[Days] = []
    if first is not None and low is not None and first < low:
        around.append((first, low))
    if stop is not None and high is not None and high < stop:
        around.append((high, stop))
    return (low, high), tuple(around)


def _next_month(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), UTC)


def _as_date(value: date | str) -> date:
    """SQLite's date() gives text, PostgreSQL's a date."""
    return date.fromisoformat(value) if isinstance(value, str) else value


_Days = dict[date, list[int]]  # per day: [submitted, approved, rejected]
_Flows = dict[tuple[int, str], Counter[str]]


def _counts(session: Session, window: _Window, space_id: int) -> tuple[_Days, _Flows]:
    """Per day: submitted, approved and rejected (for the trend). Per workflow: the
    columns of `analytics_daily` summed over the range."""
    days: _Days = {}
    flows: _Flows = {}
    if window.whole_days:
        _bucket_days(session, window, space_id, days)
        _bucket_flows(session, window, space_id, flows)
    if window.edges:
        _edge_counts(session, window, space_id, days, flows)
    return days, flows


_SUBMITTED = ("submitted", *(f"submitted_{status}" for status in _STATUSES))
_COMPLETED = ("completed", *(f"completed_{status}" for status in _STATUSES))
_TREND = {"approved": 1, "rejected": 2}  # a completed status's place in a day's list


def _bucket_days(session: Session, window: _Window, space_id: int, days: _Days) -> None:
    rows = session.execute(
        select(
            AnalyticsDaily.day,
            func.sum(AnalyticsDaily.submitted),
            func.sum(AnalyticsDaily.completed_approved),
            func.sum(AnalyticsDaily.completed_rejected),
        )
        .where(AnalyticsDaily.space_id == space_id, *window.days(AnalyticsDaily.day))
        .group_by(AnalyticsDaily.day)
    )
    for day, submitted, approved, rejected in rows:
        # a day whose requests have all moved on to other statuses shows nothing
        if submitted or approved or rejected:
            days[_as_date(day)] = [int(submitted), int(approved), int(rejected)]


def _bucket_flows(
    session: Session, window: _Window, space_id: int, flows: _Flows
) -> None:
    columns = [getattr(AnalyticsDaily, name) for name in (*_SUBMITTED, *_COMPLETED)]
    rows = session.execute(
        select(
            Workflow.id, Workflow.name, Workflow.kind, *(func.sum(c) for c in columns)
        )
        .join(Workflow, Workflow.id == AnalyticsDaily.workflow_id)
        .where(AnalyticsDaily.space_id == space_id, *window.days(AnalyticsDaily.day))
        .group_by(Workflow.id, Workflow.name, Workflow.kind)
    )
    for workflow_id, name, kind, *sums in rows:
        seen = Counter(
            {c.key: int(total) for c, total in zip(columns, sums, strict=True)}
        )
        flows.setdefault(_flow(workflow_id, name, kind), Counter()).update(seen)


ADHOC_FLOW = (0, "Ad-hoc approvals")
"""Every ad-hoc request runs under a one-off workflow: they count as one line."""


def _flow(workflow_id: int, name: str, kind: str) -> tuple[int, str]:
    return ADHOC_FLOW if kind == WorkflowKind.adhoc else (workflow_id, name)


def _edge_counts(
    session: Session, window: _Window, space_id: int, days: _Days, flows: _Flows
) -> None:
    """The partial days, counted from the requests as the triggers count them."""
    parts: list[Select[*tuple[Any, ...]]] = []
    for side, column in (
        ("submitted", ApprovalRequest.created_at),
        ("completed", ApprovalRequest.completed_at),
    ):
        named_day = window.day(column).label("day")
        for edge in window.edges:
            parts.append(
                select(
                    literal(side).label("side"),
                    named_day,
                    ApprovalRequest.workflow_id,
                    ApprovalRequest.status,
                    func.count().label("requests"),
                )
                .where(
                    ApprovalRequest.space_id == space_id,
                    *window.within(column, edge),
                )
                .group_by(
                    named_day, ApprovalRequest.workflow_id, ApprovalRequest.status
                )
            )
    counted = union_all(*parts).subquery()
    rows = session.execute(
        select(
            counted.c.side,
            counted.c.day,
            Workflow.id,
            Workflow.name,
            Workflow.kind,
            counted.c.status,
            counted.c.requests,
        ).join(Workflow, Workflow.id == counted.c.workflow_id)
    )
    for side, day, workflow_id, name, kind, status, requests in rows:
        flow = flows.setdefault(_flow(workflow_id, name, kind), Counter())
        flow[side] += requests
        flow[f"{side}_{status}"] += requests
        place = 0 if side == "submitted" else _TREND.get(status)
        if place is not None:
            days.setdefault(_as_date(day), [0, 0, 0])[place] += requests


def _period(day: date, interval: str) -> date:
    return day if interval == "day" else day - timedelta(days=day.weekday())


def _trend(
    days: _Days, start: datetime | None, end: datetime | None, interval: str
) -> tuple[TrendPoint, ...]:
    """Every period from the first to the last, empty ones included."""
    counts: dict[date, list[int]] = {}
    for day, seen in days.items():
        period = _period(day, interval)
        if period in counts:
            counts[period] = [a + b for a, b in zip(counts[period], seen, strict=True)]
        else:
            counts[period] = seen
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
        points.append(TrendPoint(period, *counts.get(period, (0, 0, 0))))
        period += step
    return tuple(points)


def _last_period(end: datetime | None, interval: str) -> date | None:
    """The period holding the range's last instant (`end` itself is excluded)."""
    if end is None:
        return None
    return _period((end.astimezone(UTC) - timedelta(microseconds=1)).date(), interval)


def _by_workflow(flows: _Flows) -> tuple[WorkflowCounts, ...]:
    """Each workflow with a request submitted or completed in the range, by name."""
    return tuple(
        WorkflowCounts(
            workflow_id=workflow_id,
            name=name,
            submitted=seen["submitted"],
            approved=seen["completed_approved"],
            rejected=seen["completed_rejected"],
            pending=seen["submitted_pending"],
        )
        for (workflow_id, name), seen in sorted(
            flows.items(), key=lambda item: (item[0][1].casefold(), item[0][0])
        )
        if seen["submitted"] or seen["completed"]
    )


def _timing(session: Session, window: _Window, space_id: int) -> Timing:
    """Median and 90th percentile (linear interpolation between the two order
    statistics around each), from the whole days' histogram and the partial days'
    exact waits."""
    waits: list[tuple[float, int]] = []  # (hours, requests), in any order
    parts = _whole_buckets(
        window,
        space_id,
        AnalyticsApprovalTimesMonthly,
        AnalyticsApprovalTimes,
        ("from_seconds", "requests", "total_ms"),
    )
    if parts:
        buckets = _union(parts)
        rows = session.execute(
            select(func.sum(buckets.c.requests), func.sum(buckets.c.total_ms))
            .group_by(buckets.c.from_seconds)
            .having(func.sum(buckets.c.requests) > 0)
        )
        waits.extend(
            (int(total_ms) / int(requests) / _MS_PER_HOUR, int(requests))
            for requests, total_ms in rows
        )
    for edge in window.edges:
        exact = session.execute(
            select(ApprovalRequest.created_at, ApprovalRequest.completed_at).where(
                ApprovalRequest.space_id == space_id,
                ApprovalRequest.status == RequestStatus.approved.value,
                *window.within(ApprovalRequest.completed_at, edge),
            )
        )
        waits.extend(
            ((completed - created) / timedelta(hours=1), 1)
            for created, completed in exact
            if completed is not None
        )
    waits.sort()
    approved = sum(requests for _, requests in waits)
    if approved == 0:
        return Timing(None, None)
    return Timing(_percentile(waits, approved, 0.5), _percentile(waits, approved, 0.9))


def _whole_buckets(
    window: _Window,
    space_id: int,
    monthly: Any,
    daily: Any,
    columns: Sequence[str],
) -> list[Select[*tuple[Any, ...]]]:
    """`columns` of the space's buckets for the window's whole months (from the
    `monthly` table, by `month`) and its whole days around them (from `daily`, by
    `day`); the partial days at the edges are the caller's to read from the rows."""
    spans = []
    if window.months is not None:
        spans.append((monthly, monthly.month, window.months))
    spans += [(daily, daily.day, days) for days in window.month_edges]
    return [
        select(*(getattr(table, name) for name in columns)).where(
            table.space_id == space_id, *_between(period, bounds)
        )
        for table, period, bounds in spans
    ]


def _union(parts: Sequence[Select[*tuple[Any, ...]]]) -> Subquery:
    return (union_all(*parts) if len(parts) > 1 else parts[0]).subquery()


def _percentile(
    waits: Sequence[tuple[float, int]], total: int, fraction: float
) -> float:
    position = fraction * (total - 1)
    low = math.floor(position)
    lower, upper = _nth(waits, low), _nth(waits, min(low + 1, total - 1))
    return round(lower + (upper - lower) * (position - low), 2)


def _nth(waits: Iterable[tuple[float, int]], rank: int) -> float:
    """The wait of the request at `rank` (from 0) in sorted `waits`."""
    seen = 0
    hours = 0.0
    for hours, requests in waits:
        seen += requests
        if rank < seen:
            return hours
    return hours


def busiest_approvers(
    session: Session,
    space_id: int,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    limit: int = BUSIEST_LIMIT,
) -> tuple[ApproverCounts, ...]:
    """The people who recorded the most decisions in `[start, end)`, most first.

    One statement: the database sums the whole months' and days' buckets and the
    partial days' decisions, ranks, and returns only `limit` rows. Ties go by name,
    then id, so the order is stable.
    """
    window = _Window(session, start, end)
    parts = _whole_buckets(
        window,
        space_id,
        AnalyticsApproverMonthly,
        AnalyticsApproverDaily,
        ("approver_id", "approvals", "rejections"),
    )
    for edge in window.edges:
        parts.append(
            select(
                Decision.approver_id.label("approver_id"),
                _one_if(DecisionKind.approve).label("approvals"),
                _one_if(DecisionKind.reject).label("rejections"),
            )
            .join(ApprovalRequest, ApprovalRequest.id == Decision.request_id)
            .where(
                ApprovalRequest.space_id == space_id,
                *window.within(Decision.created_at, edge),
            )
        )
    if not parts:
        return ()
    shares = _union(parts)
    totals = (
        select(
            shares.c.approver_id,
            func.sum(shares.c.approvals).label("approvals"),
            func.sum(shares.c.rejections).label("rejections"),
        )
        .group_by(shares.c.approver_id)
        .subquery()
    )
    decisions = totals.c.approvals + totals.c.rejections
    rows = session.execute(
        select(
            User.id,
            User.display_name,
            decisions,
            totals.c.approvals,
            totals.c.rejections,
        )
        .join(totals, totals.c.approver_id == User.id)
        .where(decisions > 0)
        .order_by(decisions.desc(), func.lower(User.display_name), User.id)
        .limit(limit)
    )
    return tuple(
        ApproverCounts(user_id, name, int(total), int(approved), int(rejected))
        for user_id, name, total, approved, rejected in rows
    )


def _one_if(kind: DecisionKind) -> ColumnElement[int]:
    return case((Decision.kind == kind.value, 1), else_=0)
