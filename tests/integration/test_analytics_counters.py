"""Analytics counters: database triggers keep daily buckets in the transaction of each
change, and the buckets always equal an aggregation of the rows.

A mixed history goes through the real actions (submit, approve, reject, withdraw,
supersede by an edit, expiry, a change set's bulk submit, a reset) on both backends.
The counters are compared with an aggregation from scratch, and `analytics` and
`busiest_approvers` with a plain reading of the rows, over ranges of whole and
partial days. Plain SQL that goes round the actions is counted as well; upgrading a
database that already has a history fills the buckets; and on PostgreSQL a counter
row never closes a cycle of lock waits.
"""

from __future__ import annotations

import math
import random
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, delete, inspect, select, text, update
from sqlalchemy.orm import Session

from conftest import fresh_database_url
from factories import (
    by,
    make_change_set,
    make_page,
    make_space,
    make_user,
    make_workflow,
    step,
)
from migrations import revision_before
from signoff.actions.acting import Acting
from signoff.actions.approvals import (
    do_cancel_request,
    do_record_decision,
    do_reset_approval,
    do_submit_page,
)
from signoff.actions.changesets import do_submit_change_set
from signoff.actions.pages import do_edit_page
from signoff.actions.schedule import do_expire_approval
from signoff.actions.workflows import do_assign_workflow
from signoff.api.v1.responses import plain
from signoff.api.v1.shapes.analytics import analytics_out
from signoff.db import migrate
from signoff.db.models import (
    AnalyticsApprovalTimes,
    AnalyticsApprovalTimesMonthly,
    AnalyticsApproverDaily,
    AnalyticsApproverMonthly,
    AnalyticsDaily,
    ApprovalRequest,
    Comment,
    Decision,
    Page,
    User,
    Workflow,
)
from signoff.db.session import Database, make_engine
from signoff.domain.errors import BadInput
from signoff.domain.states import DecisionKind, RequestStatus, Role, Rule
from signoff.queries.analytics import Analytics, Timing, analytics, busiest_approvers

APPROVE, REJECT = DecisionKind.approve, DecisionKind.reject
MONDAY = datetime(2026, 3, 2, tzinfo=UTC)
COUNTERS_REVISION = "c8b48ab53227"  # the migration that creates the counters
COUNTER_TABLES = (
    "analytics_daily",
    "analytics_approval_times",
    "analytics_approval_times_monthly",
    "analytics_approver_daily",
    "analytics_approver_monthly",
)
STATUSES = tuple(status.value for status in RequestStatus)
DAILY = (
    "submitted",
    *(f"submitted_{status}" for status in STATUSES),
    "completed",
    *(f"completed_{status}" for status in STATUSES),
)


def at(day: int, hour: int = 9, minute: int = 0, second: int = 0) -> datetime:
    """`day` days after Monday 2 March 2026, at that UTC time."""
    return MONDAY + timedelta(days=day, hours=hour, minutes=minute, seconds=second)


# A mixed history, through the actions --------------------------------------------


class History:
    """DOCS has `Legal` (carol; the space default), `Brand` (dave, then erin) and
    `board` (any two of carol, dave and erin; approvals valid for two days). OPS has
    `Ops` (dave). bob writes and submits everything."""

    def __init__(self, s: Session, seed: int) -> None:
        self.s = s
        self.rng = random.Random(seed)
        self.alice, self.bob, self.carol, self.dave, self.erin = (
            make_user(s, name) for name in ("alice", "bob", "carol", "dave", "erin")
        )
        members = {self.bob: Role.editor} | dict.fromkeys(
            (self.carol, self.dave, self.erin), Role.viewer
        )
        self.docs = make_space(s, "DOCS", admin=self.alice, members=members)
        self.ops = make_space(s, "OPS", admin=self.alice, members=members)
        self.legal = make_workflow(
            s,
            self.docs,
            self.alice,
            [step(self.carol)],
            name="Legal",
            space_default=True,
        )
        self.brand = make_workflow(
            s,
            self.docs,
            self.alice,
            [step(self.dave, name="Design"), step(self.erin, name="Final")],
            name="Brand",
        )
        self.board = make_workflow(
            s,
            self.docs,
            self.alice,
            [step(self.carol, self.dave, self.erin, rule=Rule.quorum, quorum=2)],
            name="board",
            valid_for_days=2,
        )
        self.ops_flow = make_workflow(
            s, self.ops, self.alice, [step(self.dave)], name="Ops", space_default=True
        )
        self.pages = 0

    def page(self, space_key: str = "DOCS") -> Page:
        self.pages += 1
        space = self.docs if space_key == "DOCS" else self.ops
        return make_page(self.s, space, self.bob, title=f"Page {self.pages}")

    def submit(self, page: Page, workflow: Workflow, when: datetime) -> None:
        """bob submits `page` under `workflow`; alice assigns it to the page first
        when it is not the space default, since a submitter cannot choose another."""
        space = self.docs if page.space_id == self.docs.id else self.ops
        if workflow.id not in (space.default_workflow_id, page.workflow_id):
            do_assign_workflow(
                self.s, workflow, page_ids=[page.id], **by(self.alice, now=when)
            )
        do_submit_page(self.s, page, **by(self.bob, now=when))

    def decide(
        self, page: Page, person: User, kind: DecisionKind, when: datetime
    ) -> None:
        do_record_decision(
            self.s,
            page,
            kind,
            version=page.current_version,
            comment="Not yet." if kind is REJECT else None,
            **by(person, now=when),
        )

    def wait(self, when: datetime) -> datetime:
        """A while later: seconds, minutes, hours or days."""
        scale = self.rng.choice((1, 60, 3600, 86400))
        return when + timedelta(seconds=self.rng.randrange(0, 3 * scale))

    def approve(self, page: Page, workflow: Workflow, when: datetime) -> datetime:
        for people in self.approvers(workflow):
            for person in people:
                when = self.wait(when)
                self.decide(page, person, APPROVE, when)
        return when

    def reject(self, page: Page, workflow: Workflow, when: datetime) -> datetime:
        steps = self.approvers(workflow)
        passed = self.rng.randrange(len(steps))  # some steps may pass first
        for people in steps[:passed]:
            for person in people:
                when = self.wait(when)
                self.decide(page, person, APPROVE, when)
        when = self.wait(when)
        self.decide(page, self.rng.choice(steps[passed]), REJECT, when)
        return when

    def approvers(self, workflow: Workflow) -> list[list[User]]:
        """Who decides at each step, in order."""
        if workflow is self.brand:
            return [[self.dave], [self.erin]]
        if workflow is self.board:
            return [self.rng.sample([self.carol, self.dave, self.erin], 2)]
        return [[self.dave]] if workflow is self.ops_flow else [[self.carol]]

    def one_review(self) -> None:
        rng = self.rng
        space_key = rng.choice(("DOCS", "DOCS", "DOCS", "OPS"))
        workflow = (
            self.ops_flow
            if space_key == "OPS"
            else rng.choice((self.legal, self.brand, self.board))
        )
        page = self.page(space_key)
        when = at(rng.randrange(8), rng.randrange(24), rng.randrange(60))
        self.submit(page, workflow, when)
        outcome = rng.choice(
            ("approve", "reject", "cancel", "supersede", "pending", "again")
        )
        if outcome == "approve":
            done = self.approve(page, workflow, when)
            if workflow is self.board:  # lapses two days on
                request = self.s.get(ApprovalRequest, page.latest_request_id)
                assert request is not None
                do_expire_approval(
                    self.s, request.id, by=Acting.system(done + timedelta(days=3))
                )
            elif rng.random() < 0.2:
                do_reset_approval(self.s, page, **by(self.alice, now=done))
        elif outcome == "reject":
            self.reject(page, workflow, when)
        elif outcome == "cancel":
            do_cancel_request(self.s, page, **by(self.bob, now=self.wait(when)))
        elif outcome == "supersede":
            if workflow is self.brand:  # one decision first, kept in the history
                when = self.wait(when)
                self.decide(page, self.dave, APPROVE, when)
            do_edit_page(
                self.s, page, body="<p>changed</p>", **by(self.bob, now=self.wait(when))
            )
        elif outcome == "again":
            when = self.reject(page, workflow, when)
            when = self.wait(when)
            self.submit(page, workflow, when)
            self.approve(page, workflow, when)

    def change_set(self) -> None:
        """Six pages submitted at once half a minute before midnight; the first two
        approved just after it, the third rejected."""
        pages = [self.page() for _ in range(6)]
        change_set = make_change_set(self.s, self.docs, self.bob, pages)
        results = do_submit_change_set(
            self.s, change_set, **by(self.bob, now=at(4, 23, 59, 30))
        )
        assert all(result.success for result in results)
        self.decide(pages[0], self.carol, APPROVE, at(5, 0, 0, 30))
        self.decide(pages[1], self.carol, APPROVE, at(5, 0, 0, 30))
        self.decide(pages[2], self.carol, REJECT, at(5, 10))


def build_history(db: Database, *, seed: int = 7, reviews: int = 40) -> dict[str, int]:
    with db.write() as s:
        history = History(s, seed)
        for _ in range(reviews):
            history.one_review()
        history.change_set()
        return {"DOCS": history.docs.id, "OPS": history.ops.id}


@pytest.fixture
def spaces(db: Database) -> dict[str, int]:
    return build_history(db)


# Counters from scratch -----------------------------------------------------------


@dataclass(frozen=True)
class RequestRow:
    space_id: int
    workflow_id: int
    status: str
    created_at: datetime
    completed_at: datetime | None


def request_rows(s: Session) -> list[RequestRow]:
    return [
        RequestRow(*row)
        for row in s.execute(
            select(
                ApprovalRequest.space_id,
                ApprovalRequest.workflow_id,
                ApprovalRequest.status,
                ApprovalRequest.created_at,
                ApprovalRequest.completed_at,
            )
        )
    ]


def decision_rows(s: Session) -> list[tuple[int, int, str, datetime]]:
    """(space, approver, kind, at) of every decision."""
    return [
        (space_id, approver_id, kind, created_at)
        for space_id, approver_id, kind, created_at in s.execute(
            select(
                ApprovalRequest.space_id,
                Decision.approver_id,
                Decision.kind,
                Decision.created_at,
            ).join(ApprovalRequest, ApprovalRequest.id == Decision.request_id)
        )
    ]


def duration_bucket(seconds: int) -> int:
    """The documented buckets: one second wide below 64 s, then 32 to a doubling."""
    if seconds < 64:
        return seconds
    width = (1 << (seconds.bit_length() - 1)) // 32
    return seconds // width * width


Counters = dict[str, dict[tuple[Any, ...], tuple[int, ...]]]


def scratch_counters(s: Session) -> Counters:
    """The bucket tables, aggregated afresh from the requests and decisions."""
    daily: defaultdict[tuple[Any, ...], Counter[str]] = defaultdict(Counter)
    times: defaultdict[tuple[Any, ...], Counter[str]] = defaultdict(Counter)
    approvers: defaultdict[tuple[Any, ...], Counter[str]] = defaultdict(Counter)
    for r in request_rows(s):
        created = daily[(r.space_id, r.created_at.date(), r.workflow_id)]
        created.update(("submitted", f"submitted_{r.status}"))
        if r.completed_at is not None:
            done = daily[(r.space_id, r.completed_at.date(), r.workflow_id)]
            done.update(("completed", f"completed_{r.status}"))
            if r.status == RequestStatus.approved:
                ms = round((r.completed_at - r.created_at) / timedelta(milliseconds=1))
                bucket = (
                    r.space_id,
                    r.completed_at.date(),
                    duration_bucket(ms // 1000),
                )
                times[bucket].update(requests=1, total_ms=ms)
    for space_id, approver_id, kind, created_at in decision_rows(s):
        share = approvers[(space_id, created_at.date(), approver_id)]
        share["approvals" if kind == APPROVE else "rejections"] += 1
    return {
        "analytics_daily": _counted(daily, DAILY),
        "analytics_approval_times": _counted(times, TIMES),
        "analytics_approval_times_monthly": _counted(_by_month(times), TIMES),
        "analytics_approver_daily": _counted(approvers, APPROVER),
        "analytics_approver_monthly": _counted(_by_month(approvers), APPROVER),
    }


TIMES = ("requests", "total_ms")
APPROVER = ("approvals", "rejections")


def _by_month(
    counts: dict[tuple[Any, ...], Counter[str]],
) -> dict[tuple[Any, ...], Counter[str]]:
    """Daily counts keyed (space, day, x) summed by (space, first of month, x)."""
    monthly: defaultdict[tuple[Any, ...], Counter[str]] = defaultdict(Counter)
    for (space_id, day, rest), seen in counts.items():
        monthly[(space_id, day.replace(day=1), rest)].update(seen)
    return monthly


def _counted(
    counts: dict[tuple[Any, ...], Counter[str]], names: tuple[str, ...]
) -> dict[tuple[Any, ...], tuple[int, ...]]:
    return {
        key: tuple(seen[name] for name in names)
        for key, seen in counts.items()
        if any(seen.values())
    }


def stored_counters(s: Session) -> Counters:
    """The bucket tables as the triggers left them, rows of zeros left out."""
    tables: list[tuple[Any, tuple[str, ...], tuple[str, ...]]] = [
        (AnalyticsDaily, ("space_id", "day", "workflow_id"), DAILY),
        (AnalyticsApprovalTimes, ("space_id", "day", "from_seconds"), TIMES),
        (
            AnalyticsApprovalTimesMonthly,
            ("space_id", "month", "from_seconds"),
            TIMES,
        ),
        (AnalyticsApproverDaily, ("space_id", "day", "approver_id"), APPROVER),
        (AnalyticsApproverMonthly, ("space_id", "month", "approver_id"), APPROVER),
    ]
    return {
        model.__tablename__: {
            tuple(getattr(row, k) for k in key): tuple(getattr(row, n) for n in names)
            for row in s.scalars(select(model))
            if any(getattr(row, n) for n in names)
        }
        for model, key, names in tables
    }


def assert_counters_match(db: Database) -> None:
    with db.read() as s:
        stored, scratch = stored_counters(s), scratch_counters(s)
    for table in COUNTER_TABLES:
        assert stored[table] == scratch[table], table


# Analytics from scratch ----------------------------------------------------------


def _inside(
    moment: datetime | None, start: datetime | None, end: datetime | None
) -> bool:
    return (
        moment is not None
        and (start is None or moment >= start)
        and (end is None or moment < end)
    )


def _period(day: date, interval: str) -> date:
    return day if interval == "day" else day - timedelta(days=day.weekday())


def expected_report(
    s: Session,
    space_id: int,
    start: datetime | None,
    end: datetime | None,
    interval: str,
) -> tuple[dict[str, Any], list[float]]:
    """What `report_json(analytics(...))` must say, read from the rows (timing left
    out), and the approved requests' waits in hours, sorted."""
    names = dict(s.execute(select(Workflow.id, Workflow.name)).all())
    requests = [r for r in request_rows(s) if r.space_id == space_id]
    created = [r for r in requests if _inside(r.created_at, start, end)]
    done = [r for r in requests if _inside(r.completed_at, start, end)]
    breakdown = {
        status: sum(r.status == status for r in created) for status in STATUSES
    }
    outcomes = ("approved", "rejected", "cancelled", "superseded")
    totals = {
        "submitted": len(created),
        **{status: sum(r.status == status for r in done) for status in outcomes},
        "pending": breakdown["pending"],
        "overrides": 0,  # this history overrides no review (tests/api covers them)
    }
    counts: dict[date, Counter[str]] = defaultdict(Counter)
    for r in created:
        counts[_period(r.created_at.date(), interval)]["submitted"] += 1
    for r in done:
        if r.status in ("approved", "rejected"):
            assert r.completed_at is not None
            counts[_period(r.completed_at.date(), interval)][r.status] += 1
    first = _period(start.astimezone(UTC).date(), interval) if start else None
    last = (
        _period((end.astimezone(UTC) - timedelta(microseconds=1)).date(), interval)
        if end
        else None
    )
    first = first or min(counts, default=None)
    last = last or max(counts, default=None)
    trend = []
    period = first
    while first is not None and last is not None and period is not None:
        if period > last:
            break
        seen = counts.get(period, Counter())
        trend.append(
            {
                "period": period.isoformat(),
                "submitted": seen["submitted"],
                "approved": seen["approved"],
                "rejected": seen["rejected"],
            }
        )
        period += timedelta(days=1 if interval == "day" else 7)
    flows: dict[int, Counter[str]] = defaultdict(Counter)
    for r in created:
        flows[r.workflow_id].update(
            ["submitted"] + (["pending"] if r.status == "pending" else [])
        )
    for r in done:
        flows[r.workflow_id].update(["completed", r.status])
    by_workflow = [
        {
            "workflowId": str(workflow_id),
            "name": names[workflow_id],
            "submitted": seen["submitted"],
            "approved": seen["approved"],
            "rejected": seen["rejected"],
            "pending": seen["pending"],
        }
        for workflow_id, seen in sorted(
            flows.items(), key=lambda item: (names[item[0]].casefold(), item[0])
        )
    ]
    waits = sorted(
        (r.completed_at - r.created_at) / timedelta(hours=1)
        for r in done
        if r.status == "approved" and r.completed_at is not None
    )
    report = {
        "spaceId": str(space_id),
        "interval": interval,
        "totals": totals,
        "statusBreakdown": breakdown,
        "trend": trend,
        "byWorkflow": by_workflow,
    }
    return report, waits


def assert_timing_close(timing: dict[str, Any], waits: list[float]) -> None:
    """Each percentile within a duration bucket's width (1/32 of the longer of the
    two waits it lies between, a second at least) of the exact one."""
    for key, fraction in (("medianHoursToApprove", 0.5), ("p90HoursToApprove", 0.9)):
        if not waits:
            assert timing[key] is None
            continue
        position = fraction * (len(waits) - 1)
        low = math.floor(position)
        lower, upper = waits[low], waits[min(low + 1, len(waits) - 1)]
        exact = lower + (upper - lower) * (position - low)
        assert abs(timing[key] - exact) <= upper / 32 + 1 / 3600 + 0.006, (key, waits)


def expected_busiest(
    s: Session,
    space_id: int,
    start: datetime | None,
    end: datetime | None,
    limit: int,
) -> list[tuple[int, str, int, int, int]]:
    names = dict(s.execute(select(User.id, User.display_name)).all())
    counts: dict[int, Counter[str]] = defaultdict(Counter)
    for space, approver_id, kind, created_at in decision_rows(s):
        if space == space_id and _inside(created_at, start, end):
            counts[approver_id][kind] += 1
    rows = [
        (
            approver_id,
            names[approver_id],
            seen["approve"] + seen["reject"],
            seen["approve"],
            seen["reject"],
        )
        for approver_id, seen in counts.items()
    ]
    rows.sort(key=lambda row: (-row[2], row[1].lower(), row[0]))
    return rows[:limit]


PLUS_FIVE = timezone(timedelta(hours=5))
RANGES: dict[str, tuple[datetime | None, datetime | None]] = {
    "open": (None, None),
    "whole-week": (at(0, 0), at(7, 0)),
    "whole-day": (at(4, 0), at(5, 0)),
    "partial-ends": (at(0, 12, 30, 15), at(3, 15, 30)),
    "inside-a-day": (at(2, 6), at(2, 18)),
    "across-one-midnight": (at(4, 18), at(5, 6)),
    "the-last-half-minute": (at(4, 23, 59, 30), at(5, 0, 0, 30)),
    "open-end": (at(1, 7, 15), None),
    "open-start": (None, at(4, 13)),
    "empty": (at(3, 0), at(3, 0)),
    "wide": (at(-3, 5), at(16, 0)),
    "midnight-in-utc-plus-5": (at(1, 0).astimezone(PLUS_FIVE), at(6, 0)),
    "a-month-and-days-around-it": (
        datetime(2026, 2, 15, 12, tzinfo=UTC),
        datetime(2026, 4, 10, 6, tzinfo=UTC),
    ),
    "exactly-march": (
        datetime(2026, 3, 1, tzinfo=UTC),
        datetime(2026, 4, 1, tzinfo=UTC),
    ),
    "from-march-on": (datetime(2026, 3, 1, tzinfo=UTC), None),
    "the-last-month-there-is": (datetime(9999, 12, 15, tzinfo=UTC), None),
    "the-last-day-there-is": (datetime(9999, 12, 31, 5, tzinfo=UTC), None),
    "midnight-in-plus-5-only": (
        datetime(2026, 3, 4, tzinfo=PLUS_FIVE),
        datetime(2026, 3, 6, 12, tzinfo=PLUS_FIVE),
    ),
}


def report_json(report: Analytics) -> dict[str, Any]:
    """The report as `GET /api/v1/analytics` writes it, less the envelope and the
    busiest approvers."""
    return plain(analytics_out(report, ()), exclude={"success", "busiest_approvers"})


def check_report(
    db: Database,
    space_id: int,
    start: datetime | None,
    end: datetime | None,
    interval: str,
    name: str = "",
) -> None:
    with db.read() as s:
        body = report_json(
            analytics(s, space_id, start=start, end=end, interval=interval)
        )
        expected, waits = expected_report(s, space_id, start, end, interval)
    timing = body.pop("timing")
    del body["from"], body["to"]
    assert body == expected, (name, interval)
    assert_timing_close(timing, waits)


def check_busiest(
    db: Database,
    space_id: int,
    start: datetime | None,
    end: datetime | None,
    name: str = "",
) -> None:
    for limit in (2, 10):
        with db.read() as s:
            found = busiest_approvers(s, space_id, start=start, end=end, limit=limit)
            expected = expected_busiest(s, space_id, start, end, limit)
        assert [
            (r.user_id, r.name, r.decisions, r.approvals, r.rejections) for r in found
        ] == expected, name


# The tests -----------------------------------------------------------------------


def test_the_counters_and_what_is_read_from_them_equal_a_reading_of_the_rows(
    db: Database, spaces: dict[str, int]
) -> None:
    with db.read() as s:
        statuses = set(s.scalars(select(ApprovalRequest.status)))
        stored = stored_counters(s)
    assert statuses == set(STATUSES)  # every path the history was meant to take
    assert all(stored[table] for table in COUNTER_TABLES)
    assert_counters_match(db)
    for name, (start, end) in RANGES.items():
        for space_id in spaces.values():
            for interval in ("day", "week"):
                check_report(db, space_id, start, end, interval, name)
            check_busiest(db, space_id, start, end, name)


def test_whole_days_give_exact_percentiles_when_waits_fall_in_buckets_of_their_own(
    db: Database,
) -> None:
    """2 h, 4 h, 10 h and 30 h: the median is 7 h and p90 is 10 + 0.7 * 20 = 24 h."""
    with db.write() as s:
        history = History(s, seed=1)
        for hours in (2, 4, 10, 30):
            page = history.page()
            history.submit(page, history.legal, at(0))
            history.decide(page, history.carol, APPROVE, at(0) + timedelta(hours=hours))
        space_id = history.docs.id
    with db.read() as s:
        timing = analytics(s, space_id, start=at(0, 0), end=at(7, 0)).timing
    assert (timing.median_hours_to_approve, timing.p90_hours_to_approve) == (7.0, 24.0)


def test_waits_sharing_a_bucket_read_as_their_mean(db: Database) -> None:
    """Ten approvals after 65,536 s to 67,336 s (some 18.5 h), 200 s apart: all in
    the bucket from 65,536 s, 2,048 s wide."""
    with db.write() as s:
        history = History(s, seed=1)
        for n in range(10):
            page = history.page()
            history.submit(page, history.legal, at(0))
            wait = timedelta(seconds=65_536 + 200 * n)
            history.decide(page, history.carol, APPROVE, at(0) + wait)
        space_id = history.docs.id
    with db.read() as s:
        whole_days = analytics(s, space_id, start=at(0, 0), end=at(2, 0)).timing
        partial_day = analytics(s, space_id, start=at(1, 1), end=at(2, 0)).timing
    mean = round(66_436 / 3600, 2)  # 18.45
    assert whole_days == Timing(mean, mean)
    # read from the rows, a partial day's waits are exact: p90 at 67,156 s
    assert partial_day == Timing(mean, round(67_156 / 3600, 2))


def test_plain_sql_round_the_actions_is_counted_too(
    db: Database, spaces: dict[str, int]
) -> None:
    with db.read() as s:
        decisions = s.scalars(select(Decision.id).order_by(Decision.id)).all()
        approved = s.scalars(
            select(ApprovalRequest.id)
            .where(ApprovalRequest.status == RequestStatus.approved)
            .order_by(ApprovalRequest.id)
        ).all()
        rejected = s.scalars(
            select(ApprovalRequest)
            .where(ApprovalRequest.status == RequestStatus.rejected)
            .order_by(ApprovalRequest.id)
        ).first()
        assert rejected is not None
        rejected_id, rejected_page = rejected.id, rejected.page_id
    changes: list[Any] = [
        update(Decision).where(Decision.id == decisions[0]).values(kind="reject"),
        update(Decision)
        .where(Decision.id == decisions[1])
        .values(created_at=at(11, 3)),
        delete(Decision).where(Decision.id == decisions[2]),
        update(ApprovalRequest)
        .where(ApprovalRequest.id == approved[0])
        .values(status="expired"),
        update(ApprovalRequest)
        .where(ApprovalRequest.id == approved[1])
        .values(created_at=at(-2, 23, 59, 59), completed_at=at(9, 0, 0, 1)),
        update(ApprovalRequest)
        .where(ApprovalRequest.id == approved[2])
        .values(space_id=spaces["OPS"]),  # its decisions move with it
        update(ApprovalRequest)
        .where(ApprovalRequest.id == approved[3])
        .values(
            workflow_id=select(Workflow.id)
            .where(Workflow.name == "Ops")
            .scalar_subquery()
        ),
    ]
    for change in changes:
        with db.engine.begin() as connection:
            connection.execute(change)
        assert_counters_match(db)
    # a request and, by cascade, its steps and decisions
    with db.engine.begin() as connection:
        connection.execute(
            update(Page)
            .where(Page.id == rejected_page)
            .values(latest_request_id=None, approved_request_id=None)
        )
        connection.execute(
            update(Comment)
            .where(Comment.request_id == rejected_id)
            .values(request_id=None)
        )
        connection.execute(
            delete(ApprovalRequest).where(ApprovalRequest.id == rejected_id)
        )
        assert (
            connection.scalar(
                select(Decision.id).where(Decision.request_id == rejected_id)
            )
            is None
        )
    assert_counters_match(db)


def test_postgresql_truncate_empties_the_counters(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    db = Database(make_engine(fresh_database_url("postgresql", request, tmp_path)))
    try:
        build_history(db, reviews=6)
        with db.engine.begin() as connection:
            connection.execute(text("TRUNCATE decisions"))
        assert_counters_match(db)
        with db.read() as s:
            assert stored_counters(s)["analytics_approver_daily"] == {}
    finally:
        db.dispose()


def before_counters(config: Config) -> str:
    """The revision the counters' migration follows."""
    return revision_before(config, COUNTERS_REVISION)


def table_names(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def test_upgrading_a_database_with_history_fills_the_counters(
    db: Database, spaces: dict[str, int]
) -> None:
    with db.read() as s:
        before = stored_counters(s)
    config = migrate.alembic_config(db.engine)
    command.downgrade(config, before_counters(config))
    assert not table_names(db.engine) & set(COUNTER_TABLES)
    # changes made while nothing counted them
    with db.engine.begin() as connection:
        first = connection.scalar(
            select(ApprovalRequest.id)
            .where(ApprovalRequest.status == RequestStatus.approved)
            .order_by(ApprovalRequest.id)
        )
        connection.execute(
            update(ApprovalRequest)
            .where(ApprovalRequest.id == first)
            .values(status=RequestStatus.expired)
        )

    migrate.upgrade(db.engine)

    assert migrate.is_up_to_date(db.engine)
    assert_counters_match(db)
    with db.read() as s:
        after = stored_counters(s)
    assert after != before  # the expiry made while downgraded is counted
    for name in ("open", "whole-week", "partial-ends"):
        start, end = RANGES[name]
        check_report(db, spaces["DOCS"], start, end, "day")
        check_busiest(db, spaces["DOCS"], start, end)


def test_the_migration_downgrades_and_upgrades_again(db: Database) -> None:
    build_history(db, reviews=6)
    config = migrate.alembic_config(db.engine)
    command.downgrade(config, before_counters(config))
    assert not table_names(db.engine) & set(COUNTER_TABLES)
    with db.engine.connect() as connection:
        if db.is_sqlite:
            leftovers = connection.scalars(
                text(
                    "SELECT name FROM sqlite_master "
                    "WHERE type = 'trigger' AND name LIKE 'analytics%'"
                )
            ).all()
        else:
            leftovers = connection.scalars(
                text(
                    "SELECT tgname FROM pg_trigger WHERE tgname LIKE 'analytics%' "
                    "UNION ALL SELECT proname FROM pg_proc "
                    "WHERE proname LIKE 'analytics%'"
                )
            ).all()
    assert leftovers == []
    migrate.upgrade(db.engine)
    assert_counters_match(db)


BAD_RANGES: list[tuple[dict[str, Any], str, str]] = [
    ({"interval": "month"}, "interval", "interval must be day or week."),
    ({"start": datetime(2026, 3, 2, 12)}, "from", "from needs a time zone."),  # noqa: DTZ001
    ({"end": datetime(2026, 3, 2, 12)}, "to", "to needs a time zone."),  # noqa: DTZ001
    (
        {"start": at(2, 12), "end": at(2, 6)},
        "from",
        "from must not be after to.",
    ),
    (
        {"start": at(-1001, 12), "end": at(0, 13)},
        "from",
        "The range spans more than 1000 days; use a longer interval or a shorter "
        "range.",
    ),
]


@pytest.mark.parametrize(("options", "field", "message"), BAD_RANGES)
def test_bad_ranges_are_refused_as_before(
    db: Database, options: dict[str, Any], field: str, message: str
) -> None:
    with db.write() as s:
        space_id = make_space(s, admin=make_user(s, "alice")).id
    with db.read() as s, pytest.raises(BadInput) as refused:
        analytics(s, space_id, **options)
    assert (refused.value.field, refused.value.message) == (field, message)


def test_postgresql_a_counter_row_never_closes_a_cycle_of_waits(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """One transaction submits a Legal page (holding the space's chain head) while a
    second submits a Brand page, then the first submits a Brand page too.

    Were the second to take the Brand counter row before waiting for the chain head,
    the first would wait for it in turn: a deadlock. The trigger takes the chain head
    first, so the second waits without holding anything the first needs.
    """
    db = Database(make_engine(fresh_database_url("postgresql", request, tmp_path)))
    try:
        with db.write() as s:
            history = History(s, seed=1)
            bob_id = history.bob.id
            pages = [history.page() for _ in range(3)]
            # Legal is the space default; the other two are assigned to Brand.
            do_assign_workflow(
                s,
                history.brand,
                page_ids=[p.id for p in pages[1:]],
                **by(history.alice),
            )
            page_ids = [page.id for page in pages]
        failures: list[BaseException] = []

        def submit(s: Session, page_index: int) -> None:
            page, bob = s.get(Page, page_ids[page_index]), s.get(User, bob_id)
            assert page is not None
            do_submit_page(s, page, **by(bob, now=at(1, 10)))

        def second() -> None:
            try:
                with db.write() as s:
                    submit(s, 1)
            except BaseException as error:  # asserted on below
                failures.append(error)

        with db.write() as s:
            submit(s, 0)
            thread = threading.Thread(target=second)
            thread.start()
            wait_for_a_lock_wait(db.engine)
            submit(s, 2)
        thread.join(timeout=30)
        assert not thread.is_alive()
        assert failures == []
        assert_counters_match(db)
    finally:
        db.dispose()


def wait_for_a_lock_wait(engine: Engine) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with engine.connect() as connection:
            waiting = connection.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            )
        if waiting:
            return
        time.sleep(0.05)
    raise AssertionError("the second transaction never waited for a lock")
