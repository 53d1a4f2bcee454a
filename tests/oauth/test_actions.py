"""OAuth actions on their own: registration rules, code invariants, revocation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from factories import AT, by, make_user
from signoff.actions.acting import Acting
from signoff.actions.oauth import (
    GrantReplayed,
    InvalidGrant,
    do_exchange_code,
    do_issue_code,
    do_register_client,
    do_revoke_grant,
)
from signoff.auth.bearer import resolve_oauth_access_token
from signoff.auth.tokens import mint_secret
from signoff.db.models import AuditEvent, OAuthClient, OAuthCode, OAuthToken, User
from signoff.db.session import Database
from signoff.domain.errors import BadInput, NotAllowed
from signoff.domain.states import Origin

from .support import pkce_pair

CALLBACK = "https://app.example.com/cb"


def register(
    session: Session, *uris: str, scopes: tuple[str, ...] = ("read:page",)
) -> OAuthClient:
    client, _ = do_register_client(
        session,
        name="App",
        redirect_uris=uris or (CALLBACK,),
        scopes=scopes,
        **by(None, Origin.cli),
    )
    return client


def issue(
    session: Session, client: OAuthClient, user: User, **overrides: str
) -> tuple[OAuthCode, str]:
    code = mint_secret("sgoc_")
    _, challenge = pkce_pair()
    arguments = {
        "redirect_uri": CALLBACK,
        "scope": "read:page",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        **overrides,
    }
    return do_issue_code(
        session, client, user, code=code, by=as_client(client), **arguments
    ), code


def as_client(client: OAuthClient) -> Acting[None]:
    """How the token endpoint acts: for the client, through the API."""
    return Acting(None, Origin.api, client.client_id, AT)


def exchange(
    session: Session, code: OAuthCode, client: OAuthClient
) -> tuple[OAuthToken, str]:
    access = mint_secret("sgoa_")
    token = do_exchange_code(
        session,
        code,
        client=client,
        access_token=access,
        refresh_token=mint_secret("sgor_"),
        by=as_client(client),
    )
    return token, access


@pytest.mark.parametrize(
    "uri",
    [
        "https://app.example.com/cb",
        "https://app.example.com:8443/oauth/cb?tenant=7",
        "http://127.0.0.1:8765/cb",
        "http://127.0.0.1/cb",
        "http://[::1]:9000/cb",
        "http://localhost:3000/cb",
    ],
)
def test_these_redirect_uris_can_be_registered(db: Database, uri: str) -> None:
    with db.write() as session:
        assert register(session, uri).redirect_uris == [uri]


@pytest.mark.parametrize(
    "uri",
    [
        "http://app.example.com/cb",
        "http://10.0.0.5/cb",
        "https://app.example.com/cb#fragment",
        "https://app.example.com/cb#",
        "https://user:pw@app.example.com/cb",
        "https://app.example.com/*",
        "https://app.example.com/c b",
        "https://app.example.com\\cb",
        "/relative/cb",
        "app.example.com/cb",
        "com.example.app:/cb",
        "javascript:alert(1)",
        "ftp://app.example.com/cb",
        "https:///cb",
        "https://app.example.com:99999/cb",
        "https://app.example.com/" + "x" * 2000,
        "",
    ],
)
def test_these_redirect_uris_are_refused(db: Database, uri: str) -> None:
    with db.write() as session, pytest.raises(BadInput) as refused:
        register(session, uri)

    assert refused.value.field == "redirectUri"


def test_a_client_needs_one_to_ten_redirect_uris_and_known_scopes(db: Database) -> None:
    many = [f"https://app.example.com/cb{i}" for i in range(11)]
    with db.write() as session:
        with pytest.raises(BadInput):
            register(session, *many)
        with pytest.raises(BadInput, match="unknown: root:everything"):
            register(session, scopes=("read:page", "root:everything"))
        with pytest.raises(BadInput, match="scope must be one or more"):
            register(session, scopes=())


def test_only_site_administrators_register_clients(db: Database) -> None:
    with db.write() as session:
        someone = make_user(session, "someone")
        with pytest.raises(NotAllowed):
            do_register_client(
                session,
                name="App",
                redirect_uris=[CALLBACK],
                scopes=["read:page"],
                **by(someone),
            )


@pytest.mark.parametrize(
    "overrides",
    [
        {"redirect_uri": "https://app.example.com/other"},
        {"scope": "read:page manage:space"},
        {"scope": ""},
        {"code_challenge_method": "plain"},
        {"code_challenge": "short"},
    ],
)
def test_a_code_is_never_bound_to_what_the_client_may_not_have(
    db: Database, overrides: dict[str, str]
) -> None:
    with db.write() as session:
        user, client = make_user(session, "alice"), register(session)
        with pytest.raises(BadInput):
            issue(session, client, user, **overrides)


def test_exchange_refuses_an_expired_code_and_a_code_of_another_client(
    db: Database,
) -> None:
    with db.write() as session:
        user, client, other = (
            make_user(session, "alice"),
            register(session),
            register(session),
        )
        code, _ = issue(session, client, user)
        with pytest.raises(InvalidGrant, match="another client"):
            exchange(session, code, other)
        code.expires_at = AT - timedelta(seconds=1)
        with pytest.raises(InvalidGrant, match="expired"):
            exchange(session, code, client)


def test_a_second_exchange_is_a_replay(db: Database) -> None:
    with db.write() as session:
        user, client = make_user(session, "alice"), register(session)
        code, _ = issue(session, client, user)
        token, access = exchange(session, code, client)
        with pytest.raises(GrantReplayed):
            exchange(session, code, client)
        session.refresh(token)
        assert token.revoked_at == AT
        assert resolve_oauth_access_token(session, access, AT) is None


def test_revoking_a_grant_ends_its_tokens_and_pending_codes_only(
    db: Database,
) -> None:
    with db.write() as session:
        alice, bob = make_user(session, "alice"), make_user(session, "bob")
        client, other = register(session), register(session)
        _, alice_access = exchange(session, issue(session, client, alice)[0], client)
        _, bob_access = exchange(session, issue(session, client, bob)[0], client)
        _, other_access = exchange(session, issue(session, other, alice)[0], other)
        pending, _ = issue(session, client, alice)

        revoked = do_revoke_grant(session, alice, client, **by(alice))

        assert revoked == 1
        assert resolve_oauth_access_token(session, alice_access, AT) is None
        assert resolve_oauth_access_token(session, bob_access, AT) is not None
        assert resolve_oauth_access_token(session, other_access, AT) is not None
        with pytest.raises(InvalidGrant, match="expired"):
            exchange(session, pending, client)
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "oauth.revoked")
        ).one()
        assert event.details == {
            "clientId": client.client_id,
            "grant": True,
            "revoked": 1,
        }


def test_only_the_user_or_a_site_administrator_revokes_a_grant(db: Database) -> None:
    with db.write() as session:
        alice, mallory = make_user(session, "alice"), make_user(session, "mallory")
        client = register(session)
        with pytest.raises(NotAllowed):
            do_revoke_grant(session, alice, client, **by(mallory))


def test_a_revoked_client_or_an_inactive_user_makes_tokens_dead(db: Database) -> None:
    with db.write() as session:
        alice, client = make_user(session, "alice"), register(session)
        _, access = exchange(session, issue(session, client, alice)[0], client)
        assert resolve_oauth_access_token(session, access, AT) is not None
        client.revoked_at = AT
        session.flush()
        assert resolve_oauth_access_token(session, access, AT) is None
        client.revoked_at = None
        alice.is_active = False
        session.flush()
        assert resolve_oauth_access_token(session, access, AT) is None
