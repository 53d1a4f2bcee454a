"""`signoff db upgrade|check`: migrations on a fresh data dir, and no model drift."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from signoff.cli.main import build_app
from signoff.db import migrate
from signoff.db.session import make_engine

from .support import CLEAN_ENV, json_out, signoff


def test_db_upgrade_creates_the_database_in_a_fresh_data_dir(tmp_path: Path) -> None:
    data_dir = tmp_path / "fresh" / "signoff-data"

    result = CliRunner().invoke(
        build_app(),
        ["db", "upgrade", "--data-dir", str(data_dir), "--json"],
        env=CLEAN_ENV,
    )

    assert result.exit_code == 0, result.output
    printed = json_out(result)
    engine = make_engine(f"sqlite:///{data_dir / 'signoff.db'}")
    try:
        assert migrate.is_up_to_date(engine)
        head = migrate.head_revision(engine)
    finally:
        engine.dispose()
    assert printed == {"revision": head, "previous": None, "upgraded": True}


def test_db_upgrade_twice_changes_nothing(db_url: str, tmp_path: Path) -> None:
    result = signoff(db_url, tmp_path, "db", "upgrade", "--json")

    assert result.exit_code == 0, result.output
    assert json_out(result)["upgraded"] is False


def test_db_check_finds_no_drift_between_models_and_migrations(
    db_url: str, tmp_path: Path
) -> None:
    result = signoff(db_url, tmp_path, "db", "check", "--json")

    assert result.exit_code == 0, result.output
    assert json_out(result) == {"ok": True, "drift": []}


def test_db_check_exits_1_when_the_schema_drifts(db_url: str, tmp_path: Path) -> None:
    engine = make_engine(db_url)
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql("CREATE TABLE stray (id INTEGER PRIMARY KEY)")
    finally:
        engine.dispose()

    result = signoff(db_url, tmp_path, "db", "check")

    assert result.exit_code == 1
    assert "remove_table stray" in result.stdout


def test_an_unusable_database_url_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    result = signoff("not a url", tmp_path, "db", "upgrade")

    assert result.exit_code == 2
    assert result.stderr.startswith("error: the database URL is not valid")
    assert "Traceback" not in result.output


def test_an_unreachable_database_exits_1_with_one_line(tmp_path: Path) -> None:
    url = "postgresql+psycopg://nobody:secret-pw@127.0.0.1:1/nothing"

    result = signoff(url, tmp_path, "user", "add", "dana", "--password", "pw-12345")

    assert result.exit_code == 1
    assert result.stderr.startswith("error: the database cannot be used")
    assert len(result.stderr.strip().splitlines()) == 1
    assert "secret-pw" not in result.stderr


def test_a_database_from_an_unknown_revision_is_one_line_not_a_traceback(
    db_url: str, tmp_path: Path
) -> None:
    engine = make_engine(db_url)
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql(
                "UPDATE alembic_version SET version_num = 'feedfacecafe'"
            )
    finally:
        engine.dispose()

    result = signoff(db_url, tmp_path, "audit", "verify")

    assert result.exit_code == 1
    assert result.stderr.startswith("error: the database schema cannot be migrated")
    assert "feedfacecafe" in result.stderr
    assert "Traceback" not in result.output
