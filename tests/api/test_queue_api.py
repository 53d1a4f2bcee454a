"""`/queue`: one cursor page of reviews with its tab counts, and its filters."""

from __future__ import annotations

from typing import Any

import pytest

from signoff.api.v1.responses import QueuePage

from .helpers import NOW_TEXT, account, fix_clock, ok, refused, review_by
from .support import AppClient, Team


@pytest.fixture
def submitted(api: AppClient, team: Team) -> list[str]:
    """Carol reviews pages 0-5; bob has submitted pages 0-2. Their request ids."""
    fix_clock(api)
    review_by(team, ["carol"])
    requests = []
    for page_id in team.pages[:3]:
        response = api.post(
            "/api/v1/pages/submit", token=team.tokens["bob"], json={"pageId": page_id}
        )
        assert response.status_code == 200, response.text
        requests.append(response.json()["request"]["id"])
    return requests


def _queue(api: AppClient, team: Team, who: str, **params: Any) -> dict[str, Any]:
    return ok(
        QueuePage, api.get("/api/v1/queue", token=team.tokens[who], params=params)
    )


def test_the_approver_sees_what_waits_for_them(
    api: AppClient, team: Team, submitted: list[str]
) -> None:
    body = _queue(api, team, "carol", assignedTo="me", spaceId=team.space_id)
    newest = submitted[-1]
    assert body["items"][0] == {
        "requestId": newest,
        "pageId": str(team.pages[2]),
        "title": "Page 2",
        "spaceId": str(team.space_id),
        "version": 1,
        "status": "pending",
        "workflowId": body["items"][0]["workflowId"],
        "workflowName": "Standard review",
        "currentStep": "Review",
        "submittedBy": account(team, "bob"),
        "createdAt": NOW_TEXT,
        "changeSetId": None,
        "dueAt": None,
        "claim": None,
        "rereviewDueAt": None,
    }
    assert [item["requestId"] for item in body["items"]] == submitted[::-1]
    assert body["nextCursor"] is None
    assert body["counts"] == {
        "waitingForMe": 3,
        "pending": 3,
        "approved": 0,
        "rejected": 0,
        "stale": 0,
        "expired": 0,
    }


def test_nothing_waits_for_the_submitter(
    api: AppClient, team: Team, submitted: list[str]
) -> None:
    body = _queue(api, team, "bob", assignedTo="me")
    assert body["items"] == []
    assert body["counts"]["waitingForMe"] == 0
    assert body["counts"]["pending"] == 3


def test_the_queue_pages_by_cursor(
    api: AppClient, team: Team, submitted: list[str]
) -> None:
    first = _queue(api, team, "carol", limit=2)
    assert [item["requestId"] for item in first["items"]] == submitted[:0:-1]
    assert first["nextCursor"] is not None
    rest = _queue(api, team, "carol", limit=2, cursor=first["nextCursor"])
    assert [item["requestId"] for item in rest["items"]] == submitted[:1]
    assert rest["nextCursor"] is None


def test_status_filters_and_all(
    api: AppClient, team: Team, submitted: list[str]
) -> None:
    approve = api.post(
        "/api/v1/pages/approve",
        token=team.tokens["carol"],
        json={"pageId": team.pages[0], "version": 1},
    )
    assert approve.status_code == 200, approve.text
    approved = _queue(api, team, "dave", status="approved")
    assert [item["requestId"] for item in approved["items"]] == submitted[:1]
    assert approved["items"][0]["currentStep"] is None
    assert approved["counts"]["approved"] == 1
    everything = _queue(api, team, "dave", status="all")
    assert len(everything["items"]) == 3
    assert _queue(api, team, "dave", status="stale")["items"] == []


def test_filters_by_workflow_change_set_and_submitter(
    api: AppClient, team: Team, submitted: list[str]
) -> None:
    workflow_id = _queue(api, team, "carol")["items"][0]["workflowId"]
    by_workflow = _queue(api, team, "carol", workflowId=workflow_id)
    assert len(by_workflow["items"]) == 3
    mine = _queue(api, team, "carol", submittedBy=account(team, "bob"))
    assert len(mine["items"]) == 3
    assert _queue(api, team, "carol", submittedBy=account(team, "dave"))["items"] == []
    created = api.post(
        "/api/v1/changeSets",
        token=team.tokens["bob"],
        json={
            "spaceId": team.space_id,
            "title": "Bundle",
            "pageRefs": [{"pageId": team.pages[3]}],
        },
    ).json()["changeSet"]
    api.post(
        "/api/v1/changeSets/submit",
        token=team.tokens["bob"],
        json={"changeSetId": created["id"]},
    )
    bundled = _queue(api, team, "carol", changeSetId=created["id"])
    assert [item["pageId"] for item in bundled["items"]] == [str(team.pages[3])]
    assert bundled["items"][0]["changeSetId"] == created["id"]


@pytest.mark.parametrize(
    ("params", "status", "error"),  # `error`: how the message starts
    [
        ({"assignedTo": "you"}, 400, "assignedTo: Input should be 'me'."),
        ({"status": "lost"}, 400, "status: Input should be 'pending', 'approved'"),
        ({"limit": "0"}, 400, "limit: Input should be greater than or equal to 1."),
        ({"limit": "201"}, 400, "limit: Input should be less than or equal to 200."),
        ({"cursor": "bogus"}, 400, "cursor is not one this server gave out."),
        (
            {"spaceId": "x"},
            400,
            "spaceId: Value error, must be an id: a string of digits.",
        ),
        ({"spaceId": "999"}, 404, "Space 999 not found."),
        ({"workflowId": "999"}, 404, "Workflow 999 not found."),
        ({"changeSetId": "999"}, 404, "Change set 999 not found."),
        (
            {"submittedBy": "nobody"},
            404,
            "submittedBy: no user with accountId 'nobody'.",
        ),
    ],
)
def test_bad_filters_are_refused_naming_them(
    api: AppClient,
    team: Team,
    params: dict[str, str],
    status: int,
    error: str,
) -> None:
    response = api.get("/api/v1/queue", token=team.tokens["carol"], params=params)
    assert refused(response, status).startswith(error)


def test_the_queue_needs_a_token_with_read_approval(api: AppClient, team: Team) -> None:
    refused(api.get("/api/v1/queue"), 401)
    token = team.token_for("carol", "read:audit")
    refused(
        api.get("/api/v1/queue", token=token),
        403,
        "This call needs the read:approval scope, which the token does not have.",
    )
