"""The `signoff` console script: the root command group and its sub-commands.

Admin commands run actions directly against the database named by `--data-dir` /
`--database-url` (or `SIGNOFF_*`); each takes `--json` for one JSON object on stdout.
They are imported only when they run (`LAZY_COMMANDS`), so the pipeline commands
(`changeset`, `page`, `sync`), which talk HTTP, start without the database stack.
"""

from __future__ import annotations

from typing import Annotated

import typer

from signoff import __version__
from signoff.cli.changeset import app as changeset_app
from signoff.cli.group import Lazy, SignoffGroup
from signoff.cli.page import app as page_app
from signoff.cli.sync import sync as sync_command

HELP = "Signoff: version-aware approval of documentation pages."

# name: where it lives and its first help line (a test keeps the two equal).
LAZY_COMMANDS: dict[str, Lazy] = {
    "serve": Lazy(
        "signoff.cli.serve:serve",
        "Apply pending migrations, then serve the UI and the API.",
    ),
    "demo": Lazy(
        "signoff.cli.demo:demo",
        "Seed demo data (idempotent), print the demo logins, and serve.",
    ),
    "db": Lazy(
        "signoff.cli.db:app",
        "The database schema: migrations and drift.",
    ),
    "user": Lazy(
        "signoff.cli.users:app",
        "People who sign in to Signoff.",
    ),
    "group": Lazy(
        "signoff.cli.groups:app",
        "Groups: teams that hold one seat on a workflow step.",
    ),
    "space": Lazy(
        "signoff.cli.spaces:app",
        "Spaces: their settings.",
    ),
    "token": Lazy(
        "signoff.cli.tokens:app",
        "Personal access tokens for the REST API.",
    ),
    "oauth-client": Lazy(
        "signoff.cli.oauth:app",
        "OAuth 2.0 clients: applications that act for users through the API.",
    ),
    "api": Lazy(
        "signoff.cli.api_switch:app",
        "Switch the REST API on or off (off on a fresh install); running servers "
        "follow at once.",
    ),
    "audit": Lazy(
        "signoff.cli.audit:app",
        "The tamper-evident audit trail.",
    ),
    "webhook": Lazy(
        "signoff.cli.webhooks:app",
        "Webhook receivers of a space.",
    ),
    "confluence": Lazy(
        "signoff.cli.confluence:app",
        "Govern pages that live in Confluence Cloud.",
    ),
    "worker": Lazy(
        "signoff.cli.worker:worker",
        "Deliver outbox messages: webhooks, email and other notifications.",
    ),
    "backup": Lazy(
        "signoff.cli.backup:backup",
        "Copy the SQLite database to one file, while the server keeps running.",
    ),
    "restore": Lazy(
        "signoff.cli.backup:restore",
        "Replace the SQLite database with a backup (stop the server first).",
    ),
    "outbox": Lazy(
        "signoff.cli.outbox:app",
        "The outbox: messages the worker delivers, retries or gave up on.",
    ),
    "bench": Lazy(
        "signoff.cli.bench:bench",
        "Submit, approve, queue, bulk submit, rollup, analytics and audit export.",
    ),
}
ORDER = [
    *("serve", "demo", "db", "user", "group", "space", "token", "oauth-client"),
    *("api", "audit", "webhook", "changeset", "page", "confluence", "sync"),
    *("worker", "backup", "restore", "outbox", "bench"),
]


class RootGroup(SignoffGroup):
    lazy = LAZY_COMMANDS
    order = ORDER


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
        cls=RootGroup,
        help=HELP,
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_show_locals=False,
    )
    app.callback()(_root)
    app.add_typer(changeset_app, name="changeset")
    app.add_typer(page_app, name="page")
    app.command("sync")(sync_command)
    return app


def main() -> None:
    build_app()()


if __name__ == "__main__":
    main()
