"""The root command group: server-side commands load on use, errors become one line.

The pipeline commands talk HTTP only; the admin commands need SQLAlchemy, Alembic
and the application, which take a second and more to import. So the root group
lists every command from a table of names and help lines, and imports a server-side
command's module only when that command runs (or shows its own help).
"""

from __future__ import annotations

import importlib
import sys
from dataclasses import dataclass
from typing import Any, ClassVar

import typer
from typer.core import TyperCommand, TyperGroup
from typer.main import get_command

from signoff.cli.output import EXIT_REFUSED, EXIT_USAGE, fail
from signoff.domain.errors import BadInput, SignoffError


@dataclass(frozen=True)
class Lazy:
    """A command or group at `target` (`module:attribute`, a function or a Typer
    app); `help` is its first help line, shown in `signoff --help` unloaded."""

    target: str
    help: str

    def load(self, name: str) -> Any:
        module_name, attribute = self.target.split(":")
        found = getattr(importlib.import_module(module_name), attribute)
        holder = typer.Typer()
        if isinstance(found, typer.Typer):
            # Added as a group, as `add_typer` does: a Typer app of one command
            # (`signoff user add`) must stay a group, not collapse into that command.
            holder.add_typer(found, name=name)
            return get_command(holder).commands[name]  # type: ignore[attr-defined]
        holder.command(name)(found)
        command = get_command(holder)
        command.name = name
        return command


class SignoffGroup(TyperGroup):
    """Expected failures end in one line, never a traceback; `lazy` commands are
    imported by `resolve_command`, which only the command that runs goes through."""

    lazy: ClassVar[dict[str, Lazy]] = {}
    order: ClassVar[list[str]] = []  # how `signoff --help` lists the commands

    def list_commands(self, ctx: Any) -> list[str]:
        names = [*super().list_commands(ctx)]
        names += [name for name in self.lazy if name not in names]
        return sorted(
            names,
            key=lambda n: self.order.index(n) if n in self.order else len(self.order),
        )

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        command = super().get_command(ctx, cmd_name)
        if command is None and cmd_name in self.lazy:
            return TyperCommand(cmd_name, help=self.lazy[cmd_name].help)
        return command

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        name, command, rest = super().resolve_command(ctx, args)
        if name in self.lazy and name not in self.commands:
            command = self.lazy[name].load(name)
            self.add_command(command, name)
        return name, command, rest

    # `ctx` is Typer's vendored click Context, whose class is not public API.
    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except BadInput as error:
            fail(error.message, EXIT_USAGE)
        except SignoffError as error:
            fail(error.message, EXIT_REFUSED)
        except Exception as error:
            known = _server_side_problem(error)
            if known is None:
                raise
            fail(*known)


def _server_side_problem(error: Exception) -> tuple[str, int] | None:
    """Settings and database failures as (line, exit code). Such an error can only
    come from a library already imported, so nothing is imported to check for it."""
    if {"pydantic", "sqlalchemy", "alembic"} & sys.modules.keys():
        from signoff.cli.failures import known_failure

        return known_failure(error)
    return None
