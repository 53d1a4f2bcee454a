"""Analytics of a space: totals, trend, per-workflow counts and timing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from factories import by, make_page, make_space, make_user, make_workflow, step
from signoff.actions.approvals import (
    do_cancel_request,
    do_record_decision,
    do_submit_page,
)
from signoff.actions.pages import do_edit_page
from signoff.api.v1.responses import plain
from signoff.api.v1.shapes.analytics import analytics_out
from signoff.db.models import ApprovalRequest, Page
from signoff.db.session import Database
from signoff.domain.errors import BadInput
from signoff.domain.states import DecisionKind, Role
from signoff.queries.analytics import Analytics, analytics

APPROVE, REJECT = DecisionKind.approve, DecisionKind.reject
MONDAY = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)  # an ISO week starts on a Monday


def at(day: int, hour: int = 9) -> datetime:
    """`day` days after Monday 2 March 2026, at `hour` UTC."""
    return MONDAY + timedelta(days=day, hours=hour)


class World:
    """Two workflows in one space: `Legal` (carol) and `Brand` (dave); bob submits."""

    def __init__(self, s: Session) -> None:
        self.s = s
        self.alice, self.bob, self.carol, self.dave = (
            make_user(s, name) for name in ("alice", "bob", "carol", "dave")
        )
        self.space = make_space(
            s,
            admin=self.alice,
            members={
                self.bob: Role.editor,
                self.carol: Role.viewer,
                self.dave: Role.viewer,
            },
        )
        self.legal = make_workflow(
            s, self.space, self.alice, [step(self.carol)], name="Legal"
        )
        self.brand = make_workflow(
            s, self.space, self.alice, [step(self.dave)], name="Brand"
        )
        self.count = 0

    def submit(self, when: datetime, *, brand: bool = False) -> Page:
        self.count += 1
        page = make_page(self.s, self.space, self.bob, title=f"Page {self.count}")
        workflow = self.brand if brand else self.legal
        do_submit_page(self.s, page, workflow_id=workflow.id, **by(self.bob, now=when))
        return page

    def decide(self, page: Page, when: datetime, kind: DecisionKind = APPROVE) -> None:
        request = self.s.get(ApprovalRequest, page.latest_request_id)
        assert request is not None
        approver = self.dave if request.workflow_id == self.brand.id else self.carol
        do_record_decision(
            self.s,
            page,
            kind,
            version=page.current_version,
            comment="no" if kind is REJECT else None,
            **by(approver, now=when),
        )


@pytest.fixture
def history(db: Database) -> dict[str, int]:
    """A week of reviews (Monday 2 March to Sunday 8 March 2026) and one the week after.

    Legal: approved after 2h, 4h and 10h; one rejected; one pending; one cancelled.
    Brand: approved after 30h; one superseded by an edit. Next week: one pending.
    """
    with db.write() as s:
        w = World(s)
        for hours, day in ((2, 0), (4, 0), (10, 1)):
            page = w.submit(at(day))
            w.decide(page, at(day) + timedelta(hours=hours))
        w.decide(w.submit(at(1)), at(2), REJECT)
        w.submit(at(2))
        do_cancel_request(s, w.submit(at(3)), **by(w.bob, now=at(3, 12)))
        w.decide(w.submit(at(3), brand=True), at(3) + timedelta(hours=30))
        edited = w.submit(at(5), brand=True)
        do_edit_page(s, edited, body="<p>changed</p>", **by(w.bob, now=at(6)))
        w.submit(at(8))
        return {"space": w.space.id, "legal": w.legal.id, "brand": w.brand.id}


def report(db: Database, space_id: int, **options: Any) -> dict[str, Any]:
    with db.read() as s:
        return report_json(analytics(s, space_id, **options))


def report_json(report: Analytics) -> dict[str, Any]:
    """The report as `GET /api/v1/analytics` writes it, less the envelope and the
    busiest approvers."""
    return plain(analytics_out(report, ()), exclude={"success", "busiest_approvers"})


def test_totals_count_submissions_and_outcomes_in_the_range(
    db: Database, history: dict[str, int]
) -> None:
    body = report(db, history["space"], start=at(0, 0), end=at(7, 0))
    assert body["totals"] == {
        "submitted": 8,
        "approved": 4,
        "rejected": 1,
        "cancelled": 1,
        "superseded": 1,
        "pending": 1,
        "overrides": 0,
    }
    assert body["statusBreakdown"] == {
        "pending": 1,
        "approved": 4,
        "rejected": 1,
        "cancelled": 1,
        "superseded": 1,
        "expired": 0,
    }


def test_open_range_counts_everything(db: Database, history: dict[str, int]) -> None:
    body = report(db, history["space"])
    assert (body["totals"]["submitted"], body["totals"]["pending"]) == (9, 2)
    assert (body["from"], body["to"]) == (None, None)
    assert body["trend"][0]["period"] == "2026-03-02"
    assert body["trend"][-1]["period"] == "2026-03-10"


def test_daily_trend_fills_every_day_of_the_range(
    db: Database, history: dict[str, int]
) -> None:
    body = report(db, history["space"], start=at(0, 0), end=at(7, 0), interval="day")
    assert [
        (p["period"], p["submitted"], p["approved"], p["rejected"])
        for p in body["trend"]
    ] == [
        ("2026-03-02", 2, 2, 0),
        ("2026-03-03", 2, 1, 0),
        ("2026-03-04", 1, 0, 1),
        ("2026-03-05", 2, 0, 0),
        ("2026-03-06", 0, 1, 0),
        ("2026-03-07", 1, 0, 0),
        ("2026-03-08", 0, 0, 0),
    ]


def test_weekly_trend_groups_by_iso_week(db: Database, history: dict[str, int]) -> None:
    body = report(db, history["space"], start=at(-3, 0), end=at(14, 0), interval="week")
    assert body["trend"] == [
        {"period": "2026-02-23", "submitted": 0, "approved": 0, "rejected": 0},
        {"period": "2026-03-02", "submitted": 8, "approved": 4, "rejected": 1},
        {"period": "2026-03-09", "submitted": 1, "approved": 0, "rejected": 0},
    ]


def test_by_workflow_counts_each_workflow_by_name(
    db: Database, history: dict[str, int]
) -> None:
    body = report(db, history["space"], start=at(0, 0), end=at(7, 0))
    assert body["byWorkflow"] == [
        {
            "workflowId": str(history["brand"]),
            "name": "Brand",
            "submitted": 2,
            "approved": 1,
            "rejected": 0,
            "pending": 0,
        },
        {
            "workflowId": str(history["legal"]),
            "name": "Legal",
            "submitted": 6,
            "approved": 3,
            "rejected": 1,
            "pending": 1,
        },
    ]


def test_timing_reports_median_and_90th_percentile_hours(
    db: Database, history: dict[str, int]
) -> None:
    body = report(db, history["space"], start=at(0, 0), end=at(7, 0))
    # durations 2, 4, 10, 30 hours: median 7, p90 at rank 2.7 = 10 + 0.7 * 20
    assert body["timing"] == {"medianHoursToApprove": 7.0, "p90HoursToApprove": 24.0}


def test_an_approval_outside_the_range_is_not_counted(
    db: Database, history: dict[str, int]
) -> None:
    body = report(db, history["space"], start=at(0, 0), end=at(0, 14))
    assert body["totals"]["submitted"] == 2
    assert body["totals"]["approved"] == 2
    assert body["timing"] == {"medianHoursToApprove": 3.0, "p90HoursToApprove": 3.8}


def test_empty_range_has_no_timing_and_zero_filled_trend(
    db: Database, history: dict[str, int]
) -> None:
    body = report(db, history["space"], start=at(20, 0), end=at(22, 0))
    assert body["totals"] == dict.fromkeys(
        (
            "submitted",
            "approved",
            "rejected",
            "cancelled",
            "superseded",
            "pending",
            "overrides",
        ),
        0,
    )
    assert body["timing"] == {"medianHoursToApprove": None, "p90HoursToApprove": None}
    assert [point["period"] for point in body["trend"]] == ["2026-03-22", "2026-03-23"]
    assert body["byWorkflow"] == []


def test_a_space_without_requests_reports_nothing(db: Database) -> None:
    with db.write() as s:
        alice = make_user(s, "alice")
        space_id = make_space(s, "EMPTY", admin=alice).id
    body = report(db, space_id)
    assert (body["trend"], body["byWorkflow"], body["totals"]["submitted"]) == (
        [],
        [],
        0,
    )
    assert body["spaceId"] == str(space_id)


def test_unknown_interval_is_refused(db: Database, history: dict[str, int]) -> None:
    with pytest.raises(BadInput) as refused:
        report(db, history["space"], interval="month")
    assert refused.value.field == "interval"


def test_start_after_end_is_refused(db: Database, history: dict[str, int]) -> None:
    with pytest.raises(BadInput) as refused:
        report(db, history["space"], start=at(3), end=at(1))
    assert refused.value.field == "from"


def test_naive_datetimes_are_refused(db: Database, history: dict[str, int]) -> None:
    with pytest.raises(BadInput) as refused:
        report(db, history["space"], end=datetime(2026, 3, 9))  # noqa: DTZ001
    assert refused.value.field == "to"


def test_a_range_too_long_for_daily_periods_is_refused(
    db: Database, history: dict[str, int]
) -> None:
    with pytest.raises(BadInput) as refused:
        report(db, history["space"], start=at(-2000, 0), end=at(0, 0))
    assert refused.value.field == "from"
    assert report(
        db, history["space"], start=at(-2000, 0), end=at(0, 0), interval="week"
    )


def test_trend_buckets_by_utc_day_whatever_the_connection_time_zone(
    db: Database,
) -> None:
    with db.write() as s:
        w = World(s)
        w.submit(at(0, 23) + timedelta(minutes=30))
        space_id = w.space.id
    with db.read() as s:
        if not db.is_sqlite:
            s.execute(text("SET TIME ZONE 'Pacific/Auckland'"))
        trend = report_json(analytics(s, space_id))["trend"]
    assert trend == [
        {"period": "2026-03-02", "submitted": 1, "approved": 0, "rejected": 0}
    ]
