"""`/pages/claim` and `/pages/release-claim`: an approver marks a pending review as
theirs for a while; the claim shows on the page's status and in the queue, and is
gone once it expires, is released, or its step is no longer the one under review."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update

from signoff.api.v1.responses import PageStatus, QueuePage
from signoff.db.models import ReviewClaim
from signoff.domain.states import Rule

from .helpers import (
    NOW,
    account,
    actions_after,
    fix_clock,
    last_event,
    ok,
    refused,
    review_by,
)
from .support import AppClient, Team

FOUR_HOURS_LATER = "2026-02-02T14:30:00Z"


@pytest.fixture
def pending(api: AppClient, team: Team) -> int:
    """Carol and dave each hold a seat of the one step (any one of them approves);
    bob has submitted page 0. Its page id."""
    fix_clock(api)
    review_by(team, ["carol", "dave"], rule=Rule.any)
    page_id = team.pages[0]
    submitted = api.post(
        "/api/v1/pages/submit", token=team.tokens["bob"], json={"pageId": page_id}
    )
    assert submitted.status_code == 200, submitted.text
    return page_id


def _claim(api: AppClient, team: Team, who: str, page_id: object) -> Any:
    return api.post(
        "/api/v1/pages/claim", token=team.tokens[who], json={"pageId": page_id}
    )


def _release(api: AppClient, team: Team, who: str, page_id: object) -> Any:
    return api.post(
        "/api/v1/pages/release-claim", token=team.tokens[who], json={"pageId": page_id}
    )


def _status(api: AppClient, team: Team, page_id: int) -> dict[str, Any]:
    return ok(
        PageStatus,
        api.get(
            "/api/v1/pages/status",
            token=team.tokens["dave"],
            params={"pageId": page_id},
        ),
    )


def _queue_claims(api: AppClient, team: Team, **params: Any) -> dict[str, Any]:
    body = ok(
        QueuePage,
        api.get("/api/v1/queue", token=team.tokens["dave"], params=params),
    )
    return {item["pageId"]: item["claim"] for item in body["items"]}


def _carols_claim(team: Team) -> dict[str, str]:
    return {
        "accountId": account(team, "carol"),
        "displayName": "Carol",
        "expiresAt": FOUR_HOURS_LATER,
    }


def test_a_claim_shows_on_the_status_and_in_the_queue(
    api: AppClient, team: Team, pending: int
) -> None:
    before = last_event(team)
    body = ok(PageStatus, _claim(api, team, "carol", pending))
    assert body["claim"] == _carols_claim(team)
    assert _status(api, team, pending)["claim"] == _carols_claim(team)
    assert _queue_claims(api, team) == {str(pending): _carols_claim(team)}
    assert actions_after(team, before) == ["approval.claimed"]


def test_a_page_with_no_claim_shows_null(
    api: AppClient, team: Team, pending: int
) -> None:
    assert _status(api, team, pending)["claim"] is None
    assert _queue_claims(api, team) == {str(pending): None}


def test_a_second_approvers_claim_is_refused_naming_the_claimant(
    api: AppClient, team: Team, pending: int
) -> None:
    ok(PageStatus, _claim(api, team, "carol", pending))
    before = last_event(team)
    refused(
        _claim(api, team, "dave", pending),
        409,
        "Carol has claimed the review of 'Page 0' until 2026-02-02 14:30 UTC.",
    )
    assert actions_after(team, before) == []


def test_the_claimant_claiming_again_renews_the_claim(
    api: AppClient, team: Team, pending: int
) -> None:
    ok(PageStatus, _claim(api, team, "carol", pending))
    fix_clock(api, NOW + timedelta(hours=1))
    body = ok(PageStatus, _claim(api, team, "carol", pending))
    assert body["claim"]["expiresAt"] == "2026-02-02T15:30:00Z"


def test_an_expired_claim_no_longer_blocks(
    api: AppClient, team: Team, pending: int
) -> None:
    ok(PageStatus, _claim(api, team, "carol", pending))
    with team.db.write() as s:
        s.execute(update(ReviewClaim).values(expires_at=NOW - timedelta(minutes=1)))
    assert _status(api, team, pending)["claim"] is None
    assert _queue_claims(api, team) == {str(pending): None}
    body = ok(PageStatus, _claim(api, team, "dave", pending))
    assert body["claim"]["accountId"] == account(team, "dave")


def test_the_claim_lasts_as_long_as_the_site_says(
    api: AppClient, team: Team, pending: int
) -> None:
    api.app.state.settings = api.app.state.settings.model_copy(
        update={"claim_hours": 0.5}
    )
    body = ok(PageStatus, _claim(api, team, "carol", pending))
    assert body["claim"]["expiresAt"] == "2026-02-02T11:00:00Z"


@pytest.mark.parametrize("who", ["alice", "bob"])
def test_someone_without_a_seat_cannot_claim(
    api: AppClient, team: Team, pending: int, who: str
) -> None:
    """Alice holds no seat; bob submitted the page: both are refused as a decision
    would refuse them."""
    error = refused(_claim(api, team, who, pending), 403)
    assert error in (
        "You are not an approver of the current step.",
        "Authors and submitters cannot approve their own submission.",
    )
    assert _status(api, team, pending)["claim"] is None


def test_a_token_without_the_decide_scope_cannot_claim(
    api: AppClient, team: Team, pending: int
) -> None:
    token = team.token_for("carol", "read:approval")
    response = api.post("/api/v1/pages/claim", token=token, json={"pageId": pending})
    refused(response, 403)


def test_the_claimant_releases_their_claim(
    api: AppClient, team: Team, pending: int
) -> None:
    ok(PageStatus, _claim(api, team, "carol", pending))
    before = last_event(team)
    body = ok(PageStatus, _release(api, team, "carol", pending))
    assert body["claim"] is None
    assert actions_after(team, before) == ["approval.claim_released"]
    assert ok(PageStatus, _claim(api, team, "dave", pending))["claim"] is not None


def test_someone_else_cannot_release_a_claim(
    api: AppClient, team: Team, pending: int
) -> None:
    ok(PageStatus, _claim(api, team, "carol", pending))
    refused(
        _release(api, team, "dave", pending),
        409,
        "Carol has claimed the review of 'Page 0' until 2026-02-02 14:30 UTC; "
        "only they can release it.",
    )
    assert _status(api, team, pending)["claim"] == _carols_claim(team)


def test_releasing_when_nothing_is_claimed_is_refused(
    api: AppClient, team: Team, pending: int
) -> None:
    refused(
        _release(api, team, "carol", pending),
        409,
        "You have no claim on the review of 'Page 0' to release.",
    )


def test_a_page_with_nothing_pending_cannot_be_claimed(
    api: AppClient, team: Team, pending: int
) -> None:
    refused(
        _claim(api, team, "carol", team.pages[1]),
        409,
        "No approval is pending for page 'Page 1'.",
    )


def test_a_claim_is_gone_once_its_step_completes(
    api: AppClient, team: Team, pending: int
) -> None:
    ok(PageStatus, _claim(api, team, "carol", pending))
    approved = api.post(
        "/api/v1/pages/approve",
        token=team.tokens["dave"],
        json={"pageId": pending, "version": 1},
    )
    body = ok(PageStatus, approved)
    assert body["approvalStatus"] == "approved"
    assert body["claim"] is None
    assert _queue_claims(api, team, status="all") == {str(pending): None}


def test_a_claim_is_gone_once_the_claimant_decides(api: AppClient, team: Team) -> None:
    """Every seat must approve: carol's own approval leaves the step open for dave,
    and her claim with nothing left to hold."""
    fix_clock(api)
    review_by(team, ["carol", "dave"], rule=Rule.all)
    page_id = team.pages[0]
    api.post("/api/v1/pages/submit", token=team.tokens["bob"], json={"pageId": page_id})
    ok(PageStatus, _claim(api, team, "carol", page_id))
    api.post(
        "/api/v1/pages/approve",
        token=team.tokens["carol"],
        json={"pageId": page_id, "version": 1},
    )
    assert _status(api, team, page_id)["claim"] is None
    assert _queue_claims(api, team) == {str(page_id): None}
    assert ok(PageStatus, _claim(api, team, "dave", page_id))["claim"] is not None


def test_a_claim_is_gone_once_the_review_is_withdrawn(
    api: AppClient, team: Team, pending: int
) -> None:
    ok(PageStatus, _claim(api, team, "carol", pending))
    api.post("/api/v1/pages/cancel", token=team.tokens["bob"], json={"pageId": pending})
    assert _status(api, team, pending)["claim"] is None


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({}, 400),
        ({"pageId": "abc"}, 400),
        ({"pageId": [1]}, 400),
        ({"pageId": 987654}, 404),
    ],
)
@pytest.mark.parametrize("path", ["/api/v1/pages/claim", "/api/v1/pages/release-claim"])
def test_bad_or_unknown_page_ids_are_refused(
    api: AppClient,
    team: Team,
    pending: int,
    path: str,
    body: dict[str, object],
    status: int,
) -> None:
    refused(api.post(path, token=team.tokens["carol"], json=body), status)
