"""`signoff webhook`: a space's webhook receivers, for the operator at the console.

The same actions as the REST API and the UI, recorded with origin `cli`; URLs pass
the outbound policy (with `SIGNOFF_WEBHOOK_ALLOW`), and a secret is printed once.
With `--json` a webhook and a delivery are the REST API's objects (`api/v1/webhooks`).
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table
from sqlalchemy.orm import Session

from signoff.actions.acting import Acting
from signoff.actions.unit import unit_of_work, utcnow
from signoff.actions.webhooks import (
    do_create_webhook,
    do_delete_webhook,
    do_rotate_webhook_secret,
    do_update_webhook,
)
from signoff.api.v1.responses import plain
from signoff.api.v1.webhooks import delivery_out, webhook_out
from signoff.cli.common import (
    DatabaseUrlOption,
    DataDirOption,
    JsonOption,
    emit,
    err,
    open_database,
    out,
    settings_from,
    space_by_key,
)
from signoff.config import Settings, site_secret
from signoff.db.models import WebhookSubscription
from signoff.domain.errors import BadInput, NotFound
from signoff.domain.events import WEBHOOK_EVENTS
from signoff.domain.states import Origin
from signoff.outbound.secrets import webhook_secret
from signoff.queries.webhooks import delivery_log, list_webhooks, webhook_view

app = typer.Typer(help="Webhook receivers of a space.", no_args_is_help=True)

EventOption = Annotated[
    list[str] | None,
    typer.Option(
        "--event",
        help="Repeat for each event, or '*' for all: " + ", ".join(WEBHOOK_EVENTS),
    ),
]


def _hook(session: Session, webhook_id: int) -> WebhookSubscription:
    hook = session.get(WebhookSubscription, webhook_id)
    if hook is None:
        raise NotFound(f"No webhook {webhook_id}.")
    return hook


def _secret_note(as_json: bool) -> None:
    if not as_json:
        err().print("Copy the secret now: it is shown only once.", markup=False)


def _show_secret(settings: Settings, hook: WebhookSubscription) -> str:
    return webhook_secret(site_secret(settings), hook.id, hook.salt)


@app.command("add")
def add(
    space: Annotated[str, typer.Option("--space", help="The space's key.")],
    url: Annotated[str, typer.Option("--url", help="The receiver, http(s).")],
    event: EventOption = None,
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
    as_json: JsonOption = False,
) -> None:
    """Send SPACE's events to URL; prints the signing secret once."""
    if not event:
        raise BadInput("Give at least one --event (or --event '*').", field="events")
    settings = settings_from(data_dir, database_url)
    with open_database(settings) as db, unit_of_work(db, origin=Origin.cli) as session:
        hook = do_create_webhook(
            session,
            space_by_key(session, space),
            url=url,
            events=event,
            allow=settings.webhook_allow_list,
            by=Acting(None, Origin.cli, None, utcnow()),
        )
        view = plain(webhook_out(webhook_view(session, hook)))
        secret = _show_secret(settings, hook)
    emit(
        as_json,
        {"webhook": view, "secret": secret},
        f"{secret}\nWebhook {view['id']} sends {escape(', '.join(view['events']))} "
        f"to {escape(view['url'])}.",
    )
    _secret_note(as_json)


@app.command("list")
def list_command(
    space: Annotated[str, typer.Option("--space", help="The space's key.")],
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
    as_json: JsonOption = False,
) -> None:
    """SPACE's webhooks with the outcome of each one's latest delivery."""
    settings = settings_from(data_dir, database_url)
    with open_database(settings) as db, db.read() as session:
        views = list_webhooks(session, space_by_key(session, space).id)
    if as_json:
        emit(True, {"webhooks": [plain(webhook_out(view)) for view in views]}, "")
        return
    table = Table("Id", "URL", "Events", "Active", "Last delivery")
    for view in views:
        last = (
            "never"
            if view.last_at is None
            else f"{view.last_status or '-'} {view.last_error or 'ok'}"
        )
        table.add_row(
            str(view.id),
            escape(view.url),
            escape(", ".join(view.events)),
            "yes" if view.active else "paused",
            escape(last),
        )
    out().print(table if views else "No webhooks.")


@app.command("update")
def update(
    webhook_id: Annotated[int, typer.Argument(help="The webhook's id.")],
    url: Annotated[str | None, typer.Option("--url", help="A new receiver.")] = None,
    event: EventOption = None,
    pause: Annotated[
        bool | None,
        typer.Option("--pause/--resume", help="Stop or restart deliveries."),
    ] = None,
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
    as_json: JsonOption = False,
) -> None:
    """Change a webhook's URL or events, or pause and resume it."""
    settings = settings_from(data_dir, database_url)
    with open_database(settings) as db, unit_of_work(db, origin=Origin.cli) as session:
        hook = do_update_webhook(
            session,
            _hook(session, webhook_id),
            url=url,
            events=event or None,
            active=None if pause is None else not pause,
            allow=settings.webhook_allow_list,
            by=Acting(None, Origin.cli, None, utcnow()),
        )
        view = plain(webhook_out(webhook_view(session, hook)))
    state = "active" if view["active"] else "paused"
    emit(
        as_json,
        {"webhook": view},
        f"Webhook {view['id']} ({state}) sends {escape(', '.join(view['events']))} "
        f"to {escape(view['url'])}.",
    )


@app.command("rotate")
def rotate(
    webhook_id: Annotated[int, typer.Argument(help="The webhook's id.")],
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
    as_json: JsonOption = False,
) -> None:
    """Give a webhook a new signing secret, printed once."""
    settings = settings_from(data_dir, database_url)
    with open_database(settings) as db, unit_of_work(db, origin=Origin.cli) as session:
        hook = do_rotate_webhook_secret(
            session,
            _hook(session, webhook_id),
            by=Acting(None, Origin.cli, None, utcnow()),
        )
        secret = _show_secret(settings, hook)
    emit(as_json, {"webhookId": str(webhook_id), "secret": secret}, secret)
    _secret_note(as_json)


@app.command("remove")
def remove(
    webhook_id: Annotated[int, typer.Argument(help="The webhook's id.")],
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
    as_json: JsonOption = False,
) -> None:
    """Remove a webhook and its delivery log."""
    settings = settings_from(data_dir, database_url)
    with open_database(settings) as db, unit_of_work(db, origin=Origin.cli) as session:
        do_delete_webhook(
            session,
            _hook(session, webhook_id),
            by=Acting(None, Origin.cli, None, utcnow()),
        )
    emit(as_json, {"removed": str(webhook_id)}, f"Webhook {webhook_id} removed.")


@app.command("deliveries")
def deliveries(
    webhook_id: Annotated[int, typer.Argument(help="The webhook's id.")],
    limit: Annotated[int, typer.Option("--limit", min=1, max=250)] = 20,
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
    as_json: JsonOption = False,
) -> None:
    """A webhook's latest delivery attempts, newest first."""
    settings = settings_from(data_dir, database_url)
    with open_database(settings) as db, db.read() as session:
        rows, _ = delivery_log(
            session, _hook(session, webhook_id).id, cursor=None, limit=limit
        )
    if as_json:
        emit(True, {"deliveries": [plain(delivery_out(row)) for row in rows]}, "")
        return
    table = Table("At (UTC)", "Event", "Attempt", "Status", "ms", "Error", "Message id")
    for row in rows:
        table.add_row(
            row.at.strftime("%Y-%m-%d %H:%M:%S"),
            row.event,
            str(row.attempt),
            str(row.status_code or "-"),
            str(row.duration_ms),
            escape(row.error or ""),
            row.message_id,
        )
    out().print(table if rows else "No deliveries yet.")
