"""`rereviewDays` on `/workflows`: optional (null: never), shown on the workflow,
kept by an update that leaves it out and removed by an explicit null; a page
approved under it shows `rereviewDueAt` in its status and its queue item."""

from __future__ import annotations

from typing import Any

import pytest

from signoff.api.v1.responses import WorkflowOne

from .helpers import account, ok, refused
from .support import AppClient, Team


def _definition(team: Team, **changes: Any) -> dict[str, Any]:
    return {
        "spaceId": str(team.space_id),
        "name": "Yearly review",
        "steps": [
            {"name": "Review", "approvers": [account(team, "carol")], "rule": "any"}
        ],
        **changes,
    }


def _create(api: AppClient, team: Team, **changes: Any) -> Any:
    return api.post(
        "/api/v1/workflows",
        token=team.tokens["alice"],
        json=_definition(team, **changes),
    )


def test_re_review_period_round_trips_through_the_workflow_api(
    api: AppClient, team: Team
) -> None:
    created = ok(WorkflowOne, _create(api, team, rereviewDays=365))["workflow"]
    assert created["rereviewDays"] == 365

    def update(**fields: Any) -> dict[str, Any]:
        response = api.post(
            "/api/v1/workflows/update",
            token=team.tokens["alice"],
            json={"workflowId": created["id"], **fields},
        )
        workflow: dict[str, Any] = ok(WorkflowOne, response)["workflow"]
        return workflow

    assert update(name="Renamed")["rereviewDays"] == 365
    assert update(rereviewDays=30)["rereviewDays"] == 30
    assert update(rereviewDays=None)["rereviewDays"] is None


def test_a_workflow_without_a_period_never_asks_for_re_review(
    api: AppClient, team: Team
) -> None:
    assert ok(WorkflowOne, _create(api, team))["workflow"]["rereviewDays"] is None


@pytest.mark.parametrize("days", [0, -5, 3651, "yearly", 1.5])
def test_a_re_review_period_outside_a_day_to_ten_years_is_refused(
    api: AppClient, team: Team, days: object
) -> None:
    refused(_create(api, team, rereviewDays=days), 400)


def test_an_update_to_a_bad_period_is_refused(api: AppClient, team: Team) -> None:
    created = ok(WorkflowOne, _create(api, team))["workflow"]
    response = api.post(
        "/api/v1/workflows/update",
        token=team.tokens["alice"],
        json={"workflowId": created["id"], "rereviewDays": 0},
    )
    refused(response, 400)
