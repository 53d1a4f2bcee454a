"""`signoff page ...`: one page's approval, over the server's REST API.

`submit` sends the page through its workflow; `request-approval` asks named people
instead (an ad-hoc approval, where the space allows it), or changes that ask.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer
from rich.table import Table

from signoff.cli.output import EXIT_REFUSED, EXIT_USAGE, JsonOption, fail, out
from signoff.cli.pipeline import (
    TokenOption,
    UrlOption,
    answer,
    connected,
    object_id,
    print_json,
    text,
)
from signoff.client.approvals import Approvals
from signoff.client.connection import Json

app = typer.Typer(
    help="One page's approval on a Signoff server: preflight, submit, "
    "request-approval, status.",
    no_args_is_help=True,
)

IdArgument = Annotated[str, typer.Argument(metavar="ID", help="The page's id.")]


@app.command("submit")
def submit(
    page_id: IdArgument,
    workflow: Annotated[
        str | None,
        typer.Option(
            "--workflow",
            help="The workflow's id, for a page with none of its own "
            "(several active in the space, none assigned).",
            show_default=False,
        ),
    ] = None,
    url: UrlOption = None,
    token: TokenOption = None,
    as_json: JsonOption = False,
) -> None:
    """Submit the page's current version for approval."""
    the_page = object_id(page_id, "ID")
    workflow_id = object_id(workflow, "--workflow") if workflow is not None else None
    with connected(url, token) as connection:
        result = Approvals(connection).submit_page(the_page, workflow_id=workflow_id)
    if as_json:
        print_json(answer(result))
        return
    request = result.get("request") or {}
    out().print(
        f"Submitted page {text(the_page)} version {text(request.get('version'))} "
        f"for approval: request {text(request.get('id'))}, "
        f"{text(request.get('status'))}."
    )
    out().print(_steps_table(request))


@app.command("request-approval")
def request_approval(
    page_id: IdArgument,
    members: Annotated[
        list[str],
        typer.Option(
            "--member",
            metavar="ACCOUNT_ID",
            help="A person to ask, by account id; repeat for each person.",
            show_default=False,
        ),
    ],
    quorum: Annotated[
        int,
        typer.Option(
            "--quorum", min=0, help="How many must approve; 0 means everyone asked."
        ),
    ] = 0,
    title: Annotated[
        str | None,
        typer.Option("--title", help="The request's title.", show_default=False),
    ] = None,
    expires: Annotated[
        str | None,
        typer.Option(
            "--expires",
            metavar="YYYY-MM-DD",
            help="The last day (UTC) the request stays open; an approval given "
            "expires at the end of that day too.",
            show_default=False,
        ),
    ] = None,
    no_request_emails: Annotated[
        bool,
        typer.Option("--no-request-emails", help="Do not email the people asked."),
    ] = False,
    no_status_emails: Annotated[
        bool,
        typer.Option(
            "--no-status-emails", help="Do not email the requester about decisions."
        ),
    ] = False,
    url: UrlOption = None,
    token: TokenOption = None,
    as_json: JsonOption = False,
) -> None:
    """Ask named people to approve the page's current version (ad hoc), or change
    the ad-hoc request pending there."""
    the_page = object_id(page_id, "ID")
    last_day = _day(expires)
    with connected(url, token) as connection:
        result = Approvals(connection).request_approval(
            the_page,
            members,
            quorum=quorum,
            title=title,
            expiry_date=last_day,
            notify_requests=not no_request_emails,
            notify_status=not no_status_emails,
        )
    if as_json:
        print_json(answer(result))
        return
    request = result.get("request") or {}
    done = "Asked for" if result.get("created") else "Changed the request for"
    out().print(
        f"{done} approval of page {text(the_page)} version "
        f"{text(request.get('version'))}: request {text(request.get('id'))}, "
        f"{text(request.get('status'))}."
    )
    out().print(_steps_table(request))


def _day(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        fail(f"--expires must be a date such as 2026-03-31, not {value!r}.", EXIT_USAGE)


@app.command("preflight")
def preflight(
    page_id: IdArgument,
    url: UrlOption = None,
    token: TokenOption = None,
    as_json: JsonOption = False,
) -> None:
    """Whether the page could be submitted now. Exit 1 if it is blocked."""
    the_page = object_id(page_id, "ID")
    with connected(url, token) as connection:
        result = Approvals(connection).preflight_page(the_page)
    if as_json:
        print_json(answer(result))
    elif result.get("canSubmit"):
        out().print(
            f"Page {text(the_page)} can be submitted "
            f"(workflow {text(result.get('workflowId'))})."
        )
    else:
        out().print(
            f"Page {text(the_page)} cannot be submitted: {text(result.get('reason'))}"
        )
    if not result.get("canSubmit"):
        raise typer.Exit(EXIT_REFUSED)


@app.command("status")
def status(
    page_id: IdArgument,
    url: UrlOption = None,
    token: TokenOption = None,
    as_json: JsonOption = False,
) -> None:
    """The page's approval: status, the version approved, each step's decisions."""
    the_page = object_id(page_id, "ID")
    with connected(url, token) as connection:
        result = Approvals(connection).page_status(the_page)
    if as_json:
        print_json(answer(result))
        return
    stale = " (stale)" if result.get("isStale") else ""
    out().print(
        f"Page {text(result.get('pageId'))} [bold]{text(result.get('title'))}[/bold], "
        f"version {text(result.get('currentPageVersion'))}: "
        f"{text(result.get('approvalStatus'))}{stale}; approved at version "
        f"{text(result.get('approvedAtVersion')) or '-'}."
    )
    if result.get("request"):
        out().print(_steps_table(result["request"]))


def _steps_table(request: Json) -> Table:
    table = Table()
    for column in ("step", "rule", "status", "approvers", "decisions"):
        table.add_column(column)
    for step in request.get("steps") or []:
        names = {
            a.get("accountId"): a.get("displayName")
            for a in step.get("approvers") or []
        }
        decisions = [
            f"{names.get(d.get('accountId'), d.get('accountId'))}: "
            f"{d.get('decision')} v{d.get('version')}"
            + (f" ({d.get('comment')})" if d.get("comment") else "")
            for d in step.get("decisions") or []
        ]
        table.add_row(
            text(step.get("name")),
            text(step.get("rule")),
            text(step.get("status")),
            text(", ".join(str(name) for name in names.values())),
            text("; ".join(decisions)),
        )
    return table
