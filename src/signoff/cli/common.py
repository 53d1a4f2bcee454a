"""What the admin commands share: the settings flags, the migrated database, output.

Commands print either Rich text for people or, with `--json`, exactly one JSON object
on stdout (the helpers live in `cli.output`, re-exported here). Errors never reach the
user as tracebacks: `cli.group.SignoffGroup` turns them into one line on stderr, exit
code 2 for bad input and 1 for any other refusal.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import select
from sqlalchemy.orm import Session

from signoff.cli.output import (
    EXIT_REFUSED,
    EXIT_USAGE,
    JsonOption,
    emit,
    err,
    fail,
    out,
)
from signoff.config import Settings, ensure_data_dir, load_settings, site_secret
from signoff.db import migrate
from signoff.db.models import Space, User
from signoff.db.session import Database, make_engine
from signoff.domain.errors import BadInput, NotFound

__all__ = [
    "EXIT_REFUSED",
    "EXIT_USAGE",
    "DataDirOption",
    "DatabaseUrlOption",
    "JsonOption",
    "emit",
    "err",
    "fail",
    "open_database",
    "out",
    "prepare_site",
    "settings_from",
    "space_by_key",
    "user_by_username",
]

DataDirOption = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        envvar="SIGNOFF_DATA_DIR",
        help="Directory for the SQLite file, the secret key and logs "
        "(default: ./signoff-data).",
        show_default=False,
    ),
]
DatabaseUrlOption = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        envvar="SIGNOFF_DATABASE_URL",
        help="SQLAlchemy URL, e.g. postgresql+psycopg://user:pass@host/db "
        "(default: sqlite:///DATA_DIR/signoff.db).",
        show_default=False,
        show_envvar=True,
    ),
]


def settings_from(data_dir: Path | None, database_url: str | None) -> Settings:
    """Settings from `SIGNOFF_*`, with the command's flags taking precedence."""
    return load_settings(data_dir=data_dir, database_url=database_url)


@contextmanager
def open_database(settings: Settings) -> Iterator[Database]:
    """The database, migrated to head, so every command works on a fresh data dir."""
    ensure_data_dir(settings)
    db = Database(
        make_engine(
            settings.effective_database_url, synchronous=settings.sqlite_synchronous
        )
    )
    try:
        migrate.upgrade(db.engine)
        yield db
    finally:
        db.dispose()


def prepare_site(settings: Settings) -> None:
    """What a server needs before it starts: data dir, site key, migrated schema."""
    site_secret(settings)
    with open_database(settings):
        pass


def user_by_username(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"No user named {username!r}.")
    return user


def space_by_key(session: Session, key: str) -> Space:
    space = session.scalar(select(Space).where(Space.key == key))
    if space is None:
        raise BadInput(f"No space with key {key!r}.", field="space")
    return space
