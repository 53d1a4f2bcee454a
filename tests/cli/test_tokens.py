"""`signoff token add|list|revoke`: a token shown once, stored only as its SHA-256,
listed with its last use, revoked through the audited action."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from factories import AT, by
from signoff.actions.acting import Acting
from signoff.actions.tokens import do_record_token_use, do_revoke_token
from signoff.db.models import AuditEvent, PersonalToken
from signoff.db.session import Database
from signoff.domain.states import Origin

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


def add_token(db_url: str, tmp_path: Path, user: str, name: str) -> int:
    result = signoff(
        db_url,
        tmp_path,
        "token",
        "add",
        "--user",
        user,
        "--scope",
        "read:page",
        "--name",
        name,
        "--json",
    )
    assert result.exit_code == 0, result.output
    token_id = json_out(result)["tokenId"]
    assert isinstance(token_id, int)
    return token_id


@pytest.fixture
def tokens(db: Database, db_url: str, tmp_path: Path, owner: str) -> dict[str, int]:
    """CI (used at AT) and Old (revoked) of `pipeline`, and Laptop of `ops`."""
    result = signoff(db_url, tmp_path, "user", "add", "ops", "--password", "pw-12345")
    assert result.exit_code == 0, result.output
    ids = {
        "CI": add_token(db_url, tmp_path, owner, "CI"),
        "Old": add_token(db_url, tmp_path, owner, "Old"),
        "Laptop": add_token(db_url, tmp_path, "ops", "Laptop"),
    }
    with db.write() as session:
        assert do_record_token_use(
            session, ids["CI"], by=Acting(None, Origin.api, None, AT)
        )
        old = session.get(PersonalToken, ids["Old"])
        assert old is not None
        do_revoke_token(session, old, **by(None, Origin.cli))
    return ids


def test_token_list_shows_every_token_with_its_owner_state_and_last_use(
    db_url: str, tmp_path: Path, tokens: dict[str, int]
) -> None:
    result = signoff(db_url, tmp_path, "token", "list", "--json")

    assert result.exit_code == 0, result.output
    listed = json_out(result)["tokens"]
    assert [(t["tokenId"], t["user"], t["name"], t["state"]) for t in listed] == [
        (tokens["CI"], "pipeline", "CI", "active"),
        (tokens["Old"], "pipeline", "Old", "revoked"),
        (tokens["Laptop"], "ops", "Laptop", "active"),
    ]
    assert listed[0]["lastUsedAt"] == "2026-01-05T09:00:00Z"
    assert listed[0]["scopes"] == ["read:page"]
    assert listed[1]["revokedAt"] == "2026-01-05T09:00:00Z"
    assert listed[2]["lastUsedAt"] is None
    assert "sgnp_" not in result.stdout


def test_token_list_for_one_user_shows_only_theirs(
    db_url: str, tmp_path: Path, tokens: dict[str, int]
) -> None:
    result = signoff(db_url, tmp_path, "token", "list", "--user", "ops", "--json")

    assert result.exit_code == 0, result.output
    assert [t["tokenId"] for t in json_out(result)["tokens"]] == [tokens["Laptop"]]


def test_token_list_for_people_is_a_table_with_last_use(
    db_url: str, tmp_path: Path, tokens: dict[str, int]
) -> None:
    result = signoff(db_url, tmp_path, "token", "list", "--user", "pipeline")

    assert result.exit_code == 0, result.output
    ci_row = next(line for line in result.stdout.splitlines() if " CI " in line)
    assert "2026-01-05 09:00" in ci_row
    assert "active" in ci_row
    assert "revoked" in result.stdout


def test_token_list_with_no_tokens_says_so(db_url: str, tmp_path: Path) -> None:
    result = signoff(db_url, tmp_path, "token", "list")

    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "No personal tokens."


def test_token_list_for_an_unknown_user_is_refused(db_url: str, tmp_path: Path) -> None:
    result = signoff(db_url, tmp_path, "token", "list", "--user", "ghost")

    assert result.exit_code == 1
    assert result.stderr.strip() == "error: No user named 'ghost'."


def test_token_revoke_ends_the_token_and_is_audited(
    db: Database, db_url: str, tmp_path: Path, tokens: dict[str, int]
) -> None:
    result = signoff(
        db_url, tmp_path, "token", "revoke", str(tokens["Laptop"]), "--json"
    )

    assert result.exit_code == 0, result.output
    revoked = json_out(result)["token"]
    assert (revoked["tokenId"], revoked["state"]) == (tokens["Laptop"], "revoked")
    with db.read() as session:
        token = session.get(PersonalToken, tokens["Laptop"])
        event = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "token.revoked")
            .order_by(AuditEvent.id.desc())
        ).first()
    assert token is not None
    assert token.revoked_at is not None
    assert event is not None
    assert event.origin == "cli"
    assert event.details == {"tokenId": tokens["Laptop"]}


def test_token_revoke_for_people_names_the_token_and_its_owner(
    db_url: str, tmp_path: Path, tokens: dict[str, int]
) -> None:
    result = signoff(db_url, tmp_path, "token", "revoke", str(tokens["CI"]))

    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"Token {tokens['CI']} 'CI' of pipeline revoked."


def test_revoking_an_unknown_token_is_refused_and_changes_nothing(
    db: Database, db_url: str, tmp_path: Path, tokens: dict[str, int]
) -> None:
    before = row_counts(db)

    result = signoff(db_url, tmp_path, "token", "revoke", "999")

    assert result.exit_code == 1
    assert result.stderr.strip() == "error: No personal token 999."
    assert row_counts(db) == before


def test_revoking_a_revoked_token_again_is_refused(
    db: Database, db_url: str, tmp_path: Path, tokens: dict[str, int]
) -> None:
    before = row_counts(db)

    result = signoff(db_url, tmp_path, "token", "revoke", str(tokens["Old"]))

    assert result.exit_code == 1
    assert result.stderr.strip() == "error: The token is already revoked."
    assert row_counts(db) == before


@pytest.mark.parametrize("token_id", ["pat:3", "three", ""])
def test_a_token_id_that_is_not_a_number_is_a_usage_error(
    db_url: str, tmp_path: Path, token_id: str
) -> None:
    result = signoff(db_url, tmp_path, "token", "revoke", token_id)

    assert result.exit_code == 2
    assert "TOKEN_ID" in result.output
