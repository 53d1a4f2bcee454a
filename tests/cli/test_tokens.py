"""`signoff token add`: a token shown once, stored only as its SHA-256."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from signoff.db.models import AuditEvent, PersonalToken
from signoff.db.session import Database

from .support import json_out, row_counts, signoff


@pytest.fixture
def owner(db_url: str, tmp_path: Path) -> str:
    result = signoff(
        db_url, tmp_path, "user", "add", "pipeline", "--password", "pw-12345"
    )
    assert result.exit_code == 0, result.output
    return "pipeline"


def test_token_add_prints_the_token_once_and_stores_only_its_hash(
    db: Database, db_url: str, tmp_path: Path, owner: str
) -> None:
    result = signoff(
        db_url,
        tmp_path,
        "token",
        "add",
        "--user",
        owner,
        "--scope",
        "read:change-set",
        "--scope",
        "write:change-set",
        "--name",
        "CI",
        "--expires-days",
        "30",
        "--json",
    )

    assert result.exit_code == 0, result.output
    printed = json_out(result)
    secret = printed["token"]
    assert secret.startswith("sgnp_")
    assert result.stdout.count(secret) == 1
    with db.read() as session:
        token = session.scalars(select(PersonalToken)).one()
        events = list(session.scalars(select(AuditEvent)))
    assert printed["tokenId"] == token.id
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in repr(
        [token.name, token.token_hash, token.scopes, token.created_at]
    )
    assert all(secret not in f"{e.text}{e.details}" for e in events)
    assert token.scopes == ["read:change-set", "write:change-set"]
    assert token.expires_at is not None
    assert token.expires_at - token.created_at == timedelta(days=30)


def test_token_add_human_output_warns_it_is_shown_once(
    db_url: str, tmp_path: Path, owner: str
) -> None:
    result = signoff(
        db_url, tmp_path, "token", "add", "--user", owner, "--scope", "read:page"
    )

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0].startswith("sgnp_")
    assert "shown only once" in result.stderr


def test_unknown_scope_is_refused_and_nothing_is_written(
    db: Database, db_url: str, tmp_path: Path, owner: str
) -> None:
    before = row_counts(db)

    result = signoff(
        db_url,
        tmp_path,
        "token",
        "add",
        "--user",
        owner,
        "--scope",
        "read:page",
        "--scope",
        "root:everything",
    )

    assert result.exit_code == 2
    assert result.stderr.startswith("error: scope must be one or more of")
    assert "root:everything" in result.stderr
    assert row_counts(db) == before


def test_token_for_an_unknown_user_is_refused(db_url: str, tmp_path: Path) -> None:
    result = signoff(
        db_url, tmp_path, "token", "add", "--user", "ghost", "--scope", "read:page"
    )

    assert result.exit_code == 1
    assert result.stderr.strip() == "error: No user named 'ghost'."


def test_token_needs_at_least_one_scope(
    db_url: str, tmp_path: Path, owner: str
) -> None:
    result = signoff(db_url, tmp_path, "token", "add", "--user", owner)

    assert result.exit_code == 2
    assert "--scope" in result.output
