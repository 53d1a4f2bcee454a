"""Submitting, deciding and withdrawing, through the real actions on both databases."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from audit_helpers import actions_since, last_event_id, outbox_kinds
from factories import (
    by,
    edit,
    make_group,
    make_page,
    make_space,
    make_user,
    make_workflow,
    step,
)
from signoff.actions.acting import Acting
from signoff.actions.approvals import (
    do_cancel_request,
    do_record_decision,
    do_submit_page,
)
from signoff.actions.unit import unit_of_work
from signoff.db.models import ApprovalRequest, Decision, Page
from signoff.db.session import Database
from signoff.domain.errors import BadInput, InvalidState, NotAllowed, VersionConflict
from signoff.domain.states import (
    DecisionKind,
    Origin,
    RequestStatus,
    Role,
    Rule,
    StaleOn,
)

APPROVE, REJECT = DecisionKind.approve, DecisionKind.reject


@pytest.fixture
def team(db: Database) -> dict[str, int]:
    """alice admin, bob editor (author), carol and dave viewers who approve."""
    with db.write() as s:
        alice, bob = make_user(s, "alice"), make_user(s, "bob")
        carol, dave = make_user(s, "carol"), make_user(s, "dave")
        space = make_space(
            s,
            admin=alice,
            members={bob: Role.editor, carol: Role.viewer, dave: Role.viewer},
        )
        page = make_page(s, space, bob)
        return {
            "alice": alice.id,
            "bob": bob.id,
            "carol": carol.id,
            "dave": dave.id,
            "space": space.id,
            "page": page.id,
        }


def users(s, team):  # type: ignore[no-untyped-def]
    from signoff.db.models import User

    return {
        name: s.get(User, ident)
        for name, ident in team.items()
        if name in ("alice", "bob", "carol", "dave")
    }


def test_two_step_review_approves_after_each_step_passes(
    db: Database, team: dict[str, int]
) -> None:
    with db.write() as s:
        u, page = users(s, team), s.get(Page, team["page"])
        make_workflow(
            s,
            page.space,
            u["alice"],
            [step(u["carol"], name="Legal"), step(u["dave"], name="Owner")],
            pages=[page],
        )
        mark = last_event_id(s)
        request = do_submit_page(s, page, **by(u["bob"]))
        do_record_decision(s, page, APPROVE, version=1, comment="", **by(u["carol"]))
        assert request.status == RequestStatus.pending and request.current_step == 1
        do_record_decision(s, page, APPROVE, version=1, comment="fine", **by(u["dave"]))
        assert request.status == RequestStatus.approved
        assert page.approved_request_id == request.id
        assert actions_since(s, mark) == [
            "approval.submitted",
            "approval.decided",
            "approval.step_completed",
            "approval.decided",
            "approval.step_completed",
            "approval.approved",
        ]
        assert "approval.step_started" in outbox_kinds(s)


def test_rejection_ends_the_review_and_skips_later_steps(
    db: Database, team: dict[str, int]
) -> None:
    with db.write() as s:
        u, page = users(s, team), s.get(Page, team["page"])
        make_workflow(
            s, page.space, u["alice"], [step(u["carol"]), step(u["dave"])], pages=[page]
        )
        request = do_submit_page(s, page, **by(u["bob"]))
        mark = last_event_id(s)
        do_record_decision(
            s, page, REJECT, version=1, comment="wrong figures", **by(u["carol"])
        )
        assert request.status == RequestStatus.rejected
        assert [st.status for st in request.steps] == ["rejected", "skipped"]
        assert actions_since(s, mark) == [
            "approval.decided",
            "approval.step_completed",
            "approval.rejected",
        ]


def test_reject_without_comment_is_refused_naming_the_field(
    db: Database, team: dict[str, int]
) -> None:
    with db.write() as s:
        u, page = users(s, team), s.get(Page, team["page"])
        make_workflow(s, page.space, u["alice"], [step(u["carol"])], pages=[page])
        do_submit_page(s, page, **by(u["bob"]))
        with pytest.raises(BadInput) as refused:
            do_record_decision(
                s, page, REJECT, version=1, comment="  ", **by(u["carol"])
            )
        assert refused.value.field == "comment"


def test_quorum_completes_once_enough_distinct_approvers_agree(
    db: Database, team: dict[str, int]
) -> None:
    with db.write() as s:
        u, page = users(s, team), s.get(Page, team["page"])
        make_workflow(
            s,
            page.space,
            u["alice"],
            [step(u["alice"], u["carol"], u["dave"], rule=Rule.quorum, quorum=2)],
            pages=[page],
        )
        request = do_submit_page(s, page, **by(u["bob"]))
        do_record_decision(s, page, APPROVE, version=1, comment=None, **by(u["carol"]))
        assert request.status == RequestStatus.pending
        do_record_decision(s, page, APPROVE, version=1, comment=None, **by(u["dave"]))
        assert request.status == RequestStatus.approved


def test_group_seat_is_filled_by_any_member(db: Database, team: dict[str, int]) -> None:
    with db.write() as s:
        u, page = users(s, team), s.get(Page, team["page"])
        legal = make_group(s, "legal", [u["carol"], u["dave"]])
        make_workflow(s, page.space, u["alice"], [step(groups=[legal])], pages=[page])
        request = do_submit_page(s, page, **by(u["bob"]))
        do_record_decision(s, page, APPROVE, version=1, comment=None, **by(u["dave"]))
        assert request.status == RequestStatus.approved


def test_author_cannot_approve_own_submission(
    db: Database, team: dict[str, int]
) -> None:
    with db.write() as s:
        u, page = users(s, team), s.get(Page, team["page"])
        make_workflow(
            s,
            page.space,
            u["alice"],
            [step(u["bob"], u["carol"], rule=Rule.any)],
            pages=[page],
        )
        do_submit_page(s, page, **by(u["bob"]))
    with (
        pytest.raises(NotAllowed, match="cannot approve their own"),
        unit_of_work(db, origin=Origin.ui) as s,
    ):
        u, page = users(s, team), s.get(Page, team["page"])
        do_record_decision(s, page, APPROVE, version=1, comment=None, **by(u["bob"]))
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Decision)) == 0
        assert actions_since(s, 0)[-1] == "auth.denied"


def test_self_approval_is_allowed_when_the_workflow_says_so(
    db: Database, team: dict[str, int]
) -> None:
    with db.write() as s:
        u, page = users(s, team), s.get(Page, team["page"])
        make_workflow(
            s,
            page.space,
            u["alice"],
            [step(u["bob"])],
            pages=[page],
            allow_self_approval=True,
        )
        request = do_submit_page(s, page, **by(u["bob"]))
        do_record_decision(s, page, APPROVE, version=1, comment=None, **by(u["bob"]))
        assert request.status == RequestStatus.approved


def test_someone_who_holds_no_seat_is_refused_and_the_refusal_is_audited(
    db: Database, team: dict[str, int]
) -> None:
    with db.write() as s:
        u, page = users(s, team), s.get(Page, team["page"])
        make_workflow(s, page.space, u["alice"], [step(u["carol"])], pages=[page])
        do_submit_page(s, page, **by(u["bob"]))
        mark = last_event_id(s)
    with (
        pytest.raises(NotAllowed),
        unit_of_work(db, origin=Origin.api, client_id="ci") as s,
    ):
        u, page = users(s, team), s.get(Page, team["page"])
        do_record_decision(s, page, APPROVE, version=1, comment=None, **by(u["dave"]))
    with db.read() as s:
        assert actions_since(s, mark) == ["auth.denied"]
        assert s.scalar(select(func.count()).select_from(Decision)) == 0


def test_an_approver_decides_once_per_step(db: Database, team: dict[str, int]) -> None:
    with db.write() as s:
        u, page = users(s, team), s.get(Page, team["page"])
        make_workflow(
            s, page.space, u["alice"], [step(u["carol"], u["dave"])], pages=[page]
        )
        do_submit_page(s, page, **by(u["bob"]))
        do_record_decision(s, page, APPROVE, version=1, comment=None, **by(u["carol"]))
        with pytest.raises(InvalidState, match="already decided"):
            do_record_decision(
                s, page, APPROVE, version=1, comment=None, **by(u["carol"])
            )


def test_decision_on_another_version_is_a_version_conflict(
    db: Database, team: dict[str, int]
) -> None:
    with db.write() as s:
        u, page = users(s, team), s.get(Page, team["page"])
        make_workflow(
            s,
            page.space,
            u["alice"],
            [step(u["carol"])],
            pages=[page],
            expire_on_edit=False,
        )
        do_submit_page(s, page, **by(u["bob"]))
        edit(s, page, u["bob"], "<p>v2 changed</p>")
        with pytest.raises(VersionConflict) as conflict:
            do_record_decision(
                s, page, APPROVE, version=2, comment=None, **by(u["carol"])
            )
        assert (conflict.value.expected, conflict.value.given) == (1, 2)


def test_decision_may_name_a_no_op_save_of_the_reviewed_version(
    db: Database, team: dict[str, int]
) -> None:
    with db.write() as s:
        u, page = users(s, team), s.get(Page, team["page"])
        make_workflow(s, page.space, u["alice"], [step(u["carol"])], pages=[page])
        request = do_submit_page(s, page, **by(u["bob"]))
        edit(s, page, u["bob"], "<p>v1</p>\n")
        assert request.status == RequestStatus.pending
        do_record_decision(s, page, APPROVE, version=2, comment=None, **by(u["carol"]))
        assert request.status == RequestStatus.approved


def test_edit_during_review_supersedes_it(db: Database, team: dict[str, int]) -> None:
    with db.write() as s:
        u, page = users(s, team), s.get(Page, team["page"])
        make_workflow(s, page.space, u["alice"], [step(u["carol"])], pages=[page])
        request = do_submit_page(s, page, **by(u["bob"]))
        mark = last_event_id(s)
        edit(s, page, u["bob"], "<p>v2</p>")
        assert request.status == RequestStatus.superseded
        assert actions_since(s, mark) == ["page.edited", "approval.superseded"]
        with pytest.raises(InvalidState, match="No approval is pending"):
            do_record_decision(
                s, page, APPROVE, version=1, comment=None, **by(u["carol"])
            )


def test_edit_after_approval_makes_it_stale_once(
    db: Database, team: dict[str, int]
) -> None:
    with db.write() as s:
        u, page = users(s, team), s.get(Page, team["page"])
        make_workflow(s, page.space, u["alice"], [step(u["carol"])], pages=[page])
        do_submit_page(s, page, **by(u["bob"]))
        do_record_decision(s, page, APPROVE, version=1, comment=None, **by(u["carol"]))
        mark = last_event_id(s)
        edit(s, page, u["bob"], "<p>v2</p>", minutes=5)
        edit(s, page, u["bob"], "<p>v3</p>", minutes=6)
        assert actions_since(s, mark) == [
            "page.edited",
            "approval.stale",
            "page.edited",
        ]


@pytest.mark.parametrize(
    ("stale_on", "expected"),
    [
        (StaleOn.content, ["page.edited"]),
        (StaleOn.version, ["page.edited", "approval.stale"]),
    ],
)
def test_no_op_save_after_approval_is_stale_only_under_version_rule(
    db: Database, team: dict[str, int], stale_on: StaleOn, expected: list[str]
) -> None:
    with db.write() as s:
        u, page = users(s, team), s.get(Page, team["page"])
        make_workflow(
            s,
            page.space,
            u["alice"],
            [step(u["carol"])],
            pages=[page],
            stale_on=stale_on,
        )
        do_submit_page(s, page, **by(u["bob"]))
        do_record_decision(s, page, APPROVE, version=1, comment=None, **by(u["carol"]))
        mark = last_event_id(s)
        edit(s, page, u["bob"], "<p>v1</p>  ")
        assert actions_since(s, mark) == expected


def test_submit_is_refused_while_a_review_is_pending(
    db: Database, team: dict[str, int]
) -> None:
    with db.write() as s:
        u, page = users(s, team), s.get(Page, team["page"])
        make_workflow(s, page.space, u["alice"], [step(u["carol"])], pages=[page])
        do_submit_page(s, page, **by(u["bob"]))
        with pytest.raises(InvalidState, match="already pending"):
            do_submit_page(s, page, **by(u["bob"]))


def test_strict_submit_refuses_when_several_workflows_could_apply(
    db: Database, team: dict[str, int]
) -> None:
    with db.write() as s:
        u, page = users(s, team), s.get(Page, team["page"])
        make_workflow(s, page.space, u["alice"], [step(u["carol"])], name="One")
        make_workflow(s, page.space, u["alice"], [step(u["dave"])], name="Two")
        with pytest.raises(InvalidState, match="Several workflows"):
            do_submit_page(s, page, **by(u["bob"]))


def test_submit_without_any_workflow_says_so(
    db: Database, team: dict[str, int]
) -> None:
    with db.write() as s:
        u, page = users(s, team), s.get(Page, team["page"])
        with pytest.raises(InvalidState, match="No workflow assigned"):
            do_submit_page(s, page, **by(u["bob"]))


def test_viewer_cannot_submit_and_only_the_refusal_is_written(
    db: Database, team: dict[str, int]
) -> None:
    with db.write() as s:
        u, page = users(s, team), s.get(Page, team["page"])
        make_workflow(s, page.space, u["alice"], [step(u["dave"])], pages=[page])
        mark = last_event_id(s)
    with pytest.raises(NotAllowed), unit_of_work(db, origin=Origin.ui) as s:
        u, page = users(s, team), s.get(Page, team["page"])
        do_submit_page(s, page, **by(u["carol"]))
    with db.read() as s:
        assert actions_since(s, mark) == ["auth.denied"]
        assert s.scalar(select(func.count()).select_from(ApprovalRequest)) == 0


def test_submitter_withdraws_and_others_need_admin(
    db: Database, team: dict[str, int]
) -> None:
    with db.write() as s:
        u, page = users(s, team), s.get(Page, team["page"])
        make_workflow(s, page.space, u["alice"], [step(u["carol"])], pages=[page])
        request = do_submit_page(s, page, **by(u["bob"]))
        with pytest.raises(NotAllowed):
            do_cancel_request(s, page, **by(u["carol"]))
        mark = last_event_id(s)
        do_cancel_request(s, page, **by(u["bob"]))
        assert request.status == RequestStatus.cancelled
        assert actions_since(s, mark) == ["approval.cancelled"]


def test_no_eligible_approver_blocks_submit(db: Database, team: dict[str, int]) -> None:
    with db.write() as s:
        u, page = users(s, team), s.get(Page, team["page"])
        make_workflow(
            s, page.space, u["alice"], [step(u["bob"], name="Owner")], pages=[page]
        )
        with pytest.raises(InvalidState, match="No eligible approver for step 'Owner'"):
            do_submit_page(s, page, **by(u["bob"]))


def test_api_origin_is_recorded_with_client_and_via_api_text(
    db: Database, team: dict[str, int]
) -> None:
    from signoff.db.models import AuditEvent

    with db.write() as s:
        u, page = users(s, team), s.get(Page, team["page"])
        make_workflow(s, page.space, u["alice"], [step(u["carol"])], pages=[page])
        request = do_submit_page(
            s,
            page,
            by=Acting(u["bob"], Origin.api, "pat:7", page.created_at),
        )
        event = s.scalars(
            select(AuditEvent).where(AuditEvent.request_id == request.id)
        ).one()
        assert (event.origin, event.client_id) == ("api", "pat:7")
        assert event.text.endswith("(via API)")
        assert request.origin == "api"
