"""`signoff confluence user map`: one account, a CSV of many (all or nothing), or
every unmapped author by the email the site shows."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from cli.support import json_out, row_counts
from factories import make_user
from signoff.db.models import ConfluenceAccount, PageVersion, User
from signoff.db.session import Database

from .conftest import Cli


def users(db: Database, *names: str, emails: dict[str, str] | None = None) -> None:
    with db.write() as s:
        for name in names:
            make_user(s, name).email = (emails or {}).get(name)


def mapped(db: Database) -> dict[str, str]:
    with db.read() as s:
        return dict(
            s.execute(
                select(ConfluenceAccount.account_id, User.username).join(
                    User, User.id == ConfluenceAccount.user_id
                )
            ).all()
        )


def test_user_map_maps_one_account(db: Database, cli: Cli) -> None:
    cli.connect()
    users(db, "ada")
    account = cli.remote.author.account_id

    result = cli(
        "user", "map", "--site", "acme", "--account-id", account, "--user", "ada",
        "--json",
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    assert json_out(result) == {
        "site": "acme",
        "mapped": [{"accountId": account, "user": "ada", "email": None}],
        "unmapped": [],
    }
    assert mapped(db) == {account: "ada"}


def test_user_map_file_maps_every_line(db: Database, cli: Cli, tmp_path: Path) -> None:
    cli.connect()
    users(db, "ada", "bob")
    csv = tmp_path / "people.csv"
    csv.write_text("accountId,username\n557058:aaa,ada\n5b10ac8d82e05b22cc7d4ef5,bob\n")

    result = cli("user", "map", "--site", "acme", "--file", str(csv))

    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "Mapped 2 account(s) on acme."
    assert mapped(db) == {"557058:aaa": "ada", "5b10ac8d82e05b22cc7d4ef5": "bob"}


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("557058:aaa,ada\n557058:bbb\n", "Line 2: expected accountId,username."),
        ("557058:aaa,ada\nnot an id!,bob\n", "line 2 'not an id!' is not an Atlassian"),
        ("# nobody\n", "The file maps nobody."),
    ],
)
def test_user_map_file_with_a_bad_line_maps_nobody(
    db: Database, cli: Cli, tmp_path: Path, text: str, words: str
) -> None:
    cli.connect()
    users(db, "ada", "bob")
    csv = tmp_path / "people.csv"
    csv.write_text(text)
    before = row_counts(db)

    result = cli("user", "map", "--site", "acme", "--file", str(csv))

    assert result.exit_code == 2
    assert words in result.stderr
    assert row_counts(db) == before


def test_user_map_file_naming_an_unknown_user_maps_nobody(
    db: Database, cli: Cli, tmp_path: Path
) -> None:
    cli.connect()
    users(db, "ada")
    csv = tmp_path / "people.csv"
    csv.write_text("557058:aaa,ada\n557058:bbb,nobody\n")

    result = cli("user", "map", "--site", "acme", "--file", str(csv))

    assert result.exit_code == 1
    assert "User 'nobody' not found." in result.stderr
    assert mapped(db) == {}


def test_user_map_file_that_cannot_be_read_is_bad_input(
    cli: Cli, tmp_path: Path
) -> None:
    cli.connect()
    result = cli("user", "map", "--site", "acme", "--file", str(tmp_path / "none"))

    assert result.exit_code == 2
    assert "--file" in result.stderr


@pytest.mark.parametrize(
    "flags",
    [
        [],
        ["--account-id", "557058:aaa"],
        ["--user", "ada"],
        ["--account-id", "557058:aaa", "--user", "ada", "--by-email"],
        ["--file", "x.csv", "--by-email"],
    ],
)
def test_user_map_needs_exactly_one_way_of_saying_who(
    db: Database, cli: Cli, flags: list[str]
) -> None:
    cli.connect()

    result = cli("user", "map", "--site", "acme", *flags)

    assert result.exit_code == 2
    assert "--account-id" in result.stderr
    assert mapped(db) == {}


def test_user_map_on_an_unknown_site_is_refused(db: Database, cli: Cli) -> None:
    users(db, "ada")
    result = cli(
        "user", "map", "--site", "nowhere", "--account-id", "557058:aaa",
        "--user", "ada",
    )  # fmt: skip

    assert result.exit_code == 1
    assert result.stderr.strip() == "error: Confluence site 'nowhere' not found."


def test_user_map_by_email_maps_authors_whose_email_the_site_shows(
    db: Database, cli: Cli
) -> None:
    site, ada = cli.remote.site, cli.remote.author
    shy = site.add_user("Shy Person", email_visible=False)
    cli.link()
    site.add_page(cli.remote.docs, "Runbook", "<p>One.</p>", author=ada)
    site.add_page(cli.remote.docs, "Secrets", "<p>Two.</p>", author=shy)
    assert cli("sync").exit_code == 0
    users(
        db,
        "ada",
        "shy",
        emails={"ada": "ADA.Lovelace@Example.com", "shy": shy.email},
    )

    result = cli("user", "map", "--site", "acme", "--by-email", "--json")

    assert result.exit_code == 0, result.output
    printed = json_out(result)
    assert printed["mapped"] == [
        {"accountId": ada.account_id, "user": "ada", "email": ada.email}
    ]
    reasons = {row["accountId"]: row["reason"] for row in printed["unmapped"]}
    assert reasons[shy.account_id] == "the site hides this account's email"
    owner = site.owner
    assert reasons[owner.account_id] == f"no Signoff user has the email {owner.email}"
    assert mapped(db) == {ada.account_id: "ada"}
    with db.read() as s:
        authors = s.execute(
            select(PageVersion.author_account, User.username).join(
                User, User.id == PageVersion.author_id
            )
        ).all()
    assert authors == [(ada.account_id, "ada")]


def test_user_map_by_email_asks_only_about_authors_still_unmapped(
    db: Database, cli: Cli
) -> None:
    site, ada = cli.remote.site, cli.remote.author
    cli.link()
    site.add_page(cli.remote.docs, "Runbook", "<p>One.</p>", author=ada)
    assert cli("sync").exit_code == 0
    users(db, "ada", emails={"ada": ada.email})
    assert cli("user", "map", "--site", "acme", "--by-email").exit_code == 0

    again = cli("user", "map", "--site", "acme", "--by-email", "--json")

    assert again.exit_code == 0, again.output
    printed = json_out(again)
    assert printed["mapped"] == []
    assert [row["accountId"] for row in printed["unmapped"]] == [
        cli.remote.site.owner.account_id
    ]
    assert mapped(db) == {ada.account_id: "ada"}


def test_user_map_by_email_shows_a_table_of_who_was_mapped_and_who_not(
    db: Database, cli: Cli
) -> None:
    site, ada = cli.remote.site, cli.remote.author
    cli.link()
    site.add_page(cli.remote.docs, "Runbook", "<p>One.</p>", author=ada)
    assert cli("sync").exit_code == 0
    users(db, "ada", emails={"ada": ada.email})

    result = cli("user", "map", "--site", "acme", "--by-email", env={"COLUMNS": "250"})

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    ada_line = next(line for line in lines if ada.account_id in line)
    assert "Ada Lovelace" in ada_line and " ada " in ada_line
    owner_line = next(line for line in lines if site.owner.account_id in line)
    assert f"nobody: no Signoff user has the email {site.owner.email}" in owner_line


def test_user_map_by_email_leaves_a_user_already_mapped_alone(
    db: Database, cli: Cli
) -> None:
    site, ada = cli.remote.site, cli.remote.author
    twin = site.add_user("Ada Twin", email="ada.twin@example.com")
    cli.link()
    site.add_page(cli.remote.docs, "Runbook", "<p>One.</p>", author=twin)
    assert cli("sync").exit_code == 0
    users(db, "ada", emails={"ada": twin.email})
    first = cli("user", "map", "--site", "acme", "--account-id", ada.account_id,
                "--user", "ada")  # fmt: skip
    assert first.exit_code == 0, first.output

    result = cli("user", "map", "--site", "acme", "--by-email", "--json")

    assert result.exit_code == 0, result.output
    reasons = {row["accountId"]: row["reason"] for row in json_out(result)["unmapped"]}
    assert reasons[twin.account_id] == "ada is already another account on the site"
    assert mapped(db) == {ada.account_id: "ada"}


def test_user_map_by_email_with_a_failing_site_maps_nobody(
    db: Database, cli: Cli
) -> None:
    site, ada = cli.remote.site, cli.remote.author
    cli.link()
    site.add_page(cli.remote.docs, "Runbook", "<p>One.</p>", author=ada)
    assert cli("sync").exit_code == 0
    users(db, "ada", emails={"ada": ada.email})
    site.revoke(cli.remote.token)

    result = cli("user", "map", "--site", "acme", "--by-email")

    assert result.exit_code == 1
    assert "could not be asked for its people's profiles" in result.stderr
    assert "Client must be authenticated" in result.stderr
    assert mapped(db) == {}
