"""`signoff group`: site-wide groups and their members, by the shell operator.

Each command runs one group action as the console operator (no user), then prints
the group as it now stands: `{"group": {"name", "members": [...], "follows"}}` with
`--json`. `follow` reads the Confluence group before its transaction opens.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated, Any

import typer
from rich.markup import escape
from sqlalchemy.orm import Session

from signoff.access import access_group
from signoff.actions.acting import Acting
from signoff.actions.confluence.group_follow import (
    GroupSynced,
    do_unfollow_group,
    follow_group,
)
from signoff.actions.groups import (
    do_add_group_member,
    do_create_group,
    do_delete_group,
    do_remove_group_member,
    do_rename_group,
)
from signoff.actions.unit import unit_of_work, utcnow
from signoff.cli.common import (
    DatabaseUrlOption,
    DataDirOption,
    JsonOption,
    emit,
    open_database,
    settings_from,
    user_by_username,
)
from signoff.config import site_secret
from signoff.connectors.confluence.connect import site_http
from signoff.domain.states import Origin
from signoff.queries.group_follows import FollowView, follows_by_group
from signoff.queries.groups import GroupView, group_view, list_groups

app = typer.Typer(
    help="Groups: teams that hold one seat on a workflow step.", no_args_is_help=True
)
member_app = typer.Typer(help="A group's members.", no_args_is_help=True)
app.add_typer(member_app, name="member")

NameArg = Annotated[str, typer.Argument(help="The group's name.")]
UserArg = Annotated[str, typer.Argument(help="The person's username.")]


def _operator() -> dict[str, Any]:
    return {"by": Acting(None, Origin.cli, None, utcnow())}


def _shape(group: GroupView, follows: FollowView | None = None) -> dict[str, Any]:
    shaped: dict[str, Any] = {
        "name": group.name,
        "members": [
            {
                "accountId": m.account_id,
                "username": m.username,
                "displayName": m.display_name,
            }
            for m in group.members
        ],
    }
    if follows is not None:  # only a following group says so: older keys unchanged
        shaped["follows"] = _follows(follows)
    return shaped


def _follows(view: FollowView | None) -> dict[str, Any] | None:
    if view is None:
        return None
    return {
        "site": view.site,
        "confluenceGroup": view.confluence_group,
        "syncedAt": view.synced_at.isoformat() if view.synced_at else None,
        "error": view.error,
        "unmappedAccounts": list(view.unmapped),
    }


def _human(group: GroupView, follows: FollowView | None = None) -> str:
    people = ", ".join(escape(m.username) for m in group.members) or "no members"
    line = f"[bold]{escape(group.name)}[/bold]: {people}"
    if follows is not None:
        synced = follows.synced_at.isoformat() if follows.synced_at else "never"
        line += (
            f" (follows Confluence group {escape(follows.confluence_group)} on site "
            f"{escape(follows.site)}; synced {synced}"
        )
        if follows.unmapped:
            line += f"; {len(follows.unmapped)} unmapped account(s)"
        line += f"; last error: {escape(follows.error)})" if follows.error else ")"
    return line


def _run(
    data_dir: Any,
    database_url: str | None,
    work: Callable[[Session], str],
) -> GroupView | None:
    """Run `work` in one transaction; the group it names, read back afterwards."""
    settings = settings_from(data_dir, database_url)
    with open_database(settings) as db:
        with unit_of_work(db, origin=Origin.cli) as session:
            name = work(session)
        with db.read() as session:
            return group_view(session, name)


def _emit_group(as_json: bool, group: GroupView | None, said: str) -> None:
    assert group is not None
    emit(as_json, {"group": _shape(group)}, f"{said} {_human(group)}")


@app.command("add")
def add(
    name: NameArg,
    member: Annotated[
        list[str] | None,
        typer.Option("--member", help="A username to add; repeat for more."),
    ] = None,
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
    as_json: JsonOption = False,
) -> None:
    """Create a group, with members if given."""

    def work(session: Session) -> str:
        group = do_create_group(session, name, **_operator())
        for username in member or ():
            person = user_by_username(session, username)
            do_add_group_member(session, group, person, **_operator())
        return name

    _emit_group(as_json, _run(data_dir, database_url, work), "Created group")


@app.command("rename")
def rename(
    name: NameArg,
    new_name: Annotated[str, typer.Argument(help="The new name.")],
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
    as_json: JsonOption = False,
) -> None:
    """Rename a group; workflows and reviews follow it."""

    def work(session: Session) -> str:
        do_rename_group(session, access_group(session, name), new_name, **_operator())
        return new_name

    _emit_group(as_json, _run(data_dir, database_url, work), "Renamed:")


@member_app.command("add")
def member_add(
    name: NameArg,
    username: UserArg,
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
    as_json: JsonOption = False,
) -> None:
    """Add a person; the pending reviews the group holds wait for them too."""

    def work(session: Session) -> str:
        group = access_group(session, name)
        person = user_by_username(session, username)
        do_add_group_member(session, group, person, **_operator())
        return name

    _emit_group(as_json, _run(data_dir, database_url, work), "Added:")


@member_app.command("remove")
def member_remove(
    name: NameArg,
    username: UserArg,
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
    as_json: JsonOption = False,
) -> None:
    """Remove a person; pending reviews stop waiting for them through this group."""

    def work(session: Session) -> str:
        group = access_group(session, name)
        person = user_by_username(session, username)
        do_remove_group_member(session, group, person, **_operator())
        return name

    _emit_group(as_json, _run(data_dir, database_url, work), "Removed:")


@app.command("delete")
def delete(
    name: NameArg,
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
    as_json: JsonOption = False,
) -> None:
    """Delete a group nothing refers to (no review or workflow names it)."""

    def work(session: Session) -> str:
        do_delete_group(session, access_group(session, name), **_operator())
        return name

    _run(data_dir, database_url, work)
    emit(as_json, {"deleted": name}, f"Deleted group [bold]{escape(name)}[/bold].")


@app.command("follow")
def follow(
    name: NameArg,
    site: Annotated[str, typer.Option("--site", help="The connected site's name.")],
    confluence_group: Annotated[
        str,
        typer.Option("--confluence-group", help="The Confluence group's exact name."),
    ],
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
    as_json: JsonOption = False,
) -> None:
    """Make the group's members those of a Confluence group (mapped accounts only),
    now and at every pass of the site; changing it by hand is refused meanwhile."""
    settings = settings_from(data_dir, database_url)
    with open_database(settings) as db:
        synced: GroupSynced = follow_group(
            db,
            name,
            site,
            confluence_group,
            http_for=lambda row: site_http(
                row,
                site_key=site_secret(settings),
                allow=settings.confluence_allow_list,
            ),
            by=Acting(None, Origin.cli, None, utcnow()),
        )
        with db.read() as session:
            group = group_view(session, name)
            follows = follows_by_group(session).get(name)
    assert group is not None
    emit(
        as_json,
        {
            "group": _shape(group, follows),
            "added": synced.added,
            "removed": synced.removed,
            "unmappedAccounts": synced.unmapped,
        },
        f"Following: {_human(group, follows)}",
    )


@app.command("unfollow")
def unfollow(
    name: NameArg,
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
    as_json: JsonOption = False,
) -> None:
    """Stop following a Confluence group; the members stay."""

    def work(session: Session) -> str:
        do_unfollow_group(session, access_group(session, name), **_operator())
        return name

    _emit_group(as_json, _run(data_dir, database_url, work), "Unfollowed:")


@app.command("list")
def list_(
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
    as_json: JsonOption = False,
) -> None:
    """Every group with its members."""
    settings = settings_from(data_dir, database_url)
    with open_database(settings) as db, db.read() as session:
        groups: Sequence[GroupView] = list_groups(session)
        follows = follows_by_group(session)
    emit(
        as_json,
        {"groups": [_shape(g, follows.get(g.name)) for g in groups]},
        "\n".join(_human(g, follows.get(g.name)) for g in groups) or "No groups.",
    )
