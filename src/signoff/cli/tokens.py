"""`signoff token`: personal access tokens for pipelines, shown once, stored hashed."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from signoff.actions.tokens import do_create_token
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
    user_by_username,
)
from signoff.domain.states import Origin

app = typer.Typer(help="Personal access tokens for the REST API.", no_args_is_help=True)


@app.command("add")
def add(
    user: Annotated[str, typer.Option("--user", help="Username of the token's owner.")],
    scope: Annotated[
        list[str],
        typer.Option(
            "--scope",
            help=f"Repeat for each scope: {', '.join(sorted(ALL_SCOPES))}.",
        ),
    ],
    name: Annotated[
        str | None, typer.Option("--name", help="A label to recognise it by.")
    ] = None,
    expires_days: Annotated[
        int | None,
        typer.Option("--expires-days", help="Days until it expires (default: never)."),
    ] = None,
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
    as_json: JsonOption = False,
) -> None:
    """Mint a token for USER; the token is printed once and never stored."""
    settings = settings_from(data_dir, database_url)
    with open_database(settings) as db, unit_of_work(db, origin=Origin.cli) as session:
        owner = user_by_username(session, user)
        token, secret = do_create_token(
            session,
            owner,
            scopes=scope,
            name=name,
            expires_days=expires_days,
            actor=None,
            origin=Origin.cli,
            client_id=None,
            now=utcnow(),
        )
        token_id, scopes, expires_at = token.id, list(token.scopes), token.expires_at
    expires = expires_at.isoformat().replace("+00:00", "Z") if expires_at else None
    emit(
        as_json,
        {"token": secret, "tokenId": token_id, "scopes": scopes, "expiresAt": expires},
        f"{secret}\n"
        f"Token {token_id} for {escape(user)}: {escape(', '.join(scopes))}; "
        f"expires {expires or 'never'}.",
    )
    if not as_json:
        err().print("Copy the token now: it is shown only once.", markup=False)
