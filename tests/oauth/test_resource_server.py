"""OAuth access tokens at the REST API: the granted scopes, the client in the audit."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from factories import by, make_space
from signoff.actions.site import do_set_api_enabled
from signoff.db.models import AuditEvent, User
from signoff.domain.states import Origin

from .support import OAuthWorld, build_world, tokens_for


@pytest.fixture
def world(db_url: str, tmp_path: Path) -> Iterator[tuple[OAuthWorld, str]]:
    """The OAuth world, with the API on and a space its user administers."""
    built = build_world(db_url, tmp_path)
    with built.db.write() as session:
        do_set_api_enabled(session, True, **by(None, Origin.cli))
        user = session.get(User, built.user_id)
        assert user is not None
        space_id = str(make_space(session, admin=user).id)
    yield built, space_id
    built.site.close()


def test_an_oauth_token_acts_within_its_granted_scopes(
    world: tuple[OAuthWorld, str],
) -> None:
    oauth, space_id = world
    access = tokens_for(oauth)["access_token"]
    bearer = {"Authorization": f"Bearer {access}"}

    created = oauth.browser.post(
        "/api/v1/changeSets",
        json={"spaceId": space_id, "title": "From a 3LO app", "pageRefs": []},
        headers=bearer,
    )
    assert created.status_code == 200, created.text

    refused = oauth.browser.get(
        "/api/v1/queue", params={"spaceId": space_id}, headers=bearer
    )
    assert refused.status_code == 403
    assert "read:approval" in refused.json()["error"]

    with oauth.db.read() as session:
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "changeset.created")
        ).one()
    assert event.origin == "api"
    assert event.client_id == oauth.client.client_id
    assert event.text.endswith("(via API)")


def test_a_revoked_oauth_token_is_401_at_the_api(
    world: tuple[OAuthWorld, str],
) -> None:
    oauth, space_id = world
    access = tokens_for(oauth)["access_token"]
    revoked = oauth.browser.post(
        "/oauth/revoke", data={"token": access}, auth=oauth.client.basic
    )
    assert revoked.status_code == 200
    response = oauth.browser.get(
        "/api/v1/changeSets",
        params={"spaceId": space_id},
        headers={"Authorization": f"Bearer {access}"},
    )
    assert response.status_code == 401
