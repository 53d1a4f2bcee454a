"""`/delegations`: while Dave is away, Erin decides in his seat. The decision is
recorded as Erin's for Dave and counted as Dave's seat, and delegation never lets
anyone approve their own work or hold two seats of one step."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from factories import by, make_user
from signoff.actions.spaces import do_add_member
from signoff.api.v1.responses import DelegationList, DelegationOne, PageStatus
from signoff.db.models import AuditEvent, OutboxMessage, Space
from signoff.domain.states import Origin, Role

from .helpers import (
    account,
    actions_after,
    fix_clock,
    last_event,
    ok,
    refused,
    review_by,
)
from .support import AppClient, Team

AWAY = {"from": "2026-02-01", "to": "2026-02-05"}
LATER = {"from": "2026-02-03", "to": "2026-02-05"}
NOT_AN_APPROVER = "You are not an approver of the current step."
ALREADY = "You have already decided on this step."
OWN_WORK = "Authors and submitters cannot approve their own submission."


@pytest.fixture
def erin(team: Team) -> str:
    """A viewer of the space with no seat of her own; her token."""
    with team.db.write() as s:
        person = make_user(s, "erin")
        space = s.get_one(Space, team.space_id)
        do_add_member(s, space, person, Role.viewer, **by(None, Origin.cli))
        team.users["erin"] = person.id
    team.tokens["erin"] = team.token_for(
        "erin", "read:approval", "write:approval", "decide:approval"
    )
    return team.tokens["erin"]


@pytest.fixture
def pending(api: AppClient, team: Team, erin: str) -> int:
    """Carol and dave hold the one step's seats (both must approve); bob submitted
    page 0. Its page id."""
    fix_clock(api)
    review_by(team, ["carol", "dave"])
    page_id = team.pages[0]
    submitted = api.post(
        "/api/v1/pages/submit", token=team.tokens["bob"], json={"pageId": page_id}
    )
    assert submitted.status_code == 200, submitted.text
    return page_id


def _delegate(
    api: AppClient, team: Team, who: str, to: str, span: dict[str, str], **more: Any
) -> Any:
    return api.post(
        "/api/v1/delegations",
        token=team.tokens[who],
        json={"delegateAccountId": account(team, to), **span, **more},
    )


def _approve(api: AppClient, team: Team, who: str, page_id: int) -> Any:
    return api.post(
        "/api/v1/pages/approve",
        token=team.tokens[who],
        json={"pageId": page_id, "version": 1},
    )


def _decisions(api: AppClient, team: Team, page_id: int) -> list[dict[str, Any]]:
    body = ok(
        PageStatus,
        api.get(
            "/api/v1/pages/status",
            token=team.tokens["dave"],
            params={"pageId": page_id},
        ),
    )
    return list(body["request"]["steps"][0]["decisions"])


def test_a_delegate_approves_for_the_seat_holder_and_fills_his_seat(
    api: AppClient, team: Team, pending: int
) -> None:
    ok(DelegationOne, _delegate(api, team, "dave", "erin", AWAY))
    before = last_event(team)
    body = ok(PageStatus, _approve(api, team, "erin", pending))
    assert body["approvalStatus"] == "pending"  # carol's seat is still open
    [decision] = _decisions(api, team, pending)
    assert decision["accountId"] == account(team, "erin")
    assert decision["onBehalfOf"] == {
        "accountId": account(team, "dave"),
        "displayName": "Dave",
    }
    refused(_approve(api, team, "dave", pending), 409, ALREADY)
    assert ok(PageStatus, _approve(api, team, "carol", pending))["approvalStatus"] == (
        "approved"
    )
    assert actions_after(team, before)[0] == "approval.decided"
    with team.db.read() as s:
        event = s.scalars(
            select(AuditEvent).where(AuditEvent.id > before).order_by(AuditEvent.id)
        ).first()
        assert event is not None
        assert event.text == (
            "Erin for Dave approved 'Page 0' version 1 at step 'Review'. (via API)"
        )
        assert event.details["onBehalfOf"] == account(team, "dave")


def test_both_the_delegate_and_the_seat_holder_are_told(
    api: AppClient, team: Team, pending: int
) -> None:
    ok(DelegationOne, _delegate(api, team, "dave", "erin", AWAY))
    ok(PageStatus, _approve(api, team, "erin", pending))
    with team.db.read() as s:
        message = s.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "approval.decided")
        ).one()
    assert message.payload["actorId"] == team.users["erin"]
    assert message.payload["onBehalfOf"] == account(team, "dave")


def test_a_delegation_not_yet_started_lets_nobody_decide(
    api: AppClient, team: Team, pending: int
) -> None:
    ok(DelegationOne, _delegate(api, team, "dave", "erin", LATER))
    refused(_approve(api, team, "erin", pending), 403, NOT_AN_APPROVER)


def test_a_revoked_delegation_lets_nobody_decide(
    api: AppClient, team: Team, pending: int
) -> None:
    made = ok(DelegationOne, _delegate(api, team, "dave", "erin", AWAY))
    before = last_event(team)
    revoked = api.post(
        "/api/v1/delegations/revoke",
        token=team.tokens["dave"],
        json={"delegationId": made["delegation"]["id"]},
    )
    assert ok(DelegationOne, revoked)["delegation"]["revokedAt"] is not None
    assert actions_after(team, before) == ["delegation.revoked"]
    refused(_approve(api, team, "erin", pending), 403, NOT_AN_APPROVER)


def test_the_author_as_delegate_is_refused(
    api: AppClient, team: Team, pending: int
) -> None:
    ok(DelegationOne, _delegate(api, team, "dave", "bob", AWAY))
    refused(_approve(api, team, "bob", pending), 403, OWN_WORK)


def test_a_delegate_with_a_seat_of_their_own_decides_only_once(
    api: AppClient, team: Team, pending: int
) -> None:
    ok(DelegationOne, _delegate(api, team, "dave", "carol", AWAY))
    ok(PageStatus, _approve(api, team, "carol", pending))
    refused(_approve(api, team, "carol", pending), 409, ALREADY)
    [decision] = _decisions(api, team, pending)
    assert decision["accountId"] == account(team, "carol")
    assert decision["onBehalfOf"] is None  # her own seat; dave's is still open


def test_a_delegate_cannot_decide_for_a_holder_who_already_decided(
    api: AppClient, team: Team, pending: int
) -> None:
    ok(DelegationOne, _delegate(api, team, "dave", "erin", AWAY))
    ok(PageStatus, _approve(api, team, "dave", pending))
    refused(_approve(api, team, "erin", pending), 409, ALREADY)


def test_a_delegation_is_listed_for_both_people_and_audited(
    api: AppClient, team: Team, erin: str
) -> None:
    fix_clock(api)
    before = last_event(team)
    ok(DelegationOne, _delegate(api, team, "dave", "erin", AWAY))
    assert actions_after(team, before) == ["delegation.created"]
    for who in ("dave", "erin", "alice"):
        listed = ok(
            DelegationList, api.get("/api/v1/delegations", token=team.tokens[who])
        )
        assert [d["delegate"]["displayName"] for d in listed["delegations"]] == ["Erin"]
    listed = ok(
        DelegationList, api.get("/api/v1/delegations", token=team.tokens["bob"])
    )
    assert listed["delegations"] == []


def test_naming_oneself_is_refused(api: AppClient, team: Team) -> None:
    refused(
        _delegate(api, team, "dave", "dave", AWAY),
        400,
        "A person cannot be their own delegate.",
    )


def test_an_overlapping_delegation_is_refused(
    api: AppClient, team: Team, erin: str
) -> None:
    ok(DelegationOne, _delegate(api, team, "dave", "erin", AWAY))
    refused(
        _delegate(api, team, "dave", "carol", LATER),
        400,
        "That person already has a delegation overlapping these dates.",
    )


def test_a_delegate_cannot_delegate_in_turn(
    api: AppClient, team: Team, erin: str
) -> None:
    ok(DelegationOne, _delegate(api, team, "dave", "erin", AWAY))
    refused(_delegate(api, team, "erin", "carol", LATER), 400)


def test_only_a_site_admin_sets_a_delegation_for_someone_else(
    api: AppClient, team: Team, erin: str
) -> None:
    dave = account(team, "dave")
    refused(
        _delegate(api, team, "carol", "erin", AWAY, accountId=dave),
        403,
        "Only a site administrator can set a delegate for someone else.",
    )
    made = ok(
        DelegationOne, _delegate(api, team, "alice", "erin", AWAY, accountId=dave)
    )
    assert made["delegation"]["person"]["accountId"] == dave


@pytest.mark.parametrize(
    ("span", "error"),
    [
        (
            {"from": "2026-02-05", "to": "2026-02-01"},
            "The delegation must end after it starts.",
        ),
        (
            {"from": "2026-02-01", "to": "2026-06-01"},
            "A delegation lasts at most 90 days.",
        ),
        ({"from": "next week", "to": "2026-02-01"}, None),
        ({"to": "2026-02-01"}, None),
    ],
)
def test_bad_dates_are_refused(
    api: AppClient, team: Team, erin: str, span: dict[str, str], error: str | None
) -> None:
    refused(_delegate(api, team, "dave", "erin", span), 400, error)
