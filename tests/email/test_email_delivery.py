"""Approval email end to end: review events fan out to one `email.send` per person,
the real outbox worker hands each to a real SMTP server on loopback, and failures
are retried (or given up) as the server's replies say."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from mailscene import (
    BASE_URL,
    Scene,
    build,
    html_of,
    recipients,
    running,
    text_of,
)
from mailserver import MailServer
from sqlalchemy import select

from signoff.config import Settings
from signoff.db.models import OutboxMessage
from signoff.db.session import Database
from signoff.domain.states import DecisionKind
from signoff.notify.email import (
    MESSAGE_ID_HEADER,
    EmailSender,
    email_fan_out,
    fan_out_email,
)
from signoff.notify.handlers import GiveUp, Message

APPROVERS = ["Ann <ann@example.com>", "Approver <approver@example.com>"]
EDITOR = "Editor <editor@example.com>"


@pytest.fixture
def scene(db: Database, tmp_path: Path) -> Iterator[Scene]:
    yield from running(build(db, tmp_path))


def page_link(scene: Scene, index: int = 0) -> str:
    return f"{BASE_URL}/spaces/DOCS/pages/{scene.page_ids[index]}"


def test_a_submission_emails_the_steps_approvers_and_no_one_else(
    scene: Scene,
) -> None:
    scene.submit()
    scene.drain()
    # Group members count; the submitter, an opted-out approver, a member without an
    # address and a deactivated member get nothing.
    assert recipients(scene.mail) == APPROVERS
    mail = scene.server.mailbox.to("approver@example.com")[0]
    assert mail["Subject"] == "[DOCS] Approval requested: Policy (version 1)"
    assert mail["From"] == "Signoff <signoff@example.com>"
    assert mail["Auto-Submitted"] == "auto-generated"
    sends = scene.sends()
    assert [row.status for row in sends] == ["delivered", "delivered"]
    ids = {row.message_id for row in sends}
    assert mail[MESSAGE_ID_HEADER] in ids
    assert mail["Message-ID"] == f"<{mail[MESSAGE_ID_HEADER]}@example.com>"
    for body in (text_of(mail), html_of(mail)):
        assert page_link(scene) in body
        assert "Editor submitted" in body and "Review" in body


def test_a_decision_and_the_outcome_email_the_submitter(scene: Scene) -> None:
    scene.submit()
    scene.drain()
    scene.server.mailbox.received.clear()

    scene.decide("approver", DecisionKind.approve, "Looks right.\nShip it.")
    scene.drain()
    (decided,) = scene.mail
    assert decided["To"] == EDITOR
    assert decided["Subject"] == "[DOCS] Approver approved Policy (version 1)"
    assert "Looks right.\nShip it." in text_of(decided)
    assert "Looks right.\nShip it." in html_of(decided)
    assert page_link(scene) in text_of(decided) and page_link(scene) in html_of(decided)

    scene.decide("quiet", DecisionKind.approve)
    scene.decide("ann", DecisionKind.approve)
    scene.drain()
    subjects = [str(mail["Subject"]) for mail in scene.mail]
    assert subjects[-1] == "[DOCS] Approved: Policy (version 1)"
    assert {str(mail["To"]) for mail in scene.mail} == {EDITOR}
    done = scene.mail[-1]
    assert "it was approved" in text_of(done) and page_link(scene) in html_of(done)


def test_a_rejection_tells_the_submitter_why_and_that_the_review_is_over(
    scene: Scene,
) -> None:
    scene.submit()
    scene.drain()
    scene.server.mailbox.received.clear()
    scene.decide("ann", DecisionKind.reject, "Section 2 contradicts <policy> & law.")
    scene.drain()
    decided, done = scene.mail
    assert decided["Subject"] == "[DOCS] Ann rejected Policy (version 1)"
    assert "Section 2 contradicts <policy> & law." in text_of(decided)
    assert "Section 2 contradicts &lt;policy&gt; &amp; law." in html_of(decided)
    assert done["Subject"] == "[DOCS] Rejected: Policy (version 1)"
    assert "submit it again" in text_of(done)


def test_the_html_body_escapes_what_people_typed(db: Database, tmp_path: Path) -> None:
    title = "<script>alert(1)</script> & Co"
    for scene in running(build(db, tmp_path, title=title)):
        scene.submit()
        scene.drain()
        mail = scene.mail[0]
        html = html_of(mail)
        assert "<script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in html
        assert title in text_of(mail)
        assert title in str(mail["Subject"])


def test_workflow_switches_turn_request_and_status_email_off(
    db: Database, tmp_path: Path
) -> None:
    for scene in running(
        build(db, tmp_path, notify_requests=False, notify_status=False)
    ):
        scene.submit()
        scene.drain()
        for name in ("approver", "quiet", "ann"):
            scene.decide(name, DecisionKind.approve, "fine")
        scene.drain()
        assert scene.mail == []
        assert scene.statuses() == []  # nothing queued, not merely not sent


def test_only_status_email_when_requests_are_off(db: Database, tmp_path: Path) -> None:
    for scene in running(build(db, tmp_path, notify_requests=False)):
        scene.submit()
        scene.drain()
        assert scene.mail == []
        scene.decide("approver", DecisionKind.approve)
        scene.drain()
        assert recipients(scene.mail) == [EDITOR]


def test_an_edit_after_approval_tells_submitter_and_approvers_it_is_stale(
    scene: Scene,
) -> None:
    scene.submit()
    for name in ("approver", "quiet", "ann"):
        scene.decide(name, DecisionKind.approve)
    scene.drain()
    scene.server.mailbox.received.clear()
    scene.edit("admin", "<p>v2</p>")
    scene.drain()
    # `quiet` approved too but opted out; the editor of v2 (admin) is not told.
    assert recipients(scene.mail) == [*APPROVERS, EDITOR]
    mail = scene.server.mailbox.to("editor@example.com")[0]
    assert mail["Subject"] == "[DOCS] Approval stale: Policy is now at version 2"
    assert "Admin edited it" in text_of(mail)
    assert "Submit the new version" in text_of(mail)
    assert "Submit the new version" not in text_of(
        scene.server.mailbox.to("ann@example.com")[0]
    )


def test_a_change_set_submission_carries_its_title_summary_and_reference(
    scene: Scene,
) -> None:
    change_set_id = scene.change_set()
    scene.submit(change_set_id=change_set_id)
    scene.drain()
    mail = scene.server.mailbox.to("ann@example.com")[0]
    for body in (text_of(mail), html_of(mail)):
        assert "Release 4.2" in body
        assert "Docs for the release" in body
        assert "https://git.example.com/pr/1" in body
        assert f"{BASE_URL}/changesets/{change_set_id}" in body


def test_mail_waits_for_a_server_that_is_down_then_goes_with_the_same_id(
    scene: Scene,
) -> None:
    down = MailServer()  # a port nothing listens on yet
    worker = scene.worker(port=down.port)
    scene.submit()
    scene.drain(worker)
    assert scene.statuses() == ["retry", "retry"]
    assert all("Connection" in (row.last_error or "") for row in scene.sends())

    down.mailbox.busy = 1  # up, but turns the first message away (451)
    down.start()
    try:
        scene.clock.advance(hours=7)  # past any backoff
        scene.drain(worker)
        assert sorted(scene.statuses()) == ["delivered", "retry"]
        scene.clock.advance(hours=7)
        scene.drain(worker)
        assert scene.statuses() == ["delivered", "delivered"]
    finally:
        down.stop()
    (refused,) = down.mailbox.turned_away
    again = down.mailbox.to(str(refused["To"]))
    assert len(again) == 1
    assert again[0]["Message-ID"] == refused["Message-ID"]
    assert again[0][MESSAGE_ID_HEADER] == refused[MESSAGE_ID_HEADER]
    assert recipients(down.mailbox.received) == APPROVERS


def test_a_recipient_the_server_refuses_for_good_is_given_up(scene: Scene) -> None:
    scene.server.mailbox.refuse = {"ann@example.com"}
    scene.submit()
    scene.drain()
    by_address = {row.payload["to"]["address"]: row for row in scene.sends()}
    assert by_address["ann@example.com"].status == "dead"
    assert "550" in (by_address["ann@example.com"].last_error or "")
    assert by_address["approver@example.com"].status == "delivered"
    assert recipients(scene.mail) == APPROVERS[1:]


def test_without_a_mail_server_nothing_is_queued_or_sent(scene: Scene) -> None:
    off = Settings(data_dir=scene.tmp / "data", base_url=BASE_URL)
    scene.submit()
    (event,) = [row for row in _events(scene) if row.kind == "approval.submitted"]
    assert email_fan_out(off)(event, scene.db) == ()
    assert len(fan_out_email(event, scene.db)) == 2  # what a configured site sends
    with pytest.raises(GiveUp, match="not configured"):
        EmailSender(off, scene.clock)(event, scene.db)


def _events(scene: Scene) -> list[Message]:
    """The committed outbox rows, as the worker hands them to a handler."""
    with scene.db.read() as session:
        rows = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        return [
            Message(
                row.id,
                row.message_id,
                row.kind,
                row.space_id,
                dict(row.payload),
                row.attempts,
                row.created_at,
            )
            for row in rows
        ]
