"""The token and revocation endpoints: PKCE, single-use codes, rotation, client auth."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from signoff.auth.bearer import resolve_oauth_access_token
from signoff.db.models import AuditEvent, OAuthToken

from .support import (
    OTHER_REDIRECT_URI,
    OAuthWorld,
    build_world,
    obtain_code,
    redeem,
    refresh,
    register_client,
    tokens_for,
)


@pytest.fixture
def world(db_url: str, tmp_path: Path) -> Iterator[OAuthWorld]:
    world = build_world(db_url, tmp_path)
    yield world
    world.site.close()


def live(world: OAuthWorld, access_token: str) -> bool:
    with world.db.read() as session:
        found = resolve_oauth_access_token(session, access_token, world.clock())
        return found is not None


def error_of(response: httpx.Response, status: int = 400) -> str:
    assert response.status_code == status, response.text
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["pragma"] == "no-cache"
    assert "access_token" not in response.json()
    error: str = response.json()["error"]
    return error


def token_rows(world: OAuthWorld) -> list[OAuthToken]:
    with world.db.read() as session:
        return list(session.scalars(select(OAuthToken).order_by(OAuthToken.id)))


def oauth_actions(world: OAuthWorld) -> list[str]:
    with world.db.read() as session:
        return list(
            session.scalars(
                select(AuditEvent.action)
                .where(AuditEvent.action.like("oauth.%"))
                .order_by(AuditEvent.id)
            )
        )


# -- PKCE ------------------------------------------------------------------------


def test_a_wrong_verifier_is_invalid_grant_and_issues_nothing(
    world: OAuthWorld,
) -> None:
    code, verifier = obtain_code(world)

    response = redeem(
        world, code, verifier[:-1] + ("A" if verifier[-1] != "A" else "B")
    )

    assert error_of(response) == "invalid_grant"
    assert token_rows(world) == []


@pytest.mark.parametrize(
    ("verifier", "error"),
    [
        (None, "invalid_request"),
        ("", "invalid_request"),
        ("a" * 42, "invalid_request"),
        ("a" * 129, "invalid_request"),
        ("a" * 42 + "!", "invalid_request"),
    ],
    ids=["missing", "empty", "42-chars", "129-chars", "bad-character"],
)
def test_a_missing_or_malformed_verifier_is_refused(
    world: OAuthWorld, verifier: str | None, error: str
) -> None:
    code, _ = obtain_code(world)

    assert error_of(redeem(world, code, verifier)) == error
    assert token_rows(world) == []


def test_the_true_verifier_still_works_after_a_wrong_one(world: OAuthWorld) -> None:
    code, verifier = obtain_code(world)
    assert error_of(redeem(world, code, "x" * 43)) == "invalid_grant"

    assert redeem(world, code, verifier).status_code == 200


# -- single use, lifetime, binding ----------------------------------------------


def test_a_replayed_code_is_refused_and_revokes_what_it_issued(
    world: OAuthWorld,
) -> None:
    code, verifier = obtain_code(world)
    first = redeem(world, code, verifier).json()
    rotated = refresh(world, first["refresh_token"]).json()
    assert live(world, first["access_token"])

    replay = redeem(world, code, verifier)

    assert error_of(replay) == "invalid_grant"
    assert not live(world, first["access_token"])
    assert not live(world, rotated["access_token"])
    assert error_of(refresh(world, rotated["refresh_token"])) == "invalid_grant"
    assert oauth_actions(world)[-1] == "oauth.code_replayed"
    assert len(token_rows(world)) == 2


@pytest.mark.parametrize(
    ("seconds", "accepted"), [(599, True), (600, False), (601, False)]
)
def test_a_code_lives_ten_minutes(
    world: OAuthWorld, seconds: int, accepted: bool
) -> None:
    code, verifier = obtain_code(world)
    world.clock.advance(seconds=seconds)

    response = redeem(world, code, verifier)

    if accepted:
        assert response.status_code == 200, response.text
    else:
        assert error_of(response) == "invalid_grant"
        assert token_rows(world) == []


def test_a_code_is_bound_to_its_client(world: OAuthWorld) -> None:
    code, verifier = obtain_code(world)
    with world.db.write() as session:
        other = register_client(session, name="Other app")

    response = redeem(world, code, verifier, auth=other.basic)

    assert error_of(response) == "invalid_grant"
    assert token_rows(world) == []


def test_a_code_is_bound_to_its_redirect_uri(world: OAuthWorld) -> None:
    code, verifier = obtain_code(world)

    other_uri = redeem(world, code, verifier, redirect_uri=OTHER_REDIRECT_URI)
    no_uri = world.browser.post(
        "/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "code_verifier": verifier,
        },
        auth=world.client.basic,
    )

    assert error_of(other_uri) == "invalid_grant"
    assert error_of(no_uri) == "invalid_grant"
    assert token_rows(world) == []


def test_an_unknown_code_is_invalid_grant(world: OAuthWorld) -> None:
    assert error_of(redeem(world, "sgoc_made-up", "v" * 43)) == "invalid_grant"


@pytest.mark.parametrize(
    ("grant_type", "error"),
    [
        ("password", "unsupported_grant_type"),
        ("client_credentials", "unsupported_grant_type"),
        ("implicit", "unsupported_grant_type"),
        ("", "unsupported_grant_type"),
    ],
)
def test_only_the_code_and_refresh_grants_exist(
    world: OAuthWorld, grant_type: str, error: str
) -> None:
    response = world.browser.post(
        "/oauth/token",
        data={"grant_type": grant_type, "username": "alice", "password": "x"},
        auth=world.client.basic,
    )

    assert error_of(response) == error


# -- client authentication -------------------------------------------------------


def test_clients_authenticate_by_basic_or_by_form_post(world: OAuthWorld) -> None:
    code, verifier = obtain_code(world)
    by_basic = redeem(world, code, verifier)
    code, verifier = obtain_code(world)
    by_post = world.browser.post(
        "/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "code_verifier": verifier,
            "redirect_uri": world.client.redirect_uri,
            "client_id": world.client.client_id,
            "client_secret": world.client.secret,
        },
    )

    assert by_basic.status_code == 200, by_basic.text
    assert by_post.status_code == 200, by_post.text


@pytest.mark.parametrize(
    "how", ["basic", "post", "unknown-basic", "unknown-post", "none"]
)
def test_bad_client_credentials_are_401_invalid_client(
    world: OAuthWorld, how: str
) -> None:
    code, verifier = obtain_code(world)
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "code_verifier": verifier,
        "redirect_uri": world.client.redirect_uri,
    }
    auth: httpx.Auth | None = None
    if how == "basic":
        auth = httpx.BasicAuth(world.client.client_id, "sgos_wrong")
    elif how == "unknown-basic":
        auth = httpx.BasicAuth("nobody", world.client.secret)
    elif how == "post":
        data |= {"client_id": world.client.client_id, "client_secret": "sgos_wrong"}
    elif how == "unknown-post":
        data |= {"client_id": "nobody", "client_secret": world.client.secret}
    else:
        data |= {"client_id": world.client.client_id}

    response = world.browser.post("/oauth/token", data=data, auth=auth)

    assert error_of(response, 401) == "invalid_client"
    assert response.headers["www-authenticate"].startswith("Basic ")
    assert token_rows(world) == []


# -- refresh ---------------------------------------------------------------------


def test_a_reused_refresh_token_revokes_its_whole_family(world: OAuthWorld) -> None:
    first = tokens_for(world)
    second = refresh(world, first["refresh_token"]).json()
    third = refresh(world, second["refresh_token"]).json()

    reuse = refresh(world, first["refresh_token"])

    assert error_of(reuse) == "invalid_grant"
    for tokens in (first, second, third):
        assert not live(world, tokens["access_token"])
    assert error_of(refresh(world, third["refresh_token"])) == "invalid_grant"
    assert "oauth.refresh_reused" in oauth_actions(world)


def test_a_reuse_with_a_wider_scope_still_revokes_the_family(
    world: OAuthWorld,
) -> None:
    first = tokens_for(world)
    second = refresh(world, first["refresh_token"]).json()

    reuse = refresh(world, first["refresh_token"], scope="manage:space")

    assert error_of(reuse) == "invalid_grant"
    assert not live(world, second["access_token"])


def test_refresh_tokens_expire_thirty_days_after_consent_despite_rotation(
    world: OAuthWorld,
) -> None:
    tokens = tokens_for(world)
    for _ in range(3):
        world.clock.advance(days=9)
        tokens = refresh(world, tokens["refresh_token"]).json()
    world.clock.advance(days=2, seconds=59 * 60)
    assert refresh(world, tokens["refresh_token"]).status_code == 200
    world.clock.advance(days=1)

    response = refresh(world, tokens["refresh_token"])

    assert error_of(response) == "invalid_grant"


def test_a_refresh_token_of_another_client_is_invalid_grant(
    world: OAuthWorld,
) -> None:
    tokens = tokens_for(world)
    with world.db.write() as session:
        other = register_client(session, name="Other app")

    response = world.browser.post(
        "/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        auth=other.basic,
    )

    assert error_of(response) == "invalid_grant"
    assert live(world, tokens["access_token"])


def test_an_access_token_is_not_a_refresh_token(world: OAuthWorld) -> None:
    tokens = tokens_for(world)

    assert error_of(refresh(world, tokens["access_token"])) == "invalid_grant"


# -- revocation ------------------------------------------------------------------


def test_revoking_an_unknown_token_succeeds_silently(world: OAuthWorld) -> None:
    before = oauth_actions(world)

    response = world.browser.post(
        "/oauth/revoke", data={"token": "sgoa_never-issued"}, auth=world.client.basic
    )

    assert response.status_code == 200
    assert response.json() == {}
    assert oauth_actions(world) == before


def test_a_client_cannot_revoke_another_clients_token(world: OAuthWorld) -> None:
    tokens = tokens_for(world)
    with world.db.write() as session:
        other = register_client(session, name="Other app")

    response = world.browser.post(
        "/oauth/revoke", data={"token": tokens["access_token"]}, auth=other.basic
    )

    assert response.status_code == 200
    assert live(world, tokens["access_token"])


def test_revocation_needs_client_authentication(world: OAuthWorld) -> None:
    tokens = tokens_for(world)

    anonymous = world.browser.post(
        "/oauth/revoke", data={"token": tokens["access_token"]}
    )
    wrong = world.browser.post(
        "/oauth/revoke",
        data={"token": tokens["access_token"]},
        auth=httpx.BasicAuth(world.client.client_id, "sgos_wrong"),
    )

    assert error_of(anonymous, 401) == "invalid_client"
    assert error_of(wrong, 401) == "invalid_client"
    assert live(world, tokens["access_token"])


def test_revocation_without_a_token_is_invalid_request(world: OAuthWorld) -> None:
    response = world.browser.post("/oauth/revoke", data={}, auth=world.client.basic)

    assert error_of(response) == "invalid_request"


def test_revocation_is_audited(world: OAuthWorld) -> None:
    tokens = tokens_for(world)

    world.browser.post(
        "/oauth/revoke", data={"token": tokens["access_token"]}, auth=world.client.basic
    )

    assert oauth_actions(world)[-1] == "oauth.revoked"


# -- bodies ----------------------------------------------------------------------


def test_an_oversized_body_is_refused_before_it_is_read(world: OAuthWorld) -> None:
    response = world.browser.post(
        "/oauth/token",
        content=b"grant_type=authorization_code&code=" + b"a" * 20_000,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )

    assert error_of(response, 413) == "invalid_request"


def test_a_json_body_is_refused(world: OAuthWorld) -> None:
    response = world.browser.post(
        "/oauth/token", json={"grant_type": "authorization_code"}
    )

    assert error_of(response, 415) == "invalid_request"
