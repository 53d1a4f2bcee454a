"""`SIGNOFF_SQLITE_SYNCHRONOUS`: `full` unless `normal` is asked for, and it reaches
every connection the server and the CLI open."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError
from sqlalchemy import text

from api.support import AppClient
from signoff.api.app import create_app
from signoff.cli.common import open_database
from signoff.config import Settings
from signoff.db.session import Database, make_engine

FULL, NORMAL = 2, 1  # what `PRAGMA synchronous` answers


def synchronous(db: Database) -> int:
    with db.write() as session:
        return int(session.execute(text("PRAGMA synchronous")).scalar_one())


def test_commits_are_flushed_in_full_by_default(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SIGNOFF_SQLITE_SYNCHRONOUS", raising=False)
    settings = Settings(data_dir=tmp_path, database_url=sqlite_url)
    assert settings.sqlite_synchronous == "full"
    with open_database(settings) as db:
        assert synchronous(db) == FULL


@pytest.mark.parametrize("given", ["normal", " NORMAL "])
def test_normal_reaches_the_servers_connections(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, given: str
) -> None:
    monkeypatch.setenv("SIGNOFF_SQLITE_SYNCHRONOUS", given)
    client = AppClient(
        create_app(Settings(data_dir=tmp_path / "data", database_url=sqlite_url))
    )
    try:
        assert synchronous(client.app.state.db) == NORMAL
    finally:
        client.close()


def test_normal_reaches_the_cli_commands_connections(
    sqlite_url: str, tmp_path: Path
) -> None:
    settings = Settings(
        data_dir=tmp_path, database_url=sqlite_url, sqlite_synchronous="normal"
    )
    with open_database(settings) as db:
        assert synchronous(db) == NORMAL


@pytest.mark.parametrize("given", ["off", "extra", "", "2"])
def test_any_other_synchronous_setting_is_refused_by_name(given: str) -> None:
    with pytest.raises(ValidationError, match="SIGNOFF_SQLITE_SYNCHRONOUS must be"):
        Settings(sqlite_synchronous=given)


def test_an_engine_refuses_a_synchronous_mode_it_does_not_offer(
    sqlite_url: str,
) -> None:
    with pytest.raises(ValueError, match="full or normal, not 'off'"):
        make_engine(sqlite_url, synchronous="off")
