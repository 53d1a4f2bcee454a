"""`signoff oauth-client add`: a client registered, its secret shown once."""

from __future__ import annotations

import hashlib
from pathlib import Path

from sqlalchemy import select

from cli.support import json_out, row_counts, signoff
from signoff.db.models import AuditEvent, OAuthClient
from signoff.db.session import Database


def test_oauth_client_add_prints_the_id_and_the_secret_once(
    db: Database, db_url: str, tmp_path: Path
) -> None:
    result = signoff(
        db_url,
        tmp_path,
        "oauth-client",
        "add",
        "--name",
        "Docs pipeline",
        "--redirect-uri",
        "https://ci.example.com/oauth/callback",
        "--redirect-uri",
        "http://127.0.0.1:8765/callback",
        "--scope",
        "write:change-set",
        "--scope",
        "read:change-set",
        "--json",
    )

    assert result.exit_code == 0, result.output
    printed = json_out(result)
    assert printed["clientSecret"].startswith("sgos_")
    with db.read() as session:
        client = session.scalars(select(OAuthClient)).one()
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "oauth.client_registered")
        ).one()
    assert printed["clientId"] == client.client_id
    assert (
        client.client_secret_hash
        == hashlib.sha256(printed["clientSecret"].encode()).hexdigest()
    )
    assert client.name == "Docs pipeline"
    assert client.redirect_uris == [
        "https://ci.example.com/oauth/callback",
        "http://127.0.0.1:8765/callback",
    ]
    assert client.scopes == ["read:change-set", "write:change-set"]
    assert event.origin == "cli"
    assert event.chain == "site"
    assert printed["clientSecret"] not in f"{event.text}{event.details}"


def test_human_output_warns_the_secret_is_shown_once(
    db_url: str, tmp_path: Path
) -> None:
    result = signoff(
        db_url,
        tmp_path,
        "oauth-client",
        "add",
        "--name",
        "App",
        "--redirect-uri",
        "https://app.example.com/cb",
        "--scope",
        "read:page",
    )

    assert result.exit_code == 0, result.output
    assert "Client secret: sgos_" in result.stdout
    assert "shown only once" in result.stderr


def test_a_plain_http_redirect_uri_is_refused_and_nothing_is_written(
    db: Database, db_url: str, tmp_path: Path
) -> None:
    before = row_counts(db)

    result = signoff(
        db_url,
        tmp_path,
        "oauth-client",
        "add",
        "--name",
        "App",
        "--redirect-uri",
        "http://app.example.com/cb",
        "--scope",
        "read:page",
    )

    assert result.exit_code == 2
    assert "must use https" in result.stderr
    assert row_counts(db) == before


def test_an_unknown_scope_is_refused(db_url: str, tmp_path: Path) -> None:
    result = signoff(
        db_url,
        tmp_path,
        "oauth-client",
        "add",
        "--name",
        "App",
        "--redirect-uri",
        "https://app.example.com/cb",
        "--scope",
        "root:everything",
    )

    assert result.exit_code == 2
    assert "root:everything" in result.stderr
