"""Groups managed by site administrators: create, rename, members, delete; leaving a
group stops reviews waiting for the person and counts them again (both databases)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from audit_helpers import actions_since, last_event_id
from factories import by, make_group, make_page, make_space, make_user
from signoff.actions.approvals import do_record_decision, do_submit_page
from signoff.actions.groups import (
    do_add_group_member,
    do_create_group,
    do_delete_group,
    do_remove_group_member,
    do_rename_group,
)
from signoff.actions.workflows import do_create_workflow
from signoff.db.models import (
    ApprovalRequest,
    AuditEvent,
    Group,
    GroupMember,
    Page,
    ReviewAssignment,
    Space,
    User,
)
from signoff.db.session import Database
from signoff.domain.errors import BadInput, InvalidState, NotAllowed
from signoff.domain.states import DecisionKind, Role, Rule
from signoff.domain.workflows import StepDefinition


@dataclass
class Site:
    db: Database
    ids: dict[str, int]

    def user(self, session: Session, name: str) -> User:
        return session.get_one(User, self.ids[name])

    def group(self, session: Session, name: str = "legal") -> Group:
        return session.get_one(Group, self.ids[name])


@pytest.fixture
def site(db: Database) -> Site:
    """root is a site admin; alice admins DOCS, bob edits (the author); carol, dave
    and erin view; dave and erin are in `legal`, erin also in `counsel`."""
    with db.write() as s:
        people = {name: make_user(s, name) for name in ("alice", "bob", "carol")}
        people |= {name: make_user(s, name) for name in ("dave", "erin")}
        people["root"] = make_user(s, "root", site_admin=True)
        space = make_space(
            s,
            admin=people["alice"],
            members={
                people["bob"]: Role.editor,
                **{people[n]: Role.viewer for n in ("carol", "dave", "erin")},
            },
        )
        ids = {name: user.id for name, user in people.items()}
        ids["legal"] = make_group(s, "legal", [people["dave"], people["erin"]]).id
        ids["counsel"] = make_group(s, "counsel", [people["erin"]]).id
        ids["space"] = space.id
        ids["page"] = make_page(s, space, people["bob"]).id
    return Site(db, ids)


def step(
    site: Site,
    *names: str,
    groups: Sequence[str] = ("legal",),
    rule: Rule = Rule.all,
    quorum: int | None = None,
) -> StepDefinition:
    return StepDefinition(
        name="Review",
        approver_ids=tuple(site.ids[n] for n in names),
        group_ids=tuple(site.ids[g] for g in groups),
        rule=rule,
        quorum=quorum,
        min_rejections=1,
    )


def submit_with(site: Site, *steps: StepDefinition) -> int:
    with site.db.write() as s:
        space = s.get_one(Space, site.ids["space"])
        do_create_workflow(
            s, space, name="Review", steps=steps, **by(site.user(s, "alice"))
        )
        page = s.get_one(Page, site.ids["page"])
        return do_submit_page(s, page, **by(site.user(s, "bob"))).id


def approve(site: Site, name: str) -> None:
    with site.db.write() as s:
        page = s.get_one(Page, site.ids["page"])
        do_record_decision(
            s,
            page,
            DecisionKind.approve,
            version=1,
            comment=None,
            **by(site.user(s, name)),
        )


def leave(site: Site, name: str, group: str = "legal") -> int:
    """`name` leaves `group` by root's hand; the id of the last event before it."""
    with site.db.write() as s:
        mark = last_event_id(s)
        do_remove_group_member(
            s, site.group(s, group), site.user(s, name), **by(site.user(s, "root"))
        )
        return mark


def review(site: Site, request_id: int) -> tuple[str, list[str]]:
    with site.db.read() as s:
        request = s.get_one(ApprovalRequest, request_id)
        return request.status, [st.status for st in request.steps]


def waiting_for(site: Site, request_id: int) -> list[int]:
    with site.db.read() as s:
        return sorted(
            s.scalars(
                select(ReviewAssignment.user_id).where(
                    ReviewAssignment.request_id == request_id
                )
            )
        )


def members(site: Site, group: str = "legal") -> set[int]:
    with site.db.read() as s:
        return set(
            s.scalars(
                select(GroupMember.user_id).where(
                    GroupMember.group_id == site.ids[group]
                )
            )
        )


def test_site_admin_creates_renames_and_deletes_a_group_each_audited(
    site: Site,
) -> None:
    with site.db.write() as s:
        mark = last_event_id(s)
        root = site.user(s, "root")
        group = do_create_group(s, "editors", **by(root))
        do_rename_group(s, group, "copy-editors", **by(root))
        do_add_group_member(s, group, site.user(s, "carol"), **by(root))
        do_remove_group_member(s, group, site.user(s, "carol"), **by(root))
        do_delete_group(s, group, **by(root))
        assert actions_since(s, mark) == [
            "group.created",
            "group.renamed",
            "group.member_added",
            "group.member_removed",
            "group.deleted",
        ]
        renamed = s.scalars(
            select(AuditEvent).where(AuditEvent.action == "group.renamed")
        ).one()
        assert renamed.details == {"group": "copy-editors", "previousName": "editors"}
        assert renamed.actor_id == root.id
        assert s.scalar(select(Group).where(Group.name == "copy-editors")) is None


@pytest.mark.parametrize("who", ["alice", "carol"])
def test_people_who_are_not_site_admins_cannot_change_groups(
    site: Site, who: str
) -> None:
    with site.db.write() as s:
        person = site.user(s, who)
        legal = site.group(s)
        for attempt in (
            lambda: do_create_group(s, "mine", **by(person)),
            lambda: do_rename_group(s, legal, "mine", **by(person)),
            lambda: do_add_group_member(s, legal, person, **by(person)),
            lambda: do_remove_group_member(
                s, legal, site.user(s, "dave"), **by(person)
            ),
            lambda: do_delete_group(s, legal, **by(person)),
        ):
            with pytest.raises(NotAllowed, match="Only site administrators"):
                attempt()
    assert members(site) == {site.ids["dave"], site.ids["erin"]}


@pytest.mark.parametrize("name", ["", "Legal", "has space", "-dash", "x" * 101])
def test_a_group_name_out_of_pattern_is_refused(site: Site, name: str) -> None:
    with site.db.write() as s, pytest.raises(BadInput) as refused:
        do_create_group(s, name, **by(site.user(s, "root")))
    assert refused.value.field == "name"


def test_a_group_cannot_take_a_name_already_used(site: Site) -> None:
    with site.db.write() as s:
        root = site.user(s, "root")
        with pytest.raises(InvalidState, match="'counsel' already exists"):
            do_create_group(s, "counsel", **by(root))
        with pytest.raises(InvalidState, match="'counsel' already exists"):
            do_rename_group(s, site.group(s), "counsel", **by(root))
        with pytest.raises(BadInput) as bad:
            do_rename_group(s, site.group(s), "Not OK", **by(root))
        assert bad.value.field == "newName"


def test_adding_someone_already_in_the_group_is_refused(site: Site) -> None:
    with site.db.write() as s, pytest.raises(InvalidState, match="already in group"):
        do_add_group_member(
            s, site.group(s), site.user(s, "dave"), **by(site.user(s, "root"))
        )


def test_removing_someone_not_in_the_group_is_refused(site: Site) -> None:
    with site.db.write() as s, pytest.raises(InvalidState, match="not in group"):
        do_remove_group_member(
            s, site.group(s), site.user(s, "carol"), **by(site.user(s, "root"))
        )


def test_a_new_member_is_waited_for_on_the_current_step_the_group_holds(
    site: Site,
) -> None:
    request_id = submit_with(site, step(site, "carol"))
    with site.db.write() as s:
        do_add_group_member(
            s, site.group(s), site.user(s, "alice"), **by(site.user(s, "root"))
        )
    assert site.ids["alice"] in waiting_for(site, request_id)


def test_delete_is_refused_while_a_pending_review_holds_a_seat_for_the_group(
    site: Site,
) -> None:
    submit_with(site, step(site, "carol"))
    with site.db.write() as s, pytest.raises(InvalidState) as refused:
        do_delete_group(s, site.group(s), **by(site.user(s, "root")))
    assert "pending review of 'Policy' version 1 in DOCS" in refused.value.message
    assert members(site) == {site.ids["dave"], site.ids["erin"]}


def test_delete_is_refused_while_a_workflow_names_the_group(site: Site) -> None:
    with site.db.write() as s:
        space = s.get_one(Space, site.ids["space"])
        do_create_workflow(
            s,
            space,
            name="Legal check",
            steps=[step(site, "carol")],
            **by(site.user(s, "alice")),
        )
        with pytest.raises(InvalidState, match="workflow 'Legal check' in DOCS"):
            do_delete_group(s, site.group(s), **by(site.user(s, "root")))


def test_deleting_an_unused_group_removes_it_and_its_memberships(site: Site) -> None:
    with site.db.write() as s:
        do_delete_group(s, site.group(s), **by(site.user(s, "root")))
        event = s.scalars(
            select(AuditEvent).where(AuditEvent.action == "group.deleted")
        ).one()
        assert event.details["members"] == sorted(
            [site.user(s, "dave").account_id, site.user(s, "erin").account_id]
        )
    assert members(site) == set()


def test_leaving_the_group_stops_the_review_waiting_for_them_and_settles_the_step(
    site: Site,
) -> None:
    request_id = submit_with(site, step(site, "carol"))
    approve(site, "carol")
    assert waiting_for(site, request_id) == [site.ids["dave"], site.ids["erin"]]
    leave(site, "erin")
    assert waiting_for(site, request_id) == [site.ids["dave"]]
    mark = leave(site, "dave")
    # Nobody is left to fill the group's seat under `all`: the step cannot pass.
    assert review(site, request_id) == ("rejected", ["rejected"])
    assert actions_since_in(site, mark) == [
        "group.member_removed",
        "approval.step_completed",
        "approval.rejected",
    ]
    assert waiting_for(site, request_id) == []


def test_an_approval_given_through_the_group_stops_counting_when_they_leave(
    site: Site,
) -> None:
    request_id = submit_with(
        site, step(site, "carol", rule=Rule.quorum, quorum=2, groups=("legal",))
    )
    approve(site, "dave")
    leave(site, "dave")
    approve(site, "carol")  # with dave's approval this would have made two
    assert review(site, request_id) == ("pending", ["active"])
    approve(site, "erin")
    assert review(site, request_id) == ("approved", ["approved"])


def test_leaving_a_group_keeps_them_waited_for_through_another_seat(
    site: Site,
) -> None:
    request_id = submit_with(
        site, step(site, "dave", groups=("legal", "counsel"), rule=Rule.any)
    )
    leave(site, "dave")  # still named on the step
    leave(site, "erin")  # still in counsel
    assert waiting_for(site, request_id) == [site.ids["dave"], site.ids["erin"]]
    assert review(site, request_id) == ("pending", ["active"])


def test_leaving_a_group_leaves_reviews_without_its_seats_alone(site: Site) -> None:
    request_id = submit_with(site, step(site, "carol", groups=("counsel",)))
    mark = leave(site, "dave")
    assert actions_since_in(site, mark) == ["group.member_removed"]
    assert review(site, request_id) == ("pending", ["active"])


def actions_since_in(site: Site, mark: int) -> list[str]:
    with site.db.read() as s:
        return actions_since(s, mark)
