"""Settings and database failures of the admin commands, each as one line for people.

Imported by the root group only after such a library is loaded, so the pipeline
commands never pay for SQLAlchemy, Alembic or pydantic to report their errors.
"""

from __future__ import annotations

import sys

from signoff.cli.output import EXIT_REFUSED, EXIT_USAGE


def known_failure(error: Exception) -> tuple[str, int] | None:
    """(the line to print, the exit code), or None for an unexpected error."""
    pydantic = sys.modules.get("pydantic")
    if pydantic is not None and isinstance(error, pydantic.ValidationError):
        return _first_setting_problem(error), EXIT_USAGE
    if "sqlalchemy" in sys.modules:
        from sqlalchemy.exc import ArgumentError, SQLAlchemyError

        if isinstance(error, ArgumentError):
            return f"the database URL is not valid: {error}", EXIT_USAGE
        if isinstance(error, SQLAlchemyError):
            return _database_problem(error), EXIT_REFUSED
    if "alembic" in sys.modules:
        from alembic.util import CommandError

        if isinstance(error, CommandError):  # e.g. a database from a newer Signoff
            return f"the database schema cannot be migrated: {error}", EXIT_REFUSED
    return None


def _first_setting_problem(error: object) -> str:
    problem = error.errors()[0]  # type: ignore[attr-defined]
    where = ".".join(str(part) for part in problem.get("loc", ()))
    return f"setting {where or 'value'}: {problem.get('msg', 'is not valid')}"


def _database_problem(error: BaseException) -> str:
    cause = getattr(error, "orig", None) or error
    first_line = str(cause).strip().splitlines()[0] if str(cause).strip() else ""
    return f"the database cannot be used: {type(cause).__name__}: {first_line}"
