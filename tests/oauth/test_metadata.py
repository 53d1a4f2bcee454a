"""RFC 8414 metadata: what a client library reads to find and talk to the server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from authlib.oauth2.rfc8414 import AuthorizationServerMetadata

from signoff.api.app import create_app
from signoff.auth.scopes import ALL_SCOPES
from signoff.config import Settings

from .support import OAuthWorld, Site, build_world

BASE_URL = "http://127.0.0.1:8000"


@pytest.fixture
def world(db_url: str, tmp_path: Path) -> Iterator[OAuthWorld]:
    world = build_world(db_url, tmp_path)
    yield world
    world.site.close()


def test_metadata_names_the_endpoints_and_what_they_support(
    world: OAuthWorld,
) -> None:
    response = world.browser.get("/.well-known/oauth-authorization-server")

    assert response.status_code == 200
    document = response.json()
    assert document["issuer"] == BASE_URL
    assert document["authorization_endpoint"] == f"{BASE_URL}/oauth/authorize"
    assert document["token_endpoint"] == f"{BASE_URL}/oauth/token"
    assert document["revocation_endpoint"] == f"{BASE_URL}/oauth/revoke"
    assert document["code_challenge_methods_supported"] == ["S256"]
    assert document["response_types_supported"] == ["code"]
    assert document["grant_types_supported"] == ["authorization_code", "refresh_token"]
    assert document["token_endpoint_auth_methods_supported"] == [
        "client_secret_basic",
        "client_secret_post",
    ]
    assert document["revocation_endpoint_auth_methods_supported"] == [
        "client_secret_basic",
        "client_secret_post",
    ]
    assert set(document["scopes_supported"]) == ALL_SCOPES


def test_metadata_is_a_valid_rfc_8414_document(world: OAuthWorld) -> None:
    document = world.browser.get("/.well-known/oauth-authorization-server").json()

    AuthorizationServerMetadata(document).validate()


def test_oauth_refuses_plain_http_unless_the_site_is_on_loopback(
    db_url: str, tmp_path: Path
) -> None:
    app = create_app(
        Settings(data_dir=tmp_path, database_url=db_url, base_url="http://docs.lan")
    )
    site = Site(app)
    try:
        browser = site.browser()
        token = browser.post("/oauth/token", data={"grant_type": "refresh_token"})
        authorize = browser.get("/oauth/authorize?response_type=code")
    finally:
        site.close()

    assert token.status_code == 400
    assert token.json()["error"] == "insecure_transport"
    assert authorize.status_code == 400
    assert "insecure_transport" in authorize.text
