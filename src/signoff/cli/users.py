"""`signoff user`: accounts, created by the shell operator (who acts as no user)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from signoff.actions.acting import Acting
from signoff.actions.unit import unit_of_work, utcnow
from signoff.actions.users import do_create_user
from signoff.cli.common import (
    DatabaseUrlOption,
    DataDirOption,
    JsonOption,
    emit,
    open_database,
    settings_from,
)
from signoff.domain.states import Origin

app = typer.Typer(help="People who sign in to Signoff.", no_args_is_help=True)


@app.command("add")
def add(
    username: Annotated[
        str, typer.Argument(help="2-64 lower-case letters, digits, '.', '_' or '-'.")
    ],
    password: Annotated[
        str,
        typer.Option(
            "--password",
            prompt=True,
            hide_input=True,
            confirmation_prompt=True,
            help="At least 8 characters (asked for when not given).",
        ),
    ],
    display_name: Annotated[
        str | None, typer.Option("--display-name", help="Defaults to the username.")
    ] = None,
    email: Annotated[str | None, typer.Option("--email")] = None,
    site_admin: Annotated[
        bool, typer.Option("--site-admin", help="Manages spaces, users and the API.")
    ] = False,
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
    as_json: JsonOption = False,
) -> None:
    """Create a user who signs in with a password."""
    settings = settings_from(data_dir, database_url)
    with open_database(settings) as db, unit_of_work(db, origin=Origin.cli) as session:
        user = do_create_user(
            session,
            username,
            password,
            display_name=display_name,
            email=email,
            site_admin=site_admin,
            by=Acting(None, Origin.cli, None, utcnow()),
        )
        account_id = user.account_id
    emit(
        as_json,
        {"accountId": account_id, "username": username, "siteAdmin": site_admin},
        f"Created user [bold]{escape(username)}[/bold]"
        + (" (site administrator)" if site_admin else "")
        + f", account id {account_id}.",
    )
