"""The analytics dashboard: one space's submissions, outcomes, timing and approvers.

Only the space's admins see it, as with the audit trail: a member below admin is
refused with 403 through `require_role` inside a unit of work, so the refusal is
audited; a person outside the space gets 404. Charts are SVG drawn on the server.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from fastapi import APIRouter
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response

from signoff.access import access_space_by_key, require_role
from signoff.actions.unit import unit_of_work
from signoff.db.models import Space, User
from signoff.domain.errors import BadInput
from signoff.domain.states import Origin, Role
from signoff.queries.analytics import (
    INTERVALS,
    Analytics,
    ApproverCounts,
    analytics,
    busiest_approvers,
)
from signoff.queries.spaces import list_spaces_for
from signoff.web import context
from signoff.web.analytics_charts import status_chart, trend_chart
from signoff.web.refusals import FORM_REFUSALS, refusal
from signoff.web.require_session import signed_in
from signoff.web.sessions import CurrentSession
from signoff.web.templating import render

router = APIRouter(include_in_schema=False)

VIEW_ACTION = "view analytics"
DEFAULT_DAYS = 30
FILTERS = ("from", "to", "interval")


@dataclass(frozen=True)
class RangeForm:
    """The filter as typed: UTC dates `YYYY-MM-DD` (`to` inclusive) and an interval."""

    start: str
    end: str
    interval: str


@dataclass(frozen=True)
class Window:
    """The filter as the query takes it: `[start, end)` in UTC, either end open."""

    start: datetime | None
    end: datetime | None
    interval: str


def range_form(params: QueryParams, today: date) -> RangeForm:
    """The last 30 days by day on a first visit; afterwards exactly what was sent,
    so clearing a date opens that end of the range."""
    if not any(name in params for name in FILTERS):
        first = today - timedelta(days=DEFAULT_DAYS - 1)
        return RangeForm(first.isoformat(), today.isoformat(), "day")
    return RangeForm(
        params.get("from", "").strip(),
        params.get("to", "").strip(),
        params.get("interval", "").strip() or "day",
    )


def window(form: RangeForm) -> Window:
    """Raises `BadInput` with a sentence a person can act on."""
    if form.interval not in INTERVALS:
        raise BadInput("Interval must be day or week.")
    first, last = _day(form.start, "From"), _day(form.end, "To")
    if first is not None and last is not None and last < first:
        raise BadInput("The To date must not be before the From date.")
    return Window(_midnight(first), _day_after(last), form.interval)


def _day(value: str, label: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise BadInput(f"{label} must be a date like 2026-11-23.") from error


def _midnight(day: date | None) -> datetime | None:
    return datetime.combine(day, time(), UTC) if day is not None else None


def _day_after(day: date | None) -> datetime | None:
    """The end of an inclusive `to` date: the next midnight, UTC."""
    if day is None:
        return None
    if day == date.max:
        raise BadInput("To must be a date before 9999-12-31.")
    return _midnight(day + timedelta(days=1))


def hours_text(hours: float | None) -> str:
    """A duration a person reads at a glance; days once it passes two of them."""
    if hours is None:
        return "—"
    if hours < 1:
        return f"{round(hours * 60)} min"
    if hours < 48:
        return f"{hours:.1f} h"
    return f"{hours / 24:.1f} days"


def _user(session: Session, current: CurrentSession) -> User:
    user = session.get(User, current.user_id)
    assert user is not None
    return user


def _admin_space_id(request: Request, current: CurrentSession, key: str) -> int:
    # In a unit of work, so a refusal is audited.
    with unit_of_work(context.database(request), origin=Origin.ui) as session:
        user = _user(session, current)
        space = access_space_by_key(session, user, key)
        require_role(session, user, space.id, Role.admin, action=VIEW_ACTION)
        return space.id


def _report(
    analytics_report: Analytics, approvers: tuple[ApproverCounts, ...]
) -> dict[str, Any]:
    timing = analytics_report.timing
    return {
        "totals": analytics_report.totals,
        "median": hours_text(timing.median_hours_to_approve),
        "p90": hours_text(timing.p90_hours_to_approve),
        "trend": trend_chart(analytics_report.trend, analytics_report.interval),
        "statuses": status_chart(analytics_report.status_breakdown),
        "workflows": analytics_report.by_workflow,
        "approvers": approvers,
    }


def _dashboard(
    request: Request, current: CurrentSession, key: str, form: RangeForm
) -> tuple[dict[str, Any], int]:
    """The dashboard and its status; a filter it refuses is shown on it."""
    space_id = _admin_space_id(request, current, key)
    with context.database(request).read() as session:
        space = session.get(Space, space_id)
        assert space is not None
        page: dict[str, Any] = {
            "current": current,
            "space": {"key": space.key, "name": space.name},
            "form": form,
            "intervals": INTERVALS,
            "error": None,
            "report": None,
        }
        try:
            chosen = window(form)
            report = analytics(
                session,
                space_id,
                start=chosen.start,
                end=chosen.end,
                interval=chosen.interval,
            )
            approvers = busiest_approvers(
                session, space_id, start=chosen.start, end=chosen.end
            )
        except FORM_REFUSALS as refused:
            shown = refusal(refused)
            page["error"] = shown.sentence
            return page, shown.status
        page["report"] = _report(report, approvers)
        return page, 200


def _chooser(request: Request, current: CurrentSession) -> dict[str, Any]:
    with context.database(request).read() as session:
        user = _user(session, current)
        spaces = [
            {"key": space.key, "name": space.name}
            for space in list_spaces_for(session, user)
            if space.role is Role.admin
        ]
    return {"current": current, "space": None, "admin_spaces": spaces}


@router.get("/analytics")
async def analytics_chooser(request: Request) -> Response:
    current = await signed_in(request)
    if isinstance(current, Response):
        return current
    chooser = await run_in_threadpool(_chooser, request, current)
    if len(chooser["admin_spaces"]) != 1:
        return render(request, "analytics.html", chooser)
    # Nothing to choose: the only space the person administers opens at once.
    return await analytics_dashboard(request, chooser["admin_spaces"][0]["key"])


@router.get("/analytics/{key}")
async def analytics_dashboard(request: Request, key: str) -> Response:
    current = await signed_in(request)
    if isinstance(current, Response):
        return current
    today = context.now(request).astimezone(UTC).date()
    form = range_form(request.query_params, today)
    page, status = await run_in_threadpool(_dashboard, request, current, key, form)
    return render(request, "analytics.html", page, status=status)
