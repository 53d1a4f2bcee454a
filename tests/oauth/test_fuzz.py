"""Random requests to the OAuth endpoints: never a server error, never a stray redirect.

Authlib rejects some characters in its own error descriptions with ValueError, so
hostile values in every parameter are the point here.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reliability.figures import repetitions

from .support import OAuthWorld, build_world, pkce_pair

TEXT = st.text(
    alphabet=st.characters(exclude_categories=("Cs",)), max_size=60
) | st.sampled_from(["", " ", '"', "\\", "ü", "\x00", "read:page", "S256", "plain"])
FUZZ = settings(
    max_examples=repetitions(60, 600),
    deadline=None,
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture(scope="module")
def world(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[OAuthWorld]:
    directory = tmp_path_factory.mktemp("fuzz")
    shutil.copyfile(sqlite_template, directory / "signoff.db")
    world = build_world(f"sqlite:///{directory / 'signoff.db'}", directory)
    yield world
    world.site.close()


@pytest.mark.slow
@FUZZ
@given(
    fields=st.dictionaries(
        st.sampled_from(
            [
                "grant_type",
                "code",
                "code_verifier",
                "redirect_uri",
                "refresh_token",
                "scope",
                "client_id",
                "client_secret",
                "token",
                "token_type_hint",
            ]
        ),
        TEXT,
    ),
    grant_type=st.sampled_from(["authorization_code", "refresh_token", None]),
    with_basic=st.booleans(),
    path=st.sampled_from(["/oauth/token", "/oauth/revoke"]),
)
def test_the_back_channel_answers_every_form_with_an_oauth_error_or_success(
    world: OAuthWorld,
    fields: dict[str, str],
    grant_type: str | None,
    with_basic: bool,
    path: str,
) -> None:
    if grant_type is not None:
        fields["grant_type"] = grant_type
    auth = world.client.basic if with_basic else None

    response = world.browser.post(path, data=fields, auth=auth)

    assert response.status_code in (200, 400, 401), response.text
    assert response.headers["cache-control"] == "no-store"
    if response.status_code != 200:
        assert isinstance(response.json()["error"], str)


@pytest.mark.slow
@FUZZ
@given(
    params=st.dictionaries(
        st.sampled_from(
            [
                "response_type",
                "client_id",
                "redirect_uri",
                "scope",
                "state",
                "code_challenge",
                "code_challenge_method",
            ]
        ),
        TEXT,
    ),
    keep=st.sets(
        st.sampled_from(["response_type", "client_id", "redirect_uri", "challenge"])
    ),
)
def test_the_authorization_endpoint_never_fails_nor_redirects_astray(
    world: OAuthWorld, params: dict[str, str], keep: set[str]
) -> None:
    _, challenge = pkce_pair()
    valid = {
        "response_type": "code",
        "client_id": world.client.client_id,
        "redirect_uri": world.client.redirect_uri,
        "challenge": challenge,
    }
    query = {("code_challenge" if k == "challenge" else k): valid[k] for k in keep}
    query.update(params)

    response = world.browser.get("/oauth/authorize", params=query)

    assert response.status_code in (200, 302, 400), response.text
    if response.status_code == 302:
        location = response.headers["location"]
        assert location.startswith(world.client.redirect_uri + "?")
        assert httpx.URL(location).params.get("code") is None
