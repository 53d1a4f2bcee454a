"""A space's analytics as `GET /api/v1/analytics` answers it: the report of
`queries.analytics`, flattened into the envelope, and the busiest approvers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from signoff.api.v1.responses import AnalyticsOut

if TYPE_CHECKING:
    from signoff.queries.analytics import Analytics, ApproverCounts


def analytics_out(
    report: Analytics, approvers: Sequence[ApproverCounts]
) -> AnalyticsOut:
    return AnalyticsOut(
        success=True,
        space_id=report.space_id,
        start=report.start,
        end=report.end,
        interval=report.interval,
        totals=report.totals,
        status_breakdown=report.status_breakdown,
        trend=report.trend,
        by_workflow=report.by_workflow,
        timing=report.timing,
        busiest_approvers=approvers,
    )
