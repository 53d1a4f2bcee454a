"""`signoff user add`: accounts by the shell operator; bad input names its field."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from signoff.auth.passwords import verify_password
from signoff.db.models import AuditEvent, User
from signoff.db.session import Database

from .support import json_out, row_counts, signoff


def test_user_add_prints_the_account_id_and_stores_a_hashed_password(
    db: Database, db_url: str, tmp_path: Path
) -> None:
    result = signoff(
        db_url,
        tmp_path,
        "user",
        "add",
        "dana",
        "--password",
        "long enough pw",
        "--display-name",
        "Dana Writer",
        "--email",
        "dana@example.com",
        "--site-admin",
        "--json",
    )

    assert result.exit_code == 0, result.output
    printed = json_out(result)
    with db.read() as session:
        user = session.scalars(select(User)).one()
        event = session.scalars(select(AuditEvent)).one()
    assert printed["accountId"] == user.account_id
    assert (user.username, user.display_name, user.email) == (
        "dana",
        "Dana Writer",
        "dana@example.com",
    )
    assert user.is_site_admin
    assert verify_password(user.password_hash, "long enough pw")
    assert "long enough pw" not in (user.password_hash or "")
    assert (event.action, event.origin, event.actor_name) == (
        "user.created",
        "cli",
        "system",
    )


def test_user_add_without_json_prints_a_sentence(db_url: str, tmp_path: Path) -> None:
    result = signoff(db_url, tmp_path, "user", "add", "erin", "--password", "pw-12345")

    assert result.exit_code == 0, result.output
    assert "Created user erin" in result.stdout


def test_duplicate_username_is_refused_with_exit_1(
    db: Database, db_url: str, tmp_path: Path
) -> None:
    first = signoff(db_url, tmp_path, "user", "add", "dana", "--password", "pw-12345")
    assert first.exit_code == 0, first.output
    before = row_counts(db)

    again = signoff(db_url, tmp_path, "user", "add", "dana", "--password", "pw-67890")

    assert again.exit_code == 1
    assert again.stderr.strip() == "error: A user named 'dana' already exists."
    assert "Traceback" not in again.output
    assert row_counts(db) == before


@pytest.mark.parametrize(
    ("username", "password", "field"),
    [
        ("Not Valid!", "long enough", "username"),
        ("x", "long enough", "username"),
        ("dana", "short", "password"),
    ],
)
def test_bad_input_exits_2_naming_the_field_and_writes_nothing(
    db: Database,
    db_url: str,
    tmp_path: Path,
    username: str,
    password: str,
    field: str,
) -> None:
    result = signoff(db_url, tmp_path, "user", "add", username, "--password", password)

    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {field} ")
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stdout == ""
    assert row_counts(db)["users"] == 0
    assert row_counts(db)["audit_events"] == 0


def test_bad_email_is_refused_naming_the_field(db_url: str, tmp_path: Path) -> None:
    result = signoff(
        db_url,
        tmp_path,
        "user",
        "add",
        "dana",
        "--password",
        "pw-12345",
        "--email",
        "not-an-address",
    )

    assert result.exit_code == 2
    assert result.stderr.startswith("error: email ")


def test_password_is_asked_for_when_not_given(
    db: Database, db_url: str, tmp_path: Path
) -> None:
    result = signoff(
        db_url,
        tmp_path,
        "user",
        "add",
        "dana",
        stdin="pw-from-prompt\npw-from-prompt\n",
    )

    assert result.exit_code == 0, result.output
    with db.read() as session:
        user = session.scalars(select(User)).one()
    assert verify_password(user.password_hash, "pw-from-prompt")
