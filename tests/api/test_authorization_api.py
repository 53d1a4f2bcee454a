"""Rights in the space, over the API: each refusal is a 403, changes nothing, and
writes exactly one `auth.denied` event naming who was refused what."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from signoff.db.models import AuditEvent, Page
from signoff.domain.states import Rule

from .helpers import account, only_a_denial, refused, review_by
from .support import AppClient, Team

Call = Callable[[], httpx.Response]


def _submit(api: AppClient, team: Team, who: str = "bob") -> httpx.Response:
    return api.post(
        "/api/v1/pages/submit", token=team.tokens[who], json={"pageId": team.pages[0]}
    )


def _approve(api: AppClient, team: Team, who: str) -> httpx.Response:
    return api.post(
        "/api/v1/pages/approve",
        token=team.tokens[who],
        json={"pageId": team.pages[0], "version": 1},
    )


def viewer_submits(api: AppClient, team: Team) -> Call:
    review_by(team, ["dave"])
    return lambda: _submit(api, team, who="carol")


def non_approver_approves(api: AppClient, team: Team) -> Call:
    review_by(team, ["carol"])
    assert _submit(api, team).status_code == 200
    return lambda: _approve(api, team, "dave")


def author_approves_own_page(api: AppClient, team: Team) -> Call:
    review_by(team, ["bob", "carol"], rule=Rule.any)
    assert _submit(api, team).status_code == 200
    return lambda: _approve(api, team, "bob")


def editor_creates_workflow(api: AppClient, team: Team) -> Call:
    steps = [{"name": "Me", "approvers": [account(team, "bob")], "rule": "any"}]
    body = {"spaceId": team.space_id, "name": "Mine", "steps": steps}
    return lambda: api.post("/api/v1/workflows", token=team.tokens["bob"], json=body)


def editor_updates_workflow(api: AppClient, team: Team) -> Call:
    body = {"workflowId": review_by(team, ["carol"]), "allowSelfApproval": True}
    return lambda: api.post(
        "/api/v1/workflows/update", token=team.tokens["bob"], json=body
    )


def editor_reads_audit(api: AppClient, team: Team) -> Call:
    return lambda: api.get(
        "/api/v1/audit", token=team.tokens["bob"], params={"spaceId": team.space_id}
    )


def editor_exports_audit(api: AppClient, team: Team) -> Call:
    return lambda: api.get(
        "/api/v1/audit/export",
        token=team.tokens["bob"],
        params={"spaceId": team.space_id, "format": "jsonl"},
    )


Attempt = Callable[[AppClient, Team], Call]
CASES: list[tuple[Attempt, str, str, dict[str, Any]]] = [
    (
        viewer_submits,
        "carol",
        "You do not have permission to submit this page.",
        {"action": "submit pages", "reason": "role below editor"},
    ),
    (
        non_approver_approves,
        "dave",
        "You are not an approver of the current step.",
        {"action": "decide on approvals", "reason": "not_a_seat_holder"},
    ),
    (
        author_approves_own_page,
        "bob",
        "Authors and submitters cannot approve their own submission.",
        {"action": "decide on approvals", "reason": "self_approval"},
    ),
    (
        editor_creates_workflow,
        "bob",
        "You need the admin role in this space to manage workflows.",
        {"action": "manage workflows", "reason": "role editor < admin"},
    ),
    (
        editor_updates_workflow,
        "bob",
        "You need the admin role in this space to manage workflows.",
        {"action": "manage workflows", "reason": "role editor < admin"},
    ),
    (
        editor_reads_audit,
        "bob",
        "You need the admin role in this space to read the audit trail.",
        {"action": "read the audit trail", "reason": "role editor < admin"},
    ),
    (
        editor_exports_audit,
        "bob",
        "You need the admin role in this space to export the audit trail.",
        {"action": "export the audit trail", "reason": "role editor < admin"},
    ),
]


@pytest.mark.parametrize(
    ("attempt", "who", "error", "details"),
    CASES,
    ids=[case[0].__name__ for case in CASES],
)
def test_a_refusal_is_403_and_writes_only_its_denial(
    api: AppClient,
    team: Team,
    attempt: Attempt,
    who: str,
    error: str,
    details: dict[str, Any],
) -> None:
    call = attempt(api, team)
    with only_a_denial(team):
        response = call()
    refused(response, 403, error)
    with team.db.read() as s:
        denial = s.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert denial is not None
    assert (denial.action, denial.actor_id, denial.origin) == (
        "auth.denied",
        team.users[who],
        "api",
    )
    assert denial.space_id == team.space_id
    assert denial.details == details
    assert denial.text.endswith(f"was refused: {error} (via API)")


def test_a_refused_submission_leaves_no_review(api: AppClient, team: Team) -> None:
    refused(viewer_submits(api, team)(), 403)
    with team.db.read() as s:
        page = s.get(Page, team.pages[0])
    assert page is not None
    assert page.latest_request_id is None


def test_a_refused_approval_leaves_the_review_pending(
    api: AppClient, team: Team
) -> None:
    refused(author_approves_own_page(api, team)(), 403)
    status = api.get(
        "/api/v1/pages/status",
        token=team.tokens["bob"],
        params={"pageId": team.pages[0]},
    ).json()
    assert status["approvalStatus"] == "pending"
    assert status["request"]["steps"][0]["decisions"] == []
