"""Every /api/v1 call: the switch, tokens, scopes, rate limits, idempotency, input."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from factories import by
from signoff.actions.site import do_set_api_enabled
from signoff.actions.tokens import do_create_token, do_revoke_token
from signoff.api.idempotency import claim_key, request_fingerprint
from signoff.api.ratelimit import RateLimiter
from signoff.db.models import AuditEvent, ChangeSet, PersonalToken, User
from signoff.domain.states import Origin

from .support import AppClient, Team

CHANGE_SETS = "/api/v1/changeSets"


def _change_set_body(team: Team, title: str = "Release") -> dict[str, object]:
    return {"spaceId": str(team.space_id), "title": title, "pageRefs": []}


def _count(team: Team, model: type) -> int:
    with team.db.read() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def test_a_disabled_api_refuses_every_call_with_how_to_enable_it(
    api: AppClient, team: Team
) -> None:
    with team.db.write() as s:
        do_set_api_enabled(s, False, **by(None, Origin.cli))
    for token in (team.tokens["alice"], None):
        response = api.get(CHANGE_SETS, token=token, params={"spaceId": team.space_id})
        assert response.status_code == 403
        assert "signoff api enable" in response.json()["error"]
    with team.db.write() as s:
        do_set_api_enabled(s, True, **by(None, Origin.cli))
    response = api.get(
        CHANGE_SETS, token=team.tokens["alice"], params={"spaceId": team.space_id}
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    "header",
    [None, "", "Basic abc", "Bearer", "Bearer sgnp_not-a-real-token", "Bearer x y"],
)
def test_missing_or_unknown_tokens_are_401_with_a_bearer_challenge(
    api: AppClient, team: Team, header: str | None
) -> None:
    headers = {"Authorization": header} if header is not None else {}
    response = api.get(CHANGE_SETS, headers=headers, params={"spaceId": team.space_id})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["success"] is False


def test_expired_revoked_and_deactivated_tokens_are_refused(
    api: AppClient, team: Team
) -> None:
    with team.db.write() as s:
        bob = s.get(User, team.users["bob"])
        _expiring, expiring_secret = do_create_token(
            s,
            bob,
            scopes=["read:change-set"],
            expires_days=1,
            **by(None, Origin.cli, now=datetime.now(UTC)),
        )
        revoked, revoked_secret = do_create_token(
            s, bob, scopes=["read:change-set"], **by(None, Origin.cli)
        )
        do_revoke_token(s, revoked, **by(None, Origin.cli))
    params = {"spaceId": team.space_id}
    assert api.get(CHANGE_SETS, token=expiring_secret, params=params).status_code == 200
    api.app.state.clock = lambda: datetime.now(UTC) + timedelta(days=2)
    assert api.get(CHANGE_SETS, token=expiring_secret, params=params).status_code == 401
    assert api.get(CHANGE_SETS, token=revoked_secret, params=params).status_code == 401
    api.app.state.clock = lambda: datetime.now(UTC)
    with team.db.write() as s:
        s.execute(
            update(User).where(User.id == team.users["bob"]).values(is_active=False)
        )
    response = api.get(CHANGE_SETS, token=team.tokens["bob"], params=params)
    assert response.status_code == 401


def test_a_missing_scope_is_named_and_the_refusal_audited(
    api: AppClient, team: Team
) -> None:
    narrow = team.token_for("bob", "read:change-set")
    response = api.post(CHANGE_SETS, token=narrow, json=_change_set_body(team))
    assert response.status_code == 403
    assert "write:change-set" in response.json()["error"]
    with team.db.read() as s:
        denial = s.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        assert denial is not None
        assert denial.action == "auth.denied"
        assert denial.details["reason"] == "missing scope write:change-set"
        assert denial.origin == "api"
    assert _count(team, ChangeSet) == 0


def test_over_budget_calls_get_429_with_retry_after(api: AppClient, team: Team) -> None:
    api.app.state.rate_limiter = RateLimiter(3)
    params = {"spaceId": team.space_id}
    statuses = [
        api.get(CHANGE_SETS, token=team.tokens["bob"], params=params).status_code
        for _ in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
    limited = api.get(CHANGE_SETS, token=team.tokens["bob"], params=params)
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    other = api.get(CHANGE_SETS, token=team.tokens["carol"], params=params)
    assert other.status_code == 200  # budgets are per token


def test_a_retried_key_replays_the_first_response_byte_for_byte(
    api: AppClient, team: Team
) -> None:
    headers = {"Idempotency-Key": "release-42"}
    responses = [
        api.post(
            CHANGE_SETS,
            token=team.tokens["bob"],
            json=_change_set_body(team),
            headers=headers,
        )
        for _ in range(3)
    ]
    assert [r.status_code for r in responses] == [200, 200, 200]
    assert responses[0].content == responses[1].content == responses[2].content
    assert "Idempotent-Replayed" not in responses[0].headers
    assert responses[1].headers["Idempotent-Replayed"] == "true"
    assert _count(team, ChangeSet) == 1


def test_a_key_reused_with_another_body_is_422_and_changes_nothing(
    api: AppClient, team: Team
) -> None:
    headers = {"Idempotency-Key": "k-1"}
    token = team.tokens["bob"]
    api.post(CHANGE_SETS, token=token, json=_change_set_body(team), headers=headers)
    reused = api.post(
        CHANGE_SETS, token=token, json=_change_set_body(team, "Other"), headers=headers
    )
    assert reused.status_code == 422
    assert _count(team, ChangeSet) == 1


def test_keys_belong_to_their_caller(api: AppClient, team: Team) -> None:
    headers = {"Idempotency-Key": "shared-key"}
    for name in ("bob", "alice"):
        response = api.post(
            CHANGE_SETS,
            token=team.tokens[name],
            json=_change_set_body(team),
            headers=headers,
        )
        assert "Idempotent-Replayed" not in response.headers
    assert _count(team, ChangeSet) == 2


def test_keys_expire_after_24_hours(api: AppClient, team: Team) -> None:
    start = datetime.now(UTC)
    headers = {"Idempotency-Key": "daily"}
    token, body = team.tokens["bob"], _change_set_body(team)
    api.app.state.clock = lambda: start
    api.post(CHANGE_SETS, token=token, json=body, headers=headers)
    api.app.state.clock = lambda: start + timedelta(hours=23, minutes=59)
    replay = api.post(CHANGE_SETS, token=token, json=body, headers=headers)
    assert replay.headers.get("Idempotent-Replayed") == "true"
    api.app.state.clock = lambda: start + timedelta(hours=24, seconds=1)
    fresh = api.post(CHANGE_SETS, token=token, json=body, headers=headers)
    assert "Idempotent-Replayed" not in fresh.headers
    assert _count(team, ChangeSet) == 2


def test_a_failed_call_stores_nothing_under_its_key(api: AppClient, team: Team) -> None:
    headers = {"Idempotency-Key": "fix-and-retry"}
    token = team.tokens["bob"]
    bad = {**_change_set_body(team), "referenceUrl": "javascript:alert(1)"}
    assert (
        api.post(CHANGE_SETS, token=token, json=bad, headers=headers).status_code == 400
    )
    retry = api.post(CHANGE_SETS, token=token, json=bad, headers=headers)
    assert retry.status_code == 400
    assert "Idempotent-Replayed" not in retry.headers


def test_concurrent_retries_of_one_key_have_one_effect(
    api: AppClient, team: Team
) -> None:
    headers = {"Idempotency-Key": "burst"}
    results: list[tuple[int, bytes]] = []
    barrier = threading.Barrier(10)

    def send() -> None:
        barrier.wait()
        response = api.post(
            CHANGE_SETS,
            token=team.tokens["bob"],
            json=_change_set_body(team),
            headers=headers,
        )
        results.append((response.status_code, response.content))

    threads = [threading.Thread(target=send) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert _count(team, ChangeSet) == 1
    succeeded = {content for status, content in results if status == 200}
    assert len(succeeded) == 1
    assert all(status in (200, 409) for status, _ in results)


@pytest.mark.parametrize("key", ["", "x" * 256, "with space", "tab\tkey"])
def test_malformed_idempotency_keys_are_400(
    api: AppClient, team: Team, key: str
) -> None:
    response = api.post(
        CHANGE_SETS,
        token=team.tokens["bob"],
        json=_change_set_body(team),
        headers={"Idempotency-Key": key},
    )
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["error"]


def test_an_oversized_body_is_413(api: AppClient, team: Team) -> None:
    response = api.post(
        CHANGE_SETS,
        token=team.tokens["bob"],
        content=b"{" + b" " * 1_100_000 + b"}",
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 413


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "pageId is required."),
        ({"pageId": "abc"}, "pageId: Value error, must be an id: a string of digits."),
        ({"pageId": True}, "pageId: Value error, must be an id."),
        ({"pageId": 1.5}, "pageId: Value error, must be an id: a string of digits."),
    ],
)
def test_bad_bodies_are_400_naming_the_field(
    api: AppClient, team: Team, body: dict[str, object], message: str
) -> None:
    response = api.post("/api/v1/pages/submit", token=team.tokens["bob"], json=body)
    assert response.status_code == 400
    assert response.json() == {"success": False, "error": message}


@pytest.mark.parametrize("page_id", ["0", "-1", 0, "2147483648", 2**63, "9" * 30])
def test_an_id_no_object_can_have_is_404_as_a_missing_one(
    api: AppClient, team: Team, page_id: object
) -> None:
    response = api.post(
        "/api/v1/pages/submit", token=team.tokens["bob"], json={"pageId": page_id}
    )
    assert response.status_code == 404
    assert response.json() == {"success": False, "error": f"Page {page_id} not found."}


def test_unknown_objects_are_404(api: AppClient, team: Team) -> None:
    response = api.get(
        "/api/v1/pages/status", token=team.tokens["bob"], params={"pageId": "999999"}
    )
    assert response.status_code == 404
    assert response.json() == {"success": False, "error": "Page 999999 not found."}


def test_api_writes_record_origin_and_token(api: AppClient, team: Team) -> None:
    api.post(CHANGE_SETS, token=team.tokens["bob"], json=_change_set_body(team))
    with team.db.read() as s:
        token_id = s.scalars(
            select(PersonalToken.id).where(PersonalToken.user_id == team.users["bob"])
        ).first()
        event = s.scalars(
            select(AuditEvent).where(AuditEvent.action == "changeset.created")
        ).one()
    assert (event.origin, event.client_id) == ("api", f"pat:{token_id}")
    assert event.text.endswith("(via API)")


def test_nul_characters_are_refused_at_the_door(api: AppClient, team: Team) -> None:
    token = team.tokens["alice"]
    body = {"spaceId": str(team.space_id), "name": "W\u0000", "steps": []}
    assert api.post("/api/v1/workflows", token=token, json=body).status_code == 400
    query = api.get("/api/v1/queue", token=token, params={"status": "pending\x00"})
    assert query.status_code == 400
    assert query.json() == {
        "success": False,
        "error": "Text must not contain NUL characters.",
    }


def test_a_retry_while_the_first_call_runs_is_409_until_the_claim_is_abandoned(
    api: AppClient, team: Team
) -> None:
    start = datetime.now(UTC)
    api.app.state.clock = lambda: start
    body = _change_set_body(team)
    headers = {"Idempotency-Key": "in-flight"}
    principal = f"{team.users['bob']}|pat:{_token_id(team, 'bob')}"
    fingerprint = request_fingerprint(
        "POST", CHANGE_SETS, json.dumps(body, separators=(",", ":")).encode()
    )
    # A call that claimed its key and is still running (or died before committing).
    claim_key(team.db, principal, "in-flight", fingerprint, start)
    running = api.post(
        CHANGE_SETS,
        token=team.tokens["bob"],
        content=json.dumps(body, separators=(",", ":")).encode(),
        headers={**headers, "Content-Type": "application/json"},
    )
    assert running.status_code == 409
    assert _count(team, ChangeSet) == 0
    api.app.state.clock = lambda: start + timedelta(minutes=3)
    taken_over = api.post(
        CHANGE_SETS,
        token=team.tokens["bob"],
        content=json.dumps(body, separators=(",", ":")).encode(),
        headers={**headers, "Content-Type": "application/json"},
    )
    assert taken_over.status_code == 200
    assert _count(team, ChangeSet) == 1


def _token_id(team: Team, name: str) -> int:
    with team.db.read() as s:
        token_id = s.scalars(
            select(PersonalToken.id).where(PersonalToken.user_id == team.users[name])
        ).first()
    assert token_id is not None
    return token_id


def test_a_browser_cookie_beside_the_token_changes_nothing(
    api: AppClient, team: Team
) -> None:
    response = api.get(
        CHANGE_SETS,
        token=team.tokens["bob"],
        params={"spaceId": team.space_id},
        headers={"Cookie": "signoff_session=whatever"},
    )
    assert response.status_code == 200
