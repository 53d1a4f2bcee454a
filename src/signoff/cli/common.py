"""What every command shares: the settings flags, the migrated database, output.

Commands print either Rich text for people or, with `--json`, exactly one JSON object
on stdout. Errors never reach the user as tracebacks: `SignoffGroup` turns them into
one line on stderr, exit code 2 for bad input and 1 for any other refusal.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from alembic.util import CommandError
from pydantic import ValidationError
from rich.console import Console
from sqlalchemy import select
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.orm import Session
from typer.core import TyperGroup

from signoff.config import Settings, ensure_data_dir, load_settings, site_secret
from signoff.db import migrate
from signoff.db.models import Space, User
from signoff.db.session import Database, make_engine
from signoff.domain.errors import BadInput, NotFound, SignoffError

EXIT_REFUSED = 1
EXIT_USAGE = 2

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
JsonOption = Annotated[
    bool, typer.Option("--json", help="Print one JSON object on stdout.")
]


def settings_from(data_dir: Path | None, database_url: str | None) -> Settings:
    """Settings from `SIGNOFF_*`, with the command's flags taking precedence."""
    return load_settings(data_dir=data_dir, database_url=database_url)


@contextmanager
def open_database(settings: Settings) -> Iterator[Database]:
    """The database, migrated to head, so every command works on a fresh data dir."""
    ensure_data_dir(settings)
    db = Database(make_engine(settings.effective_database_url))
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


def out() -> Console:
    """Rich console on stdout; made per call so test runners' streams are honoured."""
    return Console(soft_wrap=True, highlight=False)


def err() -> Console:
    return Console(stderr=True, soft_wrap=True, highlight=False)


def emit(as_json: bool, data: Mapping[str, Any], human: str) -> None:
    """`data` as one JSON object with `--json`, else `human` (Rich markup)."""
    if as_json:
        typer.echo(json.dumps(data, ensure_ascii=False, default=str))
    else:
        out().print(human)


def fail(message: str, code: int = EXIT_REFUSED) -> NoReturn:
    err().print(f"error: {message}", markup=False)
    raise typer.Exit(code)


def _first_setting_problem(error: ValidationError) -> str:
    problem = error.errors()[0]
    where = ".".join(str(part) for part in problem.get("loc", ()))
    return f"setting {where or 'value'}: {problem.get('msg', 'is not valid')}"


def _database_problem(error: SQLAlchemyError) -> str:
    cause = getattr(error, "orig", None) or error
    first_line = str(cause).strip().splitlines()[0] if str(cause).strip() else ""
    return f"the database cannot be used: {type(cause).__name__}: {first_line}"


class SignoffGroup(TyperGroup):
    """The root command group: expected failures become one line, never a traceback."""

    # `ctx` is Typer's vendored click Context, whose class is not public API.
    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except BadInput as error:
            fail(error.message, EXIT_USAGE)
        except SignoffError as error:
            fail(error.message, EXIT_REFUSED)
        except ValidationError as error:
            fail(_first_setting_problem(error), EXIT_USAGE)
        except ArgumentError as error:
            fail(f"the database URL is not valid: {error}", EXIT_USAGE)
        except SQLAlchemyError as error:
            fail(_database_problem(error), EXIT_REFUSED)
        except CommandError as error:  # e.g. a database from a newer Signoff
            fail(f"the database schema cannot be migrated: {error}", EXIT_REFUSED)
