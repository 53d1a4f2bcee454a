"""`POST /pages/override`: a space admin forces a pending review approved or rejected,
with a reason; the review is marked overridden, audited as `approval.overridden`, and
the approvers it went around are told. Every refusal has its status."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from factories import by, make_user
from signoff.actions.approvals import do_record_decision, do_submit_page
from signoff.actions.overrides import do_override_review
from signoff.actions.spaces import do_add_member
from signoff.api.v1.responses import AnalyticsOut, PageStatus, WorkflowOne
from signoff.db.models import AuditEvent, OutboxMessage, Page, Space, User
from signoff.domain.states import DecisionKind, Origin, Role, Rule

from .helpers import (
    NOW_TEXT,
    account,
    actions_after,
    fix_clock,
    last_event,
    ok,
    only_a_denial,
    refused,
    review_by,
)
from .support import AppClient, Team

REASON = "Release blocker; both reviewers are away this week."


@pytest.fixture
def pending(api: AppClient, team: Team) -> int:
    """Carol and dave must both approve; bob has submitted page 0. Its page id."""
    fix_clock(api)
    review_by(team, ["carol", "dave"])
    return submit(api, team, "bob", team.pages[0])


def submit(api: AppClient, team: Team, who: str, page_id: int) -> int:
    submitted = api.post(
        "/api/v1/pages/submit", token=team.tokens[who], json={"pageId": page_id}
    )
    assert submitted.status_code == 200, submitted.text
    return page_id


def override(api: AppClient, team: Team, who: str, page_id: int, **body: Any) -> Any:
    sent = {"pageId": page_id, "decision": "approve", "reason": REASON, "version": 1}
    sent.update(body)
    return api.post("/api/v1/pages/override", token=team.tokens[who], json=sent)


def status(api: AppClient, team: Team, page_id: int) -> dict[str, Any]:
    return ok(
        PageStatus,
        api.get(
            "/api/v1/pages/status",
            token=team.tokens["alice"],
            params={"pageId": page_id},
        ),
    )


def last_audit(team: Team, action: str) -> AuditEvent:
    with team.db.read() as s:
        found = s.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == action)
            .order_by(AuditEvent.id.desc())
        ).first()
        assert found is not None
        return found


def messages(team: Team, kind: str) -> list[dict[str, Any]]:
    with team.db.read() as s:
        return [
            dict(row.payload)
            for row in s.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.kind == kind)
                .order_by(OutboxMessage.id)
            )
        ]


def test_space_admin_overrides_a_pending_review_to_approved(
    api: AppClient, team: Team, pending: int
) -> None:
    before = last_event(team)

    body = ok(PageStatus, override(api, team, "alice", pending))

    assert body["approvalStatus"] == "approved"
    assert body["approvedAtVersion"] == 1
    request = body["request"]
    assert request["status"] == "approved"
    assert request["override"] == {
        "accountId": account(team, "alice"),
        "displayName": "Alice",
        "reason": REASON,
        "at": NOW_TEXT,
    }
    assert [step["status"] for step in request["steps"]] == ["skipped"]
    assert status(api, team, pending)["request"]["override"]["reason"] == REASON
    # One state change, one audit action: the override, not a plain approval.
    assert actions_after(team, before) == ["approval.overridden"]
    event = last_audit(team, "approval.overridden")
    assert event.origin == "api" and event.actor_id == team.users["alice"]
    assert event.details == {
        "outcome": "approved",
        "reason": REASON,
        "skippedApprovers": [account(team, "carol"), account(team, "dave")],
    }
    assert "overrode the review" in event.text and event.text.endswith("(via API)")
    (message,) = messages(team, "approval.overridden")
    assert message["recipients"] == sorted([team.users["carol"], team.users["dave"]])
    assert message["status"] == "approved" and message["reason"] == REASON


def test_an_override_to_rejected_rejects_the_review(
    api: AppClient, team: Team, pending: int
) -> None:
    body = ok(PageStatus, override(api, team, "alice", pending, decision="reject"))

    assert body["approvalStatus"] == "rejected"
    assert body["approvedAtVersion"] is None
    assert body["request"]["override"]["reason"] == REASON
    assert last_audit(team, "approval.overridden").details["outcome"] == "rejected"


def test_the_override_goes_around_only_those_who_had_not_decided(
    api: AppClient, team: Team, pending: int
) -> None:
    approved = api.post(
        "/api/v1/pages/approve",
        token=team.tokens["carol"],
        json={"pageId": pending, "version": 1},
    )
    assert approved.status_code == 200, approved.text

    ok(PageStatus, override(api, team, "alice", pending))

    (message,) = messages(team, "approval.overridden")
    assert message["recipients"] == [team.users["dave"]]
    assert last_audit(team, "approval.overridden").details["skippedApprovers"] == [
        account(team, "dave")
    ]


def test_a_space_admin_who_is_not_a_site_admin_may_override(
    api: AppClient, team: Team, pending: int
) -> None:
    with team.db.write() as s:
        erin = make_user(s, "erin")
        space = s.get_one(Space, team.space_id)
        do_add_member(s, space, erin, Role.admin, **by(None, Origin.cli))
        team.users["erin"] = erin.id
    team.tokens["erin"] = team.token_for("erin", "decide:approval")

    body = ok(PageStatus, override(api, team, "erin", pending))

    assert body["request"]["override"]["accountId"] == account(team, "erin")


@pytest.mark.parametrize("who", ["bob", "carol"])
def test_members_below_admin_cannot_override(
    api: AppClient, team: Team, pending: int, who: str
) -> None:
    with only_a_denial(team):
        error = refused(override(api, team, who, pending), 403)
    assert error == "Only an admin of this space may override a review."
    assert status(api, team, pending)["approvalStatus"] == "pending"


def test_someone_who_cannot_read_the_page_is_told_it_does_not_exist(
    api: AppClient, team: Team, pending: int
) -> None:
    with team.db.write() as s:
        team.users["erin"] = make_user(s, "erin").id
    team.tokens["erin"] = team.token_for("erin", "decide:approval")

    refused(override(api, team, "erin", pending), 404)
    assert status(api, team, pending)["approvalStatus"] == "pending"


def test_a_workflow_that_forbids_overrides_refuses_them(
    api: AppClient, team: Team
) -> None:
    review_by(team, ["carol"], allow_override=False)
    page_id = submit(api, team, "bob", team.pages[0])

    error = refused(override(api, team, "alice", page_id), 409)

    assert error == (
        "This review's workflow does not allow overrides: its approvers must decide."
    )
    assert status(api, team, page_id)["approvalStatus"] == "pending"


@pytest.mark.parametrize(
    "reason", [None, "", "   \n  "], ids=["absent", "empty", "blank"]
)
def test_an_override_without_a_reason_is_refused(
    api: AppClient, team: Team, pending: int, reason: str | None
) -> None:
    before = last_event(team)
    body: dict[str, Any] = {"reason": reason}
    if reason is None:
        body = {"decision": "approve", "version": 1, "pageId": pending}
        response = api.post(
            "/api/v1/pages/override", token=team.tokens["alice"], json=body
        )
    else:
        response = override(api, team, "alice", pending, **body)

    assert refused(response, 400) == "reason must not be empty."
    assert actions_after(team, before) == []


def test_an_override_with_an_unknown_decision_is_refused(
    api: AppClient, team: Team, pending: int
) -> None:
    refused(override(api, team, "alice", pending, decision="maybe"), 400)


def test_an_override_naming_another_version_is_refused(
    api: AppClient, team: Team, pending: int
) -> None:
    error = refused(override(api, team, "alice", pending, version=2), 409)

    assert error == "The review covers version 1 of 'Page 0', not version 2."


def test_an_override_with_nothing_pending_is_refused(
    api: AppClient, team: Team
) -> None:
    review_by(team, ["carol"])

    error = refused(override(api, team, "alice", team.pages[0]), 409)

    assert error == "No review of 'Page 0' is pending to override."


def test_an_admin_cannot_override_their_own_submission(
    api: AppClient, team: Team
) -> None:
    review_by(team, ["carol"])
    page_id = submit(api, team, "alice", team.pages[0])

    with only_a_denial(team):
        error = refused(override(api, team, "alice", page_id), 403)

    assert error.startswith("You may not override a review of content you submitted")


def test_an_admin_may_override_their_own_submission_under_self_approval(
    api: AppClient, team: Team
) -> None:
    review_by(team, ["carol"], allow_self_approval=True)
    page_id = submit(api, team, "alice", team.pages[0])

    body = ok(PageStatus, override(api, team, "alice", page_id))

    assert body["approvalStatus"] == "approved"


def test_a_review_its_approvers_decided_shows_no_override(
    api: AppClient, team: Team
) -> None:
    review_by(team, ["carol"])
    page_id = submit(api, team, "bob", team.pages[0])
    approved = api.post(
        "/api/v1/pages/approve",
        token=team.tokens["carol"],
        json={"pageId": page_id, "version": 1},
    )

    assert ok(PageStatus, approved)["request"]["override"] is None


def _workflow(api: AppClient, team: Team, path: str, body: dict[str, Any]) -> Any:
    response = api.post(
        f"/api/v1/workflows{path}", token=team.tokens["alice"], json=body
    )
    return ok(WorkflowOne, response)["workflow"]


def test_allow_override_round_trips_through_the_workflow_api(
    api: AppClient, team: Team
) -> None:
    steps = [{"name": "Review", "approvers": [account(team, "carol")], "rule": "all"}]
    space = {"spaceId": str(team.space_id)}
    default = _workflow(api, team, "", {**space, "name": "Plain", "steps": steps})
    assert default["allowOverride"] is True
    strict = _workflow(
        api,
        team,
        "",
        {**space, "name": "Strict", "steps": steps, "allowOverride": False},
    )
    assert strict["allowOverride"] is False
    renamed = _workflow(
        api, team, "/update", {"workflowId": strict["id"], "name": "Strict 2"}
    )
    assert renamed["allowOverride"] is False  # absent keeps it
    opened = _workflow(
        api, team, "/update", {"workflowId": strict["id"], "allowOverride": True}
    )
    assert opened["allowOverride"] is True
    listed = api.get(
        "/api/v1/workflows", token=team.tokens["alice"], params=space
    ).json()["workflows"]
    assert {w["name"]: w["allowOverride"] for w in listed} == {
        "Plain": True,
        "Strict 2": True,
    }
    with team.db.read() as s:
        assert s.get(User, team.users["alice"]) is not None


def test_a_webhook_may_subscribe_to_overrides(api: AppClient, team: Team) -> None:
    response = api.post(
        "/api/v1/webhooks",
        token=team.tokens["alice"],
        json={
            "spaceId": str(team.space_id),
            "url": "https://93.184.216.34/hook",
            "events": ["approval.overridden"],
        },
    )

    assert response.status_code == 200, response.text
    assert response.json()["webhook"]["events"] == ["approval.overridden"]


def _at(day: int, hour: int) -> datetime:
    """Monday 5 January 2026 plus `day` days, at `hour` UTC."""
    return datetime(2026, 1, 5 + day, hour, tzinfo=UTC)


def test_analytics_count_overrides_separately(api: AppClient, team: Team) -> None:
    """Page 0 overridden to approved on Monday, page 1 overridden to rejected on
    Tuesday at 11:00, page 2 approved by carol on Tuesday."""
    review_by(team, ["carol", "dave"], rule=Rule.any)
    with team.db.write() as s:
        bob, carol = (
            s.get_one(User, team.users["bob"]),
            s.get_one(User, team.users["carol"]),
        )
        alice = s.get_one(User, team.users["alice"])
        pages = [s.get_one(Page, page_id) for page_id in team.pages[:3]]
        for page in pages:
            do_submit_page(s, page, **by(bob, now=_at(0, 9)))
        for page, decision, when in (
            (pages[0], DecisionKind.approve, _at(0, 13)),
            (pages[1], DecisionKind.reject, _at(1, 11)),
        ):
            do_override_review(
                s, page, decision, version=1, reason=REASON, **by(alice, now=when)
            )
        do_record_decision(
            s,
            pages[2],
            DecisionKind.approve,
            version=1,
            comment="",
            **by(carol, now=_at(1, 12)),
        )

    def totals(**params: str) -> dict[str, int]:
        response = api.get(
            "/api/v1/analytics",
            token=team.tokens["alice"],
            params={"spaceId": team.space_id, **params},
        )
        return dict(ok(AnalyticsOut, response)["totals"])

    everything = totals()
    assert (everything["approved"], everything["rejected"]) == (2, 1)
    assert everything["overrides"] == 2
    # Whole days from the counters, partial days from the rows: the same answer.
    assert totals(**{"from": "2026-01-05", "to": "2026-01-07"})["overrides"] == 2
    assert totals(**{"from": "2026-01-06T10:00:00Z"})["overrides"] == 1
    assert totals(**{"from": "2026-01-06T11:30:00Z"})["overrides"] == 0
    assert totals(**{"to": "2026-01-06T00:00:00Z"})["overrides"] == 1


def test_an_admin_holding_a_seat_is_not_among_those_gone_around(
    api: AppClient, team: Team
) -> None:
    review_by(team, ["alice", "carol"])
    page_id = submit(api, team, "bob", team.pages[0])

    ok(PageStatus, override(api, team, "alice", page_id))

    (message,) = messages(team, "approval.overridden")
    assert message["recipients"] == [team.users["carol"]]
