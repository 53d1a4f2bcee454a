"""What every command prints with: Rich consoles, `--json`, one-line errors, exit codes.

Kept free of the database stack so the pipeline commands, which only talk HTTP,
start fast; `cli.common` re-exports these names for the admin commands.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console

EXIT_REFUSED = 1
EXIT_USAGE = 2

JsonOption = Annotated[
    bool, typer.Option("--json", help="Print one JSON object on stdout.")
]


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
