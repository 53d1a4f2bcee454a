"""Titles and names with a bidirectional control are refused over HTTP, naming the
field and the character, and nothing is stored."""

from __future__ import annotations

from sqlalchemy import func, select

from signoff.db.models import ChangeSet, Page, Space, Workflow

from .helpers import account, refused
from .support import AppClient, Team
from .wiki import WIKI, error_of

RLO = "\u202e"
REFUSAL = (
    "{field} contains the bidirectional control character U+202E at position {at}: "
    "single-line text may not reorder how it displays. Remove it."
)


def _count(team: Team, model: type[object]) -> int:
    with team.db.read() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_a_page_title_with_an_override_is_refused_and_no_page_is_made(
    api: AppClient, team: Team
) -> None:
    before = _count(team, Page)
    response = api.post(
        f"{WIKI}/pages",
        token=team.tokens["bob"],
        json={
            "spaceId": str(team.space_id),
            "title": f"Refunds{RLO}txt.exe",
            "body": {"representation": "storage", "value": "<p>x</p>"},
        },
    )
    detail = error_of(response, 400, "INVALID_REQUEST_PARAMETER")
    assert detail == REFUSAL.format(field="title", at=8)
    assert _count(team, Page) == before


def test_a_space_name_with_an_override_is_refused(api: AppClient, team: Team) -> None:
    before = _count(team, Space)
    response = api.post(
        "/api/v1/spaces",
        token=team.tokens["alice"],
        json={"key": "HANDBOOK", "name": f"Staff{RLO} handbook"},
    )
    refused(response, 400, REFUSAL.format(field="name", at=6))
    assert _count(team, Space) == before


def test_a_workflow_step_name_with_an_override_is_refused_naming_the_step(
    api: AppClient, team: Team
) -> None:
    response = api.post(
        "/api/v1/workflows",
        token=team.tokens["alice"],
        json={
            "spaceId": str(team.space_id),
            "name": "Legal review",
            "steps": [
                {"name": "Legal", "approvers": [account(team, "carol")], "rule": "all"},
                {
                    "name": f"{RLO}Owner",
                    "approvers": [account(team, "dave")],
                    "rule": "all",
                },
            ],
        },
    )
    refused(response, 400, REFUSAL.format(field="steps[1].name", at=1))
    assert _count(team, Workflow) == 0


def test_a_change_set_title_with_an_override_is_refused(
    api: AppClient, team: Team
) -> None:
    response = api.post(
        "/api/v1/changeSets",
        token=team.tokens["bob"],
        json={
            "spaceId": str(team.space_id),
            "title": f"Release{RLO} 2.0",
            "pageRefs": [{"pageId": str(team.pages[0])}],
        },
    )
    refused(response, 400, REFUSAL.format(field="title", at=8))
    assert _count(team, ChangeSet) == 0


def test_a_change_set_summary_may_hold_an_isolate(api: AppClient, team: Team) -> None:
    summary = "Quotes \u2067\u05e9\u05dc\u05d5\u05dd\u2069 as written."
    response = api.post(
        "/api/v1/changeSets",
        token=team.tokens["bob"],
        json={
            "spaceId": str(team.space_id),
            "title": "Release 2.0",
            "summary": summary,
            "pageRefs": [{"pageId": str(team.pages[0])}],
        },
    )
    assert response.status_code == 200, response.text
    assert response.json()["changeSet"]["summary"] == summary
