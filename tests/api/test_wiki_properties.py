"""The `signoff-approval` content property follows every review action, over HTTP."""

from __future__ import annotations

from typing import Any

from signoff.domain.states import Rule

from .support import AppClient, Team
from .wiki import TIME, WIKI, account, decide, error_of, govern, ok, submit

KEY = "signoff-approval"


def _property(api: AppClient, team: Team, page_id: int) -> dict[str, Any]:
    body = ok(api.get(f"{WIKI}/pages/{page_id}/properties", token=team.tokens["dave"]))
    (found,) = body["results"]
    assert body["_links"] == {"base": "http://127.0.0.1:8000"}
    assert set(found) == {"id", "key", "value", "version"}
    assert found["key"] == KEY
    assert set(found["version"]) == {
        "number",
        "message",
        "minorEdit",
        "authorId",
        "createdAt",
    }
    assert TIME.match(found["version"]["createdAt"])
    by_id = ok(
        api.get(
            f"{WIKI}/pages/{page_id}/properties/{found['id']}",
            token=team.tokens["dave"],
        )
    )
    by_key = ok(
        api.get(f"{WIKI}/pages/{page_id}/properties/{KEY}", token=team.tokens["dave"])
    )
    assert by_id == by_key == found
    return found


def _expected(team: Team, **changes: Any) -> dict[str, Any]:
    """The value right after bob submitted page 0 to carol and dave, then alice."""
    value = {
        "pending": [account(team, "carol"), account(team, "dave")],
        "approved": [],
        "rejected": [],
        "commented": [],
        "status": 0,
        "isComplete": "false",
        "createdBy": account(team, "bob"),
        "latestVersionBy": account(team, "bob"),
        "minimumApprovers": 2,
        "minimumRejections": 1,
        "version": 1,
        "statusName": "pending",
        "isStale": False,
    }
    value.update(changes)
    return value


def _value(found: dict[str, Any]) -> dict[str, Any]:
    """The value without its times (epoch milliseconds), checked apart: an open
    review's `completedAt` is its `createdAt`, a closed one's comes no earlier."""
    value = dict(found["value"])
    created, completed = value.pop("createdAt"), value.pop("completedAt")
    assert isinstance(created, int) and isinstance(completed, int)
    assert completed == created if value["status"] == 0 else completed >= created
    return value


def test_a_page_never_submitted_has_no_approval_property(
    api: AppClient, team: Team
) -> None:
    listed = ok(
        api.get(f"{WIKI}/pages/{team.pages[0]}/properties", token=team.tokens["dave"])
    )
    assert listed == {"results": [], "_links": {"base": "http://127.0.0.1:8000"}}
    missing = api.get(
        f"{WIKI}/pages/{team.pages[0]}/properties/{KEY}", token=team.tokens["dave"]
    )
    error_of(missing, 404, "NOT_FOUND")


def test_the_property_reflects_each_decision_of_a_two_step_review(
    api: AppClient, team: Team
) -> None:
    page = team.pages[0]
    govern(team, ["carol", "dave"], ["alice"], page_index=0)
    submit(api, team, page)
    submitted = _property(api, team, page)
    assert _value(submitted) == _expected(team)
    assert submitted["id"] == str(page)
    assert submitted["version"]["number"] == 1
    assert submitted["version"]["authorId"] == account(team, "bob")

    decide(api, team, "carol", page, comment="Fine by me")
    after_carol = _property(api, team, page)
    assert _value(after_carol) == _expected(
        team,
        pending=[account(team, "dave")],
        approved=[account(team, "carol")],
        commented=[account(team, "carol")],
    )
    assert after_carol["version"]["number"] == 2
    assert after_carol["version"]["authorId"] == account(team, "carol")

    decide(api, team, "dave", page)
    after_dave = _property(api, team, page)
    assert _value(after_dave) == _expected(
        team,
        pending=[account(team, "alice")],
        approved=[account(team, "carol"), account(team, "dave")],
        commented=[account(team, "carol")],
        minimumApprovers=1,
    )
    assert after_dave["version"]["number"] > after_carol["version"]["number"]

    decide(api, team, "alice", page, "reject", comment="Not yet")
    rejected = _value(_property(api, team, page))
    assert rejected == _expected(
        team,
        pending=[],
        approved=[account(team, "carol"), account(team, "dave")],
        rejected=[account(team, "alice")],
        commented=[account(team, "carol"), account(team, "alice")],
        status=2,
        statusName="rejected",
        isComplete="true",
        minimumApprovers=1,
    )


def test_an_approved_page_edited_later_is_stale_then_resubmitted_afresh(
    api: AppClient, team: Team
) -> None:
    page = team.pages[0]
    govern(team, ["carol"], page_index=0)
    submit(api, team, page)
    decide(api, team, "carol", page)
    approved = _value(_property(api, team, page))
    assert (approved["status"], approved["isComplete"], approved["isStale"]) == (
        1,
        "true",
        False,
    )
    assert approved["approved"] == [account(team, "carol")]

    edited = api.request(
        "PUT",
        f"{WIKI}/pages/{page}",
        token=team.tokens["alice"],
        json={"body": {"value": "<p>changed</p>"}, "version": {"number": 2}},
    )
    ok(edited)
    stale = _value(_property(api, team, page))
    assert (stale["status"], stale["isStale"]) == (1, True)
    assert stale["latestVersionBy"] == account(team, "alice")

    submit(api, team, page)
    fresh = _value(_property(api, team, page))
    assert (fresh["status"], fresh["version"], fresh["approved"]) == (0, 2, [])
    assert fresh["pending"] == [account(team, "carol")]


def test_pending_leaves_out_the_submitter_who_may_not_approve(
    api: AppClient, team: Team
) -> None:
    govern(team, ["bob", "carol"], page_index=0, rule=Rule.any)
    submit(api, team, team.pages[0])
    value = _value(_property(api, team, team.pages[0]))
    assert value["pending"] == [account(team, "carol")]
    assert value["minimumApprovers"] == 1


def test_a_cancelled_review_has_nobody_pending(api: AppClient, team: Team) -> None:
    govern(team, ["carol"], page_index=0)
    submit(api, team, team.pages[0])
    ok(
        api.post(
            "/api/v1/pages/cancel",
            token=team.tokens["bob"],
            json={"pageId": str(team.pages[0])},
        )
    )
    found = _property(api, team, team.pages[0])
    value = _value(found)
    assert (value["status"], value["isComplete"], value["pending"]) == (3, "true", [])
    assert found["version"]["number"] == 2


def test_the_key_filter_matches_exactly(api: AppClient, team: Team) -> None:
    govern(team, ["carol"], page_index=0)
    submit(api, team, team.pages[0])
    path = f"{WIKI}/pages/{team.pages[0]}/properties"
    carol = team.tokens["carol"]
    assert len(ok(api.get(path, token=carol, params={"key": KEY}))["results"]) == 1
    for other in ("Signoff-Approval", "other"):
        assert ok(api.get(path, token=carol, params={"key": other}))["results"] == []
    error_of(api.get(f"{path}/12345", token=carol), 404, "NOT_FOUND")
