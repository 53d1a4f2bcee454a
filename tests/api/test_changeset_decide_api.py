"""`POST /changeSets/decide` through the real app on both databases: an approver
decides every page of a change set they hold a seat on, in one call.

bob (editor) wrote and submitted three pages in one set; carol holds the workflow's
only seat (or shares it with bob, where the author's refusal is the point).
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from audit_helpers import actions_since, last_event_id
from factories import by, edit, later, make_user
from signoff.actions.approvals import do_submit_page
from signoff.api.v1.responses import ChangeSetDecided
from signoff.db.models import AuditEvent, Page, User
from signoff.domain.states import Rule

from .helpers import ok, refused, review_by
from .support import AppClient, Team

DECIDE = "/api/v1/changeSets/decide"
NOT_AN_APPROVER = "You are not an approver of the current step."
SELF_APPROVAL = "Authors and submitters cannot approve their own submission."


def submitted_set(
    api: AppClient, team: Team, approvers: tuple[str, ...] = ("carol",)
) -> str:
    """A change set of the team's first three pages, submitted by bob."""
    review_by(team, approvers, pages=3, rule=Rule.any)
    bob = team.tokens["bob"]
    created = api.post(
        "/api/v1/changeSets",
        token=bob,
        json={
            "spaceId": str(team.space_id),
            "title": "Release 4.0",
            "pageRefs": [{"pageId": str(p)} for p in team.pages[:3]],
        },
    )
    assert created.status_code == 200, created.text
    set_id = str(created.json()["changeSet"]["id"])
    sent = api.post(
        "/api/v1/changeSets/submit", token=bob, json={"changeSetId": set_id}
    )
    assert sent.json()["submittedCount"] == 3, sent.text
    return set_id


def decide(api: AppClient, token: str, **body: Any) -> dict[str, Any]:
    return ok(ChangeSetDecided, api.post(DECIDE, token=token, json=body))


def outcomes(answer: dict[str, Any]) -> dict[str, tuple[bool, Any]]:
    return {
        r["pageId"]: (r["success"], r.get("version", r.get("reason")))
        for r in answer["results"]
    }


def test_an_approver_approves_every_page_of_a_set_in_one_call(
    api: AppClient, team: Team
) -> None:
    set_id = submitted_set(api, team)
    with team.db.read() as s:
        before = last_event_id(s)
    answer = decide(api, team.tokens["carol"], changeSetId=set_id, decision="approve")
    assert (answer["decidedCount"], answer["skippedCount"]) == (3, 0)
    assert outcomes(answer) == {str(p): (True, 1) for p in team.pages[:3]}
    with team.db.read() as s:
        actions = actions_since(s, before)
        act = s.scalars(
            select(AuditEvent).where(AuditEvent.action == "changeset.decided")
        ).one()
    assert actions.count("approval.decided") == 3
    assert actions.count("changeset.decided") == 1
    assert act.change_set_id == int(set_id)
    assert act.space_id == team.space_id
    assert act.details["pageIds"] == team.pages[:3]
    assert act.details["decidedCount"] == 3
    assert act.text.endswith("(via API)")
    detail = api.get(
        "/api/v1/changeSets/detail",
        token=team.tokens["bob"],
        params={"changeSetId": set_id},
    ).json()["changeSet"]
    assert detail["rollupState"] == "all_approved"


def test_two_pages_approved_in_one_call_write_two_decisions_and_one_act(
    api: AppClient, team: Team
) -> None:
    set_id = submitted_set(api, team)
    carol = team.tokens["carol"]
    api.post(
        "/api/v1/pages/approve",
        token=carol,
        json={"pageId": str(team.pages[2]), "version": 1},
    )
    with team.db.read() as s:
        before = last_event_id(s)
    answer = decide(api, carol, changeSetId=set_id, decision="approve")
    assert (answer["decidedCount"], answer["skippedCount"]) == (2, 1)
    assert outcomes(answer)[str(team.pages[2])] == (
        False,
        "No approval is pending for page 'Page 2'.",
    )
    with team.db.read() as s:
        decided = [a for a in actions_since(s, before) if a.endswith("decided")]
    assert decided == ["approval.decided", "approval.decided", "changeset.decided"]


def test_a_page_edited_after_the_approver_loaded_it_is_refused_and_the_rest_decided(
    api: AppClient, team: Team
) -> None:
    set_id = submitted_set(api, team)
    with team.db.write() as s:
        page, bob = s.get(Page, team.pages[1]), s.get(User, team.users["bob"])
        assert page is not None
        assert bob is not None
        edit(s, page, bob, "<p>Changed while carol read it</p>", minutes=30)
    seen = {str(p): 1 for p in team.pages[:3]}
    answer = decide(
        api, team.tokens["carol"], changeSetId=set_id, decision="approve", versions=seen
    )
    assert (answer["decidedCount"], answer["skippedCount"]) == (2, 1)
    assert outcomes(answer)[str(team.pages[1])] == (
        False,
        "'Page 1' was edited after version 1 was submitted; that review was "
        "superseded (the page is now at version 2).",
    )
    assert outcomes(answer)[str(team.pages[0])] == (True, 1)


def test_a_version_named_that_is_no_longer_under_review_is_refused(
    api: AppClient, team: Team
) -> None:
    set_id = submitted_set(api, team)
    with team.db.write() as s:
        page, bob = s.get(Page, team.pages[0]), s.get(User, team.users["bob"])
        assert page is not None
        assert bob is not None
        edit(s, page, bob, "<p>Second take</p>", minutes=30)
        do_submit_page(s, page, **by(bob, now=later(31)))
    answer = decide(
        api,
        team.tokens["carol"],
        changeSetId=set_id,
        decision="approve",
        versions={str(team.pages[0]): 1},
    )
    assert outcomes(answer)[str(team.pages[0])] == (
        False,
        "The review covers version 2 of 'Page 0', not version 1.",
    )
    assert answer["decidedCount"] == 2


def test_an_approver_rejects_every_page_with_one_comment(
    api: AppClient, team: Team
) -> None:
    set_id = submitted_set(api, team)
    answer = decide(
        api,
        team.tokens["carol"],
        changeSetId=set_id,
        decision="reject",
        comment="The release notes are missing.",
    )
    assert answer["decidedCount"] == 3
    status = api.get(
        "/api/v1/pages/status",
        token=team.tokens["bob"],
        params={"pageId": str(team.pages[0])},
    ).json()
    assert status["approvalStatus"] == "rejected"
    decision = status["request"]["steps"][0]["decisions"][0]
    assert decision["comment"] == "The release notes are missing."


def test_the_author_is_skipped_with_the_self_approval_reason(
    api: AppClient, team: Team
) -> None:
    set_id = submitted_set(api, team, approvers=("bob", "carol"))
    answer = decide(api, team.tokens["bob"], changeSetId=set_id, decision="approve")
    assert (answer["decidedCount"], answer["skippedCount"]) == (0, 3)
    assert {reason for _, reason in outcomes(answer).values()} == {SELF_APPROVAL}


def test_a_viewer_without_a_seat_decides_nothing(api: AppClient, team: Team) -> None:
    set_id = submitted_set(api, team)
    answer = decide(api, team.tokens["dave"], changeSetId=set_id, decision="approve")
    assert (answer["decidedCount"], answer["skippedCount"]) == (0, 3)
    assert {reason for _, reason in outcomes(answer).values()} == {NOT_AN_APPROVER}


def test_a_rejection_without_a_comment_is_bad_input(api: AppClient, team: Team) -> None:
    set_id = submitted_set(api, team)
    response = api.post(
        DECIDE,
        token=team.tokens["carol"],
        json={"changeSetId": set_id, "decision": "reject", "comment": "  "},
    )
    refused(response, 400, "A rejection needs a comment saying why.")


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"decision": "maybe"}, id="unknown decision"),
        pytest.param({"decision": "approve", "versions": [1, 2]}, id="versions list"),
        pytest.param(
            {"decision": "approve", "versions": {"PAGE": 1}}, id="key not an id"
        ),
        pytest.param({"decision": "approve", "versions": {"1": 0}}, id="version zero"),
        pytest.param(
            {"decision": "approve", "versions": {"1": "two"}}, id="version text"
        ),
        pytest.param({}, id="no decision"),
    ],
)
def test_bad_decide_bodies_are_refused_with_400(
    api: AppClient, team: Team, body: dict[str, Any]
) -> None:
    set_id = submitted_set(api, team)
    response = api.post(
        DECIDE, token=team.tokens["carol"], json={"changeSetId": set_id, **body}
    )
    refused(response, 400)


def test_a_version_for_a_page_outside_the_set_is_bad_input(
    api: AppClient, team: Team
) -> None:
    set_id = submitted_set(api, team)
    outside = str(team.pages[5])
    response = api.post(
        DECIDE,
        token=team.tokens["carol"],
        json={"changeSetId": set_id, "decision": "approve", "versions": {outside: 1}},
    )
    refused(response, 400, f"versions: page {outside} is not in this change set.")


def test_a_token_without_the_decide_scope_is_refused(
    api: AppClient, team: Team
) -> None:
    set_id = submitted_set(api, team)
    token = team.token_for("carol", "read:change-set", "read:approval")
    response = api.post(
        DECIDE, token=token, json={"changeSetId": set_id, "decision": "approve"}
    )
    refused(
        response,
        403,
        "This call needs the decide:approval scope, which the token does not have.",
    )


def test_a_caller_who_cannot_read_the_space_is_told_there_is_no_such_set(
    api: AppClient, team: Team
) -> None:
    set_id = submitted_set(api, team)
    with team.db.write() as s:
        team.users["erin"] = make_user(s, "erin").id
    token = team.token_for("erin", "decide:approval")
    response = api.post(
        DECIDE, token=token, json={"changeSetId": set_id, "decision": "approve"}
    )
    assert response.status_code == 404, response.text


def test_an_unknown_change_set_is_not_found(api: AppClient, team: Team) -> None:
    response = api.post(
        DECIDE,
        token=team.tokens["carol"],
        json={"changeSetId": "999999", "decision": "approve"},
    )
    refused(response, 404)


def test_an_archived_set_is_read_only(api: AppClient, team: Team) -> None:
    set_id = submitted_set(api, team)
    api.post(
        "/api/v1/changeSets/archive",
        token=team.tokens["bob"],
        json={"changeSetId": set_id},
    )
    response = api.post(
        DECIDE,
        token=team.tokens["carol"],
        json={"changeSetId": set_id, "decision": "approve"},
    )
    refused(response, 409, "Change set 'Release 4.0' is archived and read-only.")
