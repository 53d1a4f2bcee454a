"""Time-driven changes through the real actions and the sweeper: steps get due
dates, reminders go out once before and once after, approvals lapse into `expired`
under `validForDays`, and each is audited and queued in the outbox."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select

from factories import (
    AT,
    by,
    make_change_set,
    make_page,
    make_space,
    make_user,
    make_workflow,
    step,
)
from signoff.actions.approvals import do_record_decision, do_submit_page
from signoff.api.v1.responses import plain
from signoff.api.v1.shapes.queue import queue_item_out
from signoff.config import Settings
from signoff.db.models import (
    ApprovalRequest,
    AuditEvent,
    ChangeSet,
    OutboxMessage,
    Page,
    User,
)
from signoff.db.session import Database
from signoff.domain.states import ApprovalStatus, DecisionKind, Role, RollupState
from signoff.notify.email import EmailSender, fan_out_email
from signoff.notify.handlers import Message
from signoff.notify.sweeper import Sweeper
from signoff.queries.changesets import change_set_detail
from signoff.queries.queue import list_queue, queue_counts
from signoff.queries.status import page_status
from worker.support import Clock


@pytest.fixture
def ids(db: Database) -> dict[str, int]:
    """alice admin; bob editor (submits); carol then dave approve, 2 and 3 days each.
    Approvals stay valid for 30 days."""
    with db.write() as s:
        alice, bob = make_user(s, "alice"), make_user(s, "bob")
        carol, dave = make_user(s, "carol"), make_user(s, "dave")
        for person in (bob, carol, dave):
            person.email = f"{person.username}@example.com"
        space = make_space(
            s,
            admin=alice,
            members={bob: Role.editor, carol: Role.viewer, dave: Role.viewer},
        )
        page = make_page(s, space, bob, title="Travel policy")
        first = replace(step(carol, name="Editorial"), due_days=2)
        second = replace(step(dave, name="Legal"), due_days=3)
        make_workflow(s, space, alice, [first, second], pages=[page], valid_for_days=30)
        change_set = make_change_set(s, space, bob, [page])
        do_submit_page(s, page, change_set=change_set, **by(bob))
        return {
            "page": page.id,
            "bob": bob.id,
            "carol": carol.id,
            "dave": dave.id,
            "set": change_set.id,
        }


def request_of(db: Database, page_id: int) -> ApprovalRequest:
    with db.read() as s:
        page = s.get(Page, page_id)
        assert page is not None and page.latest_request_id is not None
        request = s.get(ApprovalRequest, page.latest_request_id)
        assert request is not None
        _ = list(request.steps)
        s.expunge_all()
        return request


def decide(db: Database, ids: dict[str, int], who: str, minutes: int) -> None:
    with db.write() as s:
        page, person = s.get(Page, ids["page"]), s.get(User, ids[who])
        assert page is not None
        do_record_decision(
            s,
            page,
            DecisionKind.approve,
            version=1,
            comment=None,
            **by(person, now=AT + timedelta(minutes=minutes)),
        )


def outbox(db: Database, kind: str) -> list[OutboxMessage]:
    with db.read() as s:
        rows = list(
            s.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.kind == kind)
                .order_by(OutboxMessage.id)
            )
        )
        s.expunge_all()
        return rows


def test_steps_are_due_from_when_they_start(db: Database, ids: dict[str, int]) -> None:
    request = request_of(db, ids["page"])
    assert request.valid_for_days == 30
    assert request.steps[0].due_at == AT + timedelta(days=2)
    assert request.steps[1].due_at is None  # not started yet
    decide(db, ids, "carol", minutes=90)
    request = request_of(db, ids["page"])
    assert request.steps[1].due_at == AT + timedelta(minutes=90, days=3)


def test_a_reminder_before_the_due_date_and_one_when_overdue_each_once(
    db: Database, ids: dict[str, int]
) -> None:
    clock = Clock(AT + timedelta(hours=12))
    sweeper = Sweeper(db, clock)
    assert sweeper.sweep() == (0, 0)  # due in 36 hours: too early
    clock.advance(hours=13)  # due in 23 hours
    assert sweeper.sweep() == (0, 1)
    assert sweeper.sweep() == (0, 0)
    clock.advance(days=1)  # overdue
    assert sweeper.sweep() == (0, 1)
    assert sweeper.sweep() == (0, 0)
    before, after = outbox(db, "approval.reminder")
    assert (before.payload["overdue"], after.payload["overdue"]) == (False, True)
    assert before.payload["step"] == "Editorial"
    assert before.payload["dueAt"] == (AT + timedelta(days=2)).isoformat()
    # Whom it reminds is fixed when it is queued: carol has not decided yet.
    assert before.payload["recipients"] == after.payload["recipients"] == [ids["carol"]]


def test_a_step_that_starts_records_whom_it_asks(
    db: Database, ids: dict[str, int]
) -> None:
    decide(db, ids, "carol", minutes=30)
    (started,) = outbox(db, "approval.step_started")
    assert started.payload["step"] == "Legal"
    assert started.payload["recipients"] == [ids["dave"]]


def test_reminders_email_only_who_has_not_decided(
    db: Database, ids: dict[str, int]
) -> None:
    Sweeper(db, Clock(AT + timedelta(days=3))).sweep()
    (reminder,) = outbox(db, "approval.reminder")
    message = Message(
        reminder.id,
        reminder.message_id,
        reminder.kind,
        reminder.space_id,
        reminder.payload,
        0,
        reminder.created_at,
    )
    (mail,) = fan_out_email(message, db)
    assert mail.payload["to"]["address"] == "carol@example.com"
    sender = EmailSender(Settings(smtp_url="smtp://127.0.0.1:2525"), Clock())
    composed = sender.compose(
        Message(1, "m-1", mail.kind, mail.space_id, mail.payload, 0, AT)
    )
    assert composed["Subject"].startswith("[")
    assert "Overdue: your approval of Travel policy (version 1)" in composed["Subject"]
    assert "is overdue" in composed.get_body(("plain",)).get_content()  # type: ignore[union-attr]


def test_an_approval_lapses_after_valid_for_days(
    db: Database, ids: dict[str, int]
) -> None:
    decide(db, ids, "carol", minutes=60)
    decide(db, ids, "dave", minutes=120)
    approved = request_of(db, ids["page"])
    assert approved.expires_at == AT + timedelta(minutes=120, days=30)
    clock = Clock(approved.expires_at - timedelta(minutes=1))
    sweeper = Sweeper(db, clock)
    assert sweeper.sweep() == (0, 0)
    clock.advance(minutes=2)
    assert sweeper.sweep() == (1, 0)
    assert sweeper.sweep() == (0, 0)

    expired = request_of(db, ids["page"])
    assert expired.status == "expired"
    with db.read() as s:
        page = s.get(Page, ids["page"])
        assert page is not None and page.approved_request_id is None
        assert page.approved_version is None
        assert page_status(s, page).approval_status is ApprovalStatus.expired
        change_set = s.get(ChangeSet, ids["set"])
        assert change_set is not None
        assert change_set_detail(s, change_set).rollup_state is RollupState.stale
        bob = s.get(User, ids["bob"])
        assert bob is not None
        counts = queue_counts(s, bob)
        assert (counts["expired"], counts["approved"]) == (1, 0)
        event = s.scalars(
            select(AuditEvent).where(AuditEvent.action == "approval.expired")
        ).one()
    assert (event.origin, event.actor_id, event.request_id) == (
        "system",
        None,
        expired.id,
    )
    (queued,) = outbox(db, "approval.expired")
    message = Message(
        queued.id,
        queued.message_id,
        queued.kind,
        queued.space_id,
        queued.payload,
        0,
        AT,
    )
    recipients = {m.payload["to"]["address"] for m in fan_out_email(message, db)}
    assert recipients == {"bob@example.com", "carol@example.com", "dave@example.com"}


def test_the_sweeper_runs_at_most_once_a_minute(
    db: Database, ids: dict[str, int]
) -> None:
    clock = Clock(AT + timedelta(days=2, seconds=-30))  # due in 30 s
    sweeper = Sweeper(db, clock)
    sweeper.maybe_sweep()
    assert len(outbox(db, "approval.reminder")) == 1
    clock.advance(seconds=40)  # overdue now, but the last sweep was 40 s ago
    sweeper.maybe_sweep()
    assert len(outbox(db, "approval.reminder")) == 1
    clock.advance(seconds=30)
    sweeper.maybe_sweep()
    assert len(outbox(db, "approval.reminder")) == 2


def test_the_queue_lists_overdue_reviews(db: Database, ids: dict[str, int]) -> None:
    with db.read() as s:
        carol = s.get(User, ids["carol"])
        assert carol is not None
        (item,), _ = list_queue(s, carol, assigned_to_me=True)
        assert item.due_at == AT + timedelta(days=2)
        assert plain(queue_item_out(item))["dueAt"] == "2026-01-07T09:00:00Z"
        assert not item.is_overdue(AT + timedelta(days=1))
        assert item.is_overdue(AT + timedelta(days=2))
        early, _ = list_queue(s, carol, overdue_at=AT + timedelta(days=1))
        late, _ = list_queue(s, carol, overdue_at=AT + timedelta(days=3))
    assert early == [] and [i.request_id for i in late] == [item.request_id]
