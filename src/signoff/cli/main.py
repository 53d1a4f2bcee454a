"""The `signoff` console script: the root command group and its sub-commands.

Admin commands run actions directly against the database named by `--data-dir` /
`--database-url` (or `SIGNOFF_*`); each takes `--json` for one JSON object on stdout.
"""

from __future__ import annotations

from typing import Annotated

import typer

from signoff import __version__
from signoff.cli import (
    api_switch,
    audit,
    bench,
    db,
    demo,
    groups,
    oauth,
    serve,
    spaces,
    tokens,
    users,
)
from signoff.cli.backup import backup as backup_command
from signoff.cli.backup import restore as restore_command
from signoff.cli.changeset import app as changeset_app
from signoff.cli.common import SignoffGroup
from signoff.cli.confluence import app as confluence_app
from signoff.cli.outbox import app as outbox_app
from signoff.cli.page import app as page_app
from signoff.cli.sync import sync as sync_command
from signoff.cli.webhooks import app as webhook_app
from signoff.cli.worker import worker as worker_command

HELP = "Signoff: version-aware approval of documentation pages."


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"signoff {__version__}")
        raise typer.Exit()


def _root(
    _version: Annotated[
        bool | None,
        typer.Option(
            "--version",
            callback=_print_version,
            is_eager=True,
            help="Print the version and exit.",
        ),
    ] = None,
) -> None:
    """Signoff: version-aware approval of documentation pages."""


def build_app() -> typer.Typer:
    app = typer.Typer(
        name="signoff",
        cls=SignoffGroup,
        help=HELP,
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_show_locals=False,
    )
    app.callback()(_root)
    app.command("serve")(serve.serve)
    app.command("demo")(demo.demo)
    app.add_typer(db.app, name="db")
    app.add_typer(users.app, name="user")
    app.add_typer(groups.app, name="group")
    app.add_typer(spaces.app, name="space")
    app.add_typer(tokens.app, name="token")
    app.add_typer(oauth.app, name="oauth-client")
    app.add_typer(api_switch.app, name="api")
    app.add_typer(audit.app, name="audit")
    app.add_typer(webhook_app, name="webhook")
    app.add_typer(changeset_app, name="changeset")
    app.add_typer(page_app, name="page")
    app.add_typer(confluence_app, name="confluence")
    app.command("sync")(sync_command)
    app.command("worker")(worker_command)
    app.command("backup")(backup_command)
    app.command("restore")(restore_command)
    app.add_typer(outbox_app, name="outbox")
    app.command("bench")(bench.bench)
    return app


def main() -> None:
    build_app()()


if __name__ == "__main__":
    main()
