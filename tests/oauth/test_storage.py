"""Secrets at rest: after a whole grant, no code, token or secret is stored in clear."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from factories import PASSWORD
from signoff.db.base import Base
from signoff.db.models import OAuthClient, OAuthCode, OAuthToken, WebSession
from signoff.web.sessions import SESSION_COOKIE

from .support import OAuthWorld, build_world, obtain_code, redeem, refresh


@pytest.fixture
def world(db_url: str, tmp_path: Path) -> Iterator[OAuthWorld]:
    world = build_world(db_url, tmp_path)
    yield world
    world.site.close()


def sha256(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def everything_stored(world: OAuthWorld) -> str:
    """Every row of every table, as text."""
    with world.db.read() as session:
        return "\n".join(
            repr(row)
            for table in Base.metadata.sorted_tables
            for row in session.execute(select(table))
        )


def test_no_secret_is_stored_in_clear_only_its_sha256(world: OAuthWorld) -> None:
    code, verifier = obtain_code(world)
    first = redeem(world, code, verifier).json()
    second = refresh(world, first["refresh_token"]).json()
    session_secret = world.browser.client.cookies[SESSION_COOKIE]
    secrets = {
        "client secret": world.client.secret,
        "code": code,
        "code verifier": verifier,
        "access token": first["access_token"],
        "refresh token": first["refresh_token"],
        "rotated access token": second["access_token"],
        "rotated refresh token": second["refresh_token"],
        "session cookie": session_secret,
        "password": PASSWORD,
    }

    stored = everything_stored(world)

    for what, secret in secrets.items():
        assert secret not in stored, f"the {what} is stored in clear"
    with world.db.read() as session:
        client = session.scalars(select(OAuthClient)).one()
        assert client.client_secret_hash == sha256(world.client.secret)
        assert session.scalars(select(OAuthCode.code_hash)).one() == sha256(code)
        hashes = set(session.scalars(select(OAuthToken.access_token_hash)))
        assert hashes == {sha256(first["access_token"]), sha256(second["access_token"])}
        assert set(session.scalars(select(WebSession.token_hash))) == {
            sha256(session_secret)
        }


def test_tokens_carry_at_least_256_bits_of_randomness(world: OAuthWorld) -> None:
    code, verifier = obtain_code(world)
    tokens = redeem(world, code, verifier).json()

    for secret in (code, tokens["access_token"], tokens["refresh_token"]):
        assert len(secret.split("_", 1)[1]) >= 43  # 32 random bytes, base64url
    assert len(world.client.secret) >= 43 + len("sgos_")
