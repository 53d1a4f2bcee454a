"""`signoff space set`: a space's settings, by the shell operator.

Like the other admin commands it runs the action directly against the database, as
the console operator (no user, origin `cli`); with `--json` it prints
`{"space": {"id", "key", "adhocApprovals"}}`.
"""

from __future__ import annotations

from typing import Annotated

import typer

from signoff.actions.acting import Acting
from signoff.actions.adhoc import do_set_adhoc_mode
from signoff.actions.unit import unit_of_work, utcnow
from signoff.cli.common import (
    DatabaseUrlOption,
    DataDirOption,
    JsonOption,
    emit,
    open_database,
    settings_from,
    space_by_key,
)
from signoff.domain.adhoc import AdhocMode
from signoff.domain.states import Origin

app = typer.Typer(help="Spaces: their settings.", no_args_is_help=True)


@app.command("set")
def set_space(
    key: Annotated[str, typer.Argument(help="The space's key.")],
    adhoc_approvals: Annotated[
        AdhocMode,
        typer.Option(
            "--adhoc-approvals",
            help="Where editors may ask named people to approve a page: off; "
            "unassigned (pages no workflow governs); any (every page, a governing "
            "workflow's steps first).",
            case_sensitive=False,
        ),
    ],
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
    as_json: JsonOption = False,
) -> None:
    """Change a space's settings."""
    settings = settings_from(data_dir, database_url)
    with open_database(settings) as db, unit_of_work(db, origin=Origin.cli) as session:
        space = space_by_key(session, key)
        do_set_adhoc_mode(
            session,
            space,
            adhoc_approvals,
            by=Acting(None, Origin.cli, None, utcnow()),
        )
        shaped = {
            "id": str(space.id),
            "key": space.key,
            "adhocApprovals": space.adhoc_approvals,
        }
    emit(
        as_json,
        {"space": shaped},
        f"Space {shaped['key']}: ad-hoc approvals {shaped['adhocApprovals']}.",
    )
