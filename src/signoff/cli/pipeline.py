"""What the pipeline commands share: the server and token, ids, errors, tables.

`changeset`, `page` and `sync` talk to a Signoff server over HTTP only (through
`signoff.client`), never to a database. Every refusal becomes one line on stderr,
`error: <the server's error text> (HTTP <status>)`, and the exit codes of the
pipeline contract: 0 done, 1 refused, 2 bad usage, 3 a wait that timed out.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from signoff.cli.output import EXIT_REFUSED, EXIT_USAGE, fail, out
from signoff.client.connection import Connection, Json
from signoff.client.errors import BadDocument, ClientError

EXIT_TIMED_OUT = 3
_ID = re.compile(r"[1-9][0-9]{0,17}")

UrlOption = Annotated[
    str | None,
    typer.Option(
        "--url",
        envvar="SIGNOFF_URL",
        help="Base URL of the Signoff server, e.g. https://signoff.example.com.",
        show_default=False,
        show_envvar=True,
    ),
]
TokenOption = Annotated[
    str | None,
    typer.Option(
        "--token",
        envvar="SIGNOFF_TOKEN",
        help="A personal access token or OAuth access token.",
        show_default=False,
        show_envvar=True,
    ),
]


def object_id(value: str, what: str) -> str:
    """An id as the API spells it: digits, no sign, no leading zero."""
    if not _ID.fullmatch(value.strip()):
        fail(f"{what} must be a number such as 12, not {value!r}.", EXIT_USAGE)
    return value.strip()


@contextmanager
def connected(
    url: str | None, token: str | None, *, retries: int = 3
) -> Iterator[Connection]:
    """A connection to the server; any client error ends the command in one line."""
    if not url:
        fail("no server given: pass --url or set SIGNOFF_URL.", EXIT_USAGE)
    if not token:
        fail("no token given: pass --token or set SIGNOFF_TOKEN.", EXIT_USAGE)
    try:
        connection = Connection(url, token, retries=retries)
    except ValueError as error:
        fail(str(error), EXIT_USAGE)
    try:
        with connection:
            yield connection
    except BadDocument as error:
        fail(error.message, EXIT_USAGE)
    except ClientError as error:
        fail(error.message, EXIT_REFUSED)


def print_json(data: Mapping[str, Any]) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, default=str))


def answer(data: Json) -> Json:
    """A server answer as `--json` prints it: without the `success` envelope."""
    return {key: value for key, value in data.items() if key != "success"}


def text(value: Any) -> str:
    return "" if value is None else escape(str(value))


def page_refs_table(change_set: Json) -> Table:
    table = Table(title=None, show_lines=False)
    for column in ("page", "title", "version", "approval", "approved at", "stale"):
        table.add_column(column)
    for ref in change_set.get("pageRefs") or []:
        table.add_row(
            text(ref.get("pageId")),
            text(ref.get("title")),
            text(ref.get("currentPageVersion")),
            text(ref.get("approvalStatus")),
            text(ref.get("approvedAtVersion")),
            "yes" if ref.get("isStale") else "",
        )
    return table


def change_set_line(change_set: Json) -> str:
    refs = change_set.get("pageRefs") or []
    return (
        f"Change set {text(change_set.get('id'))} "
        f"[bold]{text(change_set.get('title'))}[/bold]: "
        f"status {text(change_set.get('status'))}, "
        f"rollup {text(change_set.get('rollupState'))}, {len(refs)} page(s)."
    )


def show_change_set(change_set: Json) -> None:
    console = out()
    console.print(change_set_line(change_set))
    if change_set.get("referenceUrl"):
        console.print(f"Reference: {text(change_set['referenceUrl'])}")
    if change_set.get("pageRefs"):
        console.print(page_refs_table(change_set))


def preflight_table(results: list[Json]) -> Table:
    table = Table()
    for column in ("page", "can submit", "workflow", "reason"):
        table.add_column(column)
    for result in results:
        table.add_row(
            text(result.get("pageId")),
            _can_submit(result),
            text(result.get("workflowId")),
            text(result.get("reason")),
        )
    return table


def _can_submit(result: Json) -> str:
    if result.get("canSubmit"):
        return "yes"
    return "already approved" if result.get("alreadyApproved") else "[red]no[/red]"


def submit_table(results: list[Json]) -> Table:
    table = Table()
    for column in ("page", "submitted", "request", "reason"):
        table.add_column(column)
    for result in results:
        table.add_row(
            text(result.get("pageId")),
            "yes" if result.get("success") else "[red]no[/red]",
            text(result.get("requestId")),
            text(result.get("reason")),
        )
    return table
