"""Periodic re-review through the real actions and the sweeper: an approval under
`rereviewDays` records when it is due, its owner is reminded once before, and on the
date a new review of the current version opens while the approval stays on record;
a page that no longer stands on its approval, or already has a review pending, is
skipped and the skip audited once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from alembic import command
from sqlalchemy import inspect, select

from factories import AT, by, make_page, make_space, make_user, make_workflow, step
from migrations import revision_before
from signoff.actions.approvals import do_record_decision, do_submit_page
from signoff.actions.pages import do_edit_page
from signoff.actions.workflows import do_update_workflow
from signoff.config import Settings
from signoff.db import migrate
from signoff.db.models import (
    ApprovalRequest,
    AuditEvent,
    OutboxMessage,
    Page,
    User,
    Workflow,
)
from signoff.db.session import Database
from signoff.domain.states import DecisionKind, Role
from signoff.notify.email import EmailSender, fan_out_email
from signoff.notify.handlers import Message
from signoff.notify.sweeper import Sweeper
from worker.support import Clock

APPROVED_AT = AT + timedelta(hours=1)
DUE = APPROVED_AT + timedelta(days=30)


@pytest.fixture
def ids(db: Database) -> dict[str, int]:
    """alice admin; bob submits "Travel policy", carol approves it an hour later,
    under a workflow that asks for a re-review every 30 days."""
    with db.write() as s:
        alice, bob, carol = (make_user(s, n) for n in ("alice", "bob", "carol"))
        bob.email, carol.email = "bob@example.com", "carol@example.com"
        space = make_space(
            s, admin=alice, members={bob: Role.editor, carol: Role.viewer}
        )
        page = make_page(s, space, bob, title="Travel policy")
        workflow = make_workflow(s, space, alice, [step(carol)], pages=[page])
        workflow.rereview_days = 30
        request = do_submit_page(s, page, **by(bob))
        do_record_decision(
            s,
            page,
            DecisionKind.approve,
            version=1,
            comment=None,
            **by(carol, now=APPROVED_AT),
        )
        return {
            "page": page.id,
            "request": request.id,
            "workflow": workflow.id,
            "alice": alice.id,
            "bob": bob.id,
        }


def get_request(db: Database, request_id: int) -> ApprovalRequest:
    with db.read() as s:
        request = s.get_one(ApprovalRequest, request_id)
        s.expunge_all()
        return request


def outbox(db: Database, kind: str) -> list[OutboxMessage]:
    with db.read() as s:
        found = list(s.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind)))
        s.expunge_all()
        return found


def audited(db: Database, action: str) -> list[AuditEvent]:
    with db.read() as s:
        found = list(s.scalars(select(AuditEvent).where(AuditEvent.action == action)))
        s.expunge_all()
        return found


def test_an_approval_is_due_for_re_review_after_the_workflows_period(
    db: Database, ids: dict[str, int]
) -> None:
    request = get_request(db, ids["request"])
    assert request.rereview_days == 30
    assert request.rereview_due_at == DUE
    assert request.rereview_remind_at == DUE - timedelta(days=3)  # a tenth of 30
    assert request.expires_at is None  # a re-review is not an expiry


def test_the_owner_is_reminded_once_before_the_date(
    db: Database, ids: dict[str, int]
) -> None:
    clock = Clock(DUE - timedelta(days=3, minutes=1))
    sweeper = Sweeper(db, clock)
    assert sweeper.sweep_rereviews(clock()) == (0, 0)  # too early
    clock.advance(minutes=2)
    assert sweeper.sweep_rereviews(clock()) == (1, 0)
    assert sweeper.sweep_rereviews(clock.advance(hours=1)) == (0, 0)
    (queued,) = outbox(db, "approval.rereview_reminder")
    assert queued.payload["dueAt"] == DUE.isoformat()
    message = Message(
        queued.id,
        queued.message_id,
        queued.kind,
        queued.space_id,
        queued.payload,
        0,
        queued.created_at,
    )
    (mail,) = fan_out_email(message, db)
    assert mail.payload["to"]["address"] == "bob@example.com"
    sender = EmailSender(Settings(smtp_url="smtp://127.0.0.1:2525"), Clock())
    composed = sender.compose(
        Message(1, "m-1", mail.kind, mail.space_id, mail.payload, 0, AT)
    )
    assert "Re-review due soon: Travel policy (version 1)" in composed["Subject"]
    text = composed.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "re-review is due" in text


def test_on_the_date_a_new_review_opens_and_the_approval_stays_on_record(
    db: Database, ids: dict[str, int]
) -> None:
    sweeper = Sweeper(db, Clock(DUE))
    assert sweeper.sweep_rereviews(DUE - timedelta(seconds=1)) == (1, 0)
    assert sweeper.sweep_rereviews(DUE) == (0, 1)
    assert sweeper.sweep_rereviews(DUE + timedelta(minutes=1)) == (0, 0)
    with db.read() as s:
        page = s.get_one(Page, ids["page"])
        assert page.approved_request_id == ids["request"]
        assert s.get_one(ApprovalRequest, ids["request"]).status == "approved"
        assert page.latest_request_id != ids["request"]
        opened = s.get_one(ApprovalRequest, page.latest_request_id)
        assert (opened.status, opened.page_version) == ("pending", 1)
        assert (opened.origin, opened.submitted_by) == ("system", ids["bob"])
        (event,) = s.scalars(
            select(AuditEvent).where(AuditEvent.action == "approval.rereview_opened")
        )
        assert (event.actor_id, event.origin) == (None, "system")
        assert event.request_id == opened.id
        assert event.details["previousRequestId"] == ids["request"]


def test_nothing_opens_when_a_review_is_already_pending_and_the_skip_is_audited_once(
    db: Database, ids: dict[str, int]
) -> None:
    with db.write() as s:
        page = s.get_one(Page, ids["page"])
        do_edit_page(s, page, body="<p>new</p>", **by(s.get_one(User, ids["bob"])))
        do_submit_page(s, page, **by(s.get_one(User, ids["bob"])))
        latest = page.latest_request_id
    sweeper = Sweeper(db, Clock(DUE))
    assert sweeper.sweep_rereviews(DUE) == (0, 0)
    assert sweeper.sweep_rereviews(DUE + timedelta(days=1)) == (0, 0)
    with db.read() as s:
        assert s.get_one(Page, ids["page"]).latest_request_id == latest
    (skipped,) = audited(db, "approval.rereview_skipped")
    # A review can be pending beside an approval only once the page moved on.
    assert skipped.details["reason"] == "not_standing"


def test_a_stale_approval_is_neither_reminded_nor_re_reviewed(
    db: Database, ids: dict[str, int]
) -> None:
    with db.write() as s:
        page = s.get_one(Page, ids["page"])
        do_edit_page(s, page, body="<p>new</p>", **by(s.get_one(User, ids["bob"])))
    sweeper = Sweeper(db, Clock(DUE))
    assert sweeper.sweep_rereviews(DUE - timedelta(days=1)) == (0, 0)
    assert sweeper.sweep_rereviews(DUE) == (0, 0)
    assert outbox(db, "approval.rereview_reminder") == []
    (skipped,) = audited(db, "approval.rereview_skipped")
    assert skipped.details["reason"] == "not_standing"


def test_a_workflow_that_no_longer_asks_opens_nothing(
    db: Database, ids: dict[str, int]
) -> None:
    with db.write() as s:
        workflow = s.get_one(Workflow, ids["workflow"])
        alice = s.get_one(User, ids["alice"])
        do_update_workflow(s, workflow, rereview_days=None, **by(alice))
    assert Sweeper(db, Clock(DUE)).sweep_rereviews(DUE) == (0, 0)
    (skipped,) = audited(db, "approval.rereview_skipped")
    assert skipped.details["reason"] == "not_required"


def test_the_migration_goes_down_and_up(db: Database, ids: dict[str, int]) -> None:
    config = migrate.alembic_config(db.engine)
    command.downgrade(config, revision_before(config, "e7c1a9d4b258"))
    columns = {c["name"] for c in inspect(db.engine).get_columns("approval_requests")}
    assert not {c for c in columns if c.startswith("rereview")}
    migrate.upgrade(db.engine)
    assert migrate.is_up_to_date(db.engine)
    # Approvals from before the column exist ask for no re-review.
    assert get_request(db, ids["request"]).rereview_due_at is None
