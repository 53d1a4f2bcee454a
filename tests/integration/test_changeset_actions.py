"""Change sets: shared context, read-only once archived, and partial bulk submit."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from audit_helpers import actions_since, last_event_id
from factories import (
    by,
    make_change_set,
    make_page,
    make_space,
    make_user,
    make_workflow,
    step,
)
from signoff.actions.approvals import do_submit_page
from signoff.actions.changesets import (
    check_submit_change_set,
    do_archive_change_set,
    do_create_change_set,
    do_submit_change_set,
    do_update_change_set,
)
from signoff.db.models import ApprovalRequest, AuditEvent, ChangeSet, Page, User
from signoff.db.session import Database
from signoff.domain.errors import BadInput, InvalidState
from signoff.domain.states import Role


@pytest.fixture
def ids(db: Database) -> dict[str, int]:
    with db.write() as s:
        alice, bob, carol = (
            make_user(s, "alice"),
            make_user(s, "bob"),
            make_user(s, "carol"),
        )
        space = make_space(
            s, admin=alice, members={bob: Role.editor, carol: Role.viewer}
        )
        pages = [make_page(s, space, bob, title=f"Page {n}") for n in range(4)]
        return {
            "alice": alice.id,
            "bob": bob.id,
            "carol": carol.id,
            "space": space.id,
            **{f"p{n}": page.id for n, page in enumerate(pages)},
        }


def test_bulk_submit_reports_each_page_and_keeps_what_succeeded(
    db: Database, ids: dict[str, int]
) -> None:
    with db.write() as s:
        alice, bob, carol = (s.get(User, ids[n]) for n in ("alice", "bob", "carol"))
        pages = [s.get(Page, ids[f"p{n}"]) for n in range(4)]
        make_workflow(s, pages[0].space, alice, [step(carol)], pages=pages[:3])
        # a second active workflow, so the unassigned page has no single fallback
        make_workflow(s, pages[0].space, alice, [step(alice)], name="Other")
        do_submit_page(s, pages[1], **by(bob))  # already pending: will be skipped
        change_set = make_change_set(s, pages[0].space, bob, pages)
        mark = last_event_id(s)
        results = do_submit_change_set(s, change_set, **by(bob))
        assert [(r.success, r.reason) for r in results] == [
            (True, None),
            (False, "An approval is already pending"),
            (True, None),
            (False, "No workflow assigned"),
        ]
        assert actions_since(s, mark) == [
            "approval.submitted",
            "approval.submitted",
            "changeset.submitted",
        ]
        submitted = s.scalars(
            select(AuditEvent).where(AuditEvent.action == "changeset.submitted")
        ).one()
        assert submitted.details["title"] == "Release"
        assert submitted.details["referenceUrl"] == "https://git.example.com/pr/1"
        assert submitted.details["submittedCount"] == 2
        assert submitted.details["skippedCount"] == 2
        linked = s.scalars(
            select(ApprovalRequest.page_id).where(
                ApprovalRequest.change_set_id == change_set.id
            )
        ).all()
        assert sorted(linked) == sorted([pages[0].id, pages[2].id])


def test_preflight_agrees_with_submit_and_writes_nothing(
    db: Database, ids: dict[str, int]
) -> None:
    with db.write() as s:
        alice, bob, carol = (s.get(User, ids[n]) for n in ("alice", "bob", "carol"))
        pages = [s.get(Page, ids[f"p{n}"]) for n in range(4)]
        make_workflow(s, pages[0].space, alice, [step(carol)], pages=pages[:2])
        change_set = make_change_set(s, pages[0].space, bob, pages)
        change_set_id = change_set.id
    with db.read() as s:
        change_set, bob = s.get(ChangeSet, change_set_id), s.get(User, ids["bob"])
        before = s.scalar(select(func.count()).select_from(AuditEvent))
        preflight = check_submit_change_set(s, change_set, actor=bob)
        assert s.scalar(select(func.count()).select_from(AuditEvent)) == before
    with db.write() as s:
        change_set, bob = s.get(ChangeSet, change_set_id), s.get(User, ids["bob"])
        submitted = do_submit_change_set(s, change_set, **by(bob))
    assert [(p.success, p.reason) for p in preflight] == [
        (r.success, r.reason) for r in submitted
    ]


def test_archived_change_set_is_read_only(db: Database, ids: dict[str, int]) -> None:
    with db.write() as s:
        bob = s.get(User, ids["bob"])
        change_set = make_change_set(s, s.get(Page, ids["p0"]).space, bob, [])
        do_archive_change_set(s, change_set, **by(bob))
        with pytest.raises(InvalidState, match="archived"):
            do_update_change_set(s, change_set, title="New", **by(bob))
        with pytest.raises(InvalidState, match="archived"):
            do_submit_change_set(s, change_set, **by(bob))
        with pytest.raises(InvalidState, match="archived"):
            do_archive_change_set(s, change_set, **by(bob))
        preflight = check_submit_change_set(s, change_set, actor=bob)
        assert preflight == []


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "ftp://example.com/x",
        "http://user@evil.example/",
        "//example.com",
        "https://exa mple.com",
    ],
)
def test_reference_url_must_be_http_or_https(
    db: Database, ids: dict[str, int], url: str
) -> None:
    with db.write() as s:
        bob = s.get(User, ids["bob"])
        with pytest.raises(BadInput) as refused:
            do_create_change_set(
                s, s.get(Page, ids["p0"]).space, title="T", reference_url=url, **by(bob)
            )
        assert refused.value.field == "referenceUrl"


def test_page_refs_must_belong_to_the_space_and_not_repeat(
    db: Database, ids: dict[str, int]
) -> None:
    with db.write() as s:
        alice, bob = s.get(User, ids["alice"]), s.get(User, ids["bob"])
        space = s.get(Page, ids["p0"]).space
        other = make_space(s, "OTHER", admin=alice, members={bob: Role.editor})
        foreign = make_page(s, other, bob, title="Elsewhere")
        with pytest.raises(BadInput) as refused:
            do_create_change_set(
                s, space, title="T", page_ids=[ids["p0"], foreign.id], **by(bob)
            )
        assert refused.value.field == "pageRefs[1].pageId"
        with pytest.raises(BadInput, match="listed twice"):
            do_create_change_set(
                s, space, title="T", page_ids=[ids["p0"], ids["p0"]], **by(bob)
            )


def test_update_changes_only_what_is_given(db: Database, ids: dict[str, int]) -> None:
    with db.write() as s:
        bob = s.get(User, ids["bob"])
        pages = [s.get(Page, ids[f"p{n}"]) for n in range(2)]
        change_set = make_change_set(s, pages[0].space, bob, pages)
        mark = last_event_id(s)
        do_update_change_set(
            s, change_set, summary="New summary", page_ids=[pages[1].id], **by(bob)
        )
        assert change_set.title == "Release"
        assert change_set.reference_url == "https://git.example.com/pr/1"
        assert [ref.page_id for ref in change_set.page_refs] == [pages[1].id]
        assert actions_since(s, mark) == ["changeset.updated"]
        do_update_change_set(s, change_set, reference_url=None, **by(bob))
        assert change_set.reference_url is None


def test_viewer_cannot_create_change_sets(db: Database, ids: dict[str, int]) -> None:
    from signoff.domain.errors import NotAllowed

    with db.write() as s:
        carol = s.get(User, ids["carol"])
        with pytest.raises(NotAllowed):
            do_create_change_set(
                s, s.get(Page, ids["p0"]).space, title="T", **by(carol)
            )
