"""`signoff group follow` against the stand-in Confluence site: the group takes the
Confluence group's mapped members at once and lists the accounts it left out; an
unknown Confluence group exits 1 in one line."""

from __future__ import annotations

from typer.testing import Result

from cli.support import json_out, signoff
from factories import make_user
from signoff.db.session import Database

from .conftest import Cli


def _group_cmd(cli: Cli, *args: str) -> Result:
    return signoff(cli.db_url, cli.data_dir, "group", *args, env=cli.remote.env)


def _scene(db: Database, cli: Cli) -> str:
    """`legal` on the site holds bea (mapped) and one account mapped to nobody;
    `counsel` in Signoff is empty. The unmapped account's id."""
    cli.connect()
    bea, stranger = (
        cli.remote.site.add_user("Bea"),
        cli.remote.site.add_user("Stranger"),
    )
    cli.remote.site.add_group("legal", (bea, stranger))
    with db.write() as s:
        make_user(s, "bea")
    mapped = cli(
        "user", "map", "--site", "acme", "--account-id", bea.account_id,
        "--user", "bea",
    )  # fmt: skip
    assert mapped.exit_code == 0, mapped.output
    added = _group_cmd(cli, "add", "counsel")
    assert added.exit_code == 0, added.output
    return stranger.account_id


def test_group_follow_takes_the_mapped_members_of_the_confluence_group(
    db: Database, cli: Cli
) -> None:
    unmapped = _scene(db, cli)

    result = _group_cmd(
        cli, "follow", "counsel", "--site", "acme", "--confluence-group", "legal",
        "--json",
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    out = json_out(result)
    assert [m["username"] for m in out["group"]["members"]] == ["bea"]
    assert out["added"] == ["bea"]
    assert out["unmappedAccounts"] == [unmapped]
    follows = out["group"]["follows"]
    assert (follows["site"], follows["confluenceGroup"]) == ("acme", "legal")


def test_group_follow_of_an_unknown_confluence_group_exits_1_in_one_line(
    db: Database, cli: Cli
) -> None:
    _scene(db, cli)

    result = _group_cmd(
        cli, "follow", "counsel", "--site", "acme", "--confluence-group", "lawyers"
    )

    assert result.exit_code == 1
    assert (
        "Confluence group 'lawyers' was not found on site acme, or its credentials "
        "cannot see it." in result.output
    )
