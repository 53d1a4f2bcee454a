"""The authorization endpoint refuses bad requests, and never redirects where it
should not: only to a URI registered for the client, and only once it is validated."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from signoff.db.models import OAuthCode

from .support import (
    REDIRECT_URI,
    OAuthWorld,
    authorize_path,
    build_world,
    form_fields,
    pkce_pair,
    redirect_params,
    register_client,
)

ATTACKER = "https://evil.example/callback"

# Each differs from REDIRECT_URI (https://client.example.com/callback) somehow.
MUTATIONS = [
    "https://client.example.com/callback/",
    "https://client.example.com/Callback",
    "https://CLIENT.example.com/callback",
    "https://client.example.com/callback?next=1",
    "https://client.example.com/callback?",
    "https://client.example.com:8443/callback",
    "https://client.example.com:443/callback",
    "http://client.example.com/callback",
    "https://evil.client.example.com/callback",
    "https://client.example.com.evil.example/callback",
    "https://client.example.com/callback/../callback",
    "https://client.example.com/other/../callback",
    "https://client.example.com/callback#frag",
    "https://client.example.com/callback#",
    "https://user@client.example.com/callback",
    "https://client.example.com@evil.example/callback",
    "https://client.example.com/%63allback",
    "https://client.example.com/callback%2F",
    "https://client.example.com\\@evil.example/callback",
    "https://xn--client-example-com.example/callback",
    "//client.example.com/callback",
    "client.example.com/callback",
    " https://client.example.com/callback",
    "https://client.example.com/callback ",
    ATTACKER,
    "",
]


@pytest.fixture
def world(db_url: str, tmp_path: Path) -> Iterator[OAuthWorld]:
    world = build_world(db_url, tmp_path)
    yield world
    world.site.close()


@pytest.fixture(scope="module")
def validating_world(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[OAuthWorld]:
    """One site for the tables of requests that validation refuses before any
    write: what they exercise is Authlib and the redirect rules, not the database."""
    directory = tmp_path_factory.mktemp("validating")
    shutil.copyfile(sqlite_template, directory / "signoff.db")
    world = build_world(f"sqlite:///{directory / 'signoff.db'}", directory)
    yield world
    world.site.close()


def assert_error_page(response: httpx.Response, error: str) -> None:
    assert response.status_code == 400, response.text
    assert "location" not in response.headers
    assert response.headers["content-type"].startswith("text/html")
    assert error in response.text


def codes_issued(world: OAuthWorld) -> int:
    with world.db.read() as session:
        return session.scalar(select(func.count()).select_from(OAuthCode)) or 0


@pytest.mark.parametrize("redirect_uri", MUTATIONS)
def test_a_redirect_uri_that_is_not_registered_exactly_is_refused_in_place(
    validating_world: OAuthWorld, redirect_uri: str
) -> None:
    world = validating_world
    _, challenge = pkce_pair()

    response = world.browser.get(
        authorize_path(world.client, challenge, redirect_uri=redirect_uri)
    )

    assert_error_page(response, "invalid_request")


@pytest.mark.parametrize(
    "overrides",
    [
        {"response_type": "token"},
        {"scope": "manage:space"},
        {"scope": "root:everything"},
        {"code_challenge": None},
        {"code_challenge_method": "plain"},
    ],
    ids=["response-type", "scope-not-allowed", "unknown-scope", "no-pkce", "plain"],
)
def test_errors_with_an_attacker_redirect_uri_never_redirect_there(
    validating_world: OAuthWorld, overrides: dict[str, str | None]
) -> None:
    world = validating_world
    _, challenge = pkce_pair()

    response = world.browser.get(
        authorize_path(world.client, challenge, redirect_uri=ATTACKER, **overrides)
    )

    assert response.status_code == 400
    assert "location" not in response.headers
    assert "evil.example" not in response.text


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"scope": "manage:space"}, "invalid_scope"),
        ({"scope": "read:page root:everything"}, "invalid_scope"),
        ({"scope": None}, "invalid_scope"),
        ({"code_challenge": None}, "invalid_request"),
        ({"code_challenge_method": None}, "invalid_request"),
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"code_challenge": "too-short"}, "invalid_request"),
    ],
    ids=[
        "response-type-token",
        "scope-not-allowed",
        "unknown-scope",
        "no-scope",
        "no-challenge",
        "no-method-means-plain",
        "plain",
        "malformed-challenge",
    ],
)
def test_errors_after_the_redirect_uri_is_validated_go_back_to_it(
    world: OAuthWorld, overrides: dict[str, str | None], error: str
) -> None:
    _, challenge = pkce_pair()

    response = world.browser.get(
        authorize_path(world.client, challenge, state="st-1", **overrides)
    )

    assert response.status_code == 302
    assert response.headers["location"].startswith(REDIRECT_URI + "?")
    params = redirect_params(response)
    assert params["error"] == error
    assert params["state"] == "st-1"
    assert "code" not in params
    assert codes_issued(world) == 0


@pytest.mark.parametrize(
    "overrides",
    [
        {"client_id": "no-such-client"},
        {"client_id": None},
        {"client_id": "no-such-client", "response_type": "token"},
        {"redirect_uri": None},
    ],
    ids=["unknown-client", "no-client", "unknown-client-bad-type", "no-redirect"],
)
def test_without_a_known_client_and_its_redirect_uri_nothing_redirects(
    world: OAuthWorld, overrides: dict[str, str | None]
) -> None:
    _, challenge = pkce_pair()

    response = world.browser.get(authorize_path(world.client, challenge, **overrides))

    assert response.status_code == 400
    assert "location" not in response.headers


def test_a_repeated_parameter_is_refused(world: OAuthWorld) -> None:
    _, challenge = pkce_pair()
    path = authorize_path(world.client, challenge)

    response = world.browser.get(path + "&redirect_uri=" + ATTACKER)

    assert_error_page(response, "invalid_request")


def test_a_consent_form_with_a_tampered_redirect_uri_redirects_nowhere(
    world: OAuthWorld,
) -> None:
    _, challenge = pkce_pair()
    page = world.browser.get(authorize_path(world.client, challenge))
    fields = form_fields(page.text)

    response = world.browser.post(
        "/oauth/authorize",
        data={**fields, "redirect_uri": ATTACKER, "decision": "allow"},
    )

    assert_error_page(response, "invalid_request")
    assert codes_issued(world) == 0


def test_a_loopback_redirect_uri_may_use_any_port(world: OAuthWorld) -> None:
    with world.db.write() as session:
        native = register_client(
            session,
            redirect_uris=("http://127.0.0.1:8765/cb",),
            scopes=("read:page",),
            name="Desktop app",
        )
    _, challenge = pkce_pair()

    other_port = world.browser.get(
        authorize_path(
            native,
            challenge,
            redirect_uri="http://127.0.0.1:50123/cb",
            scope="read:page",
        )
    )
    other_path = world.browser.get(
        authorize_path(
            native, challenge, redirect_uri="http://127.0.0.1:50123/cb2", scope="x"
        )
    )
    localhost = world.browser.get(
        authorize_path(
            native, challenge, redirect_uri="http://localhost:8765/cb", scope="x"
        )
    )

    assert other_port.status_code == 200
    assert "Desktop app" in other_port.text
    assert_error_page(other_path, "invalid_request")
    assert_error_page(localhost, "invalid_request")


@pytest.mark.parametrize("csrf", [None, "", "forged-token"])
def test_consent_without_the_sessions_csrf_token_is_forbidden(
    world: OAuthWorld, csrf: str | None
) -> None:
    _, challenge = pkce_pair()
    fields = form_fields(
        world.browser.get(authorize_path(world.client, challenge)).text
    )
    del fields["csrf_token"]
    if csrf is not None:
        fields["csrf_token"] = csrf

    response = world.browser.post(
        "/oauth/authorize", data={**fields, "decision": "allow"}
    )

    assert response.status_code == 403
    assert "location" not in response.headers
    assert codes_issued(world) == 0


def test_consent_with_another_sessions_csrf_token_is_forbidden(
    world: OAuthWorld,
) -> None:
    from .support import sign_in

    other = world.site.browser()
    assert sign_in(other).status_code == 303
    _, challenge = pkce_pair()
    path = authorize_path(world.client, challenge)
    theirs = form_fields(other.get(path).text)["csrf_token"]
    fields = form_fields(world.browser.get(path).text)

    response = world.browser.post(
        "/oauth/authorize", data={**fields, "csrf_token": theirs, "decision": "allow"}
    )

    assert response.status_code == 403
    assert codes_issued(world) == 0


def test_consent_post_without_a_session_is_forbidden(world: OAuthWorld) -> None:
    _, challenge = pkce_pair()
    fields = form_fields(
        world.browser.get(authorize_path(world.client, challenge)).text
    )

    response = world.site.browser().post(
        "/oauth/authorize", data={**fields, "decision": "allow"}
    )

    assert response.status_code == 403
    assert codes_issued(world) == 0


def test_the_authorization_endpoint_sends_no_cors_headers(world: OAuthWorld) -> None:
    _, challenge = pkce_pair()
    path = authorize_path(world.client, challenge)
    origin = {"Origin": "https://evil.example"}

    preflight = world.browser.request(
        "OPTIONS", path, headers={**origin, "Access-Control-Request-Method": "GET"}
    )
    cross_origin = world.browser.get(path, headers=origin)

    for response in (preflight, cross_origin):
        assert not any(h.startswith("access-control-") for h in response.headers)


def test_the_consent_page_lets_its_form_reach_only_the_redirect_origin(
    world: OAuthWorld,
) -> None:
    _, challenge = pkce_pair()

    page = world.browser.get(authorize_path(world.client, challenge))

    csp = page.headers["content-security-policy"]
    assert "form-action 'self' https://client.example.com;" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
