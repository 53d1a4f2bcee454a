"""The account page through ASGI: personal tokens and OAuth grants."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta
from html import unescape

from sqlalchemy import select

from factories import by
from signoff.actions.oauth import do_register_client, store_token
from signoff.actions.site import do_set_api_enabled
from signoff.auth.scopes import Scope
from signoff.db.models import AuditEvent, OAuthToken, PersonalToken, Space
from signoff.domain.states import Origin
from web.conftest import World, csrf

SECRET = re.compile(r'class="token-secret" value="([^"]+)"')


def docs_id(world: World) -> int:
    with world.db.write() as session:
        do_set_api_enabled(session, True, **by(None, Origin.cli))
        return session.scalars(select(Space.id).where(Space.key == "DOCS")).one()


def create(world: World, role: str, name: str = "ci") -> str:
    browser = world.browser(role)
    page = browser.get("/account")
    response = browser.post(
        "/account/tokens",
        data={
            "csrf_token": csrf(page.text),
            "name": name,
            "scope": ["read:change-set", "read:audit"],
            "expires_days": "30",
        },
    )
    assert response.status_code == 200, response.text
    assert "Copy it now" in response.text
    match = SECRET.search(response.text)
    assert match
    return unescape(match.group(1))


def test_the_account_page_lists_every_scope_and_links_from_the_header(
    world: World,
) -> None:
    response = world.browser("editor").get("/account")
    assert response.status_code == 200
    assert 'href="/account" aria-current="page">Account</a>' in response.text
    for scope in Scope:
        assert f'value="{scope.value}"' in response.text
    assert "You have no personal access tokens." in response.text
    assert "No application has access" in response.text


def test_a_new_token_is_shown_once_and_only_its_hash_is_stored(
    world: World,
) -> None:
    secret = create(world, "editor")
    with world.db.read() as session:
        token = session.scalars(
            select(PersonalToken).where(PersonalToken.user_id == world.ids["editor"])
        ).one()
        assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
        assert token.token_hash != secret
        assert token.scopes == ["read:audit", "read:change-set"]
        assert token.expires_at is not None
    again = world.browser("editor").get("/account")
    assert secret not in again.text
    assert "ci" in again.text and "Active" in again.text
    api = world.site.browser().get(
        "/api/v1/changeSets",
        params={"spaceId": docs_id(world)},
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert api.status_code == 200, api.text


def test_revoking_a_token_makes_the_api_refuse_it(world: World) -> None:
    secret = create(world, "editor")
    bearer = {"Authorization": f"Bearer {secret}"}
    browser = world.browser("editor")
    page = browser.get("/account")
    token_id = re.search(r"/account/tokens/(\d+)/revoke", page.text)
    assert token_id
    response = browser.post(
        f"/account/tokens/{token_id.group(1)}/revoke",
        data={"csrf_token": csrf(page.text)},
    )
    assert response.status_code == 303
    assert "Revoked" in browser.get("/account").text
    api = world.site.browser().get(
        "/api/v1/changeSets", params={"spaceId": docs_id(world)}, headers=bearer
    )
    assert api.status_code == 401
    with world.db.read() as session:
        actions = list(
            session.scalars(
                select(AuditEvent.action).where(AuditEvent.action.like("token.%"))
            )
        )
        assert actions == ["token.created", "token.revoked"]


def test_another_persons_token_cannot_be_revoked(world: World) -> None:
    create(world, "editor")
    with world.db.read() as session:
        token_id = session.scalars(select(PersonalToken.id)).one()
    viewer = world.browser("viewer")
    page = viewer.get("/account")
    response = viewer.post(
        f"/account/tokens/{token_id}/revoke", data={"csrf_token": csrf(page.text)}
    )
    assert response.status_code in (403, 404)
    with world.db.read() as session:
        assert session.get(PersonalToken, token_id).revoked_at is None  # type: ignore[union-attr]


def test_a_forged_post_without_the_csrf_token_is_refused(world: World) -> None:
    browser = world.browser("editor")
    response = browser.post(
        "/account/tokens", data={"name": "x", "scope": "read:page", "csrf_token": "no"}
    )
    assert response.status_code == 403
    response = browser.post("/account/tokens", data={"name": "x", "scope": "read:page"})
    assert response.status_code == 403
    with world.db.read() as session:
        assert session.scalars(select(PersonalToken)).first() is None


def test_a_token_without_scopes_is_refused_with_the_message(world: World) -> None:
    browser = world.browser("editor")
    page = browser.get("/account")
    response = browser.post(
        "/account/tokens", data={"csrf_token": csrf(page.text), "name": "x"}
    )
    assert response.status_code == 400
    assert "scope must be one or more" in response.text


def test_oauth_grants_are_listed_by_client_and_can_be_revoked(world: World) -> None:
    now = world.clock()
    with world.db.write() as session:
        client, _secret = do_register_client(
            session,
            name="Release Bot",
            redirect_uris=["https://bot.example/cb"],
            scopes=["read:page", "read:audit"],
            **by(None, Origin.cli, now=now),
        )
        for n, scope in enumerate(("read:page", "read:audit")):
            store_token(
                session,
                client=client,
                user_id=world.ids["editor"],
                scope=scope,
                family=f"family-{n}",
                code_id=None,
                access_token=f"access-{n}",
                refresh_token=f"refresh-{n}",
                refresh_expires_at=now + timedelta(days=30),
                now=now,
            )
    browser = world.browser("editor")
    page = browser.get("/account")
    assert page.text.count("Release Bot</td>") == 1
    assert "read:audit, read:page" in page.text
    assert "Release Bot" not in world.browser("viewer").get("/account").text
    client_id = re.search(r'name="client_id" value="([^"]+)"', page.text)
    assert client_id
    response = browser.post(
        "/account/grants/revoke",
        data={"csrf_token": csrf(page.text), "client_id": client_id.group(1)},
    )
    assert response.status_code == 303
    assert "No application has access" in browser.get("/account").text
    with world.db.read() as session:
        live = session.scalars(
            select(OAuthToken).where(OAuthToken.revoked_at.is_(None))
        ).all()
        assert live == []
        assert (
            session.scalars(
                select(AuditEvent.text).where(AuditEvent.action == "oauth.revoked")
            )
            .one()
            .startswith("Editor's grant to Release Bot was revoked")
        )
