"""`/rest/approvalmacro/1.0` over HTTP: product 003's three calls, their answers
compared field by field with that product's own sample, and each documented error
(401 for no token or no right, 404 for no page, version or record, 400 for bad JSON
and for a version that is not the current one)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from corpora import PRODUCT_003_RECORD_FILE
from factories import by, make_user
from product_004 import epoch_ms, json_type
from signoff.actions.pages import do_edit_page
from signoff.actions.site import do_set_api_enabled
from signoff.actions.tokens import do_create_token
from signoff.db.models import AuditEvent, Page, User
from signoff.domain.states import Origin

from .helpers import NOW, account, fix_clock
from .support import AppClient, Team

BASE = "/rest/approvalmacro/1.0"
SAMPLE: dict[str, Any] = json.loads(PRODUCT_003_RECORD_FILE.read_text())


def shape(value: Any) -> Any:
    """Field names, nesting and JSON types, with lists shaped by their first item."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    return json_type(value)


def assert_shaped_like_product_003(record: dict[str, Any]) -> None:
    assert list(record) == list(SAMPLE)
    assert shape(record) == shape(SAMPLE)


def put(api: AppClient, team: Team, who: str = "bob", **body: Any) -> httpx.Response:
    body.setdefault("pageId", str(team.pages[0]))
    body.setdefault("title", "Legal check")
    body.setdefault("requestNotificationsEnabled", True)
    body.setdefault("statusNotificationsEnabled", False)
    body.setdefault("expiryDate", "")
    return api.request(
        "PUT", f"{BASE}/approval/page", token=team.tokens[who], json=body
    )


def read(
    api: AppClient, team: Team, version: int, who: str = "bob", page: int = 0
) -> httpx.Response:
    return api.post(
        f"{BASE}/approval",
        token=team.tokens[who],
        json={"type": "page", "pageId": team.pages[page], "version": version},
    )


def act(
    api: AppClient,
    team: Team,
    who: str,
    action: str,
    version: int,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    return api.post(
        f"{BASE}/approval/action",
        token=team.tokens[who],
        headers=headers,
        json={
            "type": "page",
            "action": action,
            "pageId": team.pages[0],
            "version": version,
        },
    )


def answer(response: httpx.Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


def refused(response: httpx.Response, status: int, words: str = "") -> str:
    body = answer(response, status)
    assert set(body) == {"statusCode", "reason", "message"}
    assert body["statusCode"] == status
    assert words in body["message"]
    return str(body["message"])


def edit_page(team: Team) -> None:
    with team.db.write() as s:
        page = s.get_one(Page, team.pages[0])
        bob = s.get_one(User, team.users["bob"])
        do_edit_page(s, page, body="<p>edited</p>", **by(bob, now=NOW))


def three(team: Team) -> list[str]:
    return [account(team, name) for name in ("carol", "dave", "alice")]


def test_quorum_two_of_three_approve_then_an_edit_supersedes_the_record(
    api: AppClient, team: Team
) -> None:
    fix_clock(api)
    record = answer(put(api, team, members=three(team), quorumSize=2))
    assert_shaped_like_product_003(record)
    assert record["pageId"] == team.pages[0]
    assert (record["version"], record["superseded"]) == (1, False)
    assert record["creatorUsername"] == account(team, "bob")
    assert (record["title"], record["quorumSize"]) == ("Legal check", 2)
    assert (record["requestNotifications"], record["statusNotifications"]) == (
        True,
        False,
    )
    assert [m["userKey"] for m in record["members"]] == three(team)
    assert {m["status"] for m in record["members"]} == {"pending"}

    answer(act(api, team, "carol", "approved", 1))
    after = answer(act(api, team, "dave", "approved", 1))
    statuses = {m["userKey"]: m["status"] for m in after["members"]}
    assert statuses == {
        account(team, "carol"): "approved",
        account(team, "dave"): "approved",
        account(team, "alice"): "pending",
    }
    carol = next(m for m in after["members"] if m["userKey"] == account(team, "carol"))
    assert carol["date"] == epoch_ms(NOW)
    status = api.get(
        f"/api/v1/pages/status?pageId={team.pages[0]}", token=team.tokens["bob"]
    ).json()
    assert status["approvalStatus"] == "approved"

    edit_page(team)
    old = answer(read(api, team, 1))
    assert old["superseded"] is True
    refused(act(api, team, "alice", "approved", 1), 400, "not its current version")


def test_approval_ids_stay_the_same_for_a_member_of_a_version(
    api: AppClient, team: Team
) -> None:
    fix_clock(api)
    first = answer(put(api, team, members=three(team)))
    ids = {m["userKey"]: m["approvalId"] for m in first["members"]}
    assert len(set(ids.values())) == 3
    changed = answer(put(api, team, members=list(reversed(three(team))), quorumSize=1))
    assert {m["userKey"]: m["approvalId"] for m in changed["members"]} == ids
    answer(act(api, team, "carol", "approved", 1))
    again = answer(read(api, team, 1))
    assert {m["userKey"]: m["approvalId"] for m in again["members"]} == ids


def test_putting_again_updates_the_approval_of_the_current_version(
    api: AppClient, team: Team
) -> None:
    fix_clock(api)
    answer(put(api, team, members=three(team)))
    updated = answer(
        put(api, team, members=[account(team, "dave")], title="Renamed", quorumSize=0)
    )
    assert [m["userKey"] for m in updated["members"]] == [account(team, "dave")]
    assert updated["title"] == "Renamed"
    refused(act(api, team, "carol", "approved", 1), 401)


def test_a_rejection_ends_the_record_and_keeps_a_reason(
    api: AppClient, team: Team
) -> None:
    fix_clock(api)
    answer(put(api, team, members=three(team), quorumSize=2))
    record = answer(act(api, team, "carol", "rejected", 1))
    assert record["members"][0]["status"] == "rejected"
    refused(act(api, team, "dave", "approved", 1), 400)
    with team.db.read() as s:
        decided = s.scalars(
            select(AuditEvent).where(AuditEvent.action == "approval.decided")
        ).one()
    assert decided.details["comment"] == "No reason given."
    assert decided.text.endswith("(via API)")


def test_a_repeated_action_with_its_key_is_answered_once(
    api: AppClient, team: Team
) -> None:
    fix_clock(api)
    answer(put(api, team, members=three(team)))
    key = {"Idempotency-Key": "approve-1"}
    first = act(api, team, "carol", "approved", 1, headers=key)
    again = act(api, team, "carol", "approved", 1, headers=key)
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    with team.db.read() as s:
        decided = s.scalars(
            select(AuditEvent).where(AuditEvent.action == "approval.decided")
        ).all()
    assert len(decided) == 1


def test_no_token_is_401(api: AppClient, team: Team) -> None:
    response = api.post(
        f"{BASE}/approval", json={"type": "page", "pageId": 1, "version": 1}
    )
    refused(response, 401)


def test_a_token_without_the_scope_is_401(api: AppClient, team: Team) -> None:
    token = team.token_for("bob", "read:approval")
    response = api.request(
        "PUT",
        f"{BASE}/approval/page",
        token=token,
        json={"pageId": team.pages[0], "members": [account(team, "carol")]},
    )
    refused(response, 401, "write:approval")


def test_no_right_on_the_space_is_401(api: AppClient, team: Team) -> None:
    answer(put(api, team, members=three(team)))
    with team.db.write() as s:
        erin = make_user(s, "erin")
        _, secret = do_create_token(
            s, erin, scopes=["read:approval"], **by(None, Origin.cli)
        )
    response = api.post(
        f"{BASE}/approval",
        token=secret,
        json={"type": "page", "pageId": team.pages[0], "version": 1},
    )
    refused(response, 401, "no permission")


def test_the_rest_api_switched_off_is_401(api: AppClient, team: Team) -> None:
    with team.db.write() as s:
        do_set_api_enabled(s, False, **by(None, Origin.cli))
    refused(read(api, team, 1), 401)


@pytest.mark.parametrize(
    ("page_id", "version", "words"),
    [
        ("999999", 1, "No page exists with id 999999"),
        (None, 7, "has no version 7"),
        (None, 1, "No approval record exists for version 1"),
    ],
)
def test_no_page_version_or_record_is_404(
    api: AppClient, team: Team, page_id: str | None, version: int, words: str
) -> None:
    response = api.post(
        f"{BASE}/approval",
        token=team.tokens["bob"],
        json={"type": "page", "pageId": page_id or team.pages[0], "version": version},
    )
    refused(response, 404, words)


@pytest.mark.parametrize(
    "content",
    [b"{not json", b'{"type": "page", "pageId": "x1", "version": 1}', b"[]"],
)
def test_invalid_json_is_400(api: AppClient, team: Team, content: bytes) -> None:
    response = api.request(
        "POST",
        f"{BASE}/approval",
        token=team.tokens["bob"],
        content=content,
        headers={"Content-Type": "application/json"},
    )
    refused(response, 400)


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"members": []}, ""),
        ({"members": ["nobody"]}, "no user with accountId 'nobody'"),
        ({"expiryDate": "01/02/2026"}, ""),
        ({"quorumSize": 5}, "quorum"),
    ],
)
def test_a_bad_request_for_approval_is_400(
    api: AppClient, team: Team, body: dict[str, Any], words: str
) -> None:
    fix_clock(api)
    sent = {"members": [account(team, "carol")], **body}
    refused(put(api, team, **sent), 400, words)


def test_deciding_without_a_seat_is_401(api: AppClient, team: Team) -> None:
    fix_clock(api)
    answer(put(api, team, members=[account(team, "carol")]))
    refused(act(api, team, "dave", "approved", 1), 401)
