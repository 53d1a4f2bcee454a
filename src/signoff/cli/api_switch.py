"""`signoff api enable|disable`: the site administrator's switch for the REST API."""

from __future__ import annotations

import typer

from signoff.actions.acting import Acting
from signoff.actions.site import do_set_api_enabled
from signoff.actions.unit import unit_of_work, utcnow
from signoff.cli.common import (
    DatabaseUrlOption,
    DataDirOption,
    JsonOption,
    emit,
    open_database,
    settings_from,
)
from signoff.config import Settings
from signoff.domain.states import Origin

app = typer.Typer(
    help="Switch the REST API on or off (off on a fresh install); running servers "
    "follow at once.",
    no_args_is_help=True,
)


@app.command("enable")
def enable(
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
    as_json: JsonOption = False,
) -> None:
    """Turn the REST API on."""
    switch(settings_from(data_dir, database_url), enabled=True, as_json=as_json)


@app.command("disable")
def disable(
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
    as_json: JsonOption = False,
) -> None:
    """Turn the REST API off: every API call is refused with 403."""
    switch(settings_from(data_dir, database_url), enabled=False, as_json=as_json)


def switch(settings: Settings, *, enabled: bool, as_json: bool) -> None:
    with open_database(settings) as db, unit_of_work(db, origin=Origin.cli) as session:
        changed = do_set_api_enabled(
            session,
            enabled,
            by=Acting(None, Origin.cli, None, utcnow()),
        )
    state = "enabled" if enabled else "disabled"
    emit(
        as_json,
        {"apiEnabled": enabled, "changed": changed},
        f"The REST API is {state}" + ("." if changed else " (it already was)."),
    )
