"""A decision a delegate made reaches the submitter, as every decision does, and the
seat holder it was made for, over a real SMTP server on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from mailscene import Scene, build, running

from factories import AT, by
from signoff.actions.delegations import do_set_delegation
from signoff.db.session import Database
from signoff.domain.states import DecisionKind

APPROVER = "Approver <approver@example.com>"
EDITOR = "Editor <editor@example.com>"


@pytest.fixture
def scene(db: Database, tmp_path: Path) -> Iterator[Scene]:
    yield from running(build(db, tmp_path))


def _admin_decides_for_the_approver(scene: Scene) -> None:
    with scene.db.write() as session:
        approver = scene.user(session, "approver")
        do_set_delegation(
            session,
            approver,
            scene.user(session, "admin"),
            starts_at=AT - timedelta(days=1),
            ends_at=AT + timedelta(days=1),
            **by(approver),
        )
    scene.decide("admin", DecisionKind.approve)


def test_the_seat_holder_and_the_submitter_hear_of_the_delegates_decision(
    scene: Scene,
) -> None:
    scene.submit()
    _admin_decides_for_the_approver(scene)
    scene.drain()
    decided = [
        str(mail["To"])
        for mail in scene.mail
        if str(mail["Subject"]).startswith("[DOCS] Admin approved Policy")
    ]
    assert sorted(decided) == [APPROVER, EDITOR]


def test_an_own_seat_decision_reaches_only_the_submitter(scene: Scene) -> None:
    scene.submit()
    scene.decide("approver", DecisionKind.approve)
    scene.drain()
    decided = [
        str(mail["To"])
        for mail in scene.mail
        if str(mail["Subject"]).startswith("[DOCS] Approver approved Policy")
    ]
    assert decided == [EDITOR]
