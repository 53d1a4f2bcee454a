"""`/analytics`: a space's totals, trend, per-workflow counts, timing and busiest
approvers, for admins."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from factories import by
from signoff.actions.approvals import do_record_decision, do_submit_page
from signoff.api.v1.responses import AnalyticsOut
from signoff.db.models import Page, User
from signoff.domain.states import DecisionKind

from .helpers import ok, only_a_denial, refused, review_by
from .support import AppClient, Team


def at(day: int, hour: int) -> datetime:
    """Monday 5 January 2026 plus `day` days, at `hour` UTC."""
    return datetime(2026, 1, 5 + day, hour, tzinfo=UTC)


@pytest.fixture
def history(team: Team) -> int:
    """Page 0 approved after 4 h on Monday, page 1 rejected on Tuesday, page 2
    pending since Tuesday. The workflow's id."""
    workflow_id = review_by(team, ["carol"])
    with team.db.write() as s:
        bob, carol = s.get(User, team.users["bob"]), s.get(User, team.users["carol"])
        pages = [s.get(Page, page_id) for page_id in team.pages[:3]]
        assert bob is not None
        assert carol is not None
        for page, submitted in zip(
            pages, (at(0, 9), at(1, 10), at(1, 12)), strict=True
        ):
            assert page is not None
            do_submit_page(s, page, **by(bob, now=submitted))
        for page, kind, when in (
            (pages[0], DecisionKind.approve, at(0, 13)),
            (pages[1], DecisionKind.reject, at(1, 11)),
        ):
            assert page is not None
            do_record_decision(
                s, page, kind, version=1, comment="Why", **by(carol, now=when)
            )
    return workflow_id


def carol(team: Team, *, approvals: int, rejections: int) -> dict[str, Any]:
    """Carol's row of `busiestApprovers`."""
    return {
        "userId": str(team.users["carol"]),
        "name": "Carol",
        "decisions": approvals + rejections,
        "approvals": approvals,
        "rejections": rejections,
    }


def _analytics(api: AppClient, team: Team, who: str = "alice", **params: Any) -> Any:
    return api.get(
        "/api/v1/analytics",
        token=team.tokens[who],
        params={"spaceId": team.space_id, **params},
    )


def test_daily_analytics_of_a_range(api: AppClient, team: Team, history: int) -> None:
    body = ok(
        AnalyticsOut,
        _analytics(api, team, **{"from": "2026-01-05", "to": "2026-01-07"}),
    )
    assert body == {
        "success": True,
        "spaceId": str(team.space_id),
        "from": "2026-01-05T00:00:00Z",
        "to": "2026-01-07T00:00:00Z",
        "interval": "day",
        "totals": {
            "submitted": 3,
            "approved": 1,
            "rejected": 1,
            "cancelled": 0,
            "superseded": 0,
            "pending": 1,
            "overrides": 0,
        },
        "statusBreakdown": {
            "pending": 1,
            "approved": 1,
            "rejected": 1,
            "cancelled": 0,
            "superseded": 0,
            "expired": 0,
        },
        "trend": [
            {"period": "2026-01-05", "submitted": 1, "approved": 1, "rejected": 0},
            {"period": "2026-01-06", "submitted": 2, "approved": 0, "rejected": 1},
        ],
        "byWorkflow": [
            {
                "workflowId": str(history),
                "name": "Standard review",
                "submitted": 3,
                "approved": 1,
                "rejected": 1,
                "pending": 1,
            }
        ],
        "timing": {"medianHoursToApprove": 4.0, "p90HoursToApprove": 4.0},
        "busiestApprovers": [carol(team, approvals=1, rejections=1)],
    }


def test_weekly_analytics_with_datetimes_without_a_zone_read_as_utc(
    api: AppClient, team: Team, history: int
) -> None:
    body = ok(
        AnalyticsOut,
        _analytics(
            api,
            team,
            **{"from": "2026-01-06T00:00:00", "to": "2026-01-12T00:00:00+01:00"},
            interval="week",
        ),
    )
    assert (body["from"], body["to"]) == (
        "2026-01-06T00:00:00Z",
        "2026-01-11T23:00:00Z",
    )
    assert body["totals"]["submitted"] == 2
    assert body["trend"] == [
        {"period": "2026-01-05", "submitted": 2, "approved": 0, "rejected": 1}
    ]
    assert body["busiestApprovers"] == [carol(team, approvals=0, rejections=1)]


def test_an_open_range_counts_everything(
    api: AppClient, team: Team, history: int
) -> None:
    body = ok(AnalyticsOut, _analytics(api, team))
    assert (body["from"], body["to"]) == (None, None)
    assert body["totals"]["submitted"] == 3
    assert body["busiestApprovers"] == [carol(team, approvals=1, rejections=1)]


def test_a_range_without_decisions_has_no_busiest_approvers(
    api: AppClient, team: Team, history: int
) -> None:
    body = ok(
        AnalyticsOut,
        _analytics(api, team, **{"from": "2026-01-08", "to": "2026-01-09"}),
    )
    assert body["busiestApprovers"] == []


@pytest.mark.parametrize(
    ("params", "error"),
    [
        (
            {"from": "last tuesday"},
            "from: Value error, must be an ISO 8601 date or date-time, such as "
            "2026-01-31 or 2026-01-31T12:00:00Z.",
        ),
        (
            {"to": "2026-13-01"},
            "to: Value error, must be an ISO 8601 date or date-time, such as "
            "2026-01-31 or 2026-01-31T12:00:00Z.",
        ),
        ({"from": "2026-02-01", "to": "2026-01-01"}, "from must not be after to."),
        ({"interval": "month"}, "interval: Input should be 'day' or 'week'."),
        (
            {"from": "2020-01-01", "to": "2026-01-01"},
            "The range spans more than 1000 days; use a longer interval or a "
            "shorter range.",
        ),
    ],
)
def test_bad_ranges_are_refused_naming_the_field(
    api: AppClient, team: Team, params: dict[str, str], error: str
) -> None:
    refused(_analytics(api, team, **params), 400, error)


def test_analytics_needs_a_space_the_caller_is_in(api: AppClient, team: Team) -> None:
    refused(
        api.get("/api/v1/analytics", token=team.tokens["alice"]),
        400,
        "spaceId is required.",
    )
    refused(
        api.get(
            "/api/v1/analytics", token=team.tokens["alice"], params={"spaceId": "999"}
        ),
        404,
        "Space 999 not found.",
    )


@pytest.mark.parametrize("who", ["bob", "carol"])
def test_only_space_admins_read_analytics(api: AppClient, team: Team, who: str) -> None:
    with only_a_denial(team):
        response = _analytics(api, team, who=who)
    refused(response, 403, "You need the admin role in this space to read analytics.")
