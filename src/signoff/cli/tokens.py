"""`signoff token`: personal access tokens for pipelines, shown once, stored hashed.

`add` mints one, `list` shows them with their last use, `revoke` ends one at once;
each goes through the same actions as the account page, recorded with origin `cli`.
With `--json` a token is `token_json`'s object (only this command shows tokens so).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table
from sqlalchemy.orm import Session

from signoff.actions.acting import Acting
from signoff.actions.tokens import do_create_token, do_revoke_token
from signoff.actions.unit import unit_of_work, utcnow
from signoff.auth.scopes import ALL_SCOPES
from signoff.cli.common import (
    DatabaseUrlOption,
    DataDirOption,
    JsonOption,
    emit,
    err,
    open_database,
    out,
    settings_from,
    user_by_username,
)
from signoff.db.models import PersonalToken
from signoff.domain.audit_chain import utc_text
from signoff.domain.errors import NotFound
from signoff.domain.states import Origin
from signoff.queries.tokens import TokenView, list_personal_tokens, token_view

app = typer.Typer(help="Personal access tokens for the REST API.", no_args_is_help=True)


def token_json(view: TokenView) -> dict[str, Any]:
    """A token as `list` and `revoke` print it: its id as a number, times in UTC
    with `Z` (null when never), never the secret."""

    def when(moment: datetime | None) -> str | None:
        return None if moment is None else utc_text(moment)

    return {
        "tokenId": view.id,
        "user": view.owner,
        "name": view.name,
        "scopes": list(view.scopes),
        "state": view.state,
        "createdAt": utc_text(view.created_at),
        "expiresAt": when(view.expires_at),
        "lastUsedAt": when(view.last_used_at),
        "revokedAt": when(view.revoked_at),
    }


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
            by=Acting(None, Origin.cli, None, utcnow()),
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


@app.command("list")
def list_command(
    user: Annotated[
        str | None, typer.Option("--user", help="Only this user's tokens.")
    ] = None,
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
    as_json: JsonOption = False,
) -> None:
    """Every personal token (or USER's), with its state and last use; never a secret."""
    settings = settings_from(data_dir, database_url)
    with open_database(settings) as db, db.read() as session:
        owner = user_by_username(session, user).id if user is not None else None
        views = list_personal_tokens(session, utcnow(), owner)
    if as_json:
        emit(True, {"tokens": [token_json(view) for view in views]}, "")
        return
    out().print(_table(views) if views else "No personal tokens.")


def _table(views: list[TokenView]) -> Table:
    table = Table("Id", "User", "Name", "Scopes", "State", caption="Times are UTC.")
    table.add_column("Expires", no_wrap=True)
    table.add_column("Last used", no_wrap=True)
    for view in views:
        table.add_row(
            str(view.id),
            escape(view.owner),
            escape(view.name),
            escape(", ".join(view.scopes)),
            view.state,
            _minute(view.expires_at),
            _minute(view.last_used_at),
        )
    return table


def _minute(moment: datetime | None) -> str:
    return "never" if moment is None else moment.strftime("%Y-%m-%d %H:%M")


def _token(session: Session, token_id: int) -> PersonalToken:
    token = session.get(PersonalToken, token_id)
    if token is None:
        raise NotFound(f"No personal token {token_id}.")
    return token


@app.command("revoke")
def revoke(
    token_id: Annotated[
        int,
        typer.Argument(
            metavar="TOKEN_ID", help="The token's id, as `token list` shows it."
        ),
    ],
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
    as_json: JsonOption = False,
) -> None:
    """Revoke a personal token: the API refuses it from now on. Audited."""
    settings = settings_from(data_dir, database_url)
    with open_database(settings) as db, unit_of_work(db, origin=Origin.cli) as session:
        now = utcnow()
        token = do_revoke_token(
            session,
            _token(session, token_id),
            by=Acting(None, Origin.cli, None, now),
        )
        view = token_view(session, token, now)
    emit(
        as_json,
        {"token": token_json(view)},
        f"Token {view.id} '{escape(view.name)}' of {escape(view.owner)} revoked.",
    )
