"""The three legs end to end: sign in, consent, code, tokens, refresh, revoke."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from signoff.auth.bearer import oauth_client_id, resolve_oauth_access_token
from signoff.db.models import AuditEvent, OAuthToken

from .support import (
    SCOPES,
    OAuthWorld,
    authorize_path,
    build_world,
    consent,
    obtain_code,
    pkce_pair,
    redeem,
    redirect_params,
    refresh,
    tokens_for,
)


@pytest.fixture
def world(db_url: str, tmp_path: Path) -> Iterator[OAuthWorld]:
    world = build_world(db_url, tmp_path)
    yield world
    world.site.close()


def live(world: OAuthWorld, access_token: str) -> OAuthToken | None:
    with world.db.read() as session:
        return resolve_oauth_access_token(session, access_token, world.clock())


def test_signed_out_user_is_sent_to_login_and_comes_back(world: OAuthWorld) -> None:
    _, challenge = pkce_pair()
    path = authorize_path(world.client, challenge)

    response = world.site.browser().get(path)

    assert response.status_code == 303
    location = response.headers["location"]
    assert location.startswith("/login?next=")
    assert redirect_params(response)["next"] == path


def test_consent_page_names_the_client_and_every_scope(world: OAuthWorld) -> None:
    _, challenge = pkce_pair()

    page = world.browser.get(authorize_path(world.client, challenge))

    assert page.status_code == 200
    assert "Pipeline Bot" in page.text
    for scope in SCOPES:
        assert f"<code>{scope}</code>" in page.text
    assert ">Allow</button>" in page.text
    assert ">Deny</button>" in page.text
    assert page.headers["cache-control"] == "no-store"


def test_allow_redirects_to_the_registered_uri_with_a_code_and_the_state(
    world: OAuthWorld,
) -> None:
    _, challenge = pkce_pair()
    state = "s t/a+t&e=ü"

    answer = consent(
        world.browser, authorize_path(world.client, challenge, state=state)
    )

    assert answer.status_code == 303
    assert answer.headers["location"].startswith(world.client.redirect_uri + "?")
    params = redirect_params(answer)
    assert params["state"] == state
    assert params["code"].startswith("sgoc_")


def test_deny_redirects_with_access_denied_and_issues_no_code(
    world: OAuthWorld,
) -> None:
    _, challenge = pkce_pair()

    answer = consent(world.browser, authorize_path(world.client, challenge), "deny")

    assert answer.status_code == 303
    assert answer.headers["location"].startswith(world.client.redirect_uri + "?")
    params = redirect_params(answer)
    assert params["error"] == "access_denied"
    assert params["state"] == "xyz-state"
    assert "code" not in params


def test_code_redeems_for_tokens_the_resource_server_accepts(
    world: OAuthWorld,
) -> None:
    code, verifier = obtain_code(world)

    response = redeem(world, code, verifier)

    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["pragma"] == "no-cache"
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert body["scope"] == " ".join(SCOPES)
    assert body["access_token"].startswith("sgoa_")
    assert body["refresh_token"].startswith("sgor_")
    token = live(world, body["access_token"])
    assert token is not None
    assert token.user_id == world.user_id
    assert token.scope == "read:change-set write:change-set read:page"
    with world.db.read() as session:
        assert oauth_client_id(session, token) == world.client.client_id


def test_access_token_expires_after_an_hour(world: OAuthWorld) -> None:
    body = tokens_for(world)

    world.clock.advance(minutes=59, seconds=59)
    assert live(world, body["access_token"]) is not None
    world.clock.advance(seconds=1)
    assert live(world, body["access_token"]) is None


def test_refresh_rotates_both_tokens_and_keeps_the_scope(world: OAuthWorld) -> None:
    first = tokens_for(world)
    world.clock.advance(minutes=90)

    response = refresh(world, first["refresh_token"])

    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    second = response.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert second["scope"] == first["scope"]
    assert live(world, second["access_token"]) is not None


def test_refresh_may_narrow_the_scope_but_never_widen_it(world: OAuthWorld) -> None:
    first = tokens_for(world)

    wider = refresh(world, first["refresh_token"], scope="read:page manage:space")
    narrower = refresh(world, first["refresh_token"], scope="read:page")

    assert wider.status_code == 400
    assert wider.json()["error"] == "invalid_scope"
    assert narrower.status_code == 200, narrower.text
    assert narrower.json()["scope"] == "read:page"
    token = live(world, narrower.json()["access_token"])
    assert token is not None
    assert token.scope == "read:page"


def test_revoking_the_refresh_token_ends_every_token_of_the_grant(
    world: OAuthWorld,
) -> None:
    first = tokens_for(world)
    second = refresh(world, first["refresh_token"]).json()

    response = world.browser.post(
        "/oauth/revoke",
        data={"token": second["refresh_token"], "token_type_hint": "refresh_token"},
        auth=world.client.basic,
    )

    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert live(world, first["access_token"]) is None
    assert live(world, second["access_token"]) is None
    again = refresh(world, second["refresh_token"])
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"


def test_revoking_an_access_token_ends_it_at_once(world: OAuthWorld) -> None:
    body = tokens_for(world)

    response = world.browser.post(
        "/oauth/revoke",
        data={
            "token": body["access_token"],
            "client_id": world.client.client_id,
            "client_secret": world.client.secret,
        },
    )

    assert response.status_code == 200
    assert live(world, body["access_token"]) is None


def test_the_grant_is_audited_with_origin_api_and_the_client_id(
    world: OAuthWorld,
) -> None:
    body = tokens_for(world)
    refresh(world, body["refresh_token"])

    with world.db.read() as session:
        events = list(
            session.scalars(select(AuditEvent).where(AuditEvent.action.like("oauth.%")))
        )
    assert [e.action for e in events] == [
        "oauth.client_registered",
        "oauth.authorized",
        "oauth.token_issued",
        "oauth.token_issued",
    ]
    for event in events[1:]:
        assert event.origin == "api"
        assert event.client_id == world.client.client_id
        assert event.actor_id == world.user_id
        assert event.text.endswith("(via API)")
    assert [e.details["grantType"] for e in events[2:]] == [
        "authorization_code",
        "refresh_token",
    ]
