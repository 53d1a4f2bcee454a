"""`signoff page ...`: one page's approval, over the server's REST API."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from signoff.cli.common import EXIT_REFUSED, JsonOption, out
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
    help="One page's approval on a Signoff server: preflight, submit, status.",
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
