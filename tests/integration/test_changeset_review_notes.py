"""Each page of a change set in a few words, on both databases: the change its
review measured, the step it waits on, and who rejected it and why."""

from __future__ import annotations

from factories import (
    by,
    edit,
    later,
    make_change_set,
    make_page,
    make_space,
    make_user,
    make_workflow,
    step,
)
from signoff.actions.approvals import do_record_decision, do_submit_page
from signoff.db.session import Database
from signoff.domain.states import DecisionKind, Role
from signoff.queries.changeset_review import review_notes


def test_the_notes_say_what_changed_where_each_review_waits_and_why_it_failed(
    db: Database,
) -> None:
    with db.write() as s:
        alice, bob = make_user(s, "alice"), make_user(s, "bob")
        carol, dave = make_user(s, "carol"), make_user(s, "dave")
        space = make_space(
            s,
            admin=alice,
            members={bob: Role.editor, carol: Role.viewer, dave: Role.viewer},
        )
        make_workflow(
            s,
            space,
            alice,
            [step(carol, name="Legal"), step(dave, name="Ops")],
            space_default=True,
        )
        first = make_page(s, space, bob, title="First", body="<p>One two</p>")
        second = make_page(s, space, bob, title="Second", body="<p>Three</p>")
        draft = make_page(s, space, bob, title="Draft", body="<p>Later</p>")
        edit(s, first, bob, "<p>One two three</p>", minutes=1)
        change_set = make_change_set(s, space, bob, [first, second, draft])
        do_submit_page(s, first, **by(bob, now=later(2)))
        do_submit_page(s, second, **by(bob, now=later(2)))
        do_record_decision(
            s,
            second,
            DecisionKind.reject,
            version=1,
            comment="Needs <b>work</b>",
            **by(carol, now=later(3)),
        )
        notes = review_notes(s, change_set.id)
    assert set(notes) == {first.id, second.id}
    assert notes[first.id].change_summary == "1 paragraph changed, 1 word"
    assert notes[first.id].current_step == "Legal"
    assert notes[first.id].rejections == ()
    rejected = notes[second.id]
    assert rejected.current_step is None
    assert [(r.by, r.comment) for r in rejected.rejections] == [
        ("Carol", "Needs <b>work</b>")
    ]


def test_a_set_with_no_reviews_has_no_notes(db: Database) -> None:
    with db.write() as s:
        alice, bob = make_user(s, "alice"), make_user(s, "bob")
        space = make_space(s, admin=alice, members={bob: Role.editor})
        page = make_page(s, space, bob)
        change_set = make_change_set(s, space, bob, [page])
        assert review_notes(s, change_set.id) == {}
