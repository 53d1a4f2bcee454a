"""Approval analytics of a space, for its admins: totals, trend, workflows, timing
and the busiest approvers."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from sqlalchemy.orm import Session

from signoff.access import access_space
from signoff.api.v1.calls import ApiCall, api_call
from signoff.api.v1.responses import READ_ERRORS, AnalyticsOut, documented
from signoff.api.v1.schemas import AnalyticsQuery
from signoff.api.v1.shapes.analytics import analytics_out
from signoff.auth.scopes import Scope
from signoff.db.models import User
from signoff.domain.states import Role
from signoff.queries.analytics import analytics, busiest_approvers

router = APIRouter(tags=["audit"])

Auditor = Annotated[ApiCall, Depends(api_call(Scope.read_audit))]


@router.get(
    "/analytics",
    summary="A space's approval analytics over [from, to), by day or ISO week",
    responses=documented(AnalyticsOut, "The space's analytics.", READ_ERRORS),
)
def get_analytics(call: Auditor, query: Annotated[AnalyticsQuery, Query()]) -> Response:
    def work(session: Session, actor: User) -> AnalyticsOut:
        space = access_space(
            session, actor, query.space_id, Role.admin, action="read analytics"
        )
        report = analytics(
            session,
            space.id,
            start=query.start,
            end=query.end,
            interval=query.interval,
        )
        approvers = busiest_approvers(
            session, space.id, start=query.start, end=query.end
        )
        return analytics_out(report, approvers)

    return call.read(work)
