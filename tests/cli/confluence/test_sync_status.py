"""`signoff confluence sync` (one pass now, its counts, its errors) and `status`
(each site's health, each linked space's last pass, watermark and last error)."""

from __future__ import annotations

from sqlalchemy import select

from cli.support import json_out
from signoff.db.models import Page, Space
from signoff.db.session import Database

from .conftest import Cli

SYNC_KEYS = [
    "pagesSeen",
    "versionsRecorded",
    "superseded",
    "staled",
    "writesBack",
    "waitedForRateLimitSeconds",
]


def test_sync_records_new_pages_and_prints_the_counts(db: Database, cli: Cli) -> None:
    cli.link()
    site = cli.remote.site
    page = site.add_page(cli.remote.docs, "Runbook", "<p>One.</p>")
    site.edit_page(page, body="<p>Two.</p>")

    result = cli("sync", "--json")

    assert result.exit_code == 0, result.output
    counts = json_out(result)
    assert list(counts) == SYNC_KEYS
    assert counts == {
        "pagesSeen": 2,
        "versionsRecorded": 2,
        "superseded": 0,
        "staled": 0,
        "writesBack": 0,
        "waitedForRateLimitSeconds": 0,
    }
    with db.read() as s:
        titles = s.scalars(
            select(Page.title).join(Space).where(Space.key == "DOCS").order_by(Page.id)
        ).all()
    assert sorted(titles) == ["Documentation Home", "Runbook"]


def test_sync_without_json_prints_a_sentence_of_counts(cli: Cli) -> None:
    cli.link()

    result = cli("sync")

    assert result.exit_code == 0, result.output
    assert result.stdout.strip().startswith(
        "Saw 1 page(s) on 1 site(s): 1 new version(s) recorded"
    )


def test_sync_of_one_named_site(cli: Cli) -> None:
    cli.link()

    result = cli("sync", "--site", "acme", "--json")

    assert result.exit_code == 0, result.output
    assert json_out(result)["pagesSeen"] == 1


def test_sync_of_an_unknown_site_is_refused(cli: Cli) -> None:
    result = cli("sync", "--site", "nowhere")

    assert result.exit_code == 1
    assert result.stderr.strip() == "error: Confluence site 'nowhere' not found."


def test_sync_prints_a_failing_sites_words_and_exits_1(cli: Cli) -> None:
    cli.link()
    cli.remote.site.revoke(cli.remote.token)

    result = cli("sync", "--json")

    assert result.exit_code == 1
    assert json_out(result)["pagesSeen"] == 0
    assert "error: acme" in result.stderr
    assert "401 Client must be authenticated" in result.stderr
    assert cli.remote.token.token not in result.output


def test_status_json_shows_each_site_and_link_after_a_pass(
    db: Database, cli: Cli
) -> None:
    cli.link()
    site = cli.remote.site
    site.add_page(cli.remote.docs, "Runbook", "<p>One.</p>")
    assert cli("sync").exit_code == 0
    with db.read() as s:
        space_id = s.scalars(select(Space.id).where(Space.key == "DOCS")).one()

    result = cli("status", "--json")

    assert result.exit_code == 0, result.output
    printed = json_out(result)
    (shown_site,) = printed["sites"]
    last_ok = shown_site.pop("lastOkAt")
    assert last_ok.endswith("Z")
    assert shown_site == {
        "name": "acme",
        "url": cli.remote.running.site_url,
        "auth": "basic",
        "health": "healthy",
        "failingSince": None,
        "failures": 0,
        "lastError": None,
        "holdUntil": None,
    }
    (link,) = printed["links"]
    assert link.pop("lastPassAt").endswith("Z")
    watermark = site.clock.now().isoformat().replace("+00:00", "Z")
    assert link == {
        "site": "acme",
        "siteHealth": "healthy",
        "confluenceSpaceKey": "DOCS",
        "confluenceSpaceId": cli.remote.docs.id,
        "spaceKey": "DOCS",
        "spaceId": str(space_id),
        "watermark": watermark,
        "lastError": None,
    }


def test_status_before_any_pass_says_unchecked_and_never(cli: Cli) -> None:
    cli.link()

    printed = json_out(cli("status", "--json"))
    human = cli("status", env={"COLUMNS": "250"})

    assert printed["sites"][0]["health"] == "unchecked"
    assert (printed["links"][0]["lastPassAt"], printed["links"][0]["watermark"]) == (
        None,
        None,
    )
    assert human.exit_code == 0, human.output
    assert "unchecked (no pass yet)" in human.stdout
    link_line = next(line for line in human.stdout.splitlines() if "DOCS (" in line)
    assert "never" in link_line


def test_status_shows_a_failing_site_since_when_and_why(cli: Cli) -> None:
    cli.link()
    cli.remote.site.revoke(cli.remote.token)
    assert cli("sync").exit_code == 1

    printed = json_out(cli("status", "--json"))
    human = cli("status", env={"COLUMNS": "250"})

    (site,) = printed["sites"]
    assert (site["health"], site["failures"]) == ("failing", 1)
    assert site["failingSince"].endswith("Z")
    assert "Client must be authenticated" in site["lastError"]
    assert "Client must be authenticated" in printed["links"][0]["lastError"]
    assert printed["links"][0]["siteHealth"] == "failing"
    assert f"failing since {site['failingSince']} (1 failure(s))" in human.stdout


def test_status_shows_a_site_held_by_its_rate_limit(cli: Cli) -> None:
    cli.link()
    cli.remote.site.faults.rate_limit(1, retry_after=3600)
    assert cli("sync").exit_code == 1

    printed = json_out(cli("status", "--json"))
    human = cli("status", env={"COLUMNS": "250"})

    (site,) = printed["sites"]
    assert site["health"] == "held"
    assert site["holdUntil"].endswith("Z")
    assert f"held until {site['holdUntil']}" in human.stdout


def test_status_with_no_site_says_so(cli: Cli) -> None:
    assert json_out(cli("status", "--json")) == {"sites": [], "links": []}
    human = cli("status")
    assert human.exit_code == 0
    assert human.stdout.strip() == "No Confluence site is connected."


def test_status_of_a_site_with_no_link_says_so(cli: Cli) -> None:
    cli.connect()

    human = cli("status", env={"COLUMNS": "250"})

    assert "acme" in human.stdout
    assert "No Confluence space is linked yet." in human.stdout


def test_site_update_replaces_a_revoked_token_and_the_site_recovers(cli: Cli) -> None:
    cli.link()
    cli.remote.site.revoke(cli.remote.token)
    assert cli("sync").exit_code == 1
    fresh = cli.remote.site.add_api_token(cli.remote.bot)

    wrong = cli(
        "site", "update", "--name", "acme", "--email", fresh.email,
        "--token-env", "WRONG", env={"WRONG": "not-a-token"},
    )  # fmt: skip
    updated = cli(
        "site", "update", "--name", "acme", "--email", fresh.email,
        "--token-env", "FRESH", "--json", env={"FRESH": fresh.token},
    )  # fmt: skip

    assert wrong.exit_code != 0
    assert updated.exit_code == 0, updated.output
    assert json_out(updated)["site"]["auth"] == "basic"
    (site,) = json_out(cli("status", "--json"))["sites"]
    assert (site["failures"], site["lastError"]) == (0, None)
    assert cli("sync").exit_code == 0
    (site,) = json_out(cli("status", "--json"))["sites"]
    assert site["health"] == "healthy"
    assert fresh.token not in updated.output


def test_site_update_of_an_unknown_site_is_refused(cli: Cli) -> None:
    result = cli(
        "site", "update", "--name", "nope", "--email", "a@example.com",
        "--token-env", "T", env={"T": "x"},
    )  # fmt: skip

    assert result.exit_code != 0
    assert "Confluence site 'nope' not found." in result.output
