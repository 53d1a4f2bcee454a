"""Who approval email reaches, end to end over a real SMTP server on loopback: the
approvers a review asked when it was submitted (however soon it was decided), and
never anyone who may not read the space when the mail goes out."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from mailscene import Scene, build, recipients, running, text_of
from sqlalchemy import select

from factories import by
from signoff.actions.groups import do_add_group_member
from signoff.actions.users import do_create_user
from signoff.db.models import Group, OutboxMessage
from signoff.db.session import Database
from signoff.domain.states import DecisionKind, Origin

APPROVE = DecisionKind.approve
ANN = "Ann <ann@example.com>"
APPROVER = "Approver <approver@example.com>"
EDITOR = "Editor <editor@example.com>"


@pytest.fixture
def scene(db: Database, tmp_path: Path) -> Iterator[Scene]:
    yield from running(build(db, tmp_path))


def requested(scene: Scene) -> list[str]:
    return recipients(
        [mail for mail in scene.mail if "Approval requested" in str(mail["Subject"])]
    )


def addresses(scene: Scene) -> set[str]:
    return {str(mail["To"]) for mail in scene.mail}


def test_a_review_approved_before_the_worker_ran_still_sent_its_request_mails(
    scene: Scene,
) -> None:
    scene.submit()
    for name in ("approver", "quiet", "ann"):  # all of them, before any delivery
        scene.decide(name, APPROVE)
    scene.drain()
    assert requested(scene) == [ANN, APPROVER]
    mail = scene.server.mailbox.to("ann@example.com")[0]
    assert "Review" in text_of(mail)  # the step it asked for, though it is over
    outcome = [str(m["Subject"]) for m in scene.mail if str(m["To"]) == EDITOR]
    assert outcome[-1] == "[DOCS] Approved: Policy (version 1)"


def test_the_submission_records_whom_it_asked(scene: Scene) -> None:
    scene.submit()
    with scene.db.read() as session:
        event = session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "approval.submitted")
        ).one()
    # Everyone holding a seat, reachable by mail or not; the worker filters later.
    asked = sorted(scene.ids[name] for name in ("approver", "quiet", "ann", "nomail"))
    gone = scene.ids["gone"]  # deactivated, but still in the group: asked, not mailed
    assert event.payload["recipients"] == sorted([*asked, gone])


def test_a_member_removed_mid_review_gets_nothing_more(scene: Scene) -> None:
    scene.submit()
    scene.decide("approver", APPROVE)
    worker = scene.worker()
    worker.run_once()  # the events fan out: their mails are queued, not yet sent
    scene.remove("approver")
    scene.decide("quiet", APPROVE)
    scene.decide("ann", APPROVE)  # the seats left are filled: approved
    scene.edit("admin", "<p>v2</p>")  # stale: the people who approved are told
    scene.drain(worker)
    assert APPROVER not in addresses(scene)
    assert requested(scene) == [ANN]
    stale = [m for m in scene.mail if "Approval stale" in str(m["Subject"])]
    assert recipients(stale) == [ANN, EDITOR]


def test_a_group_member_outside_the_space_is_not_asked(
    db: Database, tmp_path: Path
) -> None:
    for scene in running(build(db, tmp_path)):
        with scene.db.write() as session:
            visitor = do_create_user(
                session,
                "visitor",
                None,
                display_name="Visitor",
                email="visitor@example.com",
                **by(None, Origin.cli),
            )
            reviewers = session.scalars(select(Group)).one()
            do_add_group_member(session, reviewers, visitor, **by(None, Origin.cli))
        scene.submit()
        scene.drain()
        assert requested(scene) == [ANN, APPROVER]


def test_an_event_recorded_before_recipients_were_kept_still_mails(
    scene: Scene,
) -> None:
    scene.submit()
    with scene.db.write() as session:
        event = session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "approval.submitted")
        ).one()
        event.payload = {
            key: value for key, value in event.payload.items() if key != "recipients"
        }
    scene.drain()
    assert requested(scene) == [ANN, APPROVER]


def test_a_mail_queued_before_it_named_its_recipient_still_goes(
    scene: Scene,
) -> None:
    scene.submit()
    worker = scene.worker()
    worker.run_once()
    with scene.db.write() as session:
        for mail in session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "email.send")
        ):
            mail.payload = {
                key: value
                for key, value in mail.payload.items()
                if key != "recipientId"
            }
    scene.drain(worker)
    assert requested(scene) == [ANN, APPROVER]
