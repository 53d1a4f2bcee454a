"""`signoff outbox`: see what waits for the worker, and put dead messages back.

`list` shows the newest messages first; `retry` makes dead messages due again with
their attempts reset, by row id or message id, or every dead one with `--all-dead`.
With `--json` a message is `message_json`'s object.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from signoff.actions.acting import Acting
from signoff.actions.outbox import ALL_DEAD, do_retry_dead
from signoff.actions.unit import unit_of_work, utcnow
from signoff.cli.common import (
    EXIT_USAGE,
    DatabaseUrlOption,
    DataDirOption,
    JsonOption,
    emit,
    fail,
    open_database,
    out,
    settings_from,
)
from signoff.domain.states import Origin
from signoff.notify.outbox_rows import (
    OutboxRow,
    OutboxStatus,
    list_messages,
)

app = typer.Typer(
    help="The outbox: messages the worker delivers, retries or gave up on.",
    no_args_is_help=True,
)


def message_json(row: OutboxRow) -> dict[str, Any]:
    """A message as `list --json` prints it: ids as numbers, times as stored
    (ISO 8601 with their offset), `nextAttemptAt` null once delivered or dead."""

    def iso(value: datetime | None) -> str | None:
        return value.isoformat() if value else None

    return {
        "id": row.id,
        "messageId": row.message_id,
        "kind": row.kind,
        "spaceId": row.space_id,
        "status": row.status,
        "attempts": row.attempts,
        "nextAttemptAt": iso(row.next_attempt),
        "createdAt": iso(row.created_at),
        "deliveredAt": iso(row.delivered_at),
        "lastError": row.last_error,
    }


@app.command("list")
def list_command(
    status: Annotated[
        OutboxStatus | None,
        typer.Option("--status", help="Only messages in this state."),
    ] = None,
    limit: Annotated[
        int, typer.Option("--limit", min=1, max=1000, help="At most this many.")
    ] = 50,
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
    as_json: JsonOption = False,
) -> None:
    """List outbox messages, newest first."""
    settings = settings_from(data_dir, database_url)
    with open_database(settings) as db:
        rows = list_messages(db, status, limit)
    if as_json:
        emit(True, {"messages": [message_json(row) for row in rows]}, "")
    elif not rows:
        out().print(
            "No outbox messages" + (f" with status {status}." if status else ".")
        )
    else:
        out().print(message_table(rows))


def message_table(rows: list[OutboxRow]) -> Table:
    table = Table("ID")
    table.add_column("Message ID", no_wrap=True, min_width=36)  # copied to retry
    table.add_column("Kind", overflow="fold")
    table.add_column("Attempts", justify="right")
    table.add_column("Status")
    table.add_column("Next attempt")
    table.add_column("Last error", overflow="fold")
    for row in rows:
        table.add_row(
            str(row.id),
            row.message_id,
            Text(row.kind),
            str(row.attempts),
            row.status,
            when(row.next_attempt),
            Text(row.last_error or ""),
        )
    return table


def when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC") if moment else "-"


@app.command("retry")
def retry(
    ids: Annotated[
        list[str] | None,
        typer.Argument(help="Row ids or message ids of dead messages.", metavar="ID"),
    ] = None,
    all_dead: Annotated[
        bool, typer.Option("--all-dead", help="Every dead message.")
    ] = False,
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
    as_json: JsonOption = False,
) -> None:
    """Put dead messages back in line: pending, due now, attempts reset."""
    if bool(ids) == all_dead:
        fail("name the dead messages by ID, or give --all-dead (not both).", EXIT_USAGE)
    settings = settings_from(data_dir, database_url)
    with open_database(settings) as db, unit_of_work(db, origin=Origin.cli) as session:
        count = do_retry_dead(
            session,
            ALL_DEAD if all_dead else list(ids or []),
            by=Acting(None, Origin.cli, None, utcnow()),
        )
    emit(
        as_json,
        {"requeued": count},
        f"Requeued {count} dead message(s); the worker delivers them next.",
    )
