"""`signoff oauth-client add`: register an OAuth 2.0 client, secret shown once."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from signoff.actions.acting import Acting
from signoff.actions.oauth import do_register_client
from signoff.actions.unit import unit_of_work, utcnow
from signoff.auth.scopes import ALL_SCOPES
from signoff.cli.common import (
    DatabaseUrlOption,
    DataDirOption,
    JsonOption,
    emit,
    err,
    open_database,
    settings_from,
)
from signoff.domain.states import Origin

app = typer.Typer(
    help="OAuth 2.0 clients: applications that act for users through the API.",
    no_args_is_help=True,
)


@app.command("add")
def add(
    name: Annotated[str, typer.Option("--name", help="Shown on the consent screen.")],
    redirect_uri: Annotated[
        list[str],
        typer.Option(
            "--redirect-uri",
            help="Repeat for each; matched exactly. https, or http for loopback only.",
        ),
    ],
    scope: Annotated[
        list[str],
        typer.Option(
            "--scope",
            help=f"Repeat for each scope: {', '.join(sorted(ALL_SCOPES))}.",
        ),
    ],
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
    as_json: JsonOption = False,
) -> None:
    """Register a client; its secret is printed once and stored only as a hash."""
    settings = settings_from(data_dir, database_url)
    with open_database(settings) as db, unit_of_work(db, origin=Origin.cli) as session:
        client, secret = do_register_client(
            session,
            name=name,
            redirect_uris=redirect_uri,
            scopes=scope,
            by=Acting(None, Origin.cli, None, utcnow()),
        )
        client_id, scopes, uris = client.client_id, client.scopes, client.redirect_uris
    emit(
        as_json,
        {
            "clientId": client_id,
            "clientSecret": secret,
            "name": name,
            "redirectUris": uris,
            "scopes": scopes,
        },
        f"Client ID:     {client_id}\nClient secret: {secret}\n"
        f"Redirect URIs: {escape(', '.join(uris))}\n"
        f"Scopes:        {escape(' '.join(scopes))}",
    )
    if not as_json:
        err().print("Copy the client secret now: it is shown only once.", markup=False)
