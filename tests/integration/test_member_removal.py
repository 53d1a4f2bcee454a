"""Removing a member from a space drops their seats in its pending reviews, and each
review is counted again as a decision would count it (both databases)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from audit_helpers import actions_since, last_event_id
from factories import by, make_group, make_page, make_space, make_user
from signoff.actions.approvals import (
    check_submit_page,
    do_record_decision,
    do_submit_page,
)
from signoff.actions.spaces import do_remove_member
from signoff.actions.workflows import do_create_workflow, do_update_workflow
from signoff.db.models import (
    ApprovalRequest,
    AuditEvent,
    Page,
    RequestStepSeat,
    ReviewAssignment,
    Space,
    User,
    Workflow,
)
from signoff.db.session import Database
from signoff.domain.errors import BadInput
from signoff.domain.states import DecisionKind, Role, Rule
from signoff.domain.workflows import StepDefinition

APPROVE = DecisionKind.approve


@dataclass
class Team:
    db: Database
    ids: dict[str, int]

    def user(self, session: Session, name: str) -> User:
        found = session.get(User, self.ids[name])
        assert found is not None
        return found


@pytest.fixture
def team(db: Database) -> Team:
    """alice admin, bob editor (the author), carol, dave and erin viewers; dave is
    in the group `legal`; a second space OTHER where dave is a viewer too."""
    with db.write() as s:
        people = {name: make_user(s, name) for name in ("alice", "bob", "carol")}
        people |= {name: make_user(s, name) for name in ("dave", "erin")}
        space = make_space(
            s,
            admin=people["alice"],
            members={
                people["bob"]: Role.editor,
                **{people[n]: Role.viewer for n in ("carol", "dave", "erin")},
            },
        )
        other = make_space(
            s,
            "OTHER",
            admin=people["alice"],
            members={people["bob"]: Role.editor, people["dave"]: Role.viewer},
        )
        legal = make_group(s, "legal", [people["dave"]])
        ids = {name: user.id for name, user in people.items()}
        ids |= {"space": space.id, "other": other.id, "legal": legal.id}
        ids["page"] = make_page(s, space, people["bob"]).id
        ids["other_page"] = make_page(s, other, people["bob"]).id
    return Team(db, ids)


def workflow(
    team: Team, steps: Sequence[StepDefinition], *, space: str = "space"
) -> None:
    with team.db.write() as s:
        target = s.get(Space, team.ids[space])
        assert target is not None
        made = do_create_workflow(
            s, target, name="Review", steps=steps, **by(team.user(s, "alice"))
        )
        team.ids[f"workflow_{space}"] = made.id


def seats(
    team: Team,
    *names: str,
    groups: Sequence[str] = (),
    rule: Rule = Rule.all,
    quorum: int | None = None,
    name: str = "Review",
) -> StepDefinition:
    return StepDefinition(
        name=name,
        approver_ids=tuple(team.ids[person] for person in names),
        group_ids=tuple(team.ids[group] for group in groups),
        rule=rule,
        quorum=quorum,
        min_rejections=1,
    )


def submit(team: Team, page: str = "page") -> int:
    with team.db.write() as s:
        found = s.get(Page, team.ids[page])
        assert found is not None
        return do_submit_page(s, found, **by(team.user(s, "bob"))).id


def approve(team: Team, name: str, page: str = "page") -> None:
    with team.db.write() as s:
        found = s.get(Page, team.ids[page])
        assert found is not None
        do_record_decision(
            s, found, APPROVE, version=1, comment=None, **by(team.user(s, name))
        )


def remove(team: Team, name: str, space: str = "space") -> int:
    """Remove `name` from the space; the id of the last event before it."""
    with team.db.write() as s:
        mark = last_event_id(s)
        target = s.get(Space, team.ids[space])
        assert target is not None
        do_remove_member(s, target, team.user(s, name), **by(team.user(s, "alice")))
        return mark


def review(team: Team, request_id: int) -> tuple[str, list[str]]:
    """The review's status and its steps' statuses."""
    with team.db.read() as s:
        request = s.get(ApprovalRequest, request_id)
        assert request is not None
        return request.status, [st.status for st in request.steps]


def actions_after(team: Team, mark: int) -> list[str]:
    with team.db.read() as s:
        return actions_since(s, mark)


def test_an_all_step_whose_remaining_seats_are_filled_passes_when_one_is_dropped(
    team: Team,
) -> None:
    workflow(team, [seats(team, "carol", "dave")])
    request_id = submit(team)
    approve(team, "carol")
    mark = remove(team, "dave")
    assert review(team, request_id) == ("approved", ["approved"])
    assert actions_after(team, mark) == [
        "space.member_removed",
        "approval.seat_dropped",
        "approval.step_completed",
        "approval.approved",
    ]
    with team.db.read() as s:
        page = s.get(Page, team.ids["page"])
        assert page is not None and page.approved_version == 1
        dropped = s.scalars(
            select(AuditEvent).where(AuditEvent.action == "approval.seat_dropped")
        ).one()
        assert (dropped.request_id, dropped.page_id) == (request_id, page.id)
        assert dropped.details == {
            "accountId": _account(s, team, "dave"),
            "steps": ["Review"],
        }
        assert dropped.actor_id == team.ids["alice"]
        assert "Dave left DOCS" in dropped.text
        remaining = s.scalars(select(RequestStepSeat.user_id)).all()
        assert team.ids["dave"] not in remaining


def test_a_quorum_step_that_can_no_longer_be_met_fails_when_a_seat_is_dropped(
    team: Team,
) -> None:
    workflow(team, [seats(team, "carol", "dave", rule=Rule.quorum, quorum=2)])
    request_id = submit(team)
    mark = remove(team, "dave")
    assert review(team, request_id) == ("rejected", ["rejected"])
    assert actions_after(team, mark)[-2:] == [
        "approval.step_completed",
        "approval.rejected",
    ]


def test_a_step_that_can_still_pass_stays_open_and_no_longer_waits_for_them(
    team: Team,
) -> None:
    workflow(team, [seats(team, "carol", "dave", "erin", rule=Rule.quorum, quorum=2)])
    request_id = submit(team)
    mark = remove(team, "dave")
    assert review(team, request_id) == ("pending", ["active"])
    assert actions_after(team, mark) == [
        "space.member_removed",
        "approval.seat_dropped",
    ]
    with team.db.read() as s:
        waiting = s.scalars(
            select(ReviewAssignment.user_id).where(
                ReviewAssignment.request_id == request_id
            )
        ).all()
    assert sorted(waiting) == [team.ids["carol"], team.ids["erin"]]
    approve(team, "carol")
    approve(team, "erin")
    assert review(team, request_id) == ("approved", ["approved"])


def test_a_seat_dropped_on_a_later_step_is_gone_when_that_step_starts(
    team: Team,
) -> None:
    workflow(
        team,
        [seats(team, "carol", name="Editorial"), seats(team, "dave", "erin")],
    )
    request_id = submit(team)
    remove(team, "dave")
    assert review(team, request_id) == ("pending", ["active", "waiting"])
    approve(team, "carol")
    assert review(team, request_id) == ("pending", ["approved", "active"])
    approve(team, "erin")  # all of the seats left: erin's
    assert review(team, request_id) == ("approved", ["approved", "approved"])


def test_a_later_step_left_without_seats_ends_the_review_at_once(
    team: Team,
) -> None:
    workflow(team, [seats(team, "carol", name="Editorial"), seats(team, "dave")])
    request_id = submit(team)
    mark = remove(team, "dave")
    # Nobody could ever approve the second step: waiting on carol would be for
    # nothing, so the review fails now rather than stall when it gets there.
    assert review(team, request_id) == ("rejected", ["skipped", "rejected"])
    assert actions_after(team, mark)[-2:] == [
        "approval.step_completed",
        "approval.rejected",
    ]


def test_a_group_seat_no_longer_counts_a_member_removed_from_the_space(
    team: Team,
) -> None:
    workflow(team, [seats(team, "carol", groups=["legal"])])
    request_id = submit(team)
    mark = remove(team, "dave")
    # The group is still named, but nobody in it may read the space any more.
    assert review(team, request_id) == ("rejected", ["rejected"])
    assert "approval.seat_dropped" not in actions_after(team, mark)


def test_removal_leaves_reviews_in_other_spaces_alone(team: Team) -> None:
    workflow(team, [seats(team, "carol", "dave")])
    workflow(team, [seats(team, "dave")], space="other")
    here = submit(team)
    there = submit(team, "other_page")
    remove(team, "dave")
    assert review(team, here) == ("pending", ["active"])  # carol still to approve
    assert review(team, there) == ("pending", ["active"])
    approve(team, "dave", "other_page")
    assert review(team, there) == ("approved", ["approved"])


def test_a_removed_approver_named_by_a_workflow_holds_no_seat_in_new_reviews(
    team: Team,
) -> None:
    workflow(team, [seats(team, "carol", "dave")])
    remove(team, "dave")
    request_id = submit(team)
    approve(team, "carol")
    assert review(team, request_id) == ("approved", ["approved"])


def test_a_step_whose_only_approver_was_removed_blocks_new_submissions(
    team: Team,
) -> None:
    workflow(team, [seats(team, "dave")])
    remove(team, "dave")
    with team.db.read() as s:
        verdict, _plan = check_submit_page(
            s, s.get(Page, team.ids["page"]), actor=team.user(s, "bob")
        )
    assert verdict.reason == "No eligible approver for step 'Review'"


def test_updating_a_workflow_that_names_a_removed_member_must_replace_them(
    team: Team,
) -> None:
    workflow(team, [seats(team, "carol", "dave")])
    remove(team, "dave")
    with team.db.write() as s:
        alice = team.user(s, "alice")
        stored = s.get(Workflow, team.ids["workflow_space"])
        assert stored is not None
        with pytest.raises(BadInput) as refused:
            do_update_workflow(s, stored, name="Renamed", **by(alice))
        assert refused.value.field == "steps[0].approvers"
        assert "Dave (" in refused.value.message
        assert "not a member of space DOCS" in refused.value.message
        do_update_workflow(s, stored, steps=[seats(team, "carol")], **by(alice))
        assert stored.steps[0].approver_ids == [team.ids["carol"]]


def _account(session: Session, team: Team, name: str) -> str:
    return team.user(session, name).account_id


def test_an_approval_given_before_leaving_no_longer_counts_on_the_step_under_way(
    team: Team,
) -> None:
    workflow(team, [seats(team, "carol", "dave", "erin", rule=Rule.quorum, quorum=2)])
    request_id = submit(team)
    approve(team, "dave")
    remove(team, "dave")
    approve(team, "carol")  # with dave's approval this would have made two
    assert review(team, request_id) == ("pending", ["active"])
    with team.db.read() as s:
        decided = s.scalars(
            select(AuditEvent.action).where(AuditEvent.request_id == request_id)
        ).all()
    assert decided.count("approval.decided") == 2  # dave's stays in the history
    approve(team, "erin")
    assert review(team, request_id) == ("approved", ["approved"])
