"""`signoff worker --once`, `signoff outbox list` and `signoff outbox retry`."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner, Result

from cli.support import CLEAN_ENV, json_out, signoff
from factories import by, make_page, make_space, make_user, make_workflow, step
from signoff.actions.approvals import do_record_decision, do_submit_page
from signoff.actions.unit import utcnow
from signoff.cli.main import build_app
from signoff.db.models import AuditEvent, OutboxMessage
from signoff.db.session import Database
from signoff.domain.states import DecisionKind, Role
from signoff.notify.handlers import GiveUp

from .support import Clock, Recorder, add_messages, make_worker, outbox_row


def wide(db_url: str, data_dir: Path, *args: str) -> Result:
    """`signoff ARGS` on a terminal wide enough for the whole table."""
    return CliRunner().invoke(
        build_app(),
        [*args, "--database-url", db_url, "--data-dir", str(data_dir)],
        env={**CLEAN_ENV, "COLUMNS": "250"},
    )


@pytest.fixture
def outbox(db: Database) -> dict[str, str]:
    """One message of each settled kind: delivered, and two dead."""
    clock = Clock(utcnow())
    delivered, dead, also_dead = add_messages(db, 3, at=clock.now)
    make_worker(db, Recorder(), clock, batch=1).run_once()
    make_worker(db, Recorder(error=GiveUp("gone [red]away[/red]")), clock).run_once()
    return {"delivered": delivered, "dead": dead, "also_dead": also_dead}


def test_outbox_list_shows_the_messages(
    db_url: str, tmp_path: Path, outbox: dict[str, str]
) -> None:
    result = wide(db_url, tmp_path, "outbox", "list")

    assert result.exit_code == 0, result.output
    for message_id in outbox.values():
        assert message_id in result.stdout
    assert "gone [red]away[/red]" in result.stdout  # shown as text, not markup
    assert "test.event" in result.stdout


def test_outbox_list_filters_by_status_as_json(
    db_url: str, tmp_path: Path, outbox: dict[str, str]
) -> None:
    result = signoff(db_url, tmp_path, "outbox", "list", "--status", "dead", "--json")

    assert result.exit_code == 0, result.output
    messages = json_out(result)["messages"]
    assert [m["messageId"] for m in messages] == [outbox["also_dead"], outbox["dead"]]
    assert {(m["status"], m["attempts"], m["nextAttemptAt"]) for m in messages} == {
        ("dead", 1, None)
    }
    assert messages[0]["lastError"] == "gone [red]away[/red]"


def test_outbox_list_refuses_an_unknown_status(db_url: str, tmp_path: Path) -> None:
    result = signoff(db_url, tmp_path, "outbox", "list", "--status", "lost")

    assert result.exit_code == 2
    assert "lost" in result.stderr


def test_outbox_retry_requeues_dead_messages_by_either_id(
    db: Database, db_url: str, tmp_path: Path, outbox: dict[str, str]
) -> None:
    row_id = str(outbox_row(db, outbox["also_dead"]).id)
    result = signoff(
        db_url, tmp_path, "outbox", "retry", outbox["dead"], row_id, "--json"
    )

    assert result.exit_code == 0, result.output
    assert json_out(result) == {"requeued": 2}
    for key in ("dead", "also_dead"):
        row = outbox_row(db, outbox[key])
        assert (row.status, row.attempts) == ("pending", 0)
        assert row.available_at <= utcnow()
    assert outbox_row(db, outbox["delivered"]).status == "delivered"
    with db.read() as session:
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "outbox.retried")
        ).one()
    assert (event.origin, event.actor_id, event.details["count"]) == ("cli", None, 2)


def test_outbox_retry_all_dead(
    db: Database, db_url: str, tmp_path: Path, outbox: dict[str, str]
) -> None:
    result = signoff(db_url, tmp_path, "outbox", "retry", "--all-dead")

    assert result.exit_code == 0, result.output
    assert "Requeued 2 dead message(s)" in result.stdout
    assert outbox_row(db, outbox["dead"]).status == "pending"


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["nope"], 1, "error: No outbox message 'nope'."),
        (["999999"], 1, "error: No outbox message '999999'."),
        (["{delivered}"], 1, "is delivered, not dead"),
        ([], 2, "name the dead messages by ID, or give --all-dead"),
        (["{dead}", "--all-dead"], 2, "name the dead messages by ID"),
    ],
)
def test_outbox_retry_refuses_bad_input_and_changes_nothing(
    db: Database,
    db_url: str,
    tmp_path: Path,
    outbox: dict[str, str],
    args: list[str],
    code: int,
    message: str,
) -> None:
    # A good id next to the bad one: all or nothing.
    named = [arg.format(**outbox) for arg in args]
    if code == 1:
        named.insert(0, outbox["dead"])
    result = signoff(db_url, tmp_path, "outbox", "retry", *named)

    assert result.exit_code == code
    assert message in result.stderr
    assert outbox_row(db, outbox["dead"]).status == "dead"


def test_worker_once_delivers_and_summarises(
    db: Database, db_url: str, tmp_path: Path
) -> None:
    ids = add_messages(db, 3, at=utcnow())

    result = signoff(db_url, tmp_path, "worker", "--once", "--batch", "2", "--json")

    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert (summary["processed"], summary["delivered"]) == (2, 2)
    assert [outbox_row(db, mid).status for mid in ids] == [
        "delivered",
        "delivered",
        "pending",
    ]
    again = signoff(db_url, tmp_path, "worker", "--once")
    assert again.exit_code == 0, again.output
    assert again.stdout.strip() == (
        "Processed 1 message(s): 1 delivered, 0 to retry, 0 dead."
        " Swept 0 expired approval(s), 0 reminder(s)."
    )


def test_worker_once_also_sweeps_expiries_and_reminders_and_sends_them(
    db: Database, db_url: str, tmp_path: Path
) -> None:
    # Reviews from long ago (AT): one step overdue, one approval past validForDays.
    with db.write() as s:
        admin, editor, viewer = (make_user(s, n) for n in ("ann", "ed", "vi"))
        space = make_space(
            s, admin=admin, members={editor: Role.editor, viewer: Role.viewer}
        )
        waiting = make_page(s, space, editor, title="Waiting")
        lapsing = make_page(s, space, editor, title="Lapsing")
        due = replace(step(viewer), due_days=1)
        make_workflow(
            s, space, admin, [due], pages=[waiting, lapsing], valid_for_days=1
        )
        do_submit_page(s, waiting, **by(editor))
        do_submit_page(s, lapsing, **by(editor))
        do_record_decision(
            s, lapsing, DecisionKind.approve, version=1, comment=None, **by(viewer)
        )

    result = signoff(db_url, tmp_path, "worker", "--once", "--batch", "100", "--json")

    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert (summary["expired"], summary["reminded"]) == (1, 1)
    with db.read() as s:
        swept = s.execute(
            select(OutboxMessage.kind, OutboxMessage.status).where(
                OutboxMessage.kind.in_(("approval.expired", "approval.reminder"))
            )
        ).all()
    # Queued by the sweep and handled in the same run.
    assert sorted(swept) == [
        ("approval.expired", "delivered"),
        ("approval.reminder", "delivered"),
    ]


@pytest.mark.parametrize(
    "spec",
    ["no-colon", "worker.receiver_handlers:missing", "no_such_module:handlers"],
)
def test_worker_refuses_handlers_it_cannot_load(
    db_url: str, tmp_path: Path, spec: str
) -> None:
    result = signoff(db_url, tmp_path, "worker", "--once", "--handlers", spec)

    assert result.exit_code == 2
    assert result.stderr.startswith("error: --handlers")
