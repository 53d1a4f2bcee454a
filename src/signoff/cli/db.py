"""`signoff db`: apply the migrations, and check that they match the models."""

from __future__ import annotations

from typing import Any

import typer
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from rich.markup import escape
from sqlalchemy import Engine

from signoff.cli.common import (
    EXIT_REFUSED,
    DatabaseUrlOption,
    DataDirOption,
    JsonOption,
    emit,
    open_database,
    settings_from,
)
from signoff.config import ensure_data_dir
from signoff.db import migrate, models  # noqa: F401  (models registers the tables)
from signoff.db.base import Base
from signoff.db.session import make_engine

app = typer.Typer(
    help="The database schema: migrations and drift.", no_args_is_help=True
)


@app.command("upgrade")
def upgrade(
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
    as_json: JsonOption = False,
) -> None:
    """Apply pending migrations."""
    settings = settings_from(data_dir, database_url)
    ensure_data_dir(settings)
    engine = make_engine(settings.effective_database_url)
    try:
        before = migrate.current_revision(engine)
        migrate.upgrade(engine)
        after = migrate.current_revision(engine)
    finally:
        engine.dispose()
    emit(
        as_json,
        {"revision": after, "previous": before, "upgraded": before != after},
        f"Database at revision {after}"
        + (f" (was {before or 'empty'})." if before != after else " (up to date)."),
    )


@app.command("check")
def check(
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
    as_json: JsonOption = False,
) -> None:
    """Exit 1 when the models and the migrations disagree (after migrating)."""
    settings = settings_from(data_dir, database_url)
    with open_database(settings) as db:
        drift = schema_drift(db.engine)
    emit(
        as_json,
        {"ok": not drift, "drift": drift},
        "The migrations match the models."
        if not drift
        else "The models and the migrations differ:\n"
        + "\n".join(f"  {escape(line)}" for line in drift),
    )
    if drift:
        raise typer.Exit(EXIT_REFUSED)


def schema_drift(engine: Engine) -> list[str]:
    """What autogenerate would write for a migrated database: nothing, when in step."""
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return [describe(diff) for diff in compare_metadata(context, Base.metadata)]


def describe(diff: Any) -> str:
    if isinstance(diff, list):
        return "; ".join(describe(part) for part in diff)
    operation, *subjects = diff
    return f"{operation} " + " ".join(
        str(getattr(subject, "name", subject)) for subject in subjects
    )
