"""The reference product's pipeline story, over HTTP from start to finish.

A pipeline bundles seven pages in a change set (one has no workflow), preflights,
bulk-submits, and watches the rollup while people approve, edit and reject.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from factories import edit, make_workflow, step
from signoff.db.models import AuditEvent, Page, Space, User

from .support import AppClient, Team


def _counts(team: Team) -> int:
    with team.db.read() as s:
        return s.scalar(select(func.count()).select_from(AuditEvent)) or 0


def _detail(api: AppClient, team: Team, change_set_id: str) -> dict[str, Any]:
    response = api.get(
        "/api/v1/changeSets/detail",
        token=team.tokens["bob"],
        params={"changeSetId": change_set_id},
    )
    assert response.status_code == 200, response.text
    return response.json()["changeSet"]


def _decide(
    api: AppClient,
    team: Team,
    who: str,
    page_id: int,
    kind: str = "approve",
    version: int = 1,
    comment: str | None = None,
) -> None:
    response = api.post(
        f"/api/v1/pages/{kind}",
        token=team.tokens[who],
        json={"pageId": str(page_id), "version": version, "comment": comment},
    )
    assert response.status_code == 200, response.text


def test_pipeline_bundles_preflights_submits_and_follows_the_rollup(
    api: AppClient, team: Team
) -> None:
    with team.db.write() as s:
        alice, carol = (
            s.get(User, team.users["alice"]),
            s.get(User, team.users["carol"]),
        )
        space = s.get(Space, team.space_id)
        governed = [s.get(Page, pid) for pid in team.pages[:6]]
        make_workflow(s, space, alice, [step(carol)], pages=governed)
        make_workflow(s, space, alice, [step(alice)], name="Unused")
    bob = team.tokens["bob"]

    created = api.post(
        "/api/v1/changeSets",
        token=bob,
        json={
            "spaceId": str(team.space_id),
            "title": "Release 2.0",
            "summary": "Docs for 2.0",
            "referenceUrl": "https://git.example.com/pr/42",
            "pageRefs": [{"pageId": str(pid)} for pid in team.pages],
        },
    )
    assert created.status_code == 200, created.text
    change_set = created.json()["changeSet"]
    assert change_set["rollupState"] == "open"
    cs_id = change_set["id"]

    before = _counts(team)
    preflight = api.post(
        "/api/v1/changeSets/preflight", token=bob, json={"changeSetId": cs_id}
    ).json()
    assert preflight["summary"] == {"total": 7, "submittable": 6, "blocked": 1}
    assert preflight["results"][6] == {
        "pageId": str(team.pages[6]),
        "canSubmit": False,
        "reason": "No workflow assigned",
    }
    assert _counts(team) == before

    submitted = api.post(
        "/api/v1/changeSets/submit", token=bob, json={"changeSetId": cs_id}
    ).json()
    assert (submitted["submittedCount"], submitted["skippedCount"]) == (6, 1)
    assert all("requestId" in r for r in submitted["results"][:6])
    assert _detail(api, team, cs_id)["rollupState"] == "in_review"

    _decide(api, team, "carol", team.pages[0])
    assert _detail(api, team, cs_id)["rollupState"] == "partially_approved"

    for page_id in team.pages[1:6]:
        _decide(api, team, "carol", page_id)
    assert _detail(api, team, cs_id)["rollupState"] == "partially_approved"  # page 7
    api.post(
        "/api/v1/changeSets/update",
        token=bob,
        json={
            "changeSetId": cs_id,
            "pageRefs": [{"pageId": str(p)} for p in team.pages[:6]],
        },
    )
    assert _detail(api, team, cs_id)["rollupState"] == "all_approved"

    with team.db.write() as s:
        edit(
            s,
            s.get(Page, team.pages[2]),
            s.get(User, team.users["bob"]),
            "<p>changed</p>",
        )
    detail = _detail(api, team, cs_id)
    assert detail["rollupState"] == "stale"
    edited = detail["pageRefs"][2]
    assert edited == {
        "pageId": str(team.pages[2]),
        "title": "Page 2",
        "currentPageVersion": 2,
        "approvedAtVersion": 1,
        "isStale": True,
        "versionDelta": 1,
        "approvalStatus": "approved",
    }

    resubmit = api.post(
        "/api/v1/pages/submit", token=bob, json={"pageId": str(team.pages[2])}
    )
    assert resubmit.status_code == 200, resubmit.text
    _decide(
        api, team, "carol", team.pages[2], "reject", version=2, comment="Figures wrong"
    )
    assert _detail(api, team, cs_id)["rollupState"] == "has_rejections"

    archived = api.post(
        "/api/v1/changeSets/archive", token=bob, json={"changeSetId": cs_id}
    )
    assert archived.json()["changeSet"]["status"] == "archived"
    refused = api.post(
        "/api/v1/changeSets/update",
        token=bob,
        json={"changeSetId": cs_id, "title": "Renamed"},
    )
    assert refused.status_code == 409
    assert refused.json() == {
        "success": False,
        "error": "Change set 'Release 2.0' is archived and read-only.",
    }

    with team.db.read() as s:
        submitted_event = s.scalars(
            select(AuditEvent).where(AuditEvent.action == "changeset.submitted")
        ).one()
        assert submitted_event.origin == "api"
        assert submitted_event.client_id.startswith("pat:")
        assert submitted_event.text.endswith("(via API)")
        assert submitted_event.details["summary"] == "Docs for 2.0"
