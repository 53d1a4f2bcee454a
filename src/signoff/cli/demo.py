"""`signoff demo`: seed the demo data (only into an empty database), then serve."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from signoff.actions.unit import utcnow
from signoff.cli.common import (
    DatabaseUrlOption,
    DataDirOption,
    JsonOption,
    emit,
    open_database,
    out,
    prepare_site,
    settings_from,
)
from signoff.cli.serve import HostOption, PortOption, refuse_taken_port, run_server
from signoff.demo import DemoLogins, SeedOutcome, seed_demo

OUTCOME_TEXT = {
    SeedOutcome.created: "Demo data created in space {space}.",
    SeedOutcome.present: "Demo data already present in space {space}; nothing changed.",
    SeedOutcome.skipped: "The database already holds other data, so no demo data was "
    "added (demo data only goes into an empty database; try another --data-dir).",
}


def demo(
    no_serve: Annotated[
        bool, typer.Option("--no-serve", help="Seed and print the logins, then stop.")
    ] = False,
    host: HostOption = "127.0.0.1",
    port: PortOption = 8000,
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
    as_json: JsonOption = False,
) -> None:
    """Seed demo data (idempotent), print the demo logins, and serve."""
    if not no_serve:
        refuse_taken_port(host, port)
    settings = settings_from(data_dir, database_url)
    prepare_site(settings)
    with open_database(settings) as db:
        seeded = seed_demo(db, now=utcnow())
    url = f"http://{host}:{port}"
    if as_json:
        emit(True, demo_json(seeded, url=url, serving=not no_serve), "")
    else:
        print_logins(seeded, url=url, serving=not no_serve)
    if not no_serve:
        run_server(settings, host=host, port=port)


def demo_json(seeded: DemoLogins, *, url: str, serving: bool) -> dict[str, object]:
    logins = [] if seeded.outcome is SeedOutcome.skipped else seeded.logins
    return {
        "outcome": seeded.outcome.value,
        "space": seeded.space_key,
        "url": url,
        "serving": serving,
        "logins": [
            {"username": x.username, "password": x.password, "roles": x.roles}
            for x in logins
        ],
    }


def print_logins(seeded: DemoLogins, *, url: str, serving: bool) -> None:
    console = out()
    console.print(OUTCOME_TEXT[seeded.outcome].format(space=seeded.space_key))
    if seeded.outcome is not SeedOutcome.skipped:
        table = Table(title="Demo logins", title_justify="left")
        for column in ("username", "password", "roles"):
            table.add_column(column)
        for login in seeded.logins:
            table.add_row(login.username, login.password, escape(login.roles))
        console.print(table)
    if serving:
        console.print(
            f"Serving Signoff on [bold]{escape(url)}[/bold] (Ctrl+C stops it)."
        )
