"""Ad-hoc approvals through the real actions: an editor asks named people, with a
quorum, a last day and email switches; the review then runs under every usual rule,
and the space says where asking is allowed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from alembic import command
from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from factories import (
    AT,
    by,
    edit,
    make_page,
    make_space,
    make_user,
    make_workflow,
    step,
)
from migrations import revision_before
from signoff.access import access_workflow
from signoff.actions.adhoc import (
    do_ask_approval,
    do_change_approval,
    do_request_approval,
    do_set_adhoc_mode,
)
from signoff.actions.approvals import do_record_decision
from signoff.db import migrate
from signoff.db.models import (
    ApprovalRequest,
    AuditEvent,
    OutboxMessage,
    Page,
    Space,
    User,
)
from signoff.db.session import Database
from signoff.domain.adhoc import AdhocAsk, AdhocMode
from signoff.domain.errors import BadInput, InvalidState, NotAllowed, NotFound
from signoff.domain.states import ApprovalStatus, DecisionKind, Role
from signoff.notify.email import fan_out_email
from signoff.notify.handlers import Message
from signoff.notify.sweeper import Sweeper
from signoff.queries.analytics import analytics
from signoff.queries.status import page_status
from signoff.queries.workflows import list_workflows
from worker.support import Clock

ADHOC_REVISION = "a7d2c4e90b13"


class Scene:
    """alice admins DOCS; bob edits and asks; carol, dave and erin may approve."""

    def __init__(self, s: Session) -> None:
        self.s = s
        self.alice, self.bob = make_user(s, "alice"), make_user(s, "bob")
        self.carol, self.dave = make_user(s, "carol"), make_user(s, "dave")
        self.erin, self.frank = make_user(s, "erin"), make_user(s, "frank")
        self.space = make_space(
            s,
            admin=self.alice,
            members={
                self.bob: Role.editor,
                self.carol: Role.viewer,
                self.dave: Role.viewer,
                self.erin: Role.editor,
            },
        )
        self.page = make_page(s, self.space, self.bob, title="Travel policy")

    def ask(self, *people: User, quorum: int = 0, **options: object) -> AdhocAsk:
        return AdhocAsk(
            members=tuple(p.id for p in people),
            quorum=quorum,
            **options,  # type: ignore[arg-type]
        )

    def decide(self, who: User, kind: DecisionKind, minute: int = 5) -> None:
        do_record_decision(
            self.s,
            self.page,
            kind,
            comment="ok" if kind is DecisionKind.approve else "no",
            version=self.page.current_version,
            **by(who, now=AT + timedelta(minutes=minute)),
        )

    def status(self) -> ApprovalStatus:
        return ApprovalStatus(page_status(self.s, self.page).approval_status)


@pytest.fixture
def scene(db: Database) -> Iterator[Scene]:
    with db.write() as session:
        yield Scene(session)


def test_two_of_three_approve_and_the_page_is_approved(scene: Scene) -> None:
    ask = scene.ask(scene.carol, scene.dave, scene.erin, quorum=2, title="Legal")
    request = do_request_approval(scene.s, scene.page, ask, **by(scene.bob))
    assert scene.status() is ApprovalStatus.pending
    scene.decide(scene.carol, DecisionKind.approve)
    assert scene.status() is ApprovalStatus.pending
    scene.decide(scene.dave, DecisionKind.approve, minute=6)
    assert scene.status() is ApprovalStatus.approved
    assert request.status == "approved"
    submitted = scene.s.scalars(
        select(AuditEvent.text).where(AuditEvent.action == "approval.submitted")
    ).one()
    assert "(Legal)" in submitted


def test_quorum_zero_waits_for_everyone(scene: Scene) -> None:
    do_request_approval(
        scene.s, scene.page, scene.ask(scene.carol, scene.dave), **by(scene.bob)
    )
    scene.decide(scene.carol, DecisionKind.approve)
    assert scene.status() is ApprovalStatus.pending
    scene.decide(scene.dave, DecisionKind.approve, minute=6)
    assert scene.status() is ApprovalStatus.approved


def test_one_rejection_rejects(scene: Scene) -> None:
    ask = scene.ask(scene.carol, scene.dave, scene.erin, quorum=2)
    do_request_approval(scene.s, scene.page, ask, **by(scene.bob))
    scene.decide(scene.carol, DecisionKind.reject)
    assert scene.status() is ApprovalStatus.rejected


def test_an_edit_during_the_review_supersedes_it(scene: Scene) -> None:
    do_request_approval(scene.s, scene.page, scene.ask(scene.carol), **by(scene.bob))
    edit(scene.s, scene.page, scene.bob, "<p>v2</p>", minutes=3)
    assert scene.status() is ApprovalStatus.superseded


def test_the_author_cannot_be_the_only_approver(scene: Scene) -> None:
    with pytest.raises(InvalidState, match="No eligible approver"):
        do_request_approval(scene.s, scene.page, scene.ask(scene.bob), **by(scene.bob))
    assert scene.s.scalars(select(ApprovalRequest)).all() == []


def test_a_viewer_cannot_ask(scene: Scene) -> None:
    with pytest.raises(NotAllowed):
        do_request_approval(
            scene.s, scene.page, scene.ask(scene.dave), **by(scene.carol)
        )


@pytest.mark.parametrize(
    ("people", "quorum", "options", "field"),
    [
        ((), 0, {}, "members"),
        (("carol", "carol"), 0, {}, "members"),
        (("carol", "dave"), 3, {}, "quorumSize"),
        (("carol",), -1, {}, "quorumSize"),
        (("carol",), 0, {"title": " "}, "title"),
        (("carol",), 0, {"expires_on": date(2026, 1, 4)}, "expiryDate"),
        (("frank",), 0, {}, "members"),
    ],
)
def test_bad_asks_are_refused_naming_the_field(
    scene: Scene,
    people: tuple[str, ...],
    quorum: int,
    options: dict[str, object],
    field: str,
) -> None:
    users = [getattr(scene, name) for name in people]
    with pytest.raises(BadInput) as refused:
        do_request_approval(
            scene.s,
            scene.page,
            scene.ask(*users, quorum=quorum, **options),
            **by(scene.bob),
        )
    assert refused.value.field == field


def test_switched_off_in_the_space(scene: Scene) -> None:
    do_set_adhoc_mode(scene.s, scene.space, AdhocMode.off, **by(scene.alice))
    with pytest.raises(NotAllowed, match="switched off"):
        do_request_approval(
            scene.s, scene.page, scene.ask(scene.carol), **by(scene.bob)
        )


def test_only_a_space_admin_changes_the_setting(scene: Scene) -> None:
    with pytest.raises(NotAllowed):
        do_set_adhoc_mode(scene.s, scene.space, AdhocMode.any, **by(scene.bob))
    assert scene.space.adhoc_approvals == "unassigned"


def test_never_gets_around_an_assigned_workflow(scene: Scene) -> None:
    make_workflow(
        scene.s, scene.space, scene.alice, [step(scene.dave)], pages=[scene.page]
    )
    with pytest.raises(NotAllowed, match="reviewed under 'Standard review'"):
        do_request_approval(
            scene.s, scene.page, scene.ask(scene.carol), **by(scene.bob)
        )


def test_on_any_page_the_workflow_steps_run_first(scene: Scene) -> None:
    make_workflow(
        scene.s, scene.space, scene.alice, [step(scene.dave)], pages=[scene.page]
    )
    do_set_adhoc_mode(scene.s, scene.space, AdhocMode.any, **by(scene.alice))
    request = do_request_approval(
        scene.s, scene.page, scene.ask(scene.carol), **by(scene.bob)
    )
    assert [s.name for s in request.steps] == ["Review", "Requested approvers"]
    with pytest.raises(NotAllowed):
        scene.decide(scene.carol, DecisionKind.approve)
    scene.decide(scene.dave, DecisionKind.approve)
    assert scene.status() is ApprovalStatus.pending
    scene.decide(scene.carol, DecisionKind.approve, minute=6)
    assert scene.status() is ApprovalStatus.approved


def test_asking_again_changes_the_pending_request(scene: Scene) -> None:
    first, created = do_ask_approval(
        scene.s, scene.page, scene.ask(scene.carol, scene.dave), **by(scene.bob)
    )
    assert created
    again, created = do_ask_approval(
        scene.s,
        scene.page,
        scene.ask(scene.carol, scene.erin, quorum=1, title="Again"),
        **by(scene.bob),
    )
    assert not created and again.id == first.id
    with pytest.raises(NotAllowed):
        # dave was asked no more: the step no longer waits for him.
        scene.decide(scene.dave, DecisionKind.approve)
    scene.decide(scene.erin, DecisionKind.approve)
    assert scene.status() is ApprovalStatus.approved


def test_a_change_after_decisions_keeps_those_still_asked(scene: Scene) -> None:
    ask = scene.ask(scene.carol, scene.dave, scene.erin)
    do_request_approval(scene.s, scene.page, ask, **by(scene.bob))
    scene.decide(scene.carol, DecisionKind.approve)
    # dave is no longer asked and the quorum drops to 2: carol and erin.
    do_change_approval(
        scene.s,
        scene.page,
        scene.ask(scene.carol, scene.erin, quorum=1),
        **by(scene.bob),
    )
    # carol's approval already meets a quorum of one.
    assert scene.status() is ApprovalStatus.approved
    changed = scene.s.scalars(
        select(AuditEvent).where(AuditEvent.action == "approval.changed")
    ).one()
    assert changed.details["was"]["members"] == [
        scene.carol.id,
        scene.dave.id,
        scene.erin.id,
    ]


def test_only_the_requester_or_an_admin_changes_it(scene: Scene) -> None:
    do_request_approval(scene.s, scene.page, scene.ask(scene.carol), **by(scene.bob))
    with pytest.raises(NotAllowed, match="Only the person who asked"):
        do_change_approval(scene.s, scene.page, scene.ask(scene.dave), **by(scene.erin))
    do_change_approval(scene.s, scene.page, scene.ask(scene.dave), **by(scene.alice))


def test_changing_needs_a_pending_ad_hoc_request(scene: Scene) -> None:
    with pytest.raises(InvalidState, match="No ad-hoc approval"):
        do_change_approval(scene.s, scene.page, scene.ask(scene.dave), **by(scene.bob))


def test_a_pending_request_expires_after_its_last_day(db: Database) -> None:
    with db.write() as s:
        scene = Scene(s)
        ask = scene.ask(scene.carol, expires_on=date(2026, 1, 6))
        request_id = do_request_approval(s, scene.page, ask, **by(scene.bob)).id
    assert Sweeper(db, Clock(AT + timedelta(days=1))).sweep() == (0, 0)
    assert Sweeper(db, Clock(AT + timedelta(days=2))).sweep() == (1, 0)
    with db.read() as s:
        request = s.get(ApprovalRequest, request_id)
        assert request is not None and request.status == "expired"
        page = s.get(Page, request.page_id)
        assert page is not None
        assert page_status(s, page).approval_status == "expired"
        expired = s.scalars(
            select(AuditEvent.text).where(AuditEvent.action == "approval.expired")
        ).one()
        assert "reached its last day undecided" in expired


def test_the_one_off_workflow_is_never_listed_or_managed(scene: Scene) -> None:
    request = do_request_approval(
        scene.s, scene.page, scene.ask(scene.carol), **by(scene.bob)
    )
    assert list_workflows(scene.s, scene.space.id) == []
    with pytest.raises(NotFound):
        access_workflow(scene.s, scene.alice, request.workflow_id)


def test_analytics_count_ad_hoc_requests_as_one_line(scene: Scene) -> None:
    do_request_approval(scene.s, scene.page, scene.ask(scene.carol), **by(scene.bob))
    other = make_page(scene.s, scene.space, scene.bob, title="Other")
    do_request_approval(scene.s, other, scene.ask(scene.dave), **by(scene.bob))
    report = analytics(scene.s, scene.space.id)
    lines = [(w.workflow_id, w.name, w.submitted) for w in report.by_workflow]
    assert lines == [(0, "Ad-hoc approvals", 2)]


def test_the_migration_goes_down_and_up_keeping_reviews(db: Database) -> None:
    """Downgrading drops the two columns in place; upgrading brings them back with
    their defaults, and the review asked before still stands."""
    with db.write() as s:
        scene = Scene(s)
        do_request_approval(s, scene.page, scene.ask(scene.carol), **by(scene.bob))
        page_id = scene.page.id
    config = migrate.alembic_config(db.engine)
    command.downgrade(config, revision_before(config, ADHOC_REVISION))
    assert "kind" not in {
        c["name"] for c in inspect(db.engine).get_columns("workflows")
    }

    migrate.upgrade(db.engine)

    assert migrate.is_up_to_date(db.engine)
    with db.read() as s:
        space = s.scalars(select(Space)).one()
        assert space.adhoc_approvals == "unassigned"
        page = s.get_one(Page, page_id)
        assert page_status(s, page).approval_status == "pending"


def _emailed(db: Database, kind: str) -> list[str]:
    """Who the first outbox message of `kind` emails."""
    with db.read() as s:
        queued = s.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.kind == kind)
            .order_by(OutboxMessage.id)
        ).first()
        assert queued is not None
        message = Message(
            queued.id,
            queued.message_id,
            queued.kind,
            queued.space_id,
            queued.payload,
            0,
            queued.created_at,
        )
    return sorted(mail.payload["to"]["address"] for mail in fan_out_email(message, db))


@pytest.mark.parametrize("notify", [True, False])
def test_the_request_email_switch_decides_whether_members_are_emailed(
    db: Database, notify: bool
) -> None:
    with db.write() as s:
        scene = Scene(s)
        for person in (scene.carol, scene.dave):
            person.email = f"{person.username}@example.com"
        ask = scene.ask(scene.carol, scene.dave, notify_requests=notify)
        do_request_approval(s, scene.page, ask, **by(scene.bob))
    expected = ["carol@example.com", "dave@example.com"] if notify else []
    assert _emailed(db, "approval.submitted") == expected
