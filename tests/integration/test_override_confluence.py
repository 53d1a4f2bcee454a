"""An override of a review of a Confluence page is written back there: the outbox
event fans out into a `confluence.write` whose comment says who overrode the review,
to what, and why."""

from __future__ import annotations

from sqlalchemy import select

from factories import (
    by,
    make_confluence_page,
    make_confluence_site,
    make_space,
    make_user,
    make_workflow,
    step,
)
from signoff.actions.approvals import do_submit_page
from signoff.actions.overrides import do_override_review
from signoff.db.models import OutboxMessage, Page, User
from signoff.db.session import Database
from signoff.domain.states import DecisionKind, Role
from signoff.notify.confluence_fan_out import WRITE_KIND, fan_out_confluence
from signoff.notify.confluence_review import load_event
from signoff.notify.confluence_texts import comment_markup
from signoff.notify.handlers import Message

REASON = "Incident fix; legal reviews it tomorrow."


def test_an_override_of_a_confluence_page_is_told_in_its_thread(db: Database) -> None:
    with db.write() as s:
        alice, bob, carol = (make_user(s, name) for name in ("alice", "bob", "carol"))
        space = make_space(
            s, admin=alice, members={bob: Role.editor, carol: Role.viewer}
        )
        site = make_confluence_site(s)
        page = make_confluence_page(s, space, bob, site, "2654210049")
        make_workflow(s, space, alice, [step(carol)], space_default=True)
        do_submit_page(s, page, **by(bob))
        page_id, alice_id = page.id, alice.id
    with db.write() as s:
        do_override_review(
            s,
            s.get_one(Page, page_id),
            DecisionKind.reject,
            version=1,
            reason=REASON,
            **by(s.get_one(User, alice_id)),
        )
    with db.read() as s:
        row = s.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "approval.overridden")
        ).one()
        message = Message(
            row.id,
            row.message_id,
            row.kind,
            row.space_id,
            dict(row.payload),
            0,
            row.created_at,
        )

    (write,) = fan_out_confluence(message, db)

    assert write.kind == WRITE_KIND
    with db.read() as s:
        event = load_event(s, write.payload, base_url="https://signoff.example.com")
    assert event is not None
    assert (event.decision, event.comment) == ("reject", REASON)
    markup = comment_markup(event) or ""
    assert "Alice overrode the review: version 1 is rejected" in markup
    assert f"Reason: {REASON}" in markup
