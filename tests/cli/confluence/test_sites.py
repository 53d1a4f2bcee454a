"""`signoff confluence site add` and `space link`: the site checked with one call,
the token only ever from the environment, refusals in the site's own words."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from cli.support import json_out, row_counts
from signoff.db.models import AuditEvent, ConfluenceSite, ConfluenceSpaceLink, Space
from signoff.db.session import Database

from .conftest import TOKEN_VAR, Cli


def test_site_add_checks_the_token_and_prints_the_site(db: Database, cli: Cli) -> None:
    url = cli.remote.running.site_url

    result = cli(
        "site", "add", "--name", "acme", "--url", url,
        "--email", cli.remote.token.email, "--token-env", TOKEN_VAR, "--json",
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    assert json_out(result) == {"site": {"name": "acme", "url": url, "auth": "basic"}}
    assert cli.remote.site.log.count("GET", "/wiki/api/v2/spaces") == 1
    with db.read() as s:
        site = s.scalars(select(ConfluenceSite)).one()
        events = s.scalars(select(AuditEvent)).all()
    assert (site.name, site.email, site.auth) == (
        "acme",
        cli.remote.token.email,
        "basic",
    )
    secret = cli.remote.token.token
    assert secret not in site.sealed_secret
    assert secret not in result.output
    assert [e.action for e in events] == ["confluence.site_added"]
    assert secret not in str(events[0].details)


def test_site_add_without_json_says_what_was_connected(cli: Cli) -> None:
    result = cli.connect()

    assert "Connected Confluence site acme" in result.stdout
    assert "basic auth" in result.stdout


def test_site_add_with_a_bearer_token_on_the_gateway_address(
    db: Database, cli: Cli
) -> None:
    bearer = cli.remote.site.add_bearer_token(cli.remote.bot)
    url = cli.remote.running.gateway_url

    result = cli(
        "site", "add", "--name", "acme", "--url", url, "--bearer-env", "BEARER",
        "--json", env={"BEARER": bearer.token},
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    assert json_out(result) == {"site": {"name": "acme", "url": url, "auth": "bearer"}}
    with db.read() as s:
        site = s.scalars(select(ConfluenceSite)).one()
    assert (site.auth, site.email, site.cloud_id) == (
        "bearer",
        None,
        cli.remote.site.cloud_id,
    )


@pytest.mark.parametrize("value", [None, "", "   "])
def test_site_add_refuses_a_token_variable_that_is_missing_or_empty(
    db: Database, cli: Cli, value: str | None
) -> None:
    env = {} if value is None else {"EMPTY_TOKEN": value}
    before = row_counts(db)

    result = cli(
        "site", "add", "--name", "acme", "--url", cli.remote.running.site_url,
        "--email", cli.remote.token.email, "--token-env", "EMPTY_TOKEN", env=env,
    )  # fmt: skip

    assert result.exit_code == 2
    assert result.stderr.startswith("error: --token-env EMPTY_TOKEN: the environment")
    assert "EMPTY_TOKEN is not set or is empty" in result.stderr
    assert "Traceback" not in result.output
    assert row_counts(db) == before
    assert cli.remote.site.log.records() == []  # nothing was sent


def test_site_add_with_a_wrong_token_shows_the_sites_words_and_stores_nothing(
    db: Database, cli: Cli
) -> None:
    before = row_counts(db)

    result = cli(
        "site", "add", "--name", "acme", "--url", cli.remote.running.site_url,
        "--email", cli.remote.token.email, "--token-env", "WRONG",
        env={"WRONG": "ATATT-not-the-token"},
    )  # fmt: skip

    assert result.exit_code != 0
    assert "The site refused the credentials" in result.stderr
    assert "Client must be authenticated to access this resource." in result.stderr
    assert "ATATT-not-the-token" not in result.output
    assert row_counts(db) == before


def test_site_add_with_a_wrong_bearer_shows_the_gateways_words(cli: Cli) -> None:
    result = cli(
        "site", "add", "--name", "acme", "--url", cli.remote.running.gateway_url,
        "--bearer-env", "BEARER", env={"BEARER": "eyJ-not-a-token"},
    )  # fmt: skip

    assert result.exit_code != 0
    assert "401 Unauthorized" in result.stderr


@pytest.mark.parametrize(
    ("flags", "words"),
    [
        ([], "Give --email with --token-env VAR, or --bearer-env VAR."),
        (["--token-env", TOKEN_VAR, "--bearer-env", TOKEN_VAR], "Give --email"),
        (["--token-env", TOKEN_VAR], "An API token needs the email of its account."),
        (["--email", "a@example.com", "--bearer-env", TOKEN_VAR], "takes no email"),
        (["--email", "not-an-email", "--token-env", TOKEN_VAR], "email must be"),
    ],
)
def test_site_add_refuses_credentials_given_in_the_wrong_form(
    db: Database, cli: Cli, flags: list[str], words: str
) -> None:
    result = cli(
        "site", "add", "--name", "acme", "--url", cli.remote.running.site_url, *flags
    )  # fmt: skip

    assert result.exit_code == 2, result.output
    assert words in result.stderr
    assert cli.remote.site.log.records() == []


def test_site_add_takes_no_token_on_the_command_line(cli: Cli) -> None:
    result = cli(
        "site", "add", "--name", "acme", "--url", cli.remote.running.site_url,
        "--email", cli.remote.token.email, "--token", cli.remote.token.token,
    )  # fmt: skip

    assert result.exit_code == 2
    assert "No such option: --token" in result.stderr


def test_site_add_refuses_a_name_already_taken(db: Database, cli: Cli) -> None:
    cli.connect()

    again = cli(
        "site", "add", "--name", "acme", "--url", cli.remote.running.site_url,
        "--email", cli.remote.token.email, "--token-env", TOKEN_VAR,
    )  # fmt: skip

    assert again.exit_code == 1
    assert "already exists" in again.stderr


def test_space_link_prints_the_link_and_creates_the_space(
    db: Database, cli: Cli
) -> None:
    cli.connect()

    result = cli(
        "space", "link", "--site", "acme", "--confluence-space", "DOCS",
        "--space", "HANDBOOK", "--json",
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    with db.read() as s:
        space = s.scalars(select(Space).where(Space.key == "HANDBOOK")).one()
        link = s.scalars(select(ConfluenceSpaceLink)).one()
    assert json_out(result) == {
        "link": {
            "site": "acme",
            "confluenceSpaceKey": "DOCS",
            "confluenceSpaceId": cli.remote.docs.id,
            "spaceKey": "HANDBOOK",
            "spaceId": str(space.id),
        }
    }
    assert (space.name, link.space_id) == ("Documentation", space.id)


def test_space_link_without_json_says_what_is_governed(cli: Cli) -> None:
    result = cli.link()

    assert "Confluence space DOCS of acme is governed in space DOCS." in result.stdout


def test_space_link_to_an_unknown_site_is_refused(db: Database, cli: Cli) -> None:
    result = cli(
        "space", "link", "--site", "nowhere", "--confluence-space", "DOCS",
        "--space", "DOCS",
    )  # fmt: skip

    assert result.exit_code == 1
    assert result.stderr.strip() == "error: Confluence site 'nowhere' not found."


def test_space_link_to_a_key_the_site_does_not_have_is_refused(
    db: Database, cli: Cli
) -> None:
    cli.connect()
    before = row_counts(db)

    result = cli(
        "space", "link", "--site", "acme", "--confluence-space", "NOPE",
        "--space", "DOCS",
    )  # fmt: skip

    assert result.exit_code == 1
    assert "The site has no space NOPE" in result.stderr
    assert row_counts(db) == before


@pytest.mark.parametrize(
    ("confluence_key", "space_key", "field"),
    [("DO CS", "DOCS", "confluenceSpace"), ("DOCS", "docs", "space")],
)
def test_space_link_refuses_malformed_keys(
    db: Database, cli: Cli, confluence_key: str, space_key: str, field: str
) -> None:
    cli.connect()
    before = row_counts(db)

    result = cli(
        "space", "link", "--site", "acme", "--confluence-space", confluence_key,
        "--space", space_key,
    )  # fmt: skip

    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {field}")
    assert row_counts(db) == before


def test_site_add_of_an_address_the_policy_refuses_says_so_at_once(
    db: Database, cli: Cli
) -> None:
    before = row_counts(db)

    result = cli(
        "site", "add", "--name", "acme", "--url", cli.remote.running.site_url,
        "--email", cli.remote.token.email, "--token-env", TOKEN_VAR,
        env={"SIGNOFF_CONFLUENCE_ALLOW": ""},
    )  # fmt: skip

    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert "The site cannot be called" in result.stderr
    assert "SIGNOFF_CONFLUENCE_ALLOW" in result.stderr
    assert "wait until" not in result.stderr
    assert cli.remote.site.log.records() == []
    assert row_counts(db) == before
