"""A space's analytics as `GET /api/v1/analytics` answers it: the report of
`queries.analytics`, flattened into the envelope, and the busiest approvers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from signoff.api.v1.responses import (
    AnalyticsOut,
    ApproverCounts,
    Timing,
    Totals,
    TrendPoint,
    WorkflowCounts,
)

if TYPE_CHECKING:
    from signoff.queries import analytics


def analytics_out(
    report: analytics.Analytics, approvers: Sequence[analytics.ApproverCounts]
) -> AnalyticsOut:
    return AnalyticsOut(
        success=True,
        space_id=report.space_id,
        start=report.start,
        end=report.end,
        interval=report.interval,
        totals=Totals.of(report.totals),
        status_breakdown=report.status_breakdown,
        trend=[TrendPoint.of(point) for point in report.trend],
        by_workflow=[WorkflowCounts.of(counts) for counts in report.by_workflow],
        timing=Timing.of(report.timing),
        busiest_approvers=[ApproverCounts.of(counts) for counts in approvers],
    )
