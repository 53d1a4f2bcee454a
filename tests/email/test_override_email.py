"""An override emails the approvers it went around and the submitter, through the
real outbox worker and a real SMTP server on loopback: who overrode, to what, why."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from mailscene import BASE_URL, Scene, build, html_of, recipients, running, text_of

from factories import by
from signoff.actions.overrides import do_override_review
from signoff.db.session import Database
from signoff.domain.states import DecisionKind

REASON = "Security fix: ship today <now> & explain later."


@pytest.fixture
def scene(db: Database, tmp_path: Path) -> Iterator[Scene]:
    yield from running(build(db, tmp_path))


def override(scene: Scene, decision: DecisionKind) -> None:
    with scene.db.write() as session:
        do_override_review(
            session,
            scene.page(session),
            decision,
            version=1,
            reason=REASON,
            **by(scene.user(session, "admin")),
        )


def test_an_override_emails_the_approvers_it_went_around_and_the_submitter(
    scene: Scene,
) -> None:
    scene.submit()
    scene.decide("approver", DecisionKind.approve)
    scene.drain()
    scene.server.mailbox.received.clear()

    override(scene, DecisionKind.approve)
    scene.drain()

    # The approver had decided and was not gone around; quiet turned email off; the
    # group's member without an address and its deactivated member get nothing.
    assert recipients(scene.mail) == [
        "Ann <ann@example.com>",
        "Editor <editor@example.com>",
    ]
    mail = scene.server.mailbox.to("ann@example.com")[0]
    assert mail["Subject"] == "[DOCS] Overridden: Policy (version 1) was approved"
    text, html = text_of(mail), html_of(mail)
    assert "Admin overrode the review" in text and "approved" in text
    assert REASON in text
    assert "Security fix: ship today &lt;now&gt; &amp; explain later." in html
    assert f"{BASE_URL}/spaces/DOCS/pages/{scene.page_ids[0]}" in html
    assert "no longer needed" in text


def test_an_override_to_rejected_says_so(scene: Scene) -> None:
    scene.submit()
    scene.drain()
    scene.server.mailbox.received.clear()

    override(scene, DecisionKind.reject)
    scene.drain()

    subjects = {str(mail["Subject"]) for mail in scene.mail}
    assert subjects == {"[DOCS] Overridden: Policy (version 1) was rejected"}
