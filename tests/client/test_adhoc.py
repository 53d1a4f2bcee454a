"""Ad-hoc approvals from a pipeline: `signoff page request-approval` and the client's
`request_approval` against a real server, and `signoff space set --adhoc-approvals`
on the same database. The site's space has a default workflow, so asking there
needs the space to allow any page."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from typer.testing import Result

from signoff.client.approvals import Approvals
from signoff.client.connection import Connection
from signoff.db.models import ApprovalRequest, Space, User, Workflow

from .conftest import Site, json_out, one_error_line, signoff


def account(site: Site, username: str) -> str:
    with site.app.state.db.read() as s:
        return str(
            s.scalars(select(User.account_id).where(User.username == username)).one()
        )


def space_set(site: Site, mode: str, *, key: str | None = None) -> Result:
    settings = site.app.state.settings
    return signoff(
        None,
        "space",
        "set",
        key or site.space_key,
        "--adhoc-approvals",
        mode,
        "--data-dir",
        str(settings.data_dir),
        "--database-url",
        settings.database_url,
        "--json",
    )


def test_space_set_allows_any_page_and_the_cli_asks_named_people(site: Site) -> None:
    allowed = space_set(site, "any")
    assert allowed.exit_code == 0, allowed.output
    assert json_out(allowed)["space"] == {
        "id": site.space_id,
        "key": site.space_key,
        "adhocApprovals": "any",
    }
    page = site.create_page("Runbook")
    asked = signoff(
        site,
        "page",
        "request-approval",
        page,
        "--member",
        account(site, "alice"),
        "--member",
        account(site, "carol"),
        "--quorum",
        "1",
        "--title",
        "Ops check",
        "--expires",
        "2099-12-31",
        "--no-request-emails",
    )
    assert asked.exit_code == 0, asked.output
    assert f"Asked for approval of page {page} version 1" in asked.stdout
    assert "Requested approvers" in asked.stdout
    with site.app.state.db.read() as s:
        request = s.scalars(select(ApprovalRequest)).one()
        workflow = s.get(Workflow, request.workflow_id)
        assert workflow is not None
        assert (workflow.name, workflow.notify_requests, workflow.notify_status) == (
            "Ops check",
            False,
            True,
        )
        assert request.origin == "api"
        # The space's own workflow runs first, then the people asked.
        assert [step.name for step in workflow.steps][-1] == "Requested approvers"
        assert len(workflow.steps) == 2

    again = signoff(
        site,
        "page",
        "request-approval",
        page,
        "--member",
        account(site, "carol"),
        "--json",
    )
    assert again.exit_code == 0, again.output
    printed = json_out(again)
    assert printed["created"] is False
    assert [a["accountId"] for a in printed["request"]["steps"][-1]["approvers"]] == [
        account(site, "carol")
    ]


def test_the_client_asks_and_then_changes_the_ask(site: Site) -> None:
    assert space_set(site, "any").exit_code == 0
    page = site.create_page("Handbook")
    with Connection(site.url, site.tokens["bob"]) as connection:
        approvals = Approvals(connection)
        first = approvals.request_approval(
            page, [account(site, "carol")], expiry_date=date(2099, 1, 31)
        )
        second = approvals.request_approval(
            page, [account(site, "carol"), account(site, "alice")], quorum=2
        )
    assert (first["created"], second["created"]) == (True, False)
    assert second["request"]["steps"][-1]["rule"] == "all"
    with site.app.state.db.read() as s:
        request = s.scalars(select(ApprovalRequest)).one()
        assert request.expires_at is None


def test_request_approval_where_the_space_forbids_it_exits_1_with_the_reason(
    site: Site,
) -> None:
    """The site's pages have the space default workflow: `unassigned` refuses."""
    page = site.create_page("Governed")
    refused = signoff(
        site, "page", "request-approval", page, "--member", account(site, "carol")
    )
    assert refused.exit_code == 1
    line = one_error_line(refused)
    assert "allows ad-hoc approvals only on pages no workflow governs" in line
    assert line.endswith("(HTTP 403)")


def test_a_quorum_larger_than_the_people_asked_exits_1_with_the_servers_sentence(
    site: Site,
) -> None:
    assert space_set(site, "any").exit_code == 0
    page = site.create_page("Quorum")
    refused = signoff(
        site,
        "page",
        "request-approval",
        page,
        "--member",
        account(site, "carol"),
        "--quorum",
        "2",
    )
    assert refused.exit_code == 1
    assert "The quorum must be 0 (everyone) to 1" in one_error_line(refused)


def test_bad_request_approval_options_exit_2(site: Site) -> None:
    carol = account(site, "carol")
    bad_day = signoff(
        site, "page", "request-approval", "1", "--member", carol, "--expires", "soon"
    )
    assert bad_day.exit_code == 2
    assert "--expires must be a date" in one_error_line(bad_day)
    negative = signoff(
        site, "page", "request-approval", "1", "--member", carol, "--quorum", "-1"
    )
    assert negative.exit_code == 2
    nobody = signoff(site, "page", "request-approval", "1")
    assert nobody.exit_code == 2
    assert "--member" in nobody.output


def test_space_set_refuses_an_unknown_mode_and_an_unknown_space(site: Site) -> None:
    unknown_mode = space_set(site, "everywhere")
    assert unknown_mode.exit_code == 2
    unknown_space = space_set(site, "off", key="NOPE")
    assert unknown_space.exit_code == 2
    assert "No space with key 'NOPE'" in unknown_space.stderr
    with site.app.state.db.read() as s:
        space = s.scalars(select(Space).where(Space.key == site.space_key)).one()
        assert space.adhoc_approvals == "unassigned"
